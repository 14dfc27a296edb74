"""Bad input over SMTP: every golden-corpus mail and the hostile cases are stored and
readable through GraphQL, or refused with a clear code; the server never falls over."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import aiosmtplib
import httpx
import pytest

from tests.e2e.client import login
from tests.e2e.mail import mx, submission, unique
from tests.e2e.server import PASSWORD
from tests.e2e.test_directory import create_member

CORPUS = sorted((Path(__file__).parents[1] / "data" / "mime").glob("*.eml"))
READ = """
query Read($id: ID!) {
  message(id: $id) { id subject text html from { address name } attachments { filename size } }
}
"""
LATEST = '{ messages(folder: "INBOX", first: 1) { edges { node { id subject } } } }'


async def deliver_and_read(server, raw: bytes, rcpt: str = "dave@example.com") -> dict:
    """Send ``raw`` to the MX port with a unique envelope, return the newest message read back."""
    with mx(server.smtp_port) as smtp:
        smtp.ehlo()
        smtp.mail("fuzz@remote.test")
        assert smtp.rcpt(rcpt)[0] == 250
        code, text = smtp.data(raw)
    assert code == 250, text
    client = await login(server.graphql_url, rcpt, PASSWORD)
    edges = (await client.data(LATEST))["messages"]["edges"]
    return (await client.data(READ, id=edges[0]["node"]["id"]))["message"]


PARTNERS = """mutation($partners: [String!]) { setSpoofPolicy(partners: $partners) {
  __typename ... on SpoofPolicy { partners } } }"""


@pytest.fixture(scope="module")
async def dave(server):
    """A member who receives only the bad-input mail, so 'newest' is the one just sent.

    Corpus mail claims senders of example.com, a domain hosted by the test server: the MX
    would refuse it as forged (tests/e2e/test_mx_spoofing.py). The loopback is listed as a
    partner server of example.com while this module runs, and taken off again after it."""
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    await create_member(admin, email="dave@example.com", vip=True)
    listed = await admin.data(PARTNERS, partners=["127.0.0.0/8"])
    assert listed["setSpoofPolicy"]["partners"] == ["127.0.0.0/8"], listed
    yield "dave@example.com"
    cleared = await admin.data(PARTNERS, partners=[])
    assert cleared["setSpoofPolicy"]["partners"] == [], cleared


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
async def test_corpus_mail_is_stored_and_reads_as_expected(server, dave, path):
    expected = json.loads(path.with_suffix(".json").read_text())
    message = await deliver_and_read(server, path.read_bytes())
    assert message["subject"] == expected["subject"]
    for fragment in expected.get("text_contains", []):
        assert fragment in message["text"]
    if "text" in expected:
        assert message["text"] == expected["text"]
    names = [a["filename"] for a in message["attachments"]]
    assert names == [
        a["filename"] for a in expected["attachments"] if not a.get("inline")
    ] or names == [a["filename"] for a in expected["attachments"]]


HOSTILE = {
    "ten_mb_single_line": lambda s: b"Subject: " + s + b"\r\n\r\n" + b"A" * (10 * 1024 * 1024),
    "thousand_attachments": lambda s: (
        b"Subject: " + s + b"\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
        + b"".join(
            b"--XX\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; "
            b"filename=f%d.txt\r\n\r\nbody %d\r\n" % (i, i)
            for i in range(1000)
        )
        + b"--XX--\r\n"
    ),
    "nul_and_control_bytes": lambda s: (
        b"Subject: " + s + b"\x00\x01\r\nFrom: a\x00b@x\r\n\r\n\x00\x00body"
    ),
    "raw_8bit_and_broken_encoded_words": lambda s: (
        b"Subject: " + s + b" =?gb2312?B?xOO6w?= \xc4\xe3\xba\xc3\r\n"
        b"From: =?x-unknown?Q?=E4=BD=A0?= <a@b.c>\r\nContent-Type: text/plain; charset=klingon\r\n"
        b"\r\n\xe4\xbd\xa0\xe5\xa5\xbd \xff\xfe"
    ),
    "bare_lf_only": lambda s: b"Subject: " + s + b"\nFrom: x@y.z\n\nline one\nline two\n",
    "header_without_body_or_colon": lambda s: b"Subject: " + s + b"\r\nthis is not a header",
}


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_hostile_mail_is_stored_and_readable(server, dave, case):
    tag = unique(case)
    message = await deliver_and_read(server, HOSTILE[case](tag.encode()))
    assert message["subject"].startswith(tag)
    if case == "thousand_attachments":
        assert len(message["attachments"]) == 1000
    if case == "ten_mb_single_line":
        assert len(message["text"]) >= 10 * 1024 * 1024
    if case == "bare_lf_only":
        assert "line one\nline two" in message["text"]


async def test_garbage_commands_get_errors_and_the_server_stays_up(server):
    with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10) as sock:
        sock.recv(1024)
        for line in [
            b"\xff\xfe\x00garbage\r\n",
            b"MAIL FROM:<<<>>>\r\n",
            b"RCPT TO:\r\n",
            b"DATA\r\n",
            b"A" * 5000 + b"\r\n",
        ]:
            sock.sendall(line)
            reply = sock.recv(1024)
            assert reply[:1] in (b"5", b"4"), reply
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{server.url}/health")).status_code == 200


async def test_graphql_arguments_with_nul_or_junk_get_typed_errors(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    for query, variables in [
        (
            "mutation L($e: String!) { login(email: $e, password: $e) { __typename } }",
            {"e": "bob\x00@example.com"},
        ),
        (
            "mutation S($i: ComposeInput!) { sendMail(input: $i) { __typename } }",
            {"i": {"to": ["bob@example.com"], "subject": "\x00"}},
        ),
        ("mutation C($n: String!) { createFolder(name: $n) { __typename } }", {"n": "a\x00b"}),
    ]:
        body = await bob.execute(query, **variables)
        assert body["errors"][0]["extensions"]["code"] == "INVALID", body
    for query, variables in [
        ("query M($id: ID!) { message(id: $id) { id } }", {"id": "1' OR 1=1"}),
        ("query F($f: String!) { messages(folder: $f) { edges { cursor } } }", {"f": "../.."}),
        ("query A($a: String) { messages(after: $a) { edges { cursor } } }", {"a": "%%%"}),
        ("query A($n: Int) { messages(first: $n) { edges { cursor } } }", {"n": 100000}),
    ]:
        body = await bob.execute(query, **variables)
        assert body["errors"][0]["extensions"]["code"] in ("NOT_FOUND", "INVALID"), body


async def test_smtp_auth_with_nul_in_the_login_is_refused(server):
    smtp = await submission(server, user=None)
    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as refused:
        await smtp.login("bob\x00@example.com", PASSWORD)
    assert refused.value.code == 535
    await smtp.quit()
