"""The event bus is an object of its runtime (``mailcore/core/events``): two buses in one
process are independent, each with its own connection and channel prefix, and a bus that is
not connected publishes nothing and refuses subscriptions."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from mailcore.core.events import NEW_MAIL, Bus
from tests.conftest import REDIS_URL, need_services


async def _next(stream, timeout: float = 5.0) -> dict:
    return await asyncio.wait_for(anext(stream), timeout)


@pytest.mark.redis
async def test_two_buses_on_one_redis_keep_to_their_prefix():
    need_services(REDIS_URL)
    tag = uuid.uuid4().hex[:8]
    ours, theirs = Bus(REDIS_URL, f"ours-{tag}"), Bus(REDIS_URL, f"theirs-{tag}")
    await ours.connect()
    await theirs.connect()
    try:
        async with ours.subscribe(7) as mine, theirs.subscribe(7) as other:
            await theirs.publish(7, NEW_MAIL, id="from-theirs")
            await ours.publish_many([(7, NEW_MAIL, {"id": "from-ours"})])
            assert (await _next(mine)) == {"kind": NEW_MAIL, "id": "from-ours"}
            assert (await _next(other)) == {"kind": NEW_MAIL, "id": "from-theirs"}
    finally:
        await ours.disconnect()
        await theirs.disconnect()


async def test_a_bus_not_connected_publishes_nothing_and_cannot_be_followed():
    bus = Bus("memory://", "qiyou")
    await bus.publish(1, NEW_MAIL, id="1")  # nothing to publish to: no error
    await bus.publish_sessions_revoked(1)
    assert not bus.connected
    with pytest.raises(RuntimeError, match="not connected"):
        async with bus.subscribe(1):
            pass
    await bus.connect()
    try:
        assert bus.connected
        async with bus.subscribe_sessions() as stream:
            await bus.publish_sessions_revoked(3, keep_session_id=9)
            event = await _next(stream)
        assert event == {"kind": "sessions_revoked", "member_id": 3, "session_id": None, "keep": 9}
    finally:
        await bus.disconnect()
    assert not bus.connected
