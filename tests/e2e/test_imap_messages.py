"""IMAP messages and the selected mailbox through Python's imaplib, against a real server:
SELECT/EXAMINE, FETCH, STORE, COPY/MOVE/EXPUNGE (UIDPLUS), CONDSTORE/QRESYNC, SEARCH/ESEARCH,
SORT, THREAD, and the same mailbox seen through GraphQL (both directions, live)."""

from __future__ import annotations

import asyncio
import imaplib
import re
import uuid
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import Subscription, login
from tests.e2e.mail import client_tls, find, mx
from tests.e2e.server import PASSWORD, Server

USER = "bob@example.com"
CHANGED = "subscription { mailboxChanged { change ids folderId } }"
MARK_READ = "mutation M($ids: [ID!]!) { markRead(ids: $ids, read: true) { __typename } }"
MOVE = 'mutation M($ids: [ID!]!) { move(ids: $ids, folder: "archive") { __typename } }'
MESSAGE = "query Q($id: ID!) { message(id: $id) { seen flagged folderId } }"


@pytest.fixture(scope="module", params=BACKENDS)
def imap_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    with private_server(request.param, tmp_path_factory.mktemp(f"imap-{request.param}")) as srv:
        yield srv


def connect(server: Server, user: str = USER) -> imaplib.IMAP4_SSL:
    imap = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port, ssl_context=client_tls(), timeout=20)
    imap.login(user, PASSWORD)
    return imap


def mail(
    subject: str,
    *,
    message_id: str | None = None,
    parent: str | None = None,
    attachment: bytes | None = None,
    body: str = "hello imap",
) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Sender <s@outside.test>", USER, subject
    msg["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@outside.test>"
    if parent:
        msg["In-Reply-To"] = msg["References"] = parent
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="a.pdf")
    return msg.as_bytes(policy=SMTP)


def deliver(server: Server, *raws: bytes) -> None:
    with mx(server.smtp_port) as smtp:
        for raw in raws:
            smtp.sendmail("s@outside.test", [USER], raw)


def new_folder(server: Server, imap: imaplib.IMAP4_SSL) -> str:
    """A fresh folder for one test, filled by MOVE from INBOX by the test itself."""
    name = f"t{uuid.uuid4().hex[:8]}"
    assert imap.create(name)[0] == "OK"
    return name


def fill(server: Server, name: str, *raws: bytes) -> list[int]:
    """Deliver mails to INBOX and MOVE them into ``name``; their UIDs there."""
    ids = [re.search(rb"Message-ID: ([^\r\n]*)", r).group(1).decode() for r in raws]
    deliver(server, *raws)
    imap = connect(server)
    imap.select("INBOX")
    uids = []
    for message_id in ids:
        typ, data = imap.uid("SEARCH", "HEADER", "Message-ID", f'"{message_id}"')
        uids += data[0].split()
    assert len(uids) == len(raws)
    typ, data = imap.uid("MOVE", b",".join(uids).decode(), name)
    assert typ == "OK", data
    copyuid = re.search(rb"COPYUID \d+ \S+ (\S+)\]", b" ".join(imap.untagged_responses["OK"]))
    imap.logout()
    return sorted(_expand(copyuid.group(1).decode()))


