"""The API's JSON shapes: one JSON Schema per shape, used both to check input and to publish the OpenAPI document.

Input is checked strictly *before* the case core sees it (unknown fields, wrong
types, bad dates, a body that is not an object), because a silently ignored
typo in an integration is found months later. Everything about what makes a
case valid (lengths, email format, allowed channels, a date not in the
future, an existing case type) is left to :func:`backoffice.cases.intake.validate`,
whose field errors use the same dotted names, so clients see one list.

Because the validator below reads the very schemas the OpenAPI document
publishes, the document cannot drift from what the code accepts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from backoffice.cases.clock import PauseReason
from backoffice.cases.intake import EARLIEST_RECEIVED, LATEST_RECEIVED, LIMITS, NewCase, Requester
from backoffice.cases.models import Case, Channel, Priority
from shared.errors import InvalidInput
from shared.numbers import parse_int
from shared.settings import Settings

API_PREFIX = "/backoffice/api/v1"
BODY = "body"  # the field name used for errors about the body as a whole
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only (\d takes every script's); fullmatch
REF = "#/components/schemas/"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": REF + name}


_TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
PAUSE_REASONS = tuple(reason.value for reason in PauseReason)
REASON_LIMIT = 2000
_DATE: Schema = {"type": "string", "format": "date", "description": "A date as YYYY-MM-DD."}

SCHEMAS: dict[str, Schema] = {
    "RequesterInput": {
        "type": "object",
        "description": "Who made the request. Give an email address or a postal address (or both) so they can be answered.",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "maxLength": LIMITS["name"]},
            "email": {**_TEXT_OR_NULL, "maxLength": LIMITS["email"], "description": "Required unless an address is given."},
            "phone": {**_TEXT_OR_NULL, "maxLength": LIMITS["phone"]},
            "address": {**_TEXT_OR_NULL, "maxLength": LIMITS["address"]},
        },
    },
    "CaseCreate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["case_type", "subject", "description", "requester"],
        "properties": {
            "case_type": {"type": "string", "description": "The key of an active case type, such as foi or sar."},
            "received_on": {**_DATE, "type": ["string", "null"],
                            "description": "When the request was received (YYYY-MM-DD, not in the future, and "
                                           f"from {EARLIEST_RECEIVED.isoformat()} to {LATEST_RECEIVED.isoformat()}, "
                                           "the days the deadline calendar covers); defaults to today in "
                                           "Europe/London. The statutory clock starts here."},
            "subject": {"type": "string", "maxLength": LIMITS["subject"]},
            "description": {"type": "string", "maxLength": LIMITS["description"]},
            "requester": _ref("RequesterInput"),
            "channel": {"type": ["string", "null"], "enum": [c.value for c in Channel] + [None],
                        "default": Channel.API.value},
            "priority": {"type": ["string", "null"], "enum": [p.value for p in Priority] + [None],
                         "default": Priority.NORMAL.value},
        },
    },
    "Requester": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "email", "phone", "address"],
        "properties": {"name": {"type": "string"}, "email": _TEXT_OR_NULL, "phone": _TEXT_OR_NULL,
                       "address": _TEXT_OR_NULL},
    },
    "Case": {
        "type": "object",
        "additionalProperties": False,
        "required": ["reference", "case_type", "status", "received_on", "due_on", "requester", "subject",
                     "description", "channel", "priority", "clock", "links"],
        "properties": {
            "reference": {"type": "string", "examples": ["FOI-2026-00042"]},
            "case_type": {"type": "string"},
            "status": {"type": "string", "description": "The key of the case's status within its case type."},
            "received_on": _DATE,
            "due_on": {"type": ["string", "null"], "format": "date",
                       "description": "Statutory due date; null while the clock is stopped."},
            "requester": _ref("Requester"),
            "subject": {"type": "string"},
            "description": {"type": "string"},
            "channel": {"type": "string"},
            "priority": {"type": "string"},
            "clock": _ref("CaseClock"),
            "links": {
                "type": "object",
                "additionalProperties": False,
                "required": ["self", "staff_page"],
                "properties": {"self": {"type": "string", "format": "uri"},
                               "staff_page": {"type": "string", "format": "uri"}},
            },
        },
    },
    "CaseClock": {
        "type": "object",
        "description": "The statutory clock: whether it runs, since when and why it is stopped, and whether the "
                       "case has had its extension. due_on is null while it is stopped.",
        "additionalProperties": False,
        "required": ["running", "stopped_since", "waiting_for", "extended"],
        "properties": {
            "running": {"type": "boolean"},
            "stopped_since": {"type": ["string", "null"], "format": "date",
                              "description": "The day the clock stopped; null while it runs."},
            "waiting_for": {"type": ["string", "null"], "enum": [*PAUSE_REASONS, None],
                            "description": "What the clock is waiting for; null while it runs."},
            "extended": {"type": "boolean", "description": "The type's statutory extension has been applied."},
        },
    },
    "ClockExtend": {
        "type": "object",
        "description": "Apply the case type's statutory extension (FOI public interest: further working days; "
                       "EIR: 40 working days after receipt; SAR: two further months). Once per case, while "
                       "the clock runs.",
        "additionalProperties": False,
        "required": ["reason"],
        "properties": {"reason": {"type": "string", "maxLength": REASON_LIMIT,
                                  "description": "Why; it is kept on the case's timeline."}},
    },
    "ClockPause": {
        "type": "object",
        "description": "Stop the clock while waiting for the requester. Which reasons a case type accepts "
                       "follows its law (identity only for SAR).",
        "additionalProperties": False,
        "required": ["reason"],
        "properties": {
            "reason": {"type": "string", "enum": list(PAUSE_REASONS)},
            "note": {"type": ["string", "null"], "maxLength": REASON_LIMIT},
            "on": {**_DATE, "type": ["string", "null"],
                   "description": "The day the requester was asked (YYYY-MM-DD, not in the future); default today."},
        },
    },
    "ClockResume": {
        "type": "object",
        "description": "Restart a stopped clock: the fee paid, the clarification or identity evidence received.",
        "additionalProperties": False,
        "properties": {
            "on": {**_DATE, "type": ["string", "null"],
                   "description": "The day the requester answered (YYYY-MM-DD, not in the future); default today."},
        },
    },
    "Clarification": {
        "type": "object",
        "description": "Clarification asked for (stops the clock), received (restarts it), or both at once.",
        "additionalProperties": False,
        "properties": {
            "requested_on": {**_DATE, "type": ["string", "null"]},
            "received_on": {**_DATE, "type": ["string", "null"]},
        },
    },
    "CaseList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["cases", "next_cursor", "links"],
        "properties": {
            "cases": {"type": "array", "items": _ref("Case")},
            "next_cursor": {"type": ["string", "null"], "description": "Pass as cursor for the next page; null on the last."},
            "links": {
                "type": "object",
                "additionalProperties": False,
                "required": ["next"],
                "properties": {"next": {"type": ["string", "null"], "format": "uri"}},
            },
        },
    },
    "FieldError": {
        "type": "object",
        "additionalProperties": False,
        "required": ["field", "detail"],
        "properties": {
            "field": {"type": "string", "description": "Dotted name (requester.email), a query parameter, "
                                                     "a header, or 'body' for the body as a whole."},
            "detail": {"type": "string"},
            "pointer": {"type": "string", "description": "JSON Pointer (RFC 6901) into the request body, "
                                                       "as in RFC 9457's example."},
        },
    },
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details, served as application/problem+json.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {"type": "array", "items": _ref("FieldError")},
        },
    },
}


# --- checking JSON against the schemas ------------------------------------------------------

_TYPE_NAMES = {"string": "a string", "object": "an object", "null": "null", "integer": "an integer",
               "array": "an array", "boolean": "true or false", "number": "a number"}


def _is(value: Any, type_name: str) -> bool:
    return {
        "string": isinstance(value, str),
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        "null": value is None,
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
    }[type_name]


def check(schema: Schema, value: Any, field: str = "") -> dict[str, str]:
    """Shape errors of ``value``, keyed by dotted field name, first error per field.

    Checks type, required, additionalProperties false, object properties and
    format date; value rules (enum, maxLength) are published for clients but
    enforced by the case core, which words them for people.
    """
    if "$ref" in schema:
        return check(SCHEMAS[schema["$ref"].removeprefix(REF)], value, field)
    name = field or BODY
    types = schema.get("type")
    allowed = [types] if isinstance(types, str) else list(types or [])
    if allowed and not any(_is(value, t) for t in allowed):
        return {name: "Must be " + " or ".join(_TYPE_NAMES[t] for t in allowed)}
    if schema.get("format") == "date" and isinstance(value, str) and parse_date(value) is None:
        return {name: "Must be a real date in the format YYYY-MM-DD"}
    errors: dict[str, str] = {}
    if isinstance(value, dict):
        properties: dict[str, Schema] = schema.get("properties", {})
        prefix = f"{field}." if field else ""
        for key in schema.get("required", []):
            if key not in value:
                errors[prefix + key] = "This field is required"
        if schema.get("additionalProperties") is False:
            for key in value:
                if key not in properties:
                    errors[prefix + str(key)] = "Unknown field; allowed here: " + ", ".join(properties)
        for key, sub in properties.items():
            if key in value:
                errors.update(check(sub, value[key], prefix + key))
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors.update(check(schema["items"], item, f"{field}[{index}]"))
    return errors


def parse_date(value: str) -> dt.date | None:
    if not DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def field_errors(errors: Mapping[str, str], *, in_body: bool) -> list[dict[str, str]]:
    """The problem document's ``errors`` member: RFC 9457's example shape plus the dotted field name."""
    listed = []
    for field, detail in errors.items():
        item = {"field": field, "detail": detail}
        if in_body:
            item["pointer"] = "#" + "".join(
                "/" + part.replace("~", "~0").replace("/", "~1") for part in ([] if field == BODY else field.split("."))
            )
        listed.append(item)
    return listed


# --- request and response bodies ------------------------------------------------------------


def new_case_from_json(body: Any) -> NewCase:
    """The case core's input from a request body, or InvalidInput with every shape error at once."""
    errors = check(SCHEMAS["CaseCreate"], body)
    if errors:
        raise InvalidInput("The request body does not match the CaseCreate schema", errors)
    requester: dict[str, Any] = body["requester"]
    received_on = body.get("received_on")
    return NewCase(
        case_type=body["case_type"],
        subject=body["subject"],
        description=body["description"],
        requester=Requester(name=requester["name"], email=requester.get("email"), phone=requester.get("phone"),
                            address=requester.get("address")),
        received_on=parse_date(received_on) if received_on is not None else None,
        channel=Channel.API.value if body.get("channel") is None else body["channel"],
        priority=Priority.NORMAL.value if body.get("priority") is None else body["priority"],
    )


