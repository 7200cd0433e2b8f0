"""Import point for every table the shared infrastructure owns."""

from shared.audit import AuditEvent
from shared.configuration import ConfigurationVersion
from shared.files.models import StoredFile
from shared.idempotency import IdempotencyKey
from shared.jobs import Job
from shared.links import EmailLink
from shared.mail.models import OutboxMessage
from shared.ratelimit import RateLimitCounter

__all__ = ["AuditEvent", "ConfigurationVersion", "EmailLink", "IdempotencyKey", "Job", "OutboxMessage", "RateLimitCounter", "StoredFile"]
