"""Admin registrations of the cases app, one module per concern."""

from . import admin_catalogue  # noqa: F401
