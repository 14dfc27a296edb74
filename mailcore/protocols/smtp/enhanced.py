"""Enhanced status codes (RFC 2034, RFC 3463) for the replies aiosmtpd writes itself.

Our own replies carry one already (``replies.py``); aiosmtpd's built-in ones ("250 OK",
"503 Error: need RCPT command", "500 Error: command "X" not recognized", "221 Bye" ...) do
not. ``with_status`` gives each the code Postfix gives the same situation. RFC 2034 leaves
out the greeting and the replies to HELO and EHLO; intermediate replies (334, 354) have none.
"""

from __future__ import annotations

import re

_HAS_STATUS = re.compile(r"^\d{3}[ -][245]\.\d{1,3}\.\d{1,3}(?:[ ]|$)")
_CODE = re.compile(r"^([2-5]\d\d)([ -])(.*)$", re.DOTALL)

# (reply code, start of the text) → enhanced status; the first match wins.
_BY_TEXT: list[tuple[str, str, str]] = [
    ("500", "Command line too long", "5.5.6"),
    ("500", "Line too long", "5.5.6"),
    ("502", "Too many unrecognized", "5.5.1"),
    ("552", "", "5.3.4"),  # "Too much mail data", "message size exceeds ..."
    ("554", "Command refused due to lack of security", "5.7.0"),
]
# reply code → enhanced status for everything else.
_BY_CODE = {
    "220": "2.0.0",  # STARTTLS ready (the greeting is left alone)
    "221": "2.0.0",
    "235": "2.7.0",
    "250": "2.0.0",
    "252": "2.0.0",
    "421": "4.7.0",
    "451": "4.3.0",
    "452": "4.3.1",
    "454": "4.7.0",
    "500": "5.5.2",
    "501": "5.5.4",
    "502": "5.5.1",
    "503": "5.5.1",
    "504": "5.5.4",
    "530": "5.7.0",
    "535": "5.7.8",
    "538": "5.7.11",
    "550": "5.0.0",
    "553": "5.1.3",
    "554": "5.0.0",
    "555": "5.5.4",
}


def with_status(reply: str) -> str:
    """The reply with an enhanced status code after its reply code, if it has none."""
    if _HAS_STATUS.match(reply):
        return reply
    match = _CODE.match(reply)
    if match is None:
        return reply
    code, sep, text = match.groups()
    if code in ("334", "354"):
        return reply
    status = next((s for c, start, s in _BY_TEXT if c == code and text.startswith(start)), None)
    status = status or _BY_CODE.get(code) or f"{code[0]}.0.0"
    return f"{code}{sep}{status} {text}" if text else f"{code}{sep}{status}"
