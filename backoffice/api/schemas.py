"""The API's JSON shapes: one JSON Schema per shape, used both to check input and to publish the OpenAPI document.

Input is checked strictly *before* the case core sees it: unknown fields, wrong
types, bad dates, a body that is not an object, and every value rule the case
core applies that a schema can say (lengths, text that is not blank, the
telephone pattern, allowed channels and priorities, "an email or a postal
address"), because a silently ignored typo in an integration is found months
later. :func:`check` enforces every keyword the schemas use, so the published
document says exactly what is accepted, both ways; ``x-messages`` beside a rule
gives the case core's own wording for it (so clients see one voice) and is
left out of the published document. What a static schema cannot say (a date
not in the future, the email rule, a case type that exists now) is left to
:func:`backoffice.intake.new_cases.validate`, whose field errors use the same
dotted names, and is described in the document; the served document also
lists the active case types.

Patterns are written to mean the same in ECMA-262 (what JSON Schema specifies)
and Python: no ``$`` (Python's also matches before a final newline) and no
``\\s`` or ``\\d`` (whose sets differ); ``(?![\\s\\S])`` is "end of the text".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from backoffice.cases.case_types import SHARE_MAX_DAYS, SHARE_MIN_DAYS
from backoffice.cases.models import Case, Channel, Priority
from backoffice.cases.outcomes import Official, RefusalReason
from backoffice.cases.workflow import ATTACHMENT_DESCRIPTION_LIMIT
from backoffice.casework.urls import MOUNT, case_page_url
from backoffice.deadlines.state import PauseReason
from backoffice.disclosures import publishing as disclosure
from backoffice.disclosures.models import AWAITING_APPROVAL, DRAFT, PUBLISHED, WITHDRAWN
from backoffice.incidents import incidents
from backoffice.incidents.service_levels import Priority as IncidentPriority
from backoffice.incidents.service_levels import Service as IncidentService
from backoffice.incidents.service_levels import ServiceModel
from backoffice.intake.new_cases import EARLIEST_RECEIVED, LATEST_RECEIVED, LIMITS, NewCase, Requester
from backoffice.releases.management import REASON_LIMIT as SHARE_REASON_LIMIT
from backoffice.releases.sending import MESSAGE_LIMIT as SHARE_MESSAGE_LIMIT
from backoffice.releases.state import MAX_FILES as SHARE_MAX_FILES
from backoffice.releases.state import ShareStatus
from shared.errors import InvalidInput
from shared.numbers import parse_int
from shared.settings import Settings
from shared.web.convertors import MAX_ID

API_PREFIX = MOUNT + "/api/v1"
BODY = "body"  # the field name used for errors about the body as a whole
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only (\d takes every script's); fullmatch
REF = "#/components/schemas/"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": REF + name}


_TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
#: An attachment's virus check as the API names it: quarantined files are "pending", whatever held them up.
SCAN_STATES = ("pending", "clean", "infected")
SHARE_STATES = tuple(status.value for status in ShareStatus)
PAUSE_REASONS = tuple(reason.value for reason in PauseReason)
REASON_LIMIT = 2000
_DATE: Schema = {"type": "string", "format": "date", "description": "A date as YYYY-MM-DD."}
#: Private keyword: the people's wording of a rule's refusal, by keyword. Never published.
MESSAGES = "x-messages"
#: Python's whitespace (``str.isspace``, what ``str.strip`` removes), and NUL (dropped from every string
#: as a request is read: shared.web.routing), as an explicit class both regex dialects read alike.
#: "Not blank" is a search for one character outside it.
WHITESPACE = "\\x00\\t-\\r\\x1c- \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NOT_BLANK = f"[^{WHITESPACE}]"
PHONE = "^(?:[0-9+() \\-]{6,40})?(?![\\s\\S])"



#: Incidents: the services, priorities and statuses as the API names them (the domain's own values).
INCIDENT_SERVICES = tuple(service.value for service in IncidentService)
INCIDENT_PRIORITIES = tuple(priority.value for priority in IncidentPriority)
INCIDENT_STATUSES = tuple(incidents.STATUS_NAMES)
SERVICE_MODELS = tuple(model.value for model in ServiceModel)
#: An instant as RFC 3339 (JSON Schema's date-time) says: seconds and an offset always; ASCII digits only.
INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.][0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})")
INSTANT_LIMIT = 40  # what backoffice.incidents.times.parse_instant reads
INSTANT_MESSAGE = "Enter the time as an ISO 8601 date and time with its offset, like 2026-12-03T10:15:00Z"


def _instant(description: str) -> Schema:
    """An optional time with its offset; the rules no schema can say (not in the future, from 2000) are
    :func:`backoffice.incidents.times.parse_instant`'s."""
    return {"type": ["string", "null"], "format": "date-time", "maxLength": INSTANT_LIMIT,
            "description": f"{description} RFC 3339 with its offset (2026-12-07T10:00:00Z or "
                           "2026-06-01T10:00:00+01:00), from 2000, not in the future.",
            MESSAGES: {"maxLength": INSTANT_MESSAGE}}


