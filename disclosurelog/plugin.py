"""Disclosure Log's place in the suite (entry point ``civic.apps``)."""

from disclosurelog.web import SHELL, create_app
from shared.apps import AppSpec

spec = AppSpec(key="disclosurelog", mount="/disclosure-log", service_name=SHELL.service_name, create_app=create_app, order=30)
