"""The one rule for an email address: what the mailer accepts, every form, the API and intake accept.

A looser check at any door (a bare ``"@" in`` test, a permissive regex) lets in
an address such as ``a..b@example.com`` that no mail can ever reach, and the
person behind it is then never told anything. So every door asks
:func:`validate_address` (or :func:`address_error`), and shows the one message.
"""

from __future__ import annotations

import re

from shared.errors import InvalidInput

ADDRESS_ERROR = "Enter an email address in the correct format, like name@example.com"

_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^([A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$")


class InvalidEmailAddress(InvalidInput):
    """The address cannot be mailed; ``errors["email"]`` is the GOV.UK message to show."""

    def __init__(self, address: str) -> None:
        super().__init__(f"not a valid email address: {address!r}", errors={"email": ADDRESS_ERROR})


def validate_address(address: str) -> str:
    """The address as it will be mailed, or :class:`InvalidEmailAddress`.

    Deliberately strict (a dot-atom local part and a real-looking host name) so
    that what we accept, SMTP servers and GOV.UK Notify accept too; a
    non-ASCII domain is converted to its IDNA form.
    """
    candidate = address.strip() if isinstance(address, str) else ""
    local, at, domain = candidate.rpartition("@")
    if not at or not local or not domain or len(candidate) > 254 or len(local) > 64:
        raise InvalidEmailAddress(address)
    if not _LOCAL_PART.match(local):
        raise InvalidEmailAddress(address)
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidEmailAddress(address) from exc
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or not _TLD.match(labels[-1]):
        raise InvalidEmailAddress(address)
    return f"{local}@{ascii_domain}"


def address_error(address: str) -> str | None:
    """:data:`ADDRESS_ERROR` when the mailer would refuse ``address``, else None: for forms that gather errors."""
    try:
        validate_address(address)
    except InvalidEmailAddress:
        return ADDRESS_ERROR
    return None
