"""Runs due external accounts, in any number of processes, each account in one at a time.

An account is due at ``next_attempt_at`` (epoch ms). A worker claims due accounts by
setting ``lease_until`` (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite has one writer),
renews the lease while it fetches, and stops as soon as a renewal finds the lease taken
over. A worker killed mid-fetch leaves a lease that expires; another worker then fetches
the account again, and the ``ExternalFetched`` rows committed with each mail mean nothing
already taken is taken again. After a fetch the account is due again ``fetch_interval``
later; after a failure (its error recorded on the account), after a backoff doubling from
a minute up to ``fetch_backoff_max``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from tortoise.expressions import F

from mailcore.core.config import Settings
from mailcore.core.models import ExternalAccount
from mailcore.fetch.crypt import crypt_for
from mailcore.fetch.errors import FetchError, FetchErrorCode
from mailcore.fetch.fetcher import Fetcher, FetchReport, LeaseLost, left_out
from mailcore.fetch.service import now_ms
from mailcore.store import leases
from mailcore.store.ingest import Ingestor

log = logging.getLogger(__name__)

LEASE = 120.0  # seconds a claim holds without renewal (``fetch_lease`` in the settings)
POLL = 2.0  # seconds between looks for due accounts (requests from other processes too)
PARALLEL = 4  # accounts fetched at once by one process
BACKOFF_FIRST = 60.0


def backoff(failures: int, cap: float) -> float:
    return min(BACKOFF_FIRST * 2.0 ** max(failures - 1, 0), cap)


async def claim(limit: int, lease: float = LEASE) -> list[tuple[int, int]]:
    """Lease up to ``limit`` due accounts: (id, lease token) pairs."""
    return await leases.claim(
        "external_account", '"enabled" = ?', [True], '"next_attempt_at"', limit, lease
    )


async def renew(account_id: int, token: int, lease: float = LEASE) -> int | None:
    """The new token, or None when the lease is not ours any more."""
    return await leases.renew(ExternalAccount, account_id, token, lease)


class FetchWorker(leases.LeasedRows):
    name = "qiyou-fetch"
    poll = POLL

    def __init__(self, ingestor: Ingestor, settings: Settings) -> None:
        super().__init__(PARALLEL)
        self.settings = settings
        self.fetcher = Fetcher(ingestor, settings, crypt_for(settings))
        self.lease = settings.fetch_lease  # renewed every third of it

    async def claim(self, room: int) -> list[tuple[int, int]]:
        return await claim(room, self.lease)

    async def run_one(self, account_id: int, token: int) -> None:
        """Fetch one claimed account and record how it went (unless the lease was lost)."""
        account = await ExternalAccount.get_or_none(id=account_id).select_related("member")
        if account is None:
            return
        if not account.member.enabled or account.member.deleted_at is not None:
            await ExternalAccount.filter(id=account_id, lease_until=token).update(
                lease_until=0, next_attempt_at=now_ms() + int(self.settings.fetch_interval * 1000)
            )
            return
        lease = {"token": token, "held": True}

        async def keep() -> None:
            while lease["held"]:
                await asyncio.sleep(self.lease / 3)
                renewed = await renew(account_id, lease["token"], self.lease)
                if renewed is None:
                    lease["held"] = False
                else:
                    lease["token"] = renewed

        keeper = asyncio.create_task(keep())
        error: FetchError | None = None
        report: FetchReport | None = None
        try:
            report = await self.fetcher.fetch(account, lambda: bool(lease["held"]))
        except LeaseLost:
            log.warning("external account %s: lease lost, another worker goes on", account_id)
            return
        except asyncio.CancelledError:  # the process stops: the account is free at once
            with contextlib.suppress(Exception):
                await ExternalAccount.filter(id=account_id, lease_until=lease["token"]).update(
                    lease_until=0
                )
            raise
        except FetchError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - recorded on the account, retried later
            log.exception("fetching external account %s failed", account_id)
            error = FetchError(FetchErrorCode.PROTOCOL, f"{type(exc).__name__}: {exc}")
            report = None
        finally:
            keeper.cancel()
        await self._finish(account, lease["token"], error, report)

    async def _finish(
        self,
        account: ExternalAccount,
        token: int,
        error: FetchError | None,
        report: FetchReport | None,
    ) -> None:
        now = now_ms()
        mine = ExternalAccount.filter(id=account.id, lease_until=token)
        # A fetch asked for while this one ran moved the due time: it stays (runs soon).
        current = await ExternalAccount.filter(id=account.id).values_list(
            "next_attempt_at", flat=True
        )
        asked = bool(current) and current[0] != account.next_attempt_at
        if error is None and report is not None:
            due = current[0] if asked else now + int(self.settings.fetch_interval * 1000)
            skipped = await left_out(account.id, report)  # what a broken server cost, if any
            await mine.update(
                lease_until=0,
                failures=0,
                last_error=skipped[:2000],
                last_error_at=datetime.now(UTC) if skipped else account.last_error_at,
                last_success_at=datetime.now(UTC),
                next_attempt_at=due,
                fetched_count=F("fetched_count") + report.stored,
            )
            if report.stored or report.refused or report.skipped:
                log.info(
                    "external account %s: %d stored, %d duplicates, %d refused, skipped %s",
                    account.id,
                    report.stored,
                    report.duplicates,
                    len(report.refused),
                    report.skipped,
                )
            return
        assert error is not None
        failures = account.failures + 1
        wait = backoff(failures, self.settings.fetch_backoff_max)
        await mine.update(
            lease_until=0,
            failures=failures,
            last_error=f"{error.code}: {error.message}"[:2000],
            last_error_at=datetime.now(UTC),
            next_attempt_at=now + int(wait * 1000),
        )
