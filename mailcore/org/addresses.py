"""Address helpers: normalising and splitting e-mail addresses."""

from __future__ import annotations

import re

_LOCAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$"
)


def normalize_domain(name: str) -> str:
    return name.strip().rstrip(".").lower()


def normalize_address(address: str) -> str:
    """Lowercase the domain and (as hosted mailboxes are case-insensitive) the local part."""
    return address.strip().strip("<>").lower()


def split_address(address: str) -> tuple[str, str]:
    local, _, domain = normalize_address(address).rpartition("@")
    return local, domain


def is_valid_domain(name: str) -> bool:
    return bool(_DOMAIN.match(normalize_domain(name)))


def is_valid_address(address: str) -> bool:
    local, domain = split_address(address)
    return bool(local) and bool(_LOCAL.match(local)) and is_valid_domain(domain)
