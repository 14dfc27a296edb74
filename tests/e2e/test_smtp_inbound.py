"""SMTP inbound (MX port): delivery, no relay, unknown users, size limit, quota, STARTTLS."""

from __future__ import annotations

import asyncio

import aiosmtplib
import httpx

from mailcore.protocols.smtp import replies
from tests.e2e.client import login
from tests.e2e.mail import client_tls, find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD

MESSAGE = """
query Message($id: ID!) { message(id: $id) { id subject text from { address } to { address } } }
"""


def code_of(reply: str) -> int:
    return int(reply[:3])


async def test_mail_to_a_member_is_stored_and_readable(server):
    subject = unique("inbound")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "sender@remote.test",
            ["bob@example.com"],
            simple_mail("sender@remote.test", "bob@example.com", subject, "身体 body text"),
        )
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    node = await find(bob, subject)
    assert node is not None and node["from"]["address"] == "sender@remote.test"
    message = (await bob.data(MESSAGE, id=node["id"]))["message"]
    assert "身体 body text" in message["text"]
    assert message["to"] == [{"address": "bob@example.com"}]


async def test_relay_to_another_domain_is_refused(server):
    with mx(server.smtp_port) as smtp:
        smtp.ehlo()
        smtp.mail("sender@remote.test")
        code, text = smtp.rcpt("someone@elsewhere.test")
    assert code == 550
    assert text.decode() == replies.NO_RELAY.format(domain="elsewhere.test")[4:]


async def test_unknown_member_of_a_hosted_domain_is_refused(server):
    with mx(server.smtp_port) as smtp:
        smtp.ehlo()
        smtp.mail("sender@remote.test")
        code, text = smtp.rcpt("nobody@example.com")
    assert code == 550
    assert b"no such mailbox" in text


async def test_alias_address_reaches_the_member(server):
    subject = unique("alias")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "sender@remote.test",
            ["ali@example.net"],
            simple_mail("sender@remote.test", "ali@example.net", subject),
        )
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    assert await find(alice, subject) is not None


async def test_message_over_the_size_limit_gets_552(server):
    # The test server runs with QIYOU_MAX_MESSAGE_SIZE=12M.
    body = (b"x" * 998 + b"\r\n") * 13_500
    with mx(server.smtp_port) as smtp:
        smtp.ehlo()
        smtp.mail("s@remote.test")  # no SIZE= declared: the limit bites during DATA
        smtp.rcpt("bob@example.com")
        code, text = smtp.data(b"Subject: big\r\n\r\n" + body)
    assert code == 552, text


async def _replies(reader: asyncio.StreamReader, count: int) -> list[bytes]:
    """``count`` complete SMTP replies (multi-line ones folded into their last line)."""
    got = []
    while len(got) < count:
        line = await asyncio.wait_for(reader.readline(), 30)
        assert line, f"connection closed after {got}"
        if line[3:4] != b"-":
            got.append(line.rstrip())
    return got


async def test_dot_stuffed_data_pipelined_after_an_oversized_message(server):
    """Transparency (RFC 5321 4.5.2) and pipelining (RFC 2920) through the DATA reader: one
    write carries a message, its end and the next commands."""
    subject = unique("dots")
    lines = [
        "..leading dot",  # sent stuffed: stored as ".leading dot"
        "a sentence ends here.",  # ends in ".<CRLF>" without ending the data
        "..",  # a line holding one dot
        "",
        "....three dots",
        "last line.",
    ]
    body = "\r\n".join(lines)
    head = f"From: s@remote.test\r\nTo: bob@example.com\r\nSubject: {subject}\r\n\r\n"
    big = b"Subject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 13_500 + b"x.\r\n.\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", server.smtp_port)
    try:
        await _replies(reader, 1)  # greeting
        writer.write(b"EHLO test.example\r\n")
        await _replies(reader, 1)
        # The 552 comes once the whole oversized message is read; the session stays in step.
        writer.write(b"MAIL FROM:<s@remote.test>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n")
        assert [r[:3] for r in await _replies(reader, 3)] == [b"250", b"250", b"354"]
        writer.write(big)
        assert (await _replies(reader, 1))[0][:3] == b"552"
        writer.write(b"MAIL FROM:<s@remote.test>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n")
        assert [r[:3] for r in await _replies(reader, 3)] == [b"250", b"250", b"354"]
        writer.write((head + body + "\r\n.\r\nRSET\r\nQUIT\r\n").encode())
        codes = [r[:3] for r in await _replies(reader, 3)]
        assert codes == [b"250", b"250", b"221"], codes
    finally:
        writer.close()
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    node = await find(bob, subject)
    assert node is not None
    async with httpx.AsyncClient(timeout=30) as http:
        raw = await http.get(f"{server.url}/messages/{node['id']}/raw", headers=bob.headers())
    stored = raw.content.split(b"\r\n\r\n", 1)[1]
    expected = [".leading dot", "a sentence ends here.", ".", "", "...three dots", "last line."]
    assert stored.decode() == "\r\n".join(expected) + "\r\n"


