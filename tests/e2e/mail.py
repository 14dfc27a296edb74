"""Helpers for e2e tests: build raw mail, send over SMTP, find it again through GraphQL."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import uuid
from email.message import EmailMessage

import aiosmtplib

from tests.e2e.client import GraphQLClient
from tests.e2e.server import PASSWORD

FIND = """
query Find($folder: String!) {
  messages(folder: $folder, first: 100) {
    edges { node { id subject from { address name } date seen hasAttachments } }
  }
}
"""


def unique(prefix: str = "subject") -> str:
    return f"{prefix} {uuid.uuid4().hex[:12]}"


def simple_mail(sender: str, to: str, subject: str, body: str = "hello") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@test.example>"
    msg.set_content(body)
    return msg.as_bytes()


def conversation_mail(
    subject: str, message_id: str, parent: str | None = None, to: str = "bob@example.com"
) -> bytes:
    """A mail from outside with this Message-ID; with ``parent``, a reply to it (``Re:``,
    In-Reply-To and References)."""
    msg = EmailMessage()
    msg["From"], msg["To"] = "sender@outside.test", to
    msg["Subject"] = f"Re: {subject}" if parent else subject
    msg["Message-ID"] = message_id
    if parent:
        msg["In-Reply-To"] = msg["References"] = parent
    msg.set_content("body")
    return msg.as_bytes()


def client_tls() -> ssl.SSLContext:
    """The test server's certificate is self-signed: trust it without verification."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def mx(port: int) -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", port, timeout=30)


async def find(client: GraphQLClient, subject: str, folder: str = "INBOX", wait: float = 5):
    """The message with ``subject`` in ``folder`` (polling briefly), or None."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        data = await client.data(FIND, folder=folder)
        for edge in data["messages"]["edges"]:
            if edge["node"]["subject"] == subject:
                return edge["node"]
        if asyncio.get_running_loop().time() > deadline:
            return None
        await asyncio.sleep(0.1)


async def submission(server, user: str | None = "alice@example.com") -> aiosmtplib.SMTP:
    """A STARTTLS session on the submission port, logged in as ``user`` unless None."""
    smtp = aiosmtplib.SMTP(
        hostname="127.0.0.1",
        port=server.submission_port,
        start_tls=True,
        tls_context=client_tls(),
    )
    await smtp.connect()
    if user:
        await smtp.login(user, PASSWORD)
    return smtp
