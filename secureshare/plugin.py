"""Secure Share's place in the suite (entry point ``civic.apps``)."""

from backoffice.public import SHARE_PAGE
from secureshare.web import SHELL, create_app
from shared.apps import AppSpec

spec = AppSpec(key="secureshare", mount="/secure-share", service_name=SHELL.service_name, create_app=create_app,
               order=20, public_paths={SHARE_PAGE: "/s/"})
