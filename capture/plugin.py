"""Capture's place in the suite (entry point ``civic.apps``)."""

from capture.drafts import JOB_KINDS, PURGE_JOB
from capture.limits import add_commands
from capture.web import MOUNT, PUBLIC_PATHS, SHELL, create_app, reserved_page_keys
from shared.apps import AppSpec, Schedule

spec = AppSpec(
    key="capture",
    mount=MOUNT,
    service_name=SHELL.service_name,
    create_app=create_app,
    model_modules=("capture.models",),
    job_kinds=lambda: JOB_KINDS,
    schedules=(Schedule(kind=PURGE_JOB, every_seconds=900),),
    add_commands=add_commands,
    order=10,
    home=True,
    public_paths=PUBLIC_PATHS,
    reserved_page_keys=reserved_page_keys(),
)
