"""Case work in the staff app: queues, logging a new case, the case page and its actions.

The pages are thin: they parse a form, call :mod:`backoffice.cases` and render
or redirect. The handlers live in :mod:`backoffice.casework.web`, as web code
does everywhere in the suite (the layering test keeps HTTP out of other modules).
"""
