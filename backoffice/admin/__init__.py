"""Administration of the back office: case types, groups, users, the organisation, bank holidays,
case import and export, the demo data ``make run`` loads, and the kept-mail pages of development.

The rules live in the domain modules (``backoffice.cases.case_types``,
``backoffice.staff.groups``, ``backoffice.staff.accounts``, ...); this package holds
the thin web handlers in ``web/`` and the few reads and records only these
pages need.
"""
