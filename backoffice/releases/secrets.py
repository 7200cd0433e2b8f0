"""The share's secrets: the link's token, the session's token and the email check.

A link token has 256 bits (``token_urlsafe(32)``, 43 characters); only its SHA-256 is stored, so the
database alone opens nothing. The email address is normalised (Unicode NFC, trimmed, lower case: people
type ``Sam@Example.org`` as often as ``sam@example.org``) and hashed with argon2id.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's current parameters
#: What a link's token looks like; anything else is not looked up at all.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return bool(TOKEN.fullmatch(token or ""))


def normalise_email(address: str) -> str:
    return unicodedata.normalize("NFC", address or "").strip().lower()


def hash_email(address: str) -> str:
    return _hasher.hash(normalise_email(address))


def email_matches(stored_hash: str, address: str) -> bool:
    try:
        return _hasher.verify(stored_hash, normalise_email(address))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
