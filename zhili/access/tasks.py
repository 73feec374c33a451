"""Background jobs for service circles (run by ``zhili db_worker``)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django_tasks import task


@task()
def run_analysis(*, analysis_id: int) -> str:
    """Run one queued analysis; progress and results go to its row.

    The analysis row, not the task result, is what pages read: it survives
    the task backend's clean-ups and carries progress while running.
    """
    from .services import analysis_execute

    return analysis_execute(analysis_id)


@task()
def import_file(
    *,
    stored_name: str,
    what: str,
    name: str,
    actor_id: int | None,
    commit: bool,
    replace: bool,
    options: dict,
) -> dict:
    """Import an uploaded network, facility or population file; refusals are
    results (with the list of errors), not task failures."""
    from .readers import AccessFileError
    from .services import import_path

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        path = Path(default_storage.path(stored_name))
        try:
            return {
                "ok": True,
                **import_path(
                    what,
                    path,
                    actor=actor,
                    name=name,
                    commit=commit,
                    replace=replace,
                    options=options,
                ),
            }
        except AccessFileError as exc:
            return {"ok": False, "errors": exc.errors}
        except (ValidationError, PermissionDenied) as exc:
            return {"ok": False, "errors": list(getattr(exc, "messages", [str(exc)]))}
    finally:
        default_storage.delete(stored_name)
