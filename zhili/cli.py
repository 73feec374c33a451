"""The ``zhili`` command: Django's management commands under one name.

``zhili <verb>`` runs the management command ``<verb>``; Zhili's own verbs
(``demo``, ``tick``, ``places``, ``calendar``, ...) live in the apps'
``management/commands`` folders beside Django's (``migrate``, ``createsuperuser``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zhili", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
