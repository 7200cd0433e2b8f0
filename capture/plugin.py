"""Capture's place in the suite (entry point ``civic.apps``)."""

from capture.web import SHELL, create_app
from shared.apps import AppSpec

spec = AppSpec(key="capture", mount="/capture", service_name=SHELL.service_name, create_app=create_app, order=10)
