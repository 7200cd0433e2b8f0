"""Every notification the service sends, with its default wording.

Templates are plain text with named placeholders in braces, such as
``{reference}``; an administrator can change the wording per case type and
switch any notification off for a type.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Audience(enum.StrEnum):
    STAFF = "staff"
    REQUESTER = "requester"


class Notice(enum.StrEnum):
    CASE_RAISED = "case_raised"
    CASE_ASSIGNED = "case_assigned"
    TARGET_NEAR = "target_near"
    TARGET_BREACHED = "target_breached"
    TASK_ASSIGNED = "task_assigned"
    TASK_COMPLETED = "task_completed"
    TASK_CANCELLED = "task_cancelled"
    CONTACT_DETAILS_CHANGED = "contact_details_changed"
    CASE_ESCALATED = "case_escalated"
    REQUESTER_CONTACTED = "requester_contacted"
    NOTE_BY_REQUESTER = "note_by_requester"
    NOTE_BY_STAFF = "note_by_staff"
    CASE_CLOSED = "case_closed"
    UNDELIVERED_EMAIL = "undelivered_email"
    REQUESTER_ACKNOWLEDGEMENT = "requester_acknowledgement"
    REQUESTER_DETAILS_CHANGED = "requester_details_changed"
    REQUESTER_CASE_CLOSED = "requester_case_closed"
    SHARE_LINK = "share_link"
    SHARE_EXTENDED = "share_extended"
    SHARE_REMINDER = "share_reminder"
    SHARE_EXPIRED_UNDOWNLOADED = "share_expired_undownloaded"
    SHARE_REMOVED = "share_removed"
    SHARE_LOCKED = "share_locked"


@dataclass(frozen=True)
class Template:
    notice: Notice
    audience: Audience
    title: str
    subject: str
    body: str


#: The name of the public page where a requester checks a request's progress by reference and email address
#: (a public app declares it in its AppSpec's ``public_paths``; ``shared.apps.public_url`` makes it absolute).
#: It works for every case with an email address, whichever door the case came in by.
PROGRESS_PAGE = "request-progress"

#: Placeholders every template may use; values come from the case and the event.
PLACEHOLDERS: dict[str, str] = {
    "reference": "the case reference, like FOI-2026-00042",
    "case_type": "the case type's name",
    "subject": "the case subject",
    "status": "the case status",
    "due_on": "the due date, like 5 January 2027",
    "received_on": "the date received",
    "requester_name": "the requester's name",
    "owner_name": "the case owner's name, or 'nobody'",
    "team_name": "the team's name",
    "case_url": "the link to the case in the back office",
    "progress_url": "the link where the requester can check the progress of their request online",
    "org_name": "the organisation's name",
    "detail": "what happened, in a sentence (the note, the task, the reason)",
    "actor": "who did it",
    "share_url": "the secure link to the documents (only in the email that sends it)",
    "expires_at": "when the shared documents will be removed, like 25 June 2023 at 6:00pm",
    "days_left": "how many days the requester has left to download the documents, like 7 days",
    "file_count": "how many documents are shared, like 2 documents",
    "message": "the caseworker's message sent with the documents",
    "link_sent_on": "the date the link to the documents was emailed",
}

_STAFF_FOOTER = "\n\n{case_url}\n"

DEFAULTS: dict[Notice, Template] = {
    t.notice: t
    for t in (
        Template(Notice.CASE_RAISED, Audience.STAFF, "A new case is raised",
                 "New {case_type}: {reference}",
                 "A new {case_type} has been received: {reference}, {subject}.\nDue: {due_on}." + _STAFF_FOOTER),
        Template(Notice.CASE_ASSIGNED, Audience.STAFF, "A case is assigned",
                 "Case {reference} has been assigned to you",
                 "{actor} assigned case {reference} ({subject}) to you.\nDue: {due_on}." + _STAFF_FOOTER),
        Template(Notice.TARGET_NEAR, Audience.STAFF, "A target is near",
                 "Reminder: {reference} is due {due_on}",
                 "Case {reference} ({subject}) is due {due_on}. {detail}" + _STAFF_FOOTER),
        Template(Notice.TARGET_BREACHED, Audience.STAFF, "A target is missed",
                 "Overdue: {reference} was due {due_on}",
                 "Case {reference} ({subject}) was due {due_on} and has been escalated. {detail}" + _STAFF_FOOTER),
        Template(Notice.TASK_ASSIGNED, Audience.STAFF, "A task is assigned",
                 "Task on {reference}: {detail}", "{actor} gave you a task on case {reference}: {detail}" + _STAFF_FOOTER),
        Template(Notice.TASK_COMPLETED, Audience.STAFF, "A task is completed",
                 "Task completed on {reference}", "{actor} completed a task on case {reference}: {detail}" + _STAFF_FOOTER),
        Template(Notice.TASK_CANCELLED, Audience.STAFF, "A task is cancelled",
                 "Task cancelled on {reference}", "{actor} cancelled a task on case {reference}: {detail}" + _STAFF_FOOTER),
        Template(Notice.CONTACT_DETAILS_CHANGED, Audience.STAFF, "The requester's contact details change",
                 "Contact details changed on {reference}",
                 "The requester's contact details on case {reference} were changed by {actor}." + _STAFF_FOOTER),
        Template(Notice.CASE_ESCALATED, Audience.STAFF, "A case is escalated",
                 "Escalated: {reference}", "Case {reference} ({subject}) has been escalated. {detail}" + _STAFF_FOOTER),
        Template(Notice.REQUESTER_CONTACTED, Audience.STAFF, "The requester is contacted",
                 "{requester_name} was contacted about {reference}",
                 "{actor} emailed the requester about case {reference}." + _STAFF_FOOTER),
        Template(Notice.NOTE_BY_REQUESTER, Audience.STAFF, "The requester adds a note",
                 "New message from the requester on {reference}", "{requester_name} wrote on case {reference}." + _STAFF_FOOTER),
        Template(Notice.NOTE_BY_STAFF, Audience.STAFF, "Someone other than the owner adds a note",
                 "Note added to {reference}", "{actor} added a note to case {reference}." + _STAFF_FOOTER),
        Template(Notice.CASE_CLOSED, Audience.STAFF, "A case is closed",
                 "Closed: {reference}", "Case {reference} ({subject}) was closed by {actor}: {detail}." + _STAFF_FOOTER),
        Template(Notice.UNDELIVERED_EMAIL, Audience.STAFF, "An email to the requester could not be delivered",
                 "Undelivered email on {reference}",
                 "An email about case {reference} could not be delivered: {detail}" + _STAFF_FOOTER),
        Template(Notice.REQUESTER_ACKNOWLEDGEMENT, Audience.REQUESTER, "Acknowledgement to the requester",
                 "We have received your request: {reference}",
                 "Dear {requester_name},\n\nThank you. We have received your {case_type} and given it the reference "
                 "{reference}.\n\nWe must answer by {due_on}.\n\n"
                 "Quote your reference number if you contact us about this request.\n\n"
                 "To check the progress of your request, go to {progress_url}\n\n{org_name}\n"),
        Template(Notice.REQUESTER_DETAILS_CHANGED, Audience.REQUESTER, "The requester's details change",
                 "Your contact details have been updated: {reference}",
                 "Dear {requester_name},\n\nWe have updated the contact details we hold for your request {reference}. "
                 "If you did not ask for this, reply to this email.\n\n{org_name}\n"),
        Template(Notice.REQUESTER_CASE_CLOSED, Audience.REQUESTER, "The case is closed",
                 "Your request {reference} is closed",
                 "Dear {requester_name},\n\nWe have closed your request {reference}. {detail}\n\n{org_name}\n"),
        Template(Notice.SHARE_LINK, Audience.REQUESTER, "Documents are sent securely (the email with the link)",
                 "Your documents from {org_name}: {reference}",
                 "Dear {requester_name},\n\nWe have sent you {file_count} about your request {reference}.\n\n"
                 "{message}\n\nTo download them, open this link and confirm your email address:\n{share_url}\n\n"
                 "The documents will be removed on {expires_at}. Do not share this link: anyone with it and your "
                 "email address can download your documents.\n\n{org_name}\n"),
        Template(Notice.SHARE_EXTENDED, Audience.REQUESTER, "The time to download shared documents is extended",
                 "More time to download your documents: {reference}",
                 "Dear {requester_name},\n\nYou now have until {expires_at} to download the documents we sent "
                 "about your request {reference}. Use the link in the email we sent on {link_sent_on}.\n\n"
                 "{org_name}\n"),
        Template(Notice.SHARE_REMINDER, Audience.REQUESTER, "A reminder before shared documents are removed",
                 "Your documents will be removed in {days_left}: {reference}",
                 "Dear {requester_name},\n\nYou have not downloaded the documents we sent about your request "
                 "{reference}. They will be removed on {expires_at}.\n\nUse the link in the email we sent on "
                 "{link_sent_on}. If you cannot find it, reply to this email quoting {reference}.\n\n{org_name}\n"),
        Template(Notice.SHARE_EXPIRED_UNDOWNLOADED, Audience.STAFF, "Shared documents expire without a download",
                 "Not downloaded: documents shared on {reference}",
                 "The documents shared on case {reference} expired on {expires_at} without being downloaded."
                 + _STAFF_FOOTER),
        Template(Notice.SHARE_REMOVED, Audience.STAFF, "The requester removes shared documents",
                 "Documents removed by the requester on {reference}",
                 "{requester_name} removed the documents shared on case {reference}." + _STAFF_FOOTER),
        Template(Notice.SHARE_LOCKED, Audience.STAFF, "Shared documents are locked after wrong email addresses",
                 "Locked: documents shared on {reference}",
                 "The documents shared on case {reference} were locked after {detail} wrong email addresses in a row. "
                 "Unlock them on the case page if the requester needs them." + _STAFF_FOOTER),
    )
}
