"""Enhanced status codes added to aiosmtpd's own replies."""

from __future__ import annotations

import pytest

from mailcore.protocols.smtp.enhanced import with_status


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        ("250 OK", "2.0.0"),
        ("221 Bye", "2.0.0"),
        ("220 Ready to start TLS", "2.0.0"),
        ("503 Error: need RCPT command", "5.5.1"),
        ('500 Error: command "FROB" not recognized', "5.5.2"),
        ("500 Command line too long", "5.5.6"),
        ("501 Syntax: HELO hostname", "5.5.4"),
        ("502 EXPN not implemented", "5.5.1"),
        ("552 Error: Too much mail data", "5.3.4"),
        ("555 MAIL FROM parameters not recognized", "5.5.4"),
        ("454 TLS not available", "4.7.0"),
        ("252 Cannot VRFY user", "2.0.0"),
        ("554 Command refused due to lack of security", "5.7.0"),
        ("599 odd", "5.0.0"),
    ],
)
def test_added(reply, status):
    assert with_status(reply) == f"{reply[:3]} {status} {reply[4:]}"


@pytest.mark.parametrize(
    "reply",
    [
        "250 2.1.5 Recipient OK",
        "550 5.1.1 <a@b>: no such mailbox here",
        "530 5.7.0 Authentication required",
        "354 End data with <CR><LF>.<CR><LF>",
        "334 VXNlcm5hbWU6",
        "not a reply",
    ],
)
def test_left_alone(reply):
    assert with_status(reply) == reply
