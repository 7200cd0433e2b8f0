"""The OpenAPI 3.1 description of the API, built from the same schemas and parameters the code uses.

Paths are written out here (a test compares them with the app's routes, both
ways); bodies and query parameters come from :mod:`backoffice.api.schemas`, so
what is published is what is checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backoffice.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from backoffice.api.idempotency import KEY_PATTERN, MAX_KEY_LENGTH
from backoffice.api.schemas import API_PREFIX, LIST_PARAMETERS, SCHEMAS, published
from backoffice.reporting.registry import all_reports
from backoffice.staff.api_clients import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS, SCOPES
from shared.settings import Settings
from shared.web.convertors import MAX_ID

JSON = "application/json"
PROBLEM = "application/problem+json"


def _body(schema: str, media_type: str = JSON) -> dict[str, Any]:
    return {"content": {media_type: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _problem(description: str, **headers: dict[str, Any]) -> dict[str, Any]:
    response = {"description": description, **_body("Problem", PROBLEM)}
    if headers:
        response["headers"] = headers
    return response


_UNAUTHORISED = _problem("Missing, wrong or revoked API token.",
                         **{"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer challenge (RFC 6750)."}})
_FORBIDDEN = _problem("The token does not have the scope this operation needs (see its security).",
                      **{"WWW-Authenticate": {"schema": {"type": "string"},
                                              "description": 'Bearer challenge with error="insufficient_scope" and '
                                                             "the scope needed (RFC 6750)."}})
_REFERENCE = {"name": "reference", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1},
              "description": "The case reference, such as FOI-2026-00042 (any letter case)."}
_LOCATION = {"Location": {"schema": {"type": "string", "format": "uri"}, "description": "The case's API address."}}


def _secured(scope: str, operation: dict[str, Any]) -> dict[str, Any]:
    """An operation behind the bearer token and ``scope`` (``backoffice.api.access.requires``)."""
    responses = {**operation["responses"], "401": _UNAUTHORISED, "403": _FORBIDDEN}
    return {**operation, "security": [{"bearerToken": [scope]}], "responses": responses}


def _scheme_description() -> str:
    listed = "\n".join(f"- `{name}`: {text}" for name, text in SCOPES.items())
    return ("A token from `civic api-tokens create --name NAME --scope SCOPE [--scope SCOPE…] "
            f"[--expires-in-days D]`, shown once. It lasts {DEFAULT_LIFETIME_DAYS} days unless given another "
            f"lifetime (at most {MAX_LIFETIME_DAYS}); an expired or revoked token gets 401 with "
            'error="invalid_token". Each operation names the scope it needs (its security requirement); a '
            'token without it gets 403 with error="insufficient_scope". Scopes:\n' + listed)


def _components(case_types: Sequence[str] | None) -> dict[str, Any]:
    schemas: dict[str, Any] = published(SCHEMAS)
    if case_types is not None:  # what the case core accepts today; the document is built per request
        schemas["CaseCreate"]["properties"]["case_type"]["enum"] = list(case_types)
    return schemas


def document(settings: Settings, case_types: Sequence[str] | None = None) -> dict[str, Any]:
    """The document; ``case_types`` (the active case types' keys) makes ``case_type`` an enum of them."""
    case_path = {
        "get": _secured("cases:read", {
            "operationId": "getCase",
            "summary": "One case",
            "parameters": [_REFERENCE],
            "description": "The read is recorded in the audit log, on the case.",
            "responses": {
                "200": {"description": "The case.", **_body("Case")},
                "404": _problem("No case has this reference."),
            },
        })
    }
    cases_path = {
        "get": _secured("cases:read", {
            "operationId": "listCases",
            "summary": "Cases, sorted by due date then id, a page at a time",
            "description": "Follow links.next (or pass next_cursor as cursor, with the same filters) until it is null. "
                           "Each page that returns cases is one entry in the audit log listing their references.",
            "parameters": [
                {"name": p.name, "in": "query", "required": False, "description": p.description, "schema": p.schema,
                 **({"style": "form", "explode": True} if p.repeatable else {})}
                for p in LIST_PARAMETERS
            ],
            "responses": {
                "200": {"description": "A page of cases.", **_body("CaseList")},
                "400": _problem("A query parameter is not valid (unknown, repeated, or not of its type); errors lists "
                                "each one."),
                "422": _problem("A query parameter names no status, staff member or team that exists, or the "
                                "cursor is not one this API issued for these filters; errors lists each one."),
            },
        }),
        "post": _secured("cases:write", {
            "operationId": "createCase",
            "summary": "Create a case; its statutory due date is worked out from the case type and received_on",
            "parameters": [_idempotency_key("case")],
            "requestBody": {"required": True, **_body("CaseCreate")},
            "responses": {
                "201": {"description": "Created.", "headers": _LOCATION, **_body("Case")},
                "200": {"description": "A retry with the same Idempotency-Key: the case created before.",
                        "headers": _LOCATION, **_body("Case")},
                "400": _problem("The body is not valid JSON, or the Idempotency-Key header is not usable."),
                "409": _problem("An earlier request with this Idempotency-Key is still being processed."),
                "415": _problem("The body is not sent as application/json."),
                "422": _problem("The body does not match CaseCreate, or the case core refused it; errors lists "
                                "every field, and nothing was stored."),
            },
        }),
    }
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": f"{settings.org_name} case management API",
            "version": "1.0.0",
            "description": "Create and read correspondence cases (FOI, EIR, SAR, complaints, enquiries) from other "
                           "systems, and raise and work public-service incidents. Errors are RFC 9457 problem "
                           "documents.",
        },
        "servers": [{"url": settings.url(API_PREFIX)}],
        "security": [],
        "paths": {
            "/cases": cases_path,
            "/cases/{reference}": case_path,
            **clock_paths(),
            "/cases/{reference}/close": close_path(),
            **share_paths(),
            **publication_paths(),
            "/reports/{report}": report_path(),
            **incident_paths(),
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "The OpenAPI document.",
                                          "content": {JSON: {"schema": {"type": "object"}}}}},
                }
            },
        },
        "components": {
            "schemas": _components(case_types),
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer", "description": _scheme_description()},
            },
        },
    }


