"""Clock handlers run by ``zhili tick``.

Each app that keeps clocks provides a ``ticks.py`` module that calls
:func:`register`; ``zhili tick`` discovers them, claims the tick lease with a
conditional UPDATE (so overlapping runs do nothing), runs each handler in its
own transaction and records what each did.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .models import Lease, TickRun

log = logging.getLogger(__name__)
Handler = Callable[[datetime], dict[str, Any]]
_handlers: dict[str, Handler] = {}


def register(name: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        _handlers[name] = fn
        return fn

    return deco


def handlers() -> dict[str, Handler]:
    autodiscover_modules("ticks")
    return dict(_handlers)


def claim_lease(name: str, seconds: int) -> bool:
    """Claim a lease for ``seconds`` unless someone else holds it now."""
    now = timezone.now()
    holder = f"{socket.gethostname()}:{os.getpid()}"
    until = now + timedelta(seconds=seconds)
    # The WHERE clause makes the claim atomic: of two racing UPDATEs only one
    # finds the lease expired.
    if Lease.objects.filter(name=name, held_until__lt=now).update(held_until=until, holder=holder):
        return True
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, held_until=until, holder=holder)
        return True
    except IntegrityError:
        return False


def release_lease(name: str) -> None:
    Lease.objects.filter(name=name).update(held_until=timezone.now() - timedelta(seconds=1))


def run_tick(now: datetime | None = None, only: list[str] | None = None) -> TickRun | None:
    """Run every registered handler once; None when another tick holds the lease."""
    if not claim_lease("tick", seconds=600):
        return None
    now = now or timezone.now()
    run = TickRun.objects.create()
    results: dict[str, Any] = {}
    ok = True
    try:
        for name, fn in sorted(handlers().items()):
            if only and name not in only:
                continue
            try:
                with transaction.atomic():
                    results[name] = fn(now)
            except Exception as exc:  # one broken handler must not stop the others' clocks
                log.exception("tick handler %s failed", name)
                results[name] = {"error": f"{type(exc).__name__}: {exc}"}
                ok = False
    finally:
        run.results = results
        run.ok = ok
        run.finished_at = timezone.now()
        run.save()
        release_lease("tick")
    return run
