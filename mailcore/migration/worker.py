"""Runs the members' rows of running migrations, in any number of processes, each row in
one at a time, up to ``migration_parallel`` rows per process.

A row is due while its state is RUNNING and ``next_attempt_at`` has come. A worker claims
due rows by setting ``lease_until`` (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), renews the
lease while it moves the row, and looks every second whether the row was paused: then it
stops after the message it is storing. A worker killed mid-row leaves a lease that expires
(``fetch_lease``); another worker then lists the old mailbox again and takes only what the
``MigrationMessage`` rows committed with each mail do not name. A wrong old password (or a
password this server's key cannot read) fails the row at once; other failures (the old
server down, a timeout) are retried with a backoff, and fail the row after ``MAX_TRIES``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from mailcore.core.config import Settings
from mailcore.core.models import MailMigration, MigrationMember, MigrationState
from mailcore.fetch.crypt import crypt_for
from mailcore.fetch.errors import FetchError, FetchErrorCode
from mailcore.fetch.fetcher import LeaseLost
from mailcore.fetch.service import now_ms
from mailcore.fetch.worker import backoff
from mailcore.migration.mover import Mover
from mailcore.migration.service import settle
from mailcore.store import leases
from mailcore.store.ingest import Ingestor

log = logging.getLogger(__name__)

POLL = 2.0  # seconds between looks for due rows
WATCH = 0.5  # seconds between looks whether a row being moved was paused
MAX_TRIES = 5
FINAL = {FetchErrorCode.LOGIN_FAILED, FetchErrorCode.KEY_MISSING, FetchErrorCode.INVALID}


async def claim(limit: int, lease: float) -> list[tuple[int, int]]:
    """Lease up to ``limit`` due rows: (id, lease token) pairs."""
    return await leases.claim(
        "migration_member", '"state" = ?', [MigrationState.RUNNING.value], '"id"', limit, lease
    )


async def renew(row_id: int, token: int, lease: float) -> int | None:
    """The new token, or None when the lease is not ours any more."""
    return await leases.renew(MigrationMember, row_id, token, lease)


class MigrationWorker(leases.LeasedRows):
    name = "qiyou-migration"
    poll = POLL

    def __init__(self, ingestor: Ingestor, settings: Settings) -> None:
        super().__init__(settings.migration_parallel)
        self.settings = settings
        self.mover = Mover(ingestor, settings, crypt_for(settings))
        self.lease = settings.fetch_lease

    async def claim(self, room: int) -> list[tuple[int, int]]:
        return await claim(room, self.lease)

    async def run_one(self, row_id: int, token: int) -> None:
        """Move one claimed row and record how it went (unless the lease was lost)."""
        row = await MigrationMember.get_or_none(id=row_id).select_related("member")
        if row is None:
            return
        migration = await MailMigration.get(id=row.migration_id)
        mine = MigrationMember.filter(id=row_id, lease_until=token)
        if not row.member.enabled or row.member.deleted_at is not None:
            await mine.update(
                lease_until=0,
                state=MigrationState.FAILED,
                last_error="the new member is disabled or deleted",
                finished_at=datetime.now(UTC),
            )
            await settle(row.migration_id)
            return
        if row.started_at is None:
            await mine.update(started_at=datetime.now(UTC))
        lease = {"token": token, "held": True}

        async def keep() -> None:
            renewed_at = asyncio.get_running_loop().time()
            while lease["held"]:
                await asyncio.sleep(WATCH)
                state = await MigrationMember.filter(id=row_id).values_list("state", flat=True)
                if not state or MigrationState(state[0]) is not MigrationState.RUNNING:
                    lease["held"] = False  # paused: stop after the current message
                    return
                if asyncio.get_running_loop().time() - renewed_at >= self.lease / 3:
                    renewed = await renew(row_id, int(lease["token"]), self.lease)
                    if renewed is None:
                        lease["held"] = False
                    else:
                        lease["token"], renewed_at = renewed, asyncio.get_running_loop().time()

        keeper = asyncio.create_task(keep())
        error: FetchError | None = None
        try:
            await self.mover.move(migration, row, lambda: bool(lease["held"]))
        except LeaseLost:  # paused, or another worker holds it now
            with contextlib.suppress(Exception):
                await MigrationMember.filter(id=row_id, lease_until=lease["token"]).update(
                    lease_until=0
                )
            log.info("migration row %s stopped (paused or taken over)", row_id)
            return
        except asyncio.CancelledError:  # the process stops: the row is free at once
            with contextlib.suppress(Exception):
                await MigrationMember.filter(id=row_id, lease_until=lease["token"]).update(
                    lease_until=0
                )
            raise
        except FetchError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - recorded on the row, retried later
            log.exception("migration row %s failed", row_id)
            error = FetchError(FetchErrorCode.PROTOCOL, f"{type(exc).__name__}: {exc}")
        finally:
            keeper.cancel()
        await self._finish(row, int(lease["token"]), error)

    async def _finish(self, row: MigrationMember, token: int, error: FetchError | None) -> None:
        mine = MigrationMember.filter(id=row.id, lease_until=token)
        if error is None:
            await mine.update(
                lease_until=0,
                state=MigrationState.DONE,
                failures=0,
                last_error="",
                finished_at=datetime.now(UTC),
            )
        else:
            failures = row.failures + 1
            final = error.code in FINAL or failures >= MAX_TRIES
            wait = backoff(failures, self.settings.fetch_backoff_max)
            await mine.update(
                lease_until=0,
                failures=failures,
                last_error=f"{error.code}: {error.message}"[:2000],
                state=MigrationState.FAILED if final else MigrationState.RUNNING,
                next_attempt_at=now_ms() + int(wait * 1000),
                finished_at=datetime.now(UTC) if final else None,
            )
        await settle(row.migration_id)
