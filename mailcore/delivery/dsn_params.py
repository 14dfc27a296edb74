"""The DSN parameters of RFC 3461 on the wire: ``RET`` and ``ENVID`` of ``MAIL``, ``NOTIFY``
and ``ORCPT`` of ``RCPT``; xtext (RFC 3461 4) undone when read and done again when the
parameters are passed on to the next server.

Values are kept decoded; a decoded value must be printable ASCII (they end up in report
fields and in the next server's commands, so a control character or a line break is refused).
"""

from __future__ import annotations

import re

MAIL_PARAMS = ("RET", "ENVID")
RCPT_PARAMS = ("NOTIFY", "ORCPT")
NOTIFY_WORDS = ("SUCCESS", "FAILURE", "DELAY")
ENVID_MAX = 100  # RFC 3461 4.4: the ENVID value, encoded
ORCPT_MAX = 500  # RFC 3461 4.2

_XTEXT = re.compile(r"^(?:[!-*,-<>-~]|\+[0-9A-F]{2})*$")
_HEX = re.compile(r"\+([0-9A-F]{2})")
_ADDR_TYPE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$")


class DsnSyntaxError(ValueError):
    """A malformed DSN parameter; ``reply`` is the SMTP answer."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


def xtext_decode(value: str) -> str | None:
    """The decoded xtext, or None if ``value`` is not xtext or decodes to something other
    than printable ASCII."""
    if not _XTEXT.match(value):
        return None
    decoded = _HEX.sub(lambda m: chr(int(m.group(1), 16)), value)
    if not all(" " <= ch <= "~" for ch in decoded):
        return None
    return decoded


def xtext_encode(value: str) -> str:
    """RFC 3461 xtext: printable ASCII but "+" and "=", every other octet (of the UTF-8
    bytes) as ``+HH``."""
    return "".join(
        chr(b) if 0x21 <= b <= 0x7E and b not in (0x2B, 0x3D) else f"+{b:02X}"
        for b in value.encode("utf-8")
    )


def split_params(tokens: list[str], names: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """The ``NAME=value`` tokens of ``names`` (case-insensitive names, value as sent) and
    the other tokens; a repeated parameter is an error."""
    found: dict[str, str] = {}
    rest: list[str] = []
    for token in tokens:
        name, eq, value = token.partition("=")
        key = name.upper()
        if key in names:
            if key in found:
                raise DsnSyntaxError(f"501 5.5.4 {key} given twice")
            if not eq or not value:
                raise DsnSyntaxError(f"501 5.5.4 {key} needs a value")
            found[key] = value
        else:
            rest.append(token)
    return found, rest


def mail_params(found: dict[str, str]) -> tuple[str, str]:
    """``RET`` (FULL or HDRS, "" if not given) and the decoded ``ENVID``."""
    ret = found.get("RET", "").upper()
    if ret not in ("", "FULL", "HDRS"):
        raise DsnSyntaxError("501 5.5.4 RET must be FULL or HDRS")
    envid = found.get("ENVID", "")
    if envid:
        decoded = xtext_decode(envid)
        if decoded is None or len(envid) > ENVID_MAX:
            raise DsnSyntaxError(f"501 5.5.4 ENVID must be xtext of at most {ENVID_MAX} characters")
        envid = decoded
    return ret, envid


def rcpt_params(found: dict[str, str]) -> tuple[str, str]:
    """``NOTIFY`` (NEVER or a comma list of SUCCESS, FAILURE, DELAY in that order; "" if not
    given) and the decoded ``ORCPT`` as ``type;address``."""
    notify = ""
    if "NOTIFY" in found:
        words = found["NOTIFY"].upper().split(",")
        if words == ["NEVER"]:
            notify = "NEVER"
        elif len(set(words)) != len(words) or not set(words) <= set(NOTIFY_WORDS):
            raise DsnSyntaxError(
                "501 5.5.4 NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY"
            )
        else:
            notify = ",".join(w for w in NOTIFY_WORDS if w in words)
    orcpt = ""
    if "ORCPT" in found:
        kind, semi, value = found["ORCPT"].partition(";")
        decoded = xtext_decode(value) if semi else None
        if not decoded or not _ADDR_TYPE.match(kind) or len(found["ORCPT"]) > ORCPT_MAX:
            raise DsnSyntaxError("501 5.5.4 ORCPT must be addr-type;xtext (e.g. rfc822;a@b)")
        orcpt = f"{kind.lower()};{decoded}"
    return notify, orcpt


def wants(notify: str, event: str) -> bool:
    """Whether a report of ``event`` (SUCCESS, FAILURE, DELAY) is due under ``notify``: not
    given means FAILURE and DELAY (RFC 3461 4.1 leaves the default to the server)."""
    if not notify:
        return event in ("FAILURE", "DELAY")
    return event in notify.split(",")
