"""DKIM keys of a domain: RSA 2048, private key as PEM, public key as the DNS ``p=`` value.

``Domain.dkim_public_key`` holds the base64 DER SubjectPublicKeyInfo, exactly what the
``<selector>._domainkey`` TXT record publishes (RFC 6376 3.6.1).
"""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailcore.core.models import Domain

KEY_BITS = 2048
DEFAULT_SELECTOR = "qiyou"


def _generate() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, base64.b64encode(public_der).decode("ascii")


async def generate_key_pair() -> tuple[str, str]:
    """(private key PEM, public key base64 DER); generated off the event loop."""
    return await asyncio.to_thread(_generate)


def record_value(public_key: str) -> str:
    return f"v=DKIM1; k=rsa; p={public_key}"


def new_selector(now: datetime | None = None) -> str:
    """A fresh selector for a rotated key, so the old record can stay while mail is in flight."""
    return f"{DEFAULT_SELECTOR}{(now or datetime.now(UTC)):%Y%m%d%H%M%S}"


async def ensure_dkim(domain: Domain) -> Domain:
    """Give ``domain`` a key pair if it has none yet (concurrent first requests agree)."""
    if domain.dkim_private_key and domain.dkim_public_key:
        return domain
    private_pem, public_key = await generate_key_pair()
    await Domain.filter(id=domain.id, dkim_private_key="").update(
        dkim_private_key=private_pem, dkim_public_key=public_key
    )
    return await Domain.get(id=domain.id)
