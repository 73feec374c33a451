"""python -m zhili.cases.api: print the OpenAPI schema (YAML, English), as committed in openapi.yaml."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
django.setup()

from zhili.cases.api.schema import build_schema, to_yaml  # noqa: E402

sys.stdout.write(to_yaml(build_schema()))
