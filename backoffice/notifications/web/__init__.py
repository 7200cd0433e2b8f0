"""The administrators' notification and onboarding-contacts pages."""

from backoffice.notifications.web.routes import notification_routes

__all__ = ["notification_routes"]
