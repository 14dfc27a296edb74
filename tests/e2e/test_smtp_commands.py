"""SMTP command syntax on the MX: control characters in addresses, what EHLO advertises."""

from __future__ import annotations

import pytest

from mailcore.protocols.smtp import replies
from tests.e2e.mail import client_tls, mx

CONTROL = ["\x00", "\x01", "\x1b", "\x7f", "\r", "\x0b"]


def raw_command(smtp, line: str) -> tuple[int, bytes]:
    """Send ``line`` as is (smtplib's docmd refuses a bare CR)."""
    smtp.send(line.encode() + b"\r\n")
    return smtp.getreply()


@pytest.mark.parametrize("char", CONTROL, ids=repr)
def test_control_character_in_mail_from_is_refused(server, char):
    with mx(server.smtp_port) as smtp:
        smtp.ehlo()
        code, text = raw_command(smtp, f"MAIL FROM:<a{char}b@remote.test>")
        assert (code, text.decode()) == (501, replies.BAD_SENDER_ADDRESS[4:])
        # The session goes on: a clean sender is accepted next.
        assert smtp.docmd("MAIL FROM:<ab@remote.test>")[0] == 250


@pytest.mark.parametrize("char", CONTROL, ids=repr)
def test_control_character_in_rcpt_to_is_refused(server, char):
    with mx(server.smtp_port) as smtp:
        smtp.ehlo()
        assert smtp.docmd("MAIL FROM:<ab@remote.test>")[0] == 250
        code, text = raw_command(smtp, f"RCPT TO:<bo{char}b@example.com>")
        assert (code, text.decode()) == (501, replies.BAD_ADDRESS[4:])
        assert smtp.docmd("RCPT TO:<bob@example.com>")[0] == 250


def test_mx_never_advertises_auth(server):
    with mx(server.smtp_port) as smtp:
        code, before = smtp.ehlo()
        assert code == 250 and b"AUTH" not in before.upper()
        smtp.starttls(context=client_tls())
        code, after = smtp.ehlo()
        assert code == 250 and b"AUTH" not in after.upper()
        assert b"STARTTLS" not in after.upper()