async def test_declared_size_over_the_limit_is_refused_at_mail_from(server):
    with mx(server.smtp_port) as smtp:
        smtp.ehlo()
        code, _ = smtp.docmd("MAIL FROM:<s@remote.test> SIZE=99999999999")
    assert code == 552


async def test_member_over_quota_gets_552_and_vip_has_no_quota(server):
    # carol has a 60 KB quota; vip has 1 KB but is VIP.
    payload = "y" * 40_000
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "s@remote.test",
            ["carol@example.com"],
            simple_mail("s@remote.test", "carol@example.com", unique("q1"), payload),
        )
        # Without SIZE= the quota is checked when the data is in: 552 after DATA.
        smtp.mail("s@remote.test")
        assert smtp.rcpt("carol@example.com")[0] == 250
        code, text = smtp.data(
            simple_mail("s@remote.test", "carol@example.com", unique("q2"), payload)
        )
        assert code == 552 and b"quota" in text, text
        smtp.mail("s@remote.test", options=["SIZE=40000"])
        code, text = smtp.rcpt("carol@example.com")
        assert code == 552, "a declared size over the quota is refused at RCPT"
        smtp.rset()
        vip_subject = unique("vip")
        smtp.sendmail(
            "s@remote.test",
            ["vip@example.com"],
            simple_mail("s@remote.test", "vip@example.com", vip_subject, payload),
        )
    vip = await login(server.graphql_url, "vip@example.com", PASSWORD)
    assert await find(vip, vip_subject) is not None
    me = await vip.data("{ me { vip quota used } }")
    assert me["me"]["vip"] is True and me["me"]["quota"] is None and me["me"]["used"] > 40_000


async def test_starttls_is_offered_and_works(server):
    subject = unique("tls")
    smtp = aiosmtplib.SMTP(
        hostname="127.0.0.1", port=server.smtp_port, start_tls=False, tls_context=client_tls()
    )
    await smtp.connect()
    await smtp.ehlo()
    assert smtp.supports_extension("starttls")
    await smtp.starttls()
    assert not smtp.supports_extension("auth"), "the MX port must not offer AUTH"
    await smtp.sendmail(
        "s@remote.test",
        ["bob@example.com"],
        simple_mail("s@remote.test", "bob@example.com", subject),
    )
    await smtp.quit()
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert await find(bob, subject) is not None


async def test_one_transaction_to_several_members_stores_one_blob(server):
    subject = unique("multi")
    with mx(server.smtp_port) as smtp:
        refused = smtp.sendmail(
            "s@remote.test",
            ["alice@example.com", "bob@example.com"],
            simple_mail("s@remote.test", "alice@example.com", subject),
        )
    assert refused == {}
    for who in ("alice", "bob"):
        client = await login(server.graphql_url, f"{who}@example.com", PASSWORD)
        assert await find(client, subject) is not None
    blobs = [p for p in (server.data_dir / "blobs").rglob("*") if p.is_file()]
    contents = [p.read_bytes() for p in blobs]
    assert sum(subject.encode() in c for c in contents) == 1


async def test_alias_domain_reaches_the_same_member(server):
    subject = unique("alias domain")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "s@remote.test",
            ["Bob@Example.CN"],
            simple_mail("s@remote.test", "bob@example.cn", subject),
        )
        smtp.ehlo()
        smtp.mail("s@remote.test")
        code, _ = smtp.rcpt("nobody@example.cn")
    assert code == 550
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert await find(bob, subject) is not None
