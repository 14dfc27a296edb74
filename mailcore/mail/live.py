"""Live push of stored mail and mailbox changes to the member's open sessions (event bus).

``Live(bus)`` is built by ``mailcore/runtime.py``, which registers its ``stored`` and
``changed`` as store listeners: they run after the commit, and what they send may be lost in
a crash (a client catches up by querying); nothing durable depends on them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from mailcore.core import events
from mailcore.core.events import Bus
from mailcore.core.models import ChangeKind, FolderRole
from mailcore.store.registry import EntryChange
from mailcore.store.request import IngestRequest, IngestResult


class Live:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    async def stored(self, request: IngestRequest, result: IngestResult) -> None:
        """``new_mail`` for copies in Inbox or Spam, ``mailbox_changed`` for the other folders."""
        parsed = result.parsed
        new_mail = {
            "subject": parsed.subject,
            "from_name": parsed.from_.name if parsed.from_ else "",
            "from_address": parsed.from_.address if parsed.from_ else "",
            "date": (parsed.date or datetime.now(UTC)).isoformat(),
        }
        published: list[tuple[int, str, dict]] = []
        for entry in result.entries:
            common = {"id": str(entry.entry_id), "origin": request.origin_session}
            if entry.role in (FolderRole.INBOX, FolderRole.SPAM):
                payload = {**new_mail, "folder": entry.role.value, **common}
                published.append((entry.member_id, events.NEW_MAIL, payload))
            else:
                payload = {"change": "added", **common}
                published.append((entry.member_id, events.MAILBOX_CHANGED, payload))
        await self.bus.publish_many(published)  # one round trip for a mail to many members

    async def changed(self, change: EntryChange) -> None:
        """``mailbox_changed``: flags, moved (with the folder), removed or recalled."""
        ids = [str(i) for i in change.entry_ids]
        origin = change.origin_session
        kind = events.MAILBOX_CHANGED
        if change.kind is ChangeKind.REMOVED:
            await self.bus.publish(
                change.member_id, kind, change=change.reason, ids=ids, origin=origin
            )
            return
        folder = str(change.folder_id) if change.kind is ChangeKind.MOVED else None
        await self.bus.publish(
            change.member_id, kind, change=change.kind.value, ids=ids, folder=folder, origin=origin
        )
