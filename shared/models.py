"""Import point for every table the shared infrastructure owns."""

from shared.audit import AuditEvent
from shared.jobs import Job
from shared.ratelimit import RateLimitCounter

__all__ = ["AuditEvent", "Job", "RateLimitCounter"]
