"""The back office's place in the suite (entry point ``civic.apps``)."""

from backoffice.commands import add_commands
from backoffice.demo import load_demo_data
from backoffice.housekeeping import SCHEDULES, job_kinds
from backoffice.web import SHELL, create_app
from shared.apps import AppSpec

spec = AppSpec(
    key="backoffice",
    mount="/backoffice",
    service_name=SHELL.service_name,
    create_app=create_app,
    model_modules=("backoffice.models",),
    add_commands=add_commands,
    load_demo_data=load_demo_data,
    job_kinds=job_kinds,
    schedules=SCHEDULES,
    order=40,
)
