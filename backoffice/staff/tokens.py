"""Random secrets that are handed out once and stored only as a digest.

Session tokens and password reset links carry 256 random bits, so a plain
SHA-256 digest is enough to store them: there is nothing to brute-force, and a
stolen table gives nobody a usable token.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    """A URL-safe token of 256 random bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