def case_url(settings: Settings, reference: str) -> str:
    return settings.url(f"{API_PREFIX}/cases/{reference}")


def case_json(case: Case, settings: Settings, clock: Mapping[str, Any]) -> dict[str, Any]:
    """The Case schema; ``clock`` is the CaseClock object (``backoffice.api.clock`` reads it for many cases at once)."""
    return {
        "reference": case.reference,
        "case_type": case.case_type.key,
        "status": case.status.key,
        "received_on": case.received_on.isoformat(),
        "due_on": case.due_on.isoformat() if case.due_on else None,
        "requester": {"name": case.requester_name, "email": case.requester_email, "phone": case.requester_phone,
                      "address": case.requester_address},
        "subject": case.subject,
        "description": case.description,
        "channel": case.channel,
        "priority": case.priority,
        "clock": dict(clock),
        "links": {"self": case_url(settings, case.reference),
                  "staff_page": settings.url(f"/backoffice/cases/{case.reference}")},
    }


# --- list query parameters ------------------------------------------------------------------

MAX_LIMIT = 200
#: A cursor this API issues is about 110 characters; anything much longer is not one, and is not decoded.
CURSOR_MAX_LENGTH = 512
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class Parameter:
    name: str
    schema: Schema
    description: str

    @property
    def repeatable(self) -> bool:
        return self.schema.get("type") == "array"


