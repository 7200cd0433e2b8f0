"""The case core: case types, cases, workflow, tasks, the timeline and the typed case events.

Plain modules taking a Session; no HTTP. A change publishes its event (``events``) in the
caller's transaction; notifications, automation and later capabilities subscribe in
``backoffice/plugin.py`` rather than being called from here.
"""
