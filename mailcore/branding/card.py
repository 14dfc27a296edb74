"""Business cards: a member's contact details as a vCard 3.0 (RFC 2426, escaping as RFC 6350).

Cards are for members of the same enterprise; a hidden member's card is only their own.
"""

from __future__ import annotations

from mailcore.branding.signature import member_fields
from mailcore.core.models import Member
from mailcore.org.addresses import normalize_address

MAX_LINE = 75  # octets per line before folding


def escape(value: str) -> str:
    """A text value: backslash, comma, semicolon and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character; continuation lines start
    with a space."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > MAX_LINE:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


async def vcard(member: Member) -> str:
    fields = await member_fields(member)
    org = escape(fields["company"])
    if fields["department"] and fields["department"] != fields["company"]:
        org += ";" + escape(fields["department"])
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{escape(fields['name'])};;;;",
        f"FN:{escape(fields['name'])}",
        f"ORG:{org}",
    ]
    if fields["position"]:
        lines.append(f"TITLE:{escape(fields['position'])}")
    if fields["mobile"]:
        lines.append(f"TEL;TYPE=CELL,VOICE:{escape(fields['mobile'])}")
    if fields["tel"]:
        lines.append(f"TEL;TYPE=WORK,VOICE:{escape(fields['tel'])}")
    lines += [f"EMAIL;TYPE=INTERNET,PREF:{escape(fields['email'])}", "END:VCARD"]
    return "".join(fold(line) + "\r\n" for line in lines)


async def card_for(viewer: Member, email: str) -> str | None:
    """The card of ``email`` as ``viewer`` may see it, or None (not found, other enterprise,
    hidden, disabled or deleted: all the same to the viewer)."""
    member = await Member.filter(email=normalize_address(email)).first()
    if (
        member is None
        or member.enterprise_id != viewer.enterprise_id
        or member.deleted_at is not None
        or not member.enabled
        or (member.hidden and member.id != viewer.id)
    ):
        return None
    return await vcard(member)
