"""Random credentials and how they are stored (SHA-256 of high-entropy values).

App secrets, access tokens and SSO tickets are 256-bit random values made here, never
chosen by people, so a fast hash is enough: nobody can guess a preimage of SHA-256 for a
256-bit random string, and unlike argon2 it costs nothing per API call and lets tokens
be looked up by their hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SCHEME = "sha256$"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_secret(secret: str) -> str:
    return SCHEME + digest(secret)


def verify_secret(stored: str, secret: str) -> bool:
    if not stored.startswith(SCHEME):
        return False
    return hmac.compare_digest(stored.removeprefix(SCHEME), digest(secret))


def sign(secret: str, body: bytes) -> str:
    """The ``X-Qiyou-Signature`` value of a webhook body: ``sha256=<hex HMAC>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
