"""Fingerprints of cached reference data, read in one statement per report.

Several per-process caches must never serve stale data: the service
definitions (open311), the grid index (places), the working calendar
(workcal) and the step time limits (cases).  Each checks a fingerprint of
its table (a row count and the latest change, say) before use, which costs
a round trip to the database each, four per report.

Inside :func:`snapshot` (the intake paths open one around a single report)
the first check reads every registered fingerprint in one statement and
the others take theirs from it.  A snapshot therefore sees the reference
data as it was when the report began, which is what a report needs; code
that changes reference data and reads it back in the same breath must not
run inside one.  Outside a snapshot each check runs its own statement, as
before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class _Probe:
    # SQL select-list items (scalar subqueries) for a database connection.
    sql: Callable[[BaseDatabaseWrapper], str]
    width: int


P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
_PROBES: dict[str, _Probe] = {}
_SQL: dict[tuple[str, tuple[str, ...]], str] = {}
_snapshot: ContextVar[dict[str, tuple] | None] = ContextVar("zhili_freshness", default=None)


def register(name: str, sql: Callable[[BaseDatabaseWrapper], str], width: int) -> None:
    """Declare the fingerprint ``name``: ``sql(connection)`` gives ``width``
    comma-separated scalar expressions, e.g. ``(SELECT COUNT(*) FROM t)``."""
    _PROBES[name] = _Probe(sql, width)


def fingerprint(name: str) -> tuple:
    """The current fingerprint ``name`` (from the snapshot, if one is open)."""
    taken = _snapshot.get()
    if taken is not None:
        if not taken:
            taken.update(_read(tuple(sorted(_PROBES))))
        if name in taken:
            return taken[name]
    return _read((name,))[name]


@contextmanager
def snapshot() -> Iterator[None]:
    """Fingerprints read once, on first use, for everything inside the block."""
    if _snapshot.get() is not None:  # nested: the outer snapshot serves
        yield
        return
    token = _snapshot.set({})
    try:
        yield
    finally:
        _snapshot.reset(token)


def in_snapshot(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` inside a :func:`snapshot` (for actions that file one report)."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with snapshot():
            return fn(*args, **kwargs)

    return wrapper


_cached: dict[str, tuple[tuple, object]] = {}


def cached(name: str, load: Callable[[], T]) -> T:
    """``load()``'s result, kept per process until fingerprint ``name`` moves.

    For small reference tables read on every report: the check is the
    fingerprint (shared with the snapshot), the reload is ``load``.  The
    result is shared between requests and threads: read it, never change it.
    """
    fp = fingerprint(name)
    hit = _cached.get(name)
    if hit is not None and hit[0] == fp:
        return hit[1]  # type: ignore[return-value]
    value = load()
    _cached[name] = (fp, value)
    return value


def _read(names: tuple[str, ...]) -> dict[str, tuple]:
    key = (connection.vendor, names)
    sql = _SQL.get(key)
    if sql is None:
        sql = _SQL[key] = "SELECT " + ", ".join(_PROBES[n].sql(connection) for n in names)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    out, i = {}, 0
    for n in names:
        width = _PROBES[n].width
        out[n] = tuple(row[i : i + width])
        i += width
    return out
