"""A long-lived subscription keeps nothing per delivered event (schema/execution.py)."""

from __future__ import annotations

import gc
from collections.abc import AsyncGenerator

import strawberry

from schema import schema as qiyou_schema
from schema.execution import QiyouExecutionContext

EVENTS = 3000


@strawberry.type
class Item:
    id: int
    name: str


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def items(self, n: int) -> AsyncGenerator[Item, None]:
        for i in range(n):
            yield Item(id=i, name=f"item {i}")


async def objects_kept(execution_context_class: type | None) -> int:
    """Objects alive just before the last event, beyond those before the subscription."""
    extra = {"execution_context_class": execution_context_class} if execution_context_class else {}
    schema = strawberry.Schema(query=Query, subscription=Subscription, **extra)
    gc.collect()
    before = len(gc.get_objects())
    results = await schema.subscribe(f"subscription {{ items(n: {EVENTS}) {{ id name }} }}")
    kept = 0
    async for n, result in _numbered(results):
        assert result.errors is None and result.data["items"]["id"] == n
        if n == EVENTS - 2:
            gc.collect()
            kept = len(gc.get_objects()) - before
    return kept


async def _numbered(results) -> AsyncGenerator:
    n = 0
    async for result in results:
        yield n, result
        n += 1


async def test_graphql_core_alone_keeps_objects_for_every_event() -> None:
    # What the fix is for: without it, a subscription grows with every event it delivers.
    assert await objects_kept(None) > EVENTS


async def test_our_executor_keeps_nothing_per_event() -> None:
    assert await objects_kept(QiyouExecutionContext) < 500
    assert qiyou_schema.execution_context_class is QiyouExecutionContext