_BOOL: Schema = {"type": "boolean"}
LIST_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("case_type", {"type": "array", "items": {"type": "string"}}, "Case type key; repeat for several."),
    Parameter("status", {"type": "string"}, "Status key, such as new or in_progress."),
    Parameter("owner", {"type": "string", "format": "email"}, "Email address of the staff member who owns the case."),
    Parameter("team", {"type": "string"}, "Name of the team (group) the case is with."),
    Parameter("due_within_days", {"type": "integer", "minimum": 0, "maximum": 3650},
              "Due on or before today plus this many days (Europe/London)."),
    Parameter("overdue", {**_BOOL, "default": False}, "Only cases whose due date has passed."),
    Parameter("received_from", _DATE, "Received on or after this date."),
    Parameter("received_to", _DATE, "Received on or before this date."),
    Parameter("q", {"type": "string", "maxLength": 200},
              "Search: a reference, a requester's email, or words in name, subject or description."),
    Parameter("open", {**_BOOL, "default": True}, "true: open cases only; false: closed ones too."),
    Parameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
              "Cases per page."),
    Parameter("cursor", {"type": "string", "maxLength": CURSOR_MAX_LENGTH}, "next_cursor from the previous page."),
)


@dataclass(frozen=True)
class ListQuery:
    """The list parameters, converted but not yet looked up (owner, team and status are names here)."""

    case_types: tuple[str, ...] = ()
    status: str | None = None
    owner: str | None = None
    team: str | None = None
    due_within_days: int | None = None
    overdue: bool = False
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    q: str = ""
    open: bool = True
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    def filter_fields(self) -> dict[str, Any]:
        """What a cursor is bound to: everything but the page size and the cursor itself."""
        return {"case_types": sorted(self.case_types), "status": self.status, "owner": self.owner, "team": self.team,
                "due_within_days": self.due_within_days, "overdue": self.overdue,
                "received_from": self.received_from.isoformat() if self.received_from else None,
                "received_to": self.received_to.isoformat() if self.received_to else None,
                "q": self.q, "open": self.open}


