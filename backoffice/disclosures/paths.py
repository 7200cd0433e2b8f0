"""The names of the Disclosure Log's public pages, which ``disclosurelog`` declares (``AppSpec.public_paths``)
and the core and Capture link to through ``shared.apps.public_url`` without importing the log."""

#: The log's home page (search box, newest responses, categories): ``/disclosure-log/``.
LOG_HOME_PAGE = "disclosure-log-home"
#: A published response's page, followed by its reference: ``/disclosure-log/responses/FOI-2026-0001``.
LOG_RESPONSE_PAGE = "disclosure-log-response"
