"""Every report the service has: importing this module registers them all (``registry.all_reports``)."""

from backoffice.reporting import cabinet_office, management, publication, timeliness  # noqa: F401
