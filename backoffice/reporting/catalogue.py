"""Every report the service has: importing this module registers them all (``registry.all_reports``)."""

from backoffice.reporting import (  # noqa: F401
    cabinet_office,
    management,
    publication,
    scottish_return,
    service_report,
    timeliness,
)
