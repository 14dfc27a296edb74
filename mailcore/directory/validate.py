"""Checks of what administrators type: names, phones, passwords, quotas, genders.

Each check returns the cleaned value or raises ``AdminError(INVALID, message, field)`` naming
the GraphQL field, so a form can show the message beside the right input.
"""

from __future__ import annotations

import re
import unicodedata

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.core.config import parse_size

DEPARTMENT_NAME_MAX = 64
MEMBER_NAME_MAX = 64
POSITION_MAX = 64
PHONE_MAX = 32
EXTID_MAX = 64
PASSWORD_MIN = 8
PASSWORD_MAX = 128
QUOTA_MAX = 1 << 50  # 1 PiB
NAME_FORBIDDEN = set('/\\:*?"<>|')
_CONTROL = {"Cc", "Cs", "Co", "Zl", "Zp"}
_PHONE = re.compile(r"^\+?[0-9(][0-9 ()\-]*(?:(?:[,;#]|ext\.?|转)\s*[0-9]+)?$", re.IGNORECASE)
_EXTID = re.compile(r"^[A-Za-z0-9._:@+\-]*$")


def invalid(message: str, field: str) -> AdminError:
    return AdminError(AdminErrorCode.INVALID, message, field)


def has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in _CONTROL for ch in text)


def text(value: str, field: str, *, maximum: int, minimum: int = 0, label: str = "") -> str:
    """Trimmed single-line text of bounded length, without control characters."""
    value = value.strip()
    label = label or field
    if has_control(value):
        raise invalid(f"{label} must not contain control characters", field)
    if len(value) < minimum:
        raise invalid(f"{label} must not be empty", field)
    if len(value) > maximum:
        raise invalid(f"{label} must have at most {maximum} characters", field)
    return value


def department_name(value: str, field: str = "name") -> str:
    value = text(value, field, minimum=1, maximum=DEPARTMENT_NAME_MAX, label="a department name")
    bad = sorted(NAME_FORBIDDEN.intersection(value))
    if bad:
        raise invalid(f"a department name must not contain {' '.join(bad)}", field)
    return value


def member_name(value: str, field: str = "name") -> str:
    return text(value, field, minimum=1, maximum=MEMBER_NAME_MAX, label="a name")


def phone(value: str, field: str) -> str:
    value = text(value, field, maximum=PHONE_MAX)
    if value and (not _PHONE.match(value) or sum(c.isdigit() for c in value) < 3):
        raise invalid(f"{field} is not a phone number", field)
    return value


def extid(value: str, field: str = "extid") -> str:
    value = text(value, field, maximum=EXTID_MAX)
    if not _EXTID.match(value):
        raise invalid("extid may hold letters, digits and . _ : @ + - only", field)
    return value


def password(value: str, field: str = "password") -> str:
    if has_control(value):
        raise invalid("a password must not contain control characters", field)
    if len(value) < PASSWORD_MIN:
        raise invalid(f"a password needs at least {PASSWORD_MIN} characters", field)
    if len(value) > PASSWORD_MAX:
        raise invalid(f"a password may have at most {PASSWORD_MAX} characters", field)
    return value


def quota(value: str | int, field: str = "quota") -> int:
    """A quota such as ``2G``, ``500M`` or a number of bytes."""
    if isinstance(value, int):
        size = value
    else:
        cleaned = value.strip()
        if not cleaned or len(cleaned) > 32 or has_control(cleaned):
            raise invalid("a quota looks like 2G, 500M or a number of bytes", field)
        try:
            size = parse_size(cleaned)
        except (ValueError, OverflowError) as exc:
            raise invalid("a quota looks like 2G, 500M or a number of bytes", field) from exc
    if size <= 0 or size > QUOTA_MAX:
        raise invalid("a quota must be more than 0 and at most 1P", field)
    return size


def gender(value: int, field: str = "gender") -> int:
    if value not in (0, 1, 2):
        raise invalid("gender is 0 (unknown), 1 (male) or 2 (female)", field)
    return value


def order(value: int, field: str = "order") -> int:
    if not -(2**31) < value < 2**31:
        raise invalid("order must be a 32-bit integer", field)
    return value
