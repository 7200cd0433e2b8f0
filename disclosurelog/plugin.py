"""Disclosure Log's place in the suite (entry point ``civic.apps``)."""

from backoffice.public import LOG_HOME_PAGE, LOG_RESPONSE_PAGE
from disclosurelog.web import HOME_PATH, RESPONSE_PREFIX, SHELL, create_app
from shared.apps import AppSpec

spec = AppSpec(key="disclosurelog", mount="/disclosure-log", service_name=SHELL.service_name, create_app=create_app,
               order=30, public_paths={LOG_HOME_PAGE: HOME_PATH, LOG_RESPONSE_PAGE: RESPONSE_PREFIX})