#: path -> (operationId, summary, request schema, what a 409 means here).
_CLOCK_ACTIONS = {
    "extend": ("extendCase", "Apply the case type's statutory extension", "ClockExtend",
               "The case was already extended, its type has no extension, its clock is stopped, the response "
               "was already due, or the case is closed."),
    "pause": ("pauseCase", "Stop the clock while waiting for a fee, clarification or identity evidence", "ClockPause",
              "The clock is already stopped, the case type does not stop for this reason, the date is out of "
              "order with the case's clock, or the case is closed."),
    "resume": ("resumeCase", "Restart a stopped clock", "ClockResume",
               "The clock is running: there is nothing to resume; or the date is out of order, or the case is closed."),
    "clarification": ("recordClarification", "Record clarification asked for and/or received", "Clarification",
                      "No clarification was asked for, the clock is already stopped for something else, the date "
                      "is out of order, or the case is closed."),
}


def clock_paths() -> dict[str, Any]:
    """The clock actions: each answers with the case, its new due_on and clock, or a problem."""
    paths: dict[str, Any] = {}
    for action, (operation_id, summary, schema, conflict) in _CLOCK_ACTIONS.items():
        paths[f"/cases/{{reference}}/{action}"] = {
            "post": _secured("cases:write", {
                "operationId": operation_id,
                "summary": summary,
                "description": "API clients are trusted systems: staff roles do not apply. The change is on the "
                               "case's timeline, made by the API client.",
                "parameters": [_REFERENCE],
                "requestBody": {"required": True, **_body(schema)},
                "responses": {
                    "200": {"description": "The case, with its new due_on and clock.", **_body("Case")},
                    "400": _problem("The body is not valid JSON."),
                    "404": _problem("No case has this reference."),
                    "409": _problem(conflict),
                    "415": _problem("The body is not sent as application/json."),
                    "422": _problem(f"The body does not match {schema}, or a value is refused (a date in the future, "
                                    "an unknown reason); errors lists each field."),
                },
            })
        }
    return paths


def close_path() -> dict[str, Any]:
    return {"post": _secured("cases:write", {
        "operationId": "closeCase",
        "summary": "Close the case with its outcome, exemptions and response date",
        "description": "API clients are trusted systems: staff roles do not apply. Closing again with the outcome "
                       "the case already has changes nothing. The requester and the case's owner are told as when "
                       "staff close it; the closure is on the case's timeline, made by the API client.",
        "parameters": [_REFERENCE],
        "requestBody": {"required": True, **_body("CaseClose")},
        "responses": {
            "200": {"description": "The closed case.", "headers": _LOCATION, **_body("Case")},
            "400": _problem("The body is not valid JSON."),
            "404": _problem("No case has this reference."),
            "409": _problem("The case has open tasks, or is already closed with another outcome."),
            "415": _problem("The body is not sent as application/json."),
            "422": _problem("The body does not match CaseClose, or a value is refused: an outcome not of the case "
                            "type (or an official category that names none or several of its outcomes), a refusal "
                            "reason that contradicts it, an exemption not of the case's law or on an outcome "
                            "granted in full, a response date before receipt or in the future; errors lists each "
                            "field and nothing was stored."),
        },
    })}


