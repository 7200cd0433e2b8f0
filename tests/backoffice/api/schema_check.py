"""A small, independent JSON Schema checker for the subset the OpenAPI document uses.

Independent of ``backoffice.api.schemas.check`` on purpose: that one checks
requests (and leaves value rules to the case core); this one checks the
API's *responses* against what the document promises, enums and formats included.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlparse

TYPES = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}
KNOWN = {"type", "properties", "required", "additionalProperties", "items", "enum", "format", "maxLength",
         "minLength", "minimum", "maximum", "pattern", "anyOf", "$ref", "description", "default", "examples"}


def resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def errors(document: dict[str, Any], schema: dict[str, Any], value: Any, at: str = "$") -> list[str]:
    unknown = set(schema) - KNOWN
    assert not unknown, f"schema keyword(s) {unknown} at {at} not understood by this checker"
    if "$ref" in schema:
        return errors(document, resolve(document, schema["$ref"]), value, at)
    found: list[str] = []
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else types
        if not any(TYPES[t](value) for t in allowed):
            return [f"{at}: {value!r} is not {allowed}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{at}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if schema.get("format") == "date":
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                found.append(f"{at}: {value!r} is not a date")
            else:
                dt.date.fromisoformat(value)
        if schema.get("format") == "uri" and not urlparse(value).scheme:
            found.append(f"{at}: {value!r} is not an absolute URI")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{at}: longer than {schema['maxLength']}")
        if "minLength" in schema and len(value) < schema["minLength"]:
            found.append(f"{at}: shorter than {schema['minLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{at}: does not match {schema['pattern']}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{at}: less than {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{at}: more than {schema['maximum']}")
    if "anyOf" in schema and all(errors(document, branch, value, at) for branch in schema["anyOf"]):
        found.append(f"{at}: matches none of anyOf")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [f"{at}: missing {key}" for key in schema.get("required", []) if key not in value]
        if schema.get("additionalProperties") is False:
            found += [f"{at}: unexpected {key}" for key in value if key not in properties]
        for key, sub in properties.items():
            if key in value:
                found += errors(document, sub, value[key], f"{at}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += errors(document, schema["items"], item, f"{at}[{index}]")
    return found


def assert_valid(document: dict[str, Any], schema_name: str, value: Any) -> None:
    problems = errors(document, {"$ref": f"#/components/schemas/{schema_name}"}, value)
    assert problems == [], problems
