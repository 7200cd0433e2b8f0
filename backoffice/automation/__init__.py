"""Case automation: reminders before targets, escalation when they pass, milestones, the stopped-clock
flag and per-type routines, all driven by one idempotent sweep the worker runs on a schedule.

Domain modules take a Session and never commit; the worker's job (``automation.sweep``) and the web
pages own the transaction.
"""
