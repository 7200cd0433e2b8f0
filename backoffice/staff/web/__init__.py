"""The back office's staff-access pages (sign in, sign out, password reset, single sign-on).

Kept free of imports so that :mod:`backoffice.staff.access` can use
:mod:`backoffice.staff.web.redirects` without importing every page.
"""