_SHARE_ID = {"name": "share_id", "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}, "description": "The share's id."}
_TRUSTED = ("API clients are trusted systems: staff roles do not apply, but the case's state does (a closed case "
            "sends nothing new, and can still have a share revoked). Recorded in the audit log and the share's "
            "history as done by the API client.")
_LINK_NOT_RETURNED = "The link's token is never returned: it is only in the requester's email."


def _share_action(operation_id: str, summary: str, conflict: str, schema: str | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": "The share as it is now.", **_body("Share")},
        "404": _problem("No case has this reference, or it has no share with this id."),
        "409": _problem(conflict),
    }
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary, "description": _TRUSTED,
                                 "parameters": [_REFERENCE, _SHARE_ID]}
    if schema is not None:
        operation["requestBody"] = {"required": True, **_body(schema)}
        responses |= {"400": _problem("The body is not valid JSON."),
                      "415": _problem("The body is not sent as application/json."),
                      "422": _problem(f"The body does not match {schema}, or a value is refused; errors lists "
                                      "each field.")}
    return {"post": _secured("releases:write", {**operation, "responses": responses})}


def report_path() -> dict[str, Any]:
    """A report of the catalogue (``backoffice.reporting``) for a period, as JSON or a file."""
    names = [report.name for report in all_reports()]
    files = {media: {"schema": {"type": "string", "contentMediaType": media}}
             for media in ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           "application/vnd.oasis.opendocument.spreadsheet")}
    return {"get": _secured("reports:read", {
        "operationId": "getReport",
        "summary": "A report for a period: the Cabinet Office return, timeliness, management, the s.45 figures",
        "description": "A period that has ended is judged on its last day, so the same call gives the same "
                       "figures later. Every figure's definition is in its column.",
        "parameters": [
            {"name": "report", "in": "path", "required": True, "schema": {"type": "string", "enum": names}},
            {"name": "period", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 40},
             "description": "2026-Q1, 2026-03, FY2025-26, 2026 or 2026-01-01..2026-03-31; last quarter if absent."},
            {"name": "format", "in": "query", "required": False,
             "schema": {"type": "string", "enum": ["json", "csv", "xlsx", "ods"], "default": "json"}},
        ],
        "responses": {
            "200": {"description": "The report.", "content": {JSON: {"schema": {"$ref": "#/components/schemas/Report"}},
                                                              **files}},
            "400": _problem("An unknown or repeated query parameter; errors says which."),
            "404": _problem("There is no report of that name."),
            "422": _problem("The period or format is not one this report can be given for; errors says which."),
        },
    })}


def publication_paths() -> dict[str, Any]:
    """A case's Disclosure Log entry."""
    body_problems = {"400": _problem("The body is not valid JSON."),
                     "415": _problem("The body is not sent as application/json.")}
    return {
        "/cases/{reference}/publication": {
            "get": _secured("disclosures:read", {
                "operationId": "getPublication",
                "summary": "The case's Disclosure Log entry, with its personal-data check",
                "parameters": [_REFERENCE],
                "responses": {"200": {"description": "The entry.", **_body("Publication")},
                              "404": _problem("No case has this reference, or it has no entry.")},
            }),
            "post": _secured("disclosures:write", {
                "operationId": "publish",
                "summary": "Publish the closed case's response (or send it for approval under the two-person rule)",
                "description": "The title, summary, request, and every page of every document are checked for "
                               "personal data first. " + _TRUSTED,
                "parameters": [_REFERENCE],
                "requestBody": {"required": True, **_body("PublicationCreate")},
                "responses": {
                    "201": {"description": "Published, or awaiting approval.", **_body("Publication")},
                    **body_problems,
                    "404": _problem("No case has this reference."),
                    "409": _problem("The case is not a closed FOI or EIR case, already has an entry, or a file has "
                                    "not passed the virus scan. Nothing was published."),
                    "422": _problem("The body does not match PublicationCreate (errors lists each field), or the "
                                    "personal-data check found something (check lists each finding). Nothing "
                                    "was stored."),
                },
            }),
        },
        "/cases/{reference}/publication/withdraw": {
            "post": _secured("disclosures:write", {
                "operationId": "withdrawPublication",
                "summary": "Withdraw the published response, with a public reason",
                "parameters": [_REFERENCE],
                "requestBody": {"required": True, **_body("PublicationWithdraw")},
                "responses": {
                    "200": {"description": "Withdrawn.", **_body("Publication")},
                    **body_problems,
                    "404": _problem("No case has this reference, or it has no entry."),
                    "409": _problem("It is not published."),
                    "422": _problem("The body does not match PublicationWithdraw; errors lists each field."),
                },
            }),
        },
    }


