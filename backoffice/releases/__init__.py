"""Secure Share's domain: response documents released to a requester through a time-limited link.

A share is made on a case (``sending``), managed by caseworkers (``management``), opened by the
requester who proves their email address and gets a server-side session (``access``), downloaded from
(``downloads``), and ended by expiry, revocation or removal, after which the worker deletes the share's
copy of the bytes and keeps the history (``jobs``). Secure Share's pages reach all of it through
``backoffice.public``.
"""