def _expand(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition(":")
        out += range(int(a), int(b or a) + 1)
    return out


def untagged(imap: imaplib.IMAP4_SSL, name: str) -> list:
    return imap.untagged_responses.pop(name, [])


def fetch_one(imap: imaplib.IMAP4_SSL, uid: int, items: str) -> tuple[bytes, bytes | None]:
    typ, data = imap.uid("FETCH", str(uid), items)
    assert typ == "OK", data
    first = data[0]
    return (first[0], first[1]) if isinstance(first, tuple) else (first, None)


def test_select_fetch_and_implicit_seen(imap_server: Server) -> None:
    imap = connect(imap_server)
    box = new_folder(imap_server, imap)
    raw = mail("fetch me", attachment=b"%PDF-1.4 tiny")
    [uid] = fill(imap_server, box, raw)
    typ, data = imap.select(box)
    assert typ == "OK" and data == [b"1"]
    codes = b" ".join(imap.untagged_responses["OK"])
    assert re.search(rb"\[UIDVALIDITY \d+\]", codes) and re.search(rb"\[HIGHESTMODSEQ \d+\]", codes)
    assert f"[UIDNEXT {uid + 1}]".encode() in codes

    head, _ = fetch_one(imap, uid, "(FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE)")
    assert b"FLAGS ()" in head and f"UID {uid}".encode() in head
    assert b'"fetch me"' in head and b'(("Sender" NIL "s" "outside.test"))' in head
    assert b'("APPLICATION" "PDF"' in head and b'"MIXED"' in head
    size = int(re.search(rb"RFC822.SIZE (\d+)", head).group(1))

    _, whole = fetch_one(imap, uid, "BODY.PEEK[]")
    assert len(whole) == size and whole.endswith(raw[-40:])
    _, subject = fetch_one(imap, uid, "BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
    assert subject == b"Subject: fetch me\r\n\r\n"
    _, part = fetch_one(imap, uid, "BINARY.PEEK[2]")
    assert part == b"%PDF-1.4 tiny"
    _, partial = fetch_one(imap, uid, "BODY.PEEK[1]<0.5>")
    assert partial == b"hello"
    head, _ = fetch_one(imap, uid, "FLAGS")
    assert b"\\Seen" not in head  # PEEK leaves \Seen alone

    typ, data = imap.uid("FETCH", str(uid), "BODY[1]")
    assert data[0][1].startswith(b"hello imap") and b"FLAGS (\\Seen)" in data[1]
    assert b"\\Seen" in fetch_one(imap, uid, "FLAGS")[0]
    imap.logout()


async def test_imap_flags_show_in_graphql_at_once(imap_server: Server) -> None:
    imap = connect(imap_server)
    box = new_folder(imap_server, imap)
    subject = f"flag {uuid.uuid4().hex[:8]}"
    [uid] = fill(imap_server, box, mail(subject))
    bob = await login(imap_server.graphql_url, USER, PASSWORD)
    found = await find(bob, subject, folder=box)
    imap.select(box)
    async with Subscription(imap_server.ws_url, bob.token, CHANGED) as sub:
        await asyncio.sleep(0.5)
        typ, data = imap.uid("STORE", str(uid), "+FLAGS", "(\\Flagged \\Seen)")
        assert typ == "OK" and b"\\Flagged" in data[0] and b"\\Seen" in data[0]
        pushed = (await sub.next())["mailboxChanged"]
    assert pushed["change"] == "flags" and pushed["ids"] == [found["id"]]
    message = (await bob.data(MESSAGE, id=found["id"]))["message"]
    assert message["seen"] and message["flagged"]
    imap.logout()


async def test_graphql_changes_reach_an_imap_session(imap_server: Server) -> None:
    imap = connect(imap_server)
    box = new_folder(imap_server, imap)
    subjects = [f"live {n} {uuid.uuid4().hex[:6]}" for n in range(2)]
    uids = fill(imap_server, box, *(mail(s) for s in subjects))
    bob = await login(imap_server.graphql_url, USER, PASSWORD)
    ids = [(await find(bob, s, folder=box))["id"] for s in subjects]
    imap.select(box)

    await bob.data(MARK_READ, ids=[ids[0]])
    imap.noop()
    fetched = untagged(imap, "FETCH")
    assert any(f"UID {uids[0]} FLAGS (\\Seen)".encode() in f for f in fetched), fetched

    await bob.data(MOVE, ids=[ids[1]])
    imap.noop()
    assert untagged(imap, "EXPUNGE") == [b"2"]
    typ, data = imap.uid("SEARCH", "ALL")
    assert data == [str(uids[0]).encode()]

    # IDLE: a mail moved in by another session is pushed as EXISTS without a command.
    tag = imap._new_tag().decode()
    imap.send(f"{tag} IDLE\r\n".encode())
    assert imap.readline().startswith(b"+")
    other = connect(imap_server)
    other.select("Archive")
    typ, data = other.uid("SEARCH", "SUBJECT", f'"{subjects[1]}"')
    assert other.uid("MOVE", data[0].decode(), box)[0] == "OK"
    other.logout()
    assert imap.readline() == b"* 2 EXISTS\r\n"
    imap.send(b"DONE\r\n")
    assert imap.readline().startswith(f"{tag} OK".encode())
    imap.logout()


def test_uidplus_copy_move_expunge(imap_server: Server) -> None:
    imap = connect(imap_server)
    box, target = new_folder(imap_server, imap), new_folder(imap_server, imap)
    uids = fill(imap_server, box, *(mail(f"plus {n}") for n in range(4)))
    imap.select(box)
    typ, data = imap._simple_command("UID", "COPY", f"{uids[0]}:{uids[1]}", target)
    assert typ == "OK"
    copied = re.search(rb"\[COPYUID (\d+) (\S+) (\S+)\]", data[0])
    assert _expand(copied.group(2).decode()) == uids[:2]
    assert len(_expand(copied.group(3).decode())) == 2

    typ, data = imap.uid("MOVE", str(uids[2]), target)
    assert typ == "OK" and untagged(imap, "EXPUNGE") == [b"3"]

    assert imap.store("1", "+FLAGS.SILENT", "(\\Deleted)")[0] == "OK"
    assert untagged(imap, "FETCH") == []
    typ, data = imap.uid("EXPUNGE", str(uids[3]))  # not \Deleted: stays
    assert typ == "OK" and untagged(imap, "EXPUNGE") == []
    typ, data = imap.expunge()
    assert data == [b"1"]
    assert imap.select(target)[1] == [b"3"]
    assert imap.copy("1", '"No Such Box"')[1][0].startswith(b"[TRYCREATE]")
    imap.logout()


def test_condstore_and_qresync(imap_server: Server) -> None:
    imap = connect(imap_server)
    box = new_folder(imap_server, imap)
    uids = fill(imap_server, box, *(mail(f"sync {n}") for n in range(3)))
    assert imap._simple_command("ENABLE", "QRESYNC")[0] == "OK"
    imap.select(box)
    validity = int(
        re.search(rb"\[UIDVALIDITY (\d+)\]", b" ".join(imap.untagged_responses["OK"])).group(1)
    )
    modseq = int(
        re.search(rb"\[HIGHESTMODSEQ (\d+)\]", b" ".join(imap.untagged_responses["OK"])).group(1)
    )

    typ, data = imap.uid("STORE", str(uids[0]), "(UNCHANGEDSINCE 1)", "+FLAGS", "(\\Flagged)")
    assert typ == "OK" and imap.untagged_responses.pop("MODIFIED") == [str(uids[0]).encode()]
    typ, data = imap.uid(
        "STORE", str(uids[0]), f"(UNCHANGEDSINCE {modseq})", "+FLAGS", "(\\Flagged)"
    )
    assert typ == "OK" and b"MODSEQ" in data[0]
    imap.uid("STORE", str(uids[1]), "+FLAGS", "(\\Deleted)")
    imap.expunge()
    untagged(imap, "VANISHED")
    assert imap.unselect()[0] == "OK"

    typ, data = imap._simple_command("SELECT", box, f"(QRESYNC ({validity} {modseq}))")
    assert typ == "OK"
    imap.state = "SELECTED"  # imaplib's select() takes no parameters
    assert untagged(imap, "VANISHED") == [f"(EARLIER) {uids[1]}".encode()]
    fetched = untagged(imap, "FETCH")
    assert len(fetched) == 1 and f"UID {uids[0]}".encode() in fetched[0]
    assert b"\\Flagged" in fetched[0] and b"MODSEQ" in fetched[0]

    typ, data = imap.uid("FETCH", "1:*", "(FLAGS)", f"(CHANGEDSINCE {modseq} VANISHED)")
    assert typ == "OK" and len(data) == 1 and b"MODSEQ" in data[0]
    imap.logout()


def test_search_sort_thread(imap_server: Server) -> None:
    imap = connect(imap_server)
    box = new_folder(imap_server, imap)
    root = f"<{uuid.uuid4().hex}@outside.test>"
    uids = fill(
        imap_server,
        box,
        mail("Zebra topic", message_id=root, body="first body"),
        mail("Re: Zebra topic", parent=root, body="reply with NEEDLE inside"),
        mail("Apple news", body="unrelated"),
    )
    imap.select(box)
    assert imap.search(None, "ALL")[1] == [b"1 2 3"]
    assert imap.uid("SEARCH", "BODY", "needle")[1] == [str(uids[1]).encode()]
    assert imap.search("UTF-8", "SUBJECT", "zebra")[1] == [b"1 2"]
    assert imap.search(None, "OR", "SUBJECT", "apple", "NOT", "1:2")[1] == [b"3"]
    typ, data = imap.search(None, "RETURN", "(MIN MAX COUNT)", "ALL")
    assert typ == "OK"
    esearch = untagged(imap, "ESEARCH")
    assert esearch and b"MIN 1 MAX 3 COUNT 3" in esearch[0]
    typ, data = imap.search("KOI8-R", "SUBJECT", "x")
    assert typ == "NO" and data[0].startswith(b"[BADCHARSET")

    assert imap.sort("(SUBJECT)", "UTF-8", "ALL")[1] == [b"3 1 2"]
    assert imap.sort("(REVERSE ARRIVAL)", "UTF-8", "ALL")[1] == [b"3 2 1"]
    assert imap.thread("REFERENCES", "UTF-8", "ALL")[1] == [b"(1 2)(3)"]
    imap.logout()


def test_bad_input_is_answered_not_crashed(imap_server: Server) -> None:
    imap = connect(imap_server)
    box = new_folder(imap_server, imap)
    fill(imap_server, box, mail("bad input"))
    imap.select(box)
    for args in [
        ("0", "FLAGS"),
        ("1:x", "FLAGS"),
        ("9", "FLAGS"),
        ("1", "BODY[0]"),
        ("1", "(FLAGS"),
        ("1", "NOPE"),
    ]:
        try:
            typ, data = imap.fetch(*args)
        except imaplib.IMAP4.error as exc:
            assert "BAD" in str(exc) or "unbalanced" in str(exc)
        else:
            assert typ == "BAD", (args, data)
    with pytest.raises(imaplib.IMAP4.error):
        imap.search(None, "SINCE", "31-Feb-2026")
    with pytest.raises(imaplib.IMAP4.error):
        imap.store("1", "+FLAGS", "(\\Recent)")
    _, data = imap.fetch("1", "BODY.PEEK[7]")
    assert data[0].endswith(b"BODY[7] NIL)")
    imap.select(box, readonly=True)
    typ, data = imap.store("1", "+FLAGS", "(\\Seen)")
    assert typ == "NO" and data[0].startswith(b"[READ-ONLY]")
    assert imap.noop()[0] == "OK"
    imap.logout()