def share_paths() -> dict[str, Any]:
    """A case's attachments and Secure Share releases of them."""
    ended = "The share has ended (expired, revoked or removed by the requester), or the case is closed."
    return {
        "/cases/{reference}/attachments": {
            "get": _secured("cases:read", {
                "operationId": "listAttachments",
                "summary": "The case's attachments, with their virus check",
                "parameters": [_REFERENCE],
                "responses": {"200": {"description": "Oldest first.", **_body("AttachmentList")},
                              "404": _problem("No case has this reference.")},
            }),
            "post": _secured("cases:write", {
                "operationId": "addAttachment",
                "summary": "Attach a document to the case; it is scanned by ClamAV before it can be shared",
                "description": "The file is streamed to storage, checked by its content, and kept quarantined "
                               "until its scan is clean (scan: pending).",
                "parameters": [_REFERENCE],
                "requestBody": {"required": True, **_body("AttachmentUpload", "multipart/form-data")},
                "responses": {
                    "201": {"description": "Stored and queued for the virus scan.", **_body("Attachment")},
                    "400": _problem("The multipart body cannot be read."),
                    "404": _problem("No case has this reference."),
                    "409": _problem("The case is closed: files cannot be added to it."),
                    "413": _problem("The upload is larger than the API accepts."),
                    "415": _problem("The body is not sent as multipart/form-data."),
                    "422": _problem("No file, an empty or too large file, a type that is not allowed, or a "
                                    "description past 300 characters; nothing was stored."),
                },
            }),
        },
        "/cases/{reference}/shares": {
            "get": _secured("releases:read", {
                "operationId": "listShares",
                "summary": "The case's shares, newest first, each with its files and history",
                "description": _LINK_NOT_RETURNED,
                "parameters": [_REFERENCE],
                "responses": {"200": {"description": "The shares.", **_body("ShareList")},
                              "404": _problem("No case has this reference.")},
            }),
            "post": _secured("releases:write", {
                "operationId": "createShare",
                "summary": "Send clean attachments to the requester through Secure Share",
                "description": "The requester is emailed a link; they confirm their email address to download. "
                               + _LINK_NOT_RETURNED + " " + _TRUSTED,
                "parameters": [_REFERENCE],
                "requestBody": {"required": True, **_body("ShareCreate")},
                "responses": {
                    "201": {"description": "Sent.", **_body("Share")},
                    "400": _problem("The body is not valid JSON."),
                    "404": _problem("No case has this reference."),
                    "409": _problem("A file has not passed the virus scan (still being checked, infected, or its "
                                    "scan failed), the link email is switched off for the case type, or the case "
                                    "is closed. Nothing was sent."),
                    "415": _problem("The body is not sent as application/json."),
                    "422": _problem("The body does not match ShareCreate, an id is not an attachment of this "
                                    "case, there are none or more than 100, or the case has no email address "
                                    "for the requester; errors lists each field."),
                },
            }),
        },
        "/cases/{reference}/shares/{share_id}": {
            "get": _secured("releases:read", {
                "operationId": "getShare",
                "summary": "One share, with its files and its access and download history",
                "description": _LINK_NOT_RETURNED,
                "parameters": [_REFERENCE, _SHARE_ID],
                "responses": {"200": {"description": "The share.", **_body("Share")},
                              "404": _problem("No case has this reference, or it has no share with this id.")},
            }),
        },
        "/cases/{reference}/shares/{share_id}/resend": _share_action(
            "resendShare", "Email a new link; the old one stops working at once", ended),
        "/cases/{reference}/shares/{share_id}/extend": _share_action(
            "extendShare", "Give the requester more days; they are emailed the new date", ended, "ShareExtend"),
        "/cases/{reference}/shares/{share_id}/revoke": _share_action(
            "revokeShare", "End the share now", ended, "ShareRevoke"),
        "/cases/{reference}/shares/{share_id}/unlock": _share_action(
            "unlockShare", "Unlock a share locked after too many wrong email addresses",
            "The share is not locked, it has ended, or the case is closed."),
    }