def _incident_priority() -> Schema:
    return {"type": "string", "enum": list(INCIDENT_PRIORITIES),
            "description": "The service definition's priorities: " + "; ".join(
                f"{priority.value}: {priority.definition}" for priority in IncidentPriority) + ".",
            MESSAGES: {"enum": "Select a priority from P1 to P5"}}


def _text(limit: int, blank: str, too_long: str, description: str | None = None) -> Schema:
    """A required text: not blank (after trimming spaces), at most ``limit`` characters as sent."""
    schema: Schema = {"type": "string", "minLength": 1, "maxLength": limit, "pattern": NOT_BLANK,
                      MESSAGES: {"minLength": blank, "pattern": blank, "maxLength": too_long}}
    if description:
        schema["description"] = description
    return schema


def _one_of_present(fields: tuple[str, ...], message: str) -> Schema:
    """At least one of ``fields`` is given and not null (nor blank); ``message`` is reported on the first."""
    present: Schema = {"type": "string", "minLength": 1, "pattern": NOT_BLANK}
    return {"anyOf": [{"required": [name], "properties": {name: present}} for name in fields],
            MESSAGES: {"anyOf": message}}

SCHEMAS: dict[str, Schema] = {
    "RequesterInput": {
        "type": "object",
        "description": "Who made the request. Give an email address or a postal address (or both) so they can be answered.",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": _text(LIMITS["name"], "Enter the requester's name", "Name must be 200 characters or fewer"),
            "email": {**_TEXT_OR_NULL, "maxLength": LIMITS["email"], "description": "Required unless an address is given."},
            "phone": {**_TEXT_OR_NULL, "maxLength": LIMITS["phone"], "pattern": PHONE,
                      "description": "6 to 40 of the digits 0-9, spaces, +, (, ) and -; empty or null for none.",
                      MESSAGES: {"pattern": "Enter a telephone number, like 01632 960 001 or +44 808 157 0192",
                                 "maxLength": "Enter a telephone number, like 01632 960 001 or +44 808 157 0192"}},
            "address": {**_TEXT_OR_NULL, "maxLength": LIMITS["address"],
                        "description": "Required unless an email address is given.",
                        MESSAGES: {"maxLength": "Address must be 1000 characters or fewer"}},
        },
        **_one_of_present(("email", "address"), "Enter an email address or a postal address so we can reply"),
    },
    "CaseCreate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["case_type", "subject", "description", "requester"],
        "properties": {
            "case_type": {"type": "string", "minLength": 1,
                          "description": "The key of an active case type, such as foi or sar.",
                          MESSAGES: {"minLength": "Case type must be one of the configured case types"}},
            "received_on": {**_DATE, "type": ["string", "null"],
                            "description": "When the request was received (YYYY-MM-DD, not in the future, and "
                                           f"from {EARLIEST_RECEIVED.isoformat()} to {LATEST_RECEIVED.isoformat()}, "
                                           "the days the deadline calendar covers); defaults to today in "
                                           "Europe/London. The statutory clock starts here."},
            "subject": _text(LIMITS["subject"], "Enter a subject", "Subject must be 300 characters or fewer"),
            "description": _text(LIMITS["description"], "Enter a description of the request",
                                 "Description must be 20,000 characters or fewer"),
            "requester": _ref("RequesterInput"),
            "channel": {"type": ["string", "null"], "enum": [c.value for c in Channel] + [None],
                        "default": Channel.API.value,
                        MESSAGES: {"enum": "Channel must be one of: " + ", ".join(c.value for c in Channel)}},
            "priority": {"type": ["string", "null"], "enum": [p.value for p in Priority] + [None],
                         "default": Priority.NORMAL.value,
                         MESSAGES: {"enum": "Priority must be normal, high or urgent"}},
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
                     "description", "channel", "priority", "clock", "outcome", "exemptions", "responded_on",
                     "closed_at", "links"],
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
            "outcome": {"type": ["string", "null"], "description": "The closure outcome key; null while open."},
            "exemptions": {"type": "array", "items": {"type": "string"},
                           "description": "The exemption or exception keys recorded at closing."},
            "responded_on": {"type": ["string", "null"], "format": "date",
                             "description": "The day the answer went out (Europe/London); null until it has."},
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
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
        "properties": {"reason": _text(REASON_LIMIT, "Enter the reason, up to 2000 characters",
                                       "Enter the reason, up to 2000 characters",
                                       "Why; it is kept on the case's timeline.")},
    },
    "ClockPause": {
        "type": "object",
        "description": "Stop the clock while waiting for the requester. Which reasons a case type accepts "
                       "follows its law (identity only for SAR).",
        "additionalProperties": False,
        "required": ["reason"],
        "properties": {
            "reason": {"type": "string", "enum": list(PAUSE_REASONS),
                       MESSAGES: {"enum": "Select fee, clarification or identity"}},
            "note": {"type": ["string", "null"], "maxLength": REASON_LIMIT,
                     MESSAGES: {"maxLength": "The note must be 2000 characters or fewer"}},
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
        **_one_of_present(("requested_on", "received_on"), "Enter when clarification was asked for or received"),
    },
    "CaseClose": {
        "type": "object",
        "description": "Close the case with how it ended. Its open tasks must be completed or cancelled first.",
        "additionalProperties": False,
        "required": ["outcome"],
        "properties": {
            "outcome": {"type": "string", "minLength": 1, "maxLength": 60,
                        "description": "A closure outcome key of the case type (granted_in_full, refused_in_full, "
                                       "not_held…), or an official category (" + ", ".join(Official) + ") that "
                                       "exactly one of the type's outcomes is classified as.",
                        MESSAGES: {"minLength": "Select the outcome", "maxLength": "Select the outcome"}},
            "refusal_reason": {"type": ["string", "null"], "enum": [*RefusalReason, None],
                               "description": "With fully_withheld: why the request was refused in full. With an "
                                              "outcome key it must agree with that outcome.",
                               MESSAGES: {"enum": "Refusal reason must be one of " + ", ".join(RefusalReason)}},
            "exemptions": {"type": "array", "description": "Keys of the exemptions or exceptions applied, of the "
                           "law the case is answered under (s40, s43, r12_4_e…); none for granted in full.",
                           "items": {"type": "string", "minLength": 1, "maxLength": 40}},
            "responded_on": {**_DATE, "type": ["string", "null"],
                             "description": "The day the answer went out (YYYY-MM-DD, Europe/London): not before "
                                            "the case was received nor in the future. Default: the response date "
                                            "already recorded, else today."},
        },
    },
    "AttachmentUpload": {
        "type": "object",
        "description": "multipart/form-data: one file, checked by its content (PDF, JPG, PNG, DOCX, XLSX, ODT, TXT "
                       "or CSV), stored quarantined and scanned by ClamAV; it can be shared once its scan is clean.",
        "required": ["file"],
        "properties": {
            "file": {"type": "string", "format": "binary", "description": "The document."},
            "description": {"type": "string", "maxLength": ATTACHMENT_DESCRIPTION_LIMIT,
                            "description": "What the document is; shown on the case page."},
        },
    },
    "Attachment": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "name", "size", "content_type", "description", "scan", "scan_message", "added_at"],
        "properties": {
            "id": {"type": "integer", "description": "Give it in a share's attachment_ids."},
            "name": {"type": "string"},
            "size": {"type": "integer", "description": "In bytes."},
            "content_type": {"type": "string"},
            "description": {"type": "string"},
            "scan": {"type": "string", "enum": list(SCAN_STATES),
                     "description": "pending until ClamAV has passed it (also while a scan keeps failing: "
                                    "fail closed); only a clean attachment can be shared."},
            "scan_message": {"type": "string", "description": "The scan status as the case page words it."},
            "added_at": {"type": "string", "format": "date-time"},
        },
    },
    "AttachmentList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["attachments"],
        "properties": {"attachments": {"type": "array", "items": _ref("Attachment")}},
    },
    "ShareCreate": {
        "type": "object",
        "description": "Send attachments of the case to its requester through Secure Share: they are emailed a link "
                       "(never returned here) and confirm their email address to download.",
        "additionalProperties": False,
        "required": ["attachment_ids"],
        "properties": {
            "attachment_ids": {"type": "array", "description": f"1 to {SHARE_MAX_FILES} ids of the case's clean "
                                                               "attachments.",
                               "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
            "days": {"type": ["integer", "null"], "minimum": SHARE_MIN_DAYS, "maximum": SHARE_MAX_DAYS,
                     "description": "How long the documents stay; default the case type's (30 unless set).",
                     MESSAGES: {"minimum": f"Number of days must be between {SHARE_MIN_DAYS} and {SHARE_MAX_DAYS}",
                                "maximum": f"Number of days must be between {SHARE_MIN_DAYS} and {SHARE_MAX_DAYS}"}},
            "message": {"type": ["string", "null"], "maxLength": SHARE_MESSAGE_LIMIT,
                        "description": "Put in the email with the link.",
                        MESSAGES: {"maxLength": f"Message must be {SHARE_MESSAGE_LIMIT} characters or fewer"}},
            "is_response": {"type": ["boolean", "null"], "default": False,
                            "description": "true: this is the response; today becomes the case's response date "
                                           "unless it has one."},
        },
    },
    "ShareExtend": {
        "type": "object",
        "description": "More days from the current removal time (at most 90 days from today); the requester is "
                       "emailed the new date.",
        "additionalProperties": False,
        "required": ["days", "reason"],
        "properties": {
            "days": {"type": "integer", "minimum": SHARE_MIN_DAYS, "maximum": SHARE_MAX_DAYS,
                     MESSAGES: {"minimum": f"Number of days must be between {SHARE_MIN_DAYS} and {SHARE_MAX_DAYS}",
                                "maximum": f"Number of days must be between {SHARE_MIN_DAYS} and {SHARE_MAX_DAYS}"}},
            "reason": _text(SHARE_REASON_LIMIT, "Enter a reason", f"Reason must be {SHARE_REASON_LIMIT} characters "
                            "or fewer", "Why; it is kept in the case's audit log."),
        },
    },
    "PublicationCreate": {
        "type": "object",
        "description": "Publish a closed FOI or EIR case's response to the Disclosure Log, with its clean attachments; "
                       "it is checked for personal data first.",
        "additionalProperties": False,
        "required": ["title", "summary"],
        "properties": {
            "title": _text(disclosure.TITLE_LIMIT, "Enter a title", f"Title must be {disclosure.TITLE_LIMIT} "
                           "characters or fewer", "The public title."),
            "summary": _text(disclosure.SUMMARY_LIMIT, "Enter a summary", f"Summary must be {disclosure.SUMMARY_LIMIT} "
                             "characters or fewer", "What was asked and answered, in a sentence or two."),
            "category": {"type": ["string", "null"], "maxLength": 100,
                         "description": "One of the log's categories, by name."},
            "attachment_ids": {"type": "array", "description": "Ids of the case's clean attachments "
                               "to publish (redacted versions already attached to the case).",
                               "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
        },
    },
    "PublicationWithdraw": {
        "type": "object",
        "description": "Take a published response down; the reason is shown on its page, which answers 410 Gone.",
        "additionalProperties": False,
        "required": ["reason"],
        "properties": {
            "reason": _text(disclosure.REASON_LIMIT, "Enter a reason", f"Reason must be {disclosure.REASON_LIMIT} "
                            "characters or fewer", "Why, for the public."),
        },
    },
    "PublicationFinding": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "place", "place_label", "kind", "found", "before", "after", "status", "can_acknowledge",
                     "reason"],
        "properties": {
            "id": {"type": "integer"}, "place": {"type": "string"}, "place_label": {"type": "string"},
            "kind": {"type": "string"}, "found": {"type": "string"}, "before": {"type": "string"},
            "after": {"type": "string"}, "status": {"type": "string", "enum": ["open", "acknowledged"]},
            "can_acknowledge": {"type": "boolean"}, "reason": {"type": "string"},
        },
    },
    "Publication": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "url", "status", "title", "summary", "category", "documents", "first_published_at",
                     "updated_at", "withdrawn_at", "withdrawn_reason", "check"],
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string", "description": "The response's page on the Disclosure Log."},
            "status": {"type": "string", "enum": [DRAFT, AWAITING_APPROVAL, PUBLISHED, WITHDRAWN]},
            "title": {"type": "string"}, "summary": {"type": "string"},
            "category": {"type": ["string", "null"]},
            "documents": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["id", "name", "content_type", "size", "text"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                               "content_type": {"type": "string"}, "size": {"type": "integer"},
                               "text": {"type": "string", "enum": ["read", "unreadable", "pending"]}}}},
            "first_published_at": {"type": ["string", "null"], "format": "date-time"},
            "updated_at": {"type": ["string", "null"], "format": "date-time"},
            "withdrawn_at": {"type": ["string", "null"], "format": "date-time"},
            "withdrawn_reason": {"type": ["string", "null"]},
            "check": {"type": "array", "items": _ref("PublicationFinding")},
        },
    },
    "Report": {
        "type": "object",
        "additionalProperties": False,
        "required": ["report", "title", "period", "as_at", "final", "tables", "notes"],
        "properties": {
            "report": {"type": "string"}, "title": {"type": "string"},
            "period": {"type": "object", "additionalProperties": False, "required": ["key", "label", "start", "end"],
                       "properties": {"key": {"type": "string"}, "label": {"type": "string"},
                                      "start": {"type": "string", "format": "date"},
                                      "end": {"type": "string", "format": "date"}}},
            "as_at": {"type": "string", "format": "date", "description": "The day the figures are judged at."},
            "final": {"type": "boolean", "description": "The period has ended: the figures will not change."},
            "tables": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["key", "title", "columns", "rows"],
                "properties": {
                    "key": {"type": "string"}, "title": {"type": "string"},
                    "columns": {"type": "array", "items": {
                        "type": "object", "additionalProperties": False,
                        "required": ["key", "heading", "definition", "kind"],
                        "properties": {"key": {"type": "string"}, "heading": {"type": "string"},
                                       "definition": {"type": "string"}, "kind": {"type": "string"}}}},
                    "rows": {"type": "array", "items": {"type": "array", "items": {
                        "type": ["string", "integer", "number", "null", "object"]}}}}}},
            "notes": {"type": "array", "items": {"type": "string"}},
        },
    },
    "ShareRevoke": {
        "type": "object",
        "description": "End the share now: the link and every session stop working, and the files are deleted.",
        "additionalProperties": False,
        "required": ["reason"],
        "properties": {
            "reason": _text(SHARE_REASON_LIMIT, "Enter a reason", f"Reason must be {SHARE_REASON_LIMIT} characters "
                            "or fewer", "Why; it is shown in the share's history."),
        },
    },
    "SharedFile": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "size", "content_type", "downloaded"],
        "properties": {"name": {"type": "string"}, "size": {"type": "integer"}, "content_type": {"type": "string"},
                       "downloaded": {"type": "boolean", "description": "Downloaded to the last byte at least once."}},
    },
    "ShareHistoryEntry": {
        "type": "object",
        "additionalProperties": False,
        "required": ["at", "kind", "what", "device", "by"],
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "kind": {"type": "string", "description": "sent, link_opened, email_confirmed, downloaded, revoked…"},
            "what": {"type": "string", "description": "The line as the case page shows it."},
            "device": {"type": "string", "description": "A coarse device (Firefox on Windows); empty for staff."},
            "by": {"type": "string", "description": "Who, for what staff or an API client did; else empty."},
        },
    },
    "Share": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "status", "locked", "recipient", "is_response", "sent_by", "sent_at", "expires_at",
                     "files", "history"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": list(SHARE_STATES)},
            "locked": {"type": "boolean", "description": "Locked after too many wrong email addresses; unlock it."},
            "recipient": {"type": "string", "description": "The requester's email address the link went to."},
            "is_response": {"type": "boolean"},
            "sent_by": {"type": "string"},
            "sent_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time",
                           "description": "When the documents are removed (or were)."},
            "files": {"type": "array", "items": _ref("SharedFile")},
            "history": {"type": "array", "items": _ref("ShareHistoryEntry"), "description": "Newest first."},
        },
    },
    "ShareList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["shares"],
        "properties": {"shares": {"type": "array", "items": _ref("Share"), "description": "Newest first."}},
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
    "IncidentCreate": {
        "type": "object",
        "description": "Raise an incident on a public service or the case management core. Its response and resolve "
                       "due times follow the body's service model (basic, plus or premium), in service hours.",
        "additionalProperties": False,
        "required": ["service", "priority", "title"],
        "properties": {
            "service": {"type": "string", "enum": list(INCIDENT_SERVICES),
                        "description": "The service affected: " + "; ".join(
                            f"{service.value} ({service.label})" for service in IncidentService) + ".",
                        MESSAGES: {"enum": "Service must be one of: " + ", ".join(INCIDENT_SERVICES)}},
            "priority": _incident_priority(),
            "title": _text(incidents.TITLE_LIMIT, "Enter a title", f"Title must be {incidents.TITLE_LIMIT} "
                           "characters or fewer", "What is wrong, in a line."),
            "affected": {**_TEXT_OR_NULL, "maxLength": incidents.TEXT_LIMIT,
                         "description": "What is affected (who, which journeys); optional.",
                         MESSAGES: {"maxLength": f"What is affected must be {incidents.TEXT_LIMIT:,} characters "
                                                 "or fewer"}},
            "received_at": _instant("When the incident was reported or noticed; default now. Received out of "
                                    "service hours, its clocks start at the next service period."),
            "security": {"type": ["string", "null"], "enum": [*incidents.SECURITY_KINDS, None],
                         "description": "security_incident or personal_data_breach when it is one (the service "
                                        "report lists them apart); null or absent when not.",
                         MESSAGES: {"enum": "Security must be " + " or ".join(incidents.SECURITY_KINDS) + ", or null"}},
        },
    },
    "IncidentRespond": {
        "type": "object",
        "description": "Record the response (the first reply to whoever reported it): the response clock stops.",
        "additionalProperties": False,
        "properties": {"at": _instant("When the response was made; default now.")},
    },
    "IncidentPause": {
        "type": "object",
        "description": "Awaiting the customer: the resolve clock stops (in service time) until resumed; the "
                       "response clock does not.",
        "additionalProperties": False,
        "properties": {
            "reason": {**_TEXT_OR_NULL, "maxLength": incidents.TEXT_LIMIT,
                       "description": "What you are waiting for; kept on the timeline.",
                       MESSAGES: {"maxLength": f"The reason must be {incidents.TEXT_LIMIT:,} characters or fewer"}},
            "at": _instant("When the customer was asked; default now."),
        },
    },
    "IncidentResume": {
        "type": "object",
        "description": "The customer responded: the resolve clock runs again from here.",
        "additionalProperties": False,
        "properties": {"at": _instant("When the customer responded; default now.")},
    },
    "IncidentResolve": {
        "type": "object",
        "description": "The user is told it is resolved (a workaround counts): the resolve clock stops, and a "
                       "response is recorded if none was.",
        "additionalProperties": False,
        "properties": {
            "text": {**_TEXT_OR_NULL, "maxLength": incidents.TEXT_LIMIT,
                     "description": "What was done; a public line on the timeline.",
                     MESSAGES: {"maxLength": f"What was done must be {incidents.TEXT_LIMIT:,} characters or fewer"}},
            "workaround": {"type": ["boolean", "null"], "default": False,
                           "description": "true: resolved with a workaround, not fixed."},
            "at": _instant("When the user was told; default now."),
        },
    },
    "IncidentReprioritise": {
        "type": "object",
        "description": "A new priority, with why: its targets run from the incident's original start, with the "
                       "time already awaiting the customer kept.",
        "additionalProperties": False,
        "required": ["priority", "reason"],
        "properties": {
            "priority": _incident_priority(),
            "reason": _text(incidents.TEXT_LIMIT, "Enter the reason for the change",
                            f"The reason must be {incidents.TEXT_LIMIT:,} characters or fewer",
                            "Why; kept on the timeline."),
            "at": _instant("When the priority changed; default now."),
        },
    },
    "IncidentTarget": {
        "type": "object",
        "description": "One of the incident's two clocks: its target under the service model, when it falls due "
                       "and why, in words.",
        "additionalProperties": False,
        "required": ["target", "due_at", "stopped_at", "explanation"],
        "properties": {
            "target": {"type": ["object", "null"], "description": "null when the model sets no target for the "
                       "priority (P5, or resolve under basic).",
                       "additionalProperties": False, "required": ["amount", "unit"],
                       "properties": {"amount": {"type": "integer"},
                                      "unit": {"type": "string", "enum": ["hours", "working_days"]}}},
            "due_at": {"type": ["string", "null"], "format": "date-time",
                       "description": "UTC; null with no target, or while the resolve clock is paused."},
            "stopped_at": {"type": ["string", "null"], "format": "date-time",
                           "description": "When the clock stopped (responded, resolved); null while it runs."},
            "explanation": {"type": "string", "description": "How the due time was worked out, in plain English."},
        },
    },
    "IncidentEvent": {
        "type": "object",
        "description": "One line of the timeline: public (on the status page) or internal.",
        "additionalProperties": False,
        "required": ["at", "kind", "name", "text", "public", "status", "actor", "detail"],
        "properties": {
            "at": {"type": "string", "format": "date-time", "description": "When it happened (UTC)."},
            "kind": {"type": "string", "description": "raised, update, responded, paused, resumed, resolved, "
                                                      "reprioritised, deadline_moved, closed…"},
            "name": {"type": "string", "description": "The kind as the staff pages name it."},
            "text": {"type": "string"},
            "public": {"type": "boolean"},
            "status": {"type": ["string", "null"], "enum": [*INCIDENT_STATUSES, None],
                       "description": "The status this event set; null when it set none."},
            "actor": {"type": "string", "description": "Who: a member of staff, an API client or a probe; empty "
                                                       "for a due time the system moved."},
            "detail": {"type": "object", "description": "The event's facts: a move's from, to and cause, a "
                                                        "reprioritisation's from and to, a resolve's workaround."},
        },
    },
    "Incident": {
        "type": "object",
        "additionalProperties": False,
        "required": ["reference", "service", "service_name", "priority", "priority_definition", "title", "affected",
                     "status", "service_model", "received_at", "clock_started_at", "responded_at", "resolved_at",
                     "closed_at", "response_due_at", "resolve_due_at", "explanation", "response", "resolve",
                     "paused_seconds", "security", "external_cause", "raised_by", "timeline", "links"],
        "properties": {
            "reference": {"type": "string", "examples": ["INC-00042"]},
            "service": {"type": "string", "enum": list(INCIDENT_SERVICES)},
            "service_name": {"type": "string"},
            "priority": {"type": "string", "enum": list(INCIDENT_PRIORITIES)},
            "priority_definition": {"type": "string", "description": "The service definition's words for it."},
            "title": {"type": "string"},
            "affected": {"type": "string"},
            "status": {"type": "string", "enum": list(INCIDENT_STATUSES)},
            "service_model": {"type": "string", "enum": list(SERVICE_MODELS),
                              "description": "The model the incident was raised under; its clocks keep it."},
            "received_at": {"type": "string", "format": "date-time"},
            "clock_started_at": {"type": "string", "format": "date-time",
                                 "description": "The start of service time at or after received_at."},
            "responded_at": {"type": ["string", "null"], "format": "date-time"},
            "resolved_at": {"type": ["string", "null"], "format": "date-time"},
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
            "response_due_at": {"type": ["string", "null"], "format": "date-time",
                                "description": "UTC; null when the model sets no response target."},
            "resolve_due_at": {"type": ["string", "null"], "format": "date-time",
                               "description": "UTC; null with no resolve target or while awaiting the customer."},
            "explanation": {"type": "string", "description": "Both due times explained, in plain English."},
            "response": _ref("IncidentTarget"),
            "resolve": _ref("IncidentTarget"),
            "paused_seconds": {"type": "integer", "description": "Service time spent awaiting the customer."},
            "security": {"type": ["string", "null"], "enum": [*incidents.SECURITY_KINDS, None],
                         "description": "A security incident or personal data breach; null when not."},
            "external_cause": {"type": "string", "description": "Who the cause lies with, when another party; "
                                                                "such an incident does not count against availability."},
            "raised_by": {"type": "string"},
            "timeline": {"type": "array", "items": _ref("IncidentEvent"), "description": "Oldest first."},
            "links": {
                "type": "object",
                "additionalProperties": False,
                "required": ["self"],
                "properties": {"self": {"type": "string", "format": "uri"}},
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


def _refusal(schema: Schema, keyword: str, default: str) -> str:
    return str(schema.get(MESSAGES, {}).get(keyword, default))


def _value_error(schema: Schema, value: Any) -> str | None:
    """The first value rule ``value`` breaks (enum, lengths, pattern, bounds), worded for people."""
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"] if v is not None)
        return _refusal(schema, "enum", f"Must be one of: {allowed}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            return _refusal(schema, "minLength", f"Must be at least {schema['minLength']} character(s)")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return _refusal(schema, "maxLength", f"Must be {schema['maxLength']} characters or fewer")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return _refusal(schema, "pattern", "Is not in the expected form")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return _refusal(schema, "minimum", f"Must be {schema['minimum']} or more")
        if "maximum" in schema and value > schema["maximum"]:
            return _refusal(schema, "maximum", f"Must be {schema['maximum']} or less")
    return None


#: JSON may escape half a UTF-16 pair (``"\\ud800"``): Python reads it as a string no database can store.
NOT_UNICODE = "Must be text: half of a UTF-16 surrogate pair is not a character"


def _is_unicode(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check(schema: Schema, value: Any, field: str = "") -> dict[str, str]:
    """Errors of ``value`` against ``schema``, keyed by dotted field name, first error per field.

    Every keyword the schemas use is enforced here (``KEYWORDS``; a test keeps the list and the
    schemas together): type, required, additionalProperties false, properties, items, format
    date and date-time, enum, minLength, maxLength, pattern, minimum, maximum and anyOf.
    """
    if "$ref" in schema:
        return check(SCHEMAS[schema["$ref"].removeprefix(REF)], value, field)
    name = field or BODY
    types = schema.get("type")
    allowed = [types] if isinstance(types, str) else list(types or [])
    if allowed and not any(_is(value, t) for t in allowed):
        return {name: _refusal(schema, "type", "Must be " + " or ".join(_TYPE_NAMES[t] for t in allowed))}
    if isinstance(value, str) and not _is_unicode(value):
        return {name: NOT_UNICODE}
    if schema.get("format") == "date" and isinstance(value, str) and parse_date(value) is None:
        return {name: "Must be a real date in the format YYYY-MM-DD"}
    if schema.get("format") == "date-time" and isinstance(value, str) and (problem := instant_error(value)):
        return {name: problem}
    value_error = _value_error(schema, value)
    if value_error is not None:
        return {name: value_error}
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
                    where = prefix + (str(key) if _is_unicode(str(key)) else str(key).encode("utf-8", "replace").decode())
                    errors[where] = "Unknown field; allowed here: " + ", ".join(properties)
        for key, sub in properties.items():
            if key in value:
                for where, message in check(sub, value[key], prefix + key).items():
                    errors.setdefault(where, message)
        branches = schema.get("anyOf")
        if branches and not any(not check(branch, value, field) for branch in branches):
            # Reported on the first field the first branch asks for (email, say), unless it has its error already.
            errors.setdefault(prefix + branches[0]["required"][0], _refusal(schema, "anyOf", "Give one of these fields"))
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors.update(check(schema["items"], item, f"{field}[{index}]"))
    return errors


#: The JSON Schema keywords :func:`check` understands; a schema using any other is a mistake.
KEYWORDS = frozenset({"type", "required", "additionalProperties", "properties", "items", "format", "enum",
                      "minLength", "maxLength", "pattern", "minimum", "maximum", "anyOf", "$ref",
                      "description", "default", "examples", MESSAGES})


def published(schema: Any) -> Any:
    """``schema`` as the OpenAPI document shows it: without the private ``x-messages``."""
    if isinstance(schema, dict):
        return {key: published(value) for key, value in schema.items() if key != MESSAGES}
    if isinstance(schema, list):
        return [published(value) for value in schema]
    return schema


def parse_date(value: str) -> dt.date | None:
    if not DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def instant_error(value: str) -> str | None:
    """Why ``value`` is not an RFC 3339 date-time Python reads as one instant; None when it is one."""
    if INSTANT.fullmatch(value):
        try:
            dt.datetime.fromisoformat(value.upper())
        except ValueError:
            return INSTANT_MESSAGE
        return None
    try:
        naive = dt.datetime.fromisoformat(value).tzinfo is None if len(value) <= INSTANT_LIMIT else False
    except ValueError:
        naive = False
    return "Give the time's offset (Z or +01:00): a time without one is ambiguous" if naive else INSTANT_MESSAGE


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
    """The Case schema; ``clock`` is the CaseClock object (``backoffice.api.clock`` writes it for many cases at once)."""
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
        "outcome": case.outcome,
        "exemptions": list(case.exemptions or []),
        "responded_on": case.responded_on.isoformat() if case.responded_on else None,
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "links": {"self": case_url(settings, case.reference),
                  "staff_page": case_page_url(settings, case.reference)},
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
#: A query parameter's text: trimmed, and refused when blank (``_convert``).
_WORD: Schema = {"type": "string", "minLength": 1, "pattern": NOT_BLANK}
LIST_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("case_type", {"type": "array", "items": _WORD}, "Case type key; repeat for several."),
    Parameter("status", _WORD, "Status key, such as new or in_progress."),
    Parameter("owner", {**_WORD, "format": "email"}, "Email address of the staff member who owns the case."),
    Parameter("team", _WORD, "Name of the team (group) the case is with."),
    Parameter("due_within_days", {"type": "integer", "minimum": 0, "maximum": 3650},
              "Due on or before today plus this many days (Europe/London)."),
    Parameter("overdue", {**_BOOL, "default": False}, "Only cases whose due date has passed."),
    Parameter("received_from", _DATE, "Received on or after this date."),
    Parameter("received_to", _DATE, "Received on or before this date."),
    Parameter("q", {**_WORD, "maxLength": 200},
              "Search: a reference, a requester's email, or words in name, subject or description."),
    Parameter("open", {**_BOOL, "default": True}, "true: open cases only; false: closed ones too."),
    Parameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
              "Cases per page."),
    Parameter("cursor", {**_WORD, "maxLength": CURSOR_MAX_LENGTH}, "next_cursor from the previous page."),
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
