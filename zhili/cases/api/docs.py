"""The API's documentation page, rendered on the server from the schema.

Swagger UI and Redoc load their scripts from a CDN, which government
intranets cannot reach; this page needs no script at all and reads in the
interface language.  It lists every operation with its parameters, bodies
and responses, and every component with its fields.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template import Template, engines
from django.utils.translation import get_language

from .schema import cached_schema

TEMPLATE = Path(__file__).resolve().parent / "templates" / "api_docs.html"
METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_label(schema: dict[str, Any]) -> dict[str, Any]:
    """{"text": ..., "ref": component name or ""} describing a property's type."""
    if not schema:
        return {"text": "any", "ref": ""}
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return {"text": name, "ref": name}
    if "allOf" in schema and len(schema["allOf"]) == 1:
        inner = type_label(schema["allOf"][0])
        return {
            "text": inner["text"] + (" | null" if schema.get("nullable") else ""),
            "ref": inner["ref"],
        }
    if "oneOf" in schema:
        parts = [type_label(s)["text"] for s in schema["oneOf"]]
        return {"text": " | ".join(parts), "ref": ""}
    kind = schema.get("type", "object")
    if kind == "array":
        inner = type_label(schema.get("items", {}))
        text = f"array of {inner['text']}"
        ref = inner["ref"]
    else:
        text, ref = kind, ""
        if schema.get("format"):
            text += f" ({schema['format']})"
        if (
            kind == "object"
            and "additionalProperties" in schema
            and isinstance(schema["additionalProperties"], dict)
        ):
            text = f"object of {type_label(schema['additionalProperties'])['text']}"
    if schema.get("enum"):
        text += ": " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    if schema.get("nullable"):
        text += " | null"
    return {"text": text, "ref": ref}


def _body(content: dict[str, Any] | None) -> dict[str, Any] | None:
    if not content:
        return None
    media, spec = next(iter(content.items()))
    return {"media": media, **type_label(spec.get("schema", {}))}


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Operations grouped by tag, in schema order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for url, item in schema.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            entry = {
                "method": method.upper(),
                "path": url,
                "id": op.get("operationId", ""),
                "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "parameters": [
                    {
                        "name": p["name"],
                        "in": p["in"],
                        "required": p.get("required", False),
                        "description": p.get("description", ""),
                        **type_label(p.get("schema", {})),
                    }
                    for p in op.get("parameters", [])
                ],
                "request": _body(op.get("requestBody", {}).get("content")),
                "responses": [
                    {
                        "status": status,
                        "description": r.get("description", ""),
                        "body": _body(r.get("content")),
                    }
                    for status, r in op.get("responses", {}).items()
                ],
            }
            groups.setdefault((op.get("tags") or ["api"])[0], []).append(entry)
    return [{"tag": tag, "operations": ops} for tag, ops in groups.items()]


def components(schema: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, spec in schema.get("components", {}).get("schemas", {}).items():
        required = set(spec.get("required", []))
        out.append(
            {
                "name": name,
                "description": spec.get("description", ""),
                "one_of": [type_label(s) for s in spec.get("oneOf", [])],
                "enum": [v for v in spec.get("enum", []) if v is not None],
                "properties": [
                    {
                        "name": prop,
                        "required": prop in required,
                        "read_only": p.get("readOnly", False),
                        "description": p.get("description", ""),
                        **type_label(p),
                    }
                    for prop, p in spec.get("properties", {}).items()
                ],
            }
        )
    return out


@lru_cache(maxsize=1)
def _template() -> Template:
    return engines["django"].from_string(TEMPLATE.read_text(encoding="utf-8"))


@login_required
def docs(request: HttpRequest) -> HttpResponse:
    if not request.user.is_government_staff:
        raise Http404
    schema = cached_schema(get_language() or "zh-hans")
    context = {
        "info": schema.get("info", {}),
        "groups": operations(schema),
        "components": components(schema),
    }
    return HttpResponse(_template().render(context, request))