_INCIDENT = {"name": "reference", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1},
             "description": "The incident reference, such as INC-00042 (any letter case)."}
_INCIDENT_LOCATION = {"Location": {"schema": {"type": "string", "format": "uri"},
                                   "description": "The incident's API address."}}
_TIMES = ("Times are RFC 3339 with their offset; one without, in the future, before 2000 or before the "
          "incident's last step is refused (422). Times in answers are UTC.")
#: path -> (operationId, summary, request schema, what a 409 means here).
_INCIDENT_STEPS = {
    "respond": ("respondToIncident", "Record the response: the response clock stops", "IncidentRespond",
                "The incident was already responded to, or is closed."),
    "pause": ("pauseIncident", "Awaiting the customer: the resolve clock stops in service time", "IncidentPause",
              "The incident is already awaiting the customer, or is resolved or closed."),
    "resume": ("resumeIncident", "The customer responded: the resolve clock runs again", "IncidentResume",
               "The incident is not awaiting the customer, or is resolved or closed."),
    "resolve": ("resolveIncident", "Resolved (a workaround counts): the resolve clock stops", "IncidentResolve",
                "The incident is already resolved, or is closed."),
    "reprioritise": ("reprioritiseIncident", "A new priority, its targets from the original start",
                     "IncidentReprioritise", "The incident is closed."),
}


def _idempotency_key(thing: str) -> dict[str, Any]:
    return {
        "name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
        "description": f"Any unique string (a UUID). Retrying with the same key and body returns the {thing} "
                       "the first attempt created (200) instead of creating another.",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    }


def incident_paths() -> dict[str, Any]:
    """Incidents: raise one, read it with its timeline, and the steps that move its two clocks."""
    body_problems = {"400": _problem("The body is not valid JSON."),
                     "415": _problem("The body is not sent as application/json.")}
    paths: dict[str, Any] = {
        "/incidents": {"post": _secured("incidents:write", {
            "operationId": "raiseIncident",
            "summary": "Raise an incident; its response and resolve due times are worked out and explained",
            "description": "The due times run in the service hours of the body's service model (basic 09:00-17:00, "
                           "plus and premium 08:00-18:30, Monday to Friday, not on the body's bank holidays, "
                           "Europe/London); one received out of hours starts at the next service period. P1 and "
                           "P2 incidents email the major-incident contacts. " + _TIMES,
            "parameters": [_idempotency_key("incident")],
            "requestBody": {"required": True, **_body("IncidentCreate")},
            "responses": {
                "201": {"description": "Raised.", "headers": _INCIDENT_LOCATION, **_body("Incident")},
                "200": {"description": "A retry with the same Idempotency-Key: the incident raised before.",
                        "headers": _INCIDENT_LOCATION, **_body("Incident")},
                "400": _problem("The body is not valid JSON, or the Idempotency-Key header is not usable."),
                "409": _problem("An earlier request with this Idempotency-Key is still being processed."),
                "415": body_problems["415"],
                "422": _problem("The body does not match IncidentCreate, or a value is refused (a time in the "
                                "future, before 2000 or without its offset); errors lists each field and nothing "
                                "was stored."),
            },
        })},
        "/incidents/{reference}": {"get": _secured("incidents:read", {
            "operationId": "getIncident",
            "summary": "One incident: both due times with their explanations, and its whole timeline",
            "description": "The timeline has the public updates (those on the status page) and the internal ones, "
                           "and every move of a due time with its cause.",
            "parameters": [_INCIDENT],
            "responses": {"200": {"description": "The incident.", **_body("Incident")},
                          "404": _problem("No incident has this reference.")},
        })},
    }
    for step, (operation_id, summary, schema, conflict) in _INCIDENT_STEPS.items():
        paths[f"/incidents/{{reference}}/{step}"] = {"post": _secured("incidents:write", {
            "operationId": operation_id,
            "summary": summary,
            "description": "On the incident's timeline, made by the API client; a due time it moves is recorded "
                           "with the cause. " + _TIMES,
            "parameters": [_INCIDENT],
            "requestBody": {"required": True, **_body(schema)},
            "responses": {
                "200": {"description": "The incident, with its due times now.", **_body("Incident")},
                **body_problems,
                "404": _problem("No incident has this reference."),
                "409": _problem(conflict),
                "422": _problem(f"The body does not match {schema}, or a value is refused (a time in the future, "
                                "before the incident's last step or without its offset, the priority it already "
                                "has); errors lists each field."),
            },
        })}
    return paths