def _convert(parameter: Parameter, raw: str) -> tuple[Any, str | None]:
    schema = parameter.schema
    kind = schema.get("type")
    if kind == "boolean":
        if raw not in ("true", "false"):
            return None, "Must be true or false"
        return raw == "true", None
    if kind == "integer":
        number = parse_int(raw, max_digits=6)
        if number is None:
            return None, "Must be a whole number"
        if not schema["minimum"] <= number <= schema["maximum"]:
            return None, f"Must be from {schema['minimum']} to {schema['maximum']}"
        return number, None
    if schema.get("format") == "date":
        date = parse_date(raw)
        return (date, None) if date else (None, "Must be a real date in the format YYYY-MM-DD")
    if "maxLength" in schema and len(raw) > schema["maxLength"]:
        return None, f"Must be {schema['maxLength']} characters or fewer"
    if not raw.strip():
        return None, "Must not be empty"
    return raw.strip(), None


def list_query(items: Iterable[tuple[str, str]]) -> tuple[ListQuery, dict[str, str]]:
    """Convert the query string; unknown or repeated parameters are errors, not silently ignored."""
    known = {p.name: p for p in LIST_PARAMETERS}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in items:
        parameter = known.get(name)
        if parameter is None:
            errors[name] = "Unknown parameter; allowed: " + ", ".join(known)
            continue
        if parameter.repeatable:
            value, error = _convert(Parameter(name, parameter.schema["items"], ""), raw)
            values.setdefault(name, [])
            if error is None:
                values[name].append(value)
        elif name in values:
            value, error = None, "Give this parameter once"
        else:
            value, error = _convert(parameter, raw)
            values[name] = value
        if error is not None:
            errors.setdefault(name, error)
    if errors:
        return ListQuery(), errors
    values["case_types"] = tuple(values.pop("case_type", ()))
    return ListQuery(**values), {}
