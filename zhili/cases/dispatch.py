"""Choosing the handling unit from the responsibility list (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RuleRow:
    rule_id: int
    category_id: int | None
    area_code: str
    unit_id: int
    priority: int = 0


def choose_rule(rules: Iterable[RuleRow], category_id: int | None, grid_code: str) -> RuleRow | None:
    """The most specific rule for a category at a grid.

    A rule applies when its category is the case's (or empty = any) and its
    area code is a prefix of the grid code (or empty = anywhere).  Among
    applicable rules the one naming the category wins, then the longest area
    code (grid > community > street > district), then the highest priority,
    then the lowest id (stable).
    """
    best: RuleRow | None = None
    best_key: tuple[int, int, int, int] | None = None
    for rule in rules:
        if rule.category_id is not None and rule.category_id != category_id:
            continue
        if rule.area_code and not grid_code.startswith(rule.area_code):
            continue
        key = (1 if rule.category_id is not None else 0, len(rule.area_code), rule.priority, -rule.rule_id)
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best
