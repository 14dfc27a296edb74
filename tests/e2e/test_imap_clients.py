"""A real third-party IMAP client against a real server: isync's ``mbsync`` (Debian's isync)
syncs a member's mailbox into a local Maildir and back, both ways.

Mail delivered over SMTP reaches the Maildir; a flag set and a message deleted in the
Maildir, and a new folder with a new message, reach the server (seen through GraphQL); a
message marked read in the web app (GraphQL) reaches the Maildir on the next sync.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.e2e.client import login
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD, seed

# `make test` installs isync; CI (QIYOU_REQUIRE_SERVICES) fails rather than skips without it.
pytestmark = pytest.mark.skipif(
    shutil.which("mbsync") is None and not os.environ.get("QIYOU_REQUIRE_SERVICES"),
    reason="isync (mbsync) is not installed: make mail-clients",
)

CONFIG = """\
IMAPAccount qiyou
Host 127.0.0.1
Port {port}
User {user}
Pass {password}
SSLType IMAPS
CertificateFile {cert}

IMAPStore remote
Account qiyou

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns INBOX {folder}
Create Both
Expunge Both
SyncState *
Sync All
"""

MESSAGES = """
query M($folder: String!) {
  messages(folder: $folder, first: 50) { edges { node { id subject seen flagged } } }
}
"""
MARK_READ = "mutation R($ids: [ID!]!) { markRead(ids: $ids) { __typename } }"


def sync(config: Path) -> None:
    result = subprocess.run(
        ["mbsync", "-c", str(config), "-a"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def mails(folder: Path) -> dict[str, Path]:
    """Maildir files by subject."""
    found = {}
    for sub in ("new", "cur"):
        for path in (folder / sub).glob("*"):
            for line in path.read_bytes().splitlines():
                if line.lower().startswith(b"subject:"):
                    found[line.split(b":", 1)[1].strip().decode()] = path
                    break
    return found


def flags_of(path: Path) -> str:
    return path.name.rsplit(":2,", 1)[1] if ":2," in path.name else ""


def with_flags(path: Path, flags: str) -> Path:
    base = path.name.rsplit(":2,", 1)[0]
    target = path.parent.parent / "cur" / f"{base}:2,{''.join(sorted(flags))}"
    path.rename(target)
    return target


async def test_mbsync_syncs_a_mailbox_both_ways(server, tmp_path):
    user = f"mbsync-{uuid.uuid4().hex[:8]}@example.com"
    seed(server, members={user: {}})
    subjects = [unique("mbsync") for _ in range(3)]
    with mx(server.smtp_port) as smtp:
        for subject in subjects:
            smtp.sendmail("x@example.org", [user], simple_mail("x@example.org", user, subject))
    client = await login(server.graphql_url, user, PASSWORD)
    for subject in subjects:
        await find(client, subject)

    folder = f"Work{uuid.uuid4().hex[:4]}"
    maildir = tmp_path / "mail"
    maildir.mkdir()
    config = tmp_path / "mbsyncrc"
    config.write_text(
        CONFIG.format(
            port=server.imaps_port,
            user=user,
            password=PASSWORD,
            cert=server.data_dir / "tls" / "cert.pem",
            maildir=maildir,
            folder=folder,
        )
    )
    sync(config)
    local = mails(maildir / "INBOX")
    assert set(subjects) <= set(local), "every delivered mail reached the Maildir"

    # In the Maildir: flag the first, delete the second, file a new mail in a new folder.
    first, second, third = subjects
    with_flags(local[first], flags_of(local[first]) + "F")
    with_flags(local[second], flags_of(local[second]) + "T")
    (maildir / folder / "new").mkdir(parents=True)
    (maildir / folder / "cur").mkdir()
    (maildir / folder / "tmp").mkdir()
    filed = unique("filed")
    (maildir / folder / "new" / f"1.{uuid.uuid4().hex}.host").write_bytes(
        simple_mail(user, user, filed)
    )
    sync(config)

    inbox = await client.data(MESSAGES, folder="INBOX")
    by_subject = {e["node"]["subject"]: e["node"] for e in inbox["messages"]["edges"]}
    assert by_subject[first]["flagged"] is True, "a flag set in the client reached the server"
    assert second not in by_subject, "a message deleted in the client is gone on the server"
    filed_there = await client.data(MESSAGES, folder=folder)
    assert [e["node"]["subject"] for e in filed_there["messages"]["edges"]] == [filed]

    # In the web app: mark the third read; the next sync brings the flag down.
    await client.data(MARK_READ, ids=[by_subject[third]["id"]])
    sync(config)
    local = mails(maildir / "INBOX")
    assert "S" in flags_of(local[third]), "a change made in the web app reached the client"
    assert second not in local and "F" in flags_of(local[first])
