"""UIDs and modification sequences of the store (``mailcore/store/commit.py``, ``changes.py``):
what IMAP UIDPLUS/CONDSTORE/QRESYNC read, on the test server's real database (both backends).

One member's mailbox goes through ingest, flags and keywords (with a CONDSTORE
``unchanged_since``), a move, a copy over quota and within it, and an expunge; every step is
checked in the entries, the folders' next UIDs, the member's counter and the change log.
"""

from __future__ import annotations

import uuid

WORK = """
from mailcore.core.models import FolderRole
from mailcore.runtime import Runtime
from mailcore.store.errors import MailError
from mailcore.store.folders import create_folder, folder_by_role
from mailcore.store.request import Delivery, IngestRequest, IngestSource

runtime = Runtime.create(Settings.from_env())
changes = runtime.ingestor.changes
bob = await Member.get(email="bob@example.com")
inbox = await folder_by_role(bob.id, FolderRole.INBOX)
box = await create_folder(bob.id, args["folder"])
start = (await Member.get(id=bob.id)).modseq

def raw(n):
    name = args["folder"]
    return (f"From: x@example.org\\r\\nTo: bob@example.com\\r\\nSubject: {name} {n}\\r\\n"
            f"Message-ID: <{n}.{name}@example.org>\\r\\n\\r\\nbody {n}\\r\\n").encode()

stored = []
for n in range(3):
    result = await runtime.ingestor.ingest(IngestRequest(
        raw=raw(n), source=IngestSource.IMAP_APPEND,
        deliveries=[Delivery(bob.id, folder_id=inbox.id, answered=n == 0,
                             keywords="$Forwarded" if n == 1 else "")]))
    stored.append(result.entries[0])
ids = [s.entry_id for s in stored]
uids = [s.uid for s in stored]

def state(entry):
    return [entry.uid, entry.modseq, entry.folder_id]

flags = await changes.store_flags(bob.id, ids[:2], seen=True, keywords_add=["Work"])
again = await changes.store_flags(bob.id, ids[:2], seen=True, keywords_add=["work"])
stale = await changes.store_flags(bob.id, ids, flagged=True, unchanged_since=uids[2])
moved = await changes.move(bob.id, [ids[0]], box)
await Member.filter(id=bob.id).update(quota_bytes=1)
try:
    await changes.copy(bob.id, [ids[1]], box)
    over = None
except MailError as exc:
    over = exc.code.value
await Member.filter(id=bob.id).update(quota_bytes=10**9)
used_before = (await Member.get(id=bob.id)).used_bytes
copied = await changes.copy(bob.id, [ids[1]], box)
used_after = (await Member.get(id=bob.id)).used_bytes
gone = await changes.expunge(bob.id, [ids[2]])
log = await MailboxChange.filter(member_id=bob.id, modseq__gt=start).order_by("id").values_list(
    "kind", "entry_id", "folder_id", "from_folder_id", "uid", "modseq")
wanted = ids + [copied[0][1].id]
rows = {e.id: e for e in await MailboxEntry.filter(member_id=bob.id, id__in=wanted)}
return {
    "start": start, "uids": uids,
    "answered": [rows[i].answered for i in ids[:2]],
    "keywords": [rows[ids[1]].keywords, rows[copied[0][1].id].keywords],
    "flags": [state(e) for e in flags.entries], "again": [e.modseq for e in again.entries],
    "stale": [[e.id for e in stale.entries], [e.id for e in stale.modified]],
    "moved": state(moved[0]), "over": over, "copied": [copied[0][0], state(copied[0][1])],
    "grew": used_after - used_before, "size": rows[ids[1]].size, "gone": gone,
    "member": (await Member.get(id=bob.id)).modseq,
    "uid_next": [(await Folder.get(id=inbox.id)).uid_next, (await Folder.get(id=box.id)).uid_next],
    "folders": [inbox.id, box.id], "ids": ids,
    "log": [list(row) for row in log],
}
"""


async def test_uids_and_modseqs_follow_every_change(server):
    got = server.mailcore(WORK, folder=f"Box{uuid.uuid4().hex[:6]}")
    s, (inbox, box), ids = got["start"], got["folders"], got["ids"]
    a, b, c = ids

    assert got["uids"] == [s + 1, s + 2, s + 3], "new entries take the member's next values"
    assert got["answered"] == [True, False]
    flag = s + 4  # one value for the whole change
    assert got["flags"] == [[s + 1, flag, inbox], [s + 2, flag, inbox]]
    # s + 5: taken by the change that changed nothing (keywords compare case-insensitively)
    assert got["again"] == [flag, flag], "entries that did not change keep their modseq"
    assert got["keywords"] == ["$Forwarded Work", "$Forwarded Work"]
    # s + 6: unchanged_since = c's value, so a and b (changed after it) are left alone
    assert got["stale"] == [[c], [a, b]]
    assert got["moved"] == [s + 7, s + 7, box], "a moved entry takes a new UID in its folder"
    assert got["over"] == "QUOTA_EXCEEDED"
    # the refused copy rolled back its value: the copy takes s + 8
    assert got["copied"] == [b, [s + 8, s + 8, box]]
    assert got["grew"] == got["size"], "a copy counts in the quota"
    assert got["gone"] == [c]
    assert got["member"] == s + 9
    assert got["uid_next"] == [s + 4, s + 9], "UIDNEXT follows each folder's last UID"

    copy_id = None
    log = [tuple(row) for row in got["log"]]
    for row in log:
        if row[0] == "added" and row[2] == box:
            copy_id = row[1]
    assert log == [
        ("added", a, inbox, None, s + 1, s + 1),
        ("added", b, inbox, None, s + 2, s + 2),
        ("added", c, inbox, None, s + 3, s + 3),
        ("flags", a, inbox, None, s + 1, flag),
        ("flags", b, inbox, None, s + 2, flag),
        ("flags", c, inbox, None, s + 3, s + 6),
        ("moved", a, box, inbox, s + 1, s + 7),  # the folder and UID it left
        ("added", copy_id, box, None, s + 8, s + 8),
        ("removed", c, None, inbox, s + 3, s + 9),
    ]
