"""What the store announces to, filled in by ``mailcore/runtime.py``: the store imports no consumer.

* ``policies`` run before a mail is stored, in order: they may reshape the request or
  refuse it (``PolicyRefusal``);
* ``jobs`` are asked, inside the commit, which outbox jobs a stored mail needs (a webhook, a
  reminder, a search update); they do no I/O, and their rows commit with the mail;
* ``change_jobs`` are the same for a change of flags or folders, a removal or an expunge;
* ``listeners`` hear of a stored mail after its commit, off the caller's path, for what may be
  lost in a crash (live push to open sessions);
* ``handlers`` do the outbox jobs of their topic, in batches (``mailcore/store/outbox.py``).

A new consumer (IMAP IDLE, CalDAV push, another webhook) registers here; ``store/`` is unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import ChangeKind
from mailcore.store.request import IngestRequest, IngestResult


@dataclass(frozen=True)
class Job:
    """One outbox row: ``topic`` names the handler, ``payload`` is JSON-serialisable.

    ``merge``: the payload's values are lists, and the jobs of one commit with the same topic
    and keys become one row with the lists joined (a group of 64 mails: one search job)."""

    topic: str
    payload: dict
    merge: bool = False


def merged(jobs: list[Job]) -> list[Job]:
    """The jobs with the mergeable ones of each topic (and payload keys) joined."""
    out: list[Job] = []
    joined: dict[tuple, Job] = {}
    for job in jobs:
        if not job.merge:
            out.append(job)
            continue
        key = (job.topic, tuple(sorted(job.payload)))
        into = joined.get(key)
        if into is None:
            joined[key] = Job(job.topic, {k: list(v) for k, v in job.payload.items()}, True)
            out.append(joined[key])
        else:
            for name, values in job.payload.items():
                into.payload[name].extend(values)
    return out


@dataclass(frozen=True)
class EntryChange:
    """Mailbox entries of one member that changed (``REMOVED``: they are gone)."""

    member_id: int
    kind: ChangeKind
    entry_ids: list[int]
    folder_id: int | None = None  # MOVED: the folder they are in now
    origin_session: int | None = None
    reason: str = "removed"  # REMOVED: or "recalled" for a recall


Policy = Callable[[IngestRequest, ParsedMessage], Awaitable[None]]
JobMaker = Callable[[IngestRequest, IngestResult], Iterable[Job]]
ChangeJobMaker = Callable[[EntryChange], Iterable[Job]]
Listener = Callable[[IngestRequest, IngestResult], Awaitable[None]]
ChangeListener = Callable[[EntryChange], Awaitable[None]]
Handler = Callable[[list[dict]], Awaitable[None]]


@dataclass
class Registry:
    policies: list[Policy] = field(default_factory=list)
    jobs: list[JobMaker] = field(default_factory=list)
    change_jobs: list[ChangeJobMaker] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    change_listeners: list[ChangeListener] = field(default_factory=list)
    handlers: dict[str, Handler] = field(default_factory=dict)
    # Called after a commit that wrote outbox rows (wakes this process's outbox worker).
    wakers: list[Callable[[], None]] = field(default_factory=list)

    def handle(self, topic: str, handler: Handler) -> None:
        if topic in self.handlers:
            raise ValueError(f"outbox topic {topic!r} has a handler already")
        self.handlers[topic] = handler

    def jobs_for(self, request: IngestRequest, result: IngestResult) -> list[Job]:
        return [job for maker in self.jobs for job in maker(request, result)]

    def jobs_for_change(self, change: EntryChange) -> list[Job]:
        return [job for maker in self.change_jobs for job in maker(change)]

    def wake(self) -> None:
        for waker in self.wakers:
            waker()
