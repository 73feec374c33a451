"""Background jobs for places (run by ``zhili db_worker``)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django_tasks import task

from .actions import BoundaryImportError, boundaries_import
from .boundaries import BoundaryFileError, read_features


@task()
def import_boundaries(*, stored_name: str, kind: str, valid_from: str, actor_id: int | None, commit: bool) -> dict:
    """Import an uploaded boundary file; large grid files take minutes to check,
    so the page hands them to the worker and shows the outcome when done.

    Returns a JSON-able report: ``ok`` with counts, or the per-feature errors.
    Refusals are results, not task failures: the user needs the list.
    """
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        path = default_storage.path(stored_name)
        try:
            features = read_features(path)
        except BoundaryFileError as exc:
            return {"ok": False, "errors": [str(exc)]}
        try:
            report = boundaries_import(
                actor=actor, kind=kind, features=features, valid_from=date.fromisoformat(valid_from), commit=commit
            )
        except BoundaryImportError as exc:
            return {"ok": False, "errors": [str(e) for e in exc.feature_errors], "features": len(features)}
        return {
            "ok": True,
            "committed": report.committed,
            "created": len(report.created),
            "redrawn": len(report.redrawn),
            "unchanged": len(report.unchanged),
            "features": len(features),
        }
    finally:
        default_storage.delete(stored_name)
