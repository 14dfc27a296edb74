"""The cut-over checklist's items computed from migrations and their rows
(``mailcore/migration/cutover.py``): a migration is complete only with every row DONE and
nothing refused; the incremental run counts only once a second run ended; an item with
nothing to count is never DONE; at most 20 left are named."""

from __future__ import annotations

from datetime import UTC, datetime

from mailcore.core.models import MailMigration, MigrationMember, MigrationState
from mailcore.migration.cutover import (
    CheckState,
    complete_item,
    counted,
    incremental_item,
)

DONE, FAILED, RUNNING = MigrationState.DONE, MigrationState.FAILED, MigrationState.RUNNING
ENDED = datetime(2026, 12, 7, tzinfo=UTC)


def job(id: int, state: MigrationState, runs: int = 1) -> MailMigration:
    finished = ENDED if state in (DONE, FAILED) else None
    return MailMigration(id=id, state=state, runs=runs, finished_at=finished)


def row(old: str, state: MigrationState, refused: int = 0) -> MigrationMember:
    return MigrationMember(old_address=old, state=state, refused=refused)


def test_complete_needs_every_row_done_without_refusals():
    jobs = [job(1, DONE), job(2, FAILED)]
    rows = {
        1: [row("a@old", DONE), row("b@old", DONE, refused=1)],
        2: [row("c@old", FAILED), row("d@old", DONE)],
    }
    item = complete_item(jobs, rows)
    assert (item.state, item.done, item.total) == (CheckState.TODO, 2, 4)
    assert item.pending == ["b@old", "c@old"]
    whole = complete_item([job(1, DONE)], {1: [row("a@old", DONE), row("d@old", DONE)]})
    assert (whole.state, whole.done, whole.total, whole.pending) == (CheckState.DONE, 2, 2, [])


def test_a_running_row_is_not_complete():
    item = complete_item([job(1, RUNNING)], {1: [row("a@old", RUNNING)]})
    assert (item.state, item.pending) == (CheckState.TODO, ["a@old"])


def test_incremental_run_counts_once_a_second_run_ended():
    first_only = job(1, DONE, runs=1)
    running_again = job(2, RUNNING, runs=2)
    rerun = job(3, DONE, runs=2)
    item = incremental_item([first_only, running_again, rerun])
    assert (item.state, item.done, item.total) == (CheckState.TODO, 1, 3)
    assert item.pending == ["#1", "#2"]
    assert incremental_item([rerun]).state is CheckState.DONE
    assert incremental_item([job(4, FAILED, runs=3)]).state is CheckState.TODO


def test_nothing_to_count_is_not_done_and_at_most_20_are_named():
    assert counted("MIGRATION_COMPLETE", 0, 0, []).state is CheckState.TODO
    assert incremental_item([]).state is CheckState.TODO
    many = counted("CLIENTS_RECONFIGURED", 1, 30, [f"m{n}@new" for n in range(29)])
    assert len(many.pending) == 20 and many.pending[0] == "m0@new"
