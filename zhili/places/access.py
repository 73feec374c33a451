"""Who may see and change places: one access function per object type."""

from __future__ import annotations

from datetime import date

from django.http import Http404

from .models import Division, UnitGrid


def can_view_places(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm("places.view_unitgrid"))


def can_import_boundaries(user) -> bool:
    return bool(user.is_authenticated and user.has_perm("places.import_boundaries"))


def access_division(user, code: str, at: date | None = None) -> Division:
    """The division version valid at ``at`` (default: current), or 404 for
    missing and forbidden alike."""
    if not can_view_places(user):
        raise Http404
    row = Division.objects.valid_at(at).filter(code=code).first()
    if row is None:
        raise Http404
    return row


def access_grid(user, code: str, at: date | None = None) -> UnitGrid:
    if not can_view_places(user):
        raise Http404
    row = UnitGrid.objects.valid_at(at).filter(code=code).first()
    if row is None:
        raise Http404
    return row


def visible_divisions(user):
    if not can_view_places(user):
        return Division.objects.none()
    return Division.objects.all()
