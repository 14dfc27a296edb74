"""Limits and tokens that every node shares: two ``qiyou serve`` processes on one PostgreSQL
and one Redis. The open API's rate limit per client IP is counted once over both nodes (in
Redis), and both nodes send WeChat subscribe messages with one access token (kept in the
database): the loopback WeChat API sees one token fetch, and one more after it spoils the
token, whichever node notices first."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mailcore.openapi.ratelimit import RedisBuckets, SharedRateLimiter
from tests.conftest import PG_URL, REDIS_URL, _psql, need_services, provisioned_copy
from tests.e2e import wechat_api
from tests.e2e.client import GraphQLClient, login
from tests.e2e.cluster import cluster_env
from tests.e2e.server import PASSWORD, Server
from tests.e2e.test_confidential import (
    BIND,
    MINI_LOGIN,
    inbox_entry,
    request_code,
    send_confidential,
)
from tests.e2e.test_openapi import OpenApi

RATE_PER_IP = 6  # per minute: a token comes back every 10 s, far longer than the test
RATE_LIMITED = 45009
BOB_OPENID = "openid-bob-shared"


@dataclass
class Node(Server):
    """A server whose log stays in ``data_dir`` while its data (blobs) is ``shared``."""

    shared: Path = Path()

    def full_env(self) -> dict[str, str]:
        return {**super().full_env(), "QIYOU_DATA_DIR": str(self.shared)}


@pytest.fixture(scope="module")
def wechat() -> Iterator[wechat_api.WechatApi]:
    fake = wechat_api.WechatApi()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def nodes(wechat, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node]]:
    need_services(PG_URL, REDIS_URL)
    shared = tmp_path_factory.mktemp("shared-limits")
    database = provisioned_copy("postgres", shared)
    assert database is not None
    env = cluster_env(
        database,
        QIYOU_API_RATE_PER_IP=str(RATE_PER_IP),
        QIYOU_WECHAT_API_URL=wechat.url,
        QIYOU_WECHAT_APPID=wechat_api.APPID,
        QIYOU_WECHAT_SECRET=wechat_api.SECRET,
        QIYOU_WECHAT_CODE_TEMPLATE="tpl-confidential-code",
    )
    pair = []
    for name in ("a", "b"):
        (shared / name).mkdir()
        pair.append(Node(data_dir=shared / name, env=env, shared=shared))
    try:
        for node in pair:
            node.start()
        yield pair[0], pair[1]
    finally:
        for node in pair:
            node.stop()
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


async def _gettoken(node: Node) -> dict[str, Any]:
    return await OpenApi(node.url).get("gettoken", corpid="qy-nobody", corpsecret="x")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.xdist_group("postgres")
async def test_the_rate_limit_per_ip_counts_the_calls_to_both_nodes(nodes):
    a, b = nodes
    answers = [await _gettoken(node) for node in (a, b) * (RATE_PER_IP // 2)]
    assert all(x["errcode"] != RATE_LIMITED for x in answers), answers  # 3 + 3 = the limit

    for node in (a, b):  # each node saw only half the limit, yet both refuse now
        over = await _gettoken(node)
        assert over["errcode"] == RATE_LIMITED, over
        assert "IP" in over["errmsg"]


async def _wechat_code(bob_on: GraphQLClient, alice: GraphQLClient) -> None:
    """alice sends bob a confidential mail; bob asks for its code by WeChat, on the node
    ``bob_on`` talks to (that node sends the subscribe message)."""
    secret = f"SHARED-{uuid.uuid4().hex}"
    await send_confidential(alice, secret, ["bob@example.com"])
    entry = await inbox_entry(bob_on, secret[-12:])
    sent = await request_code(bob_on, entry["id"], "WECHAT")
    assert sent["__typename"] == "ConfidentialCodeSent", sent


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.xdist_group("postgres")
async def test_both_nodes_send_wechat_messages_with_one_access_token(nodes, wechat):
    a, b = nodes
    alice = await login(a.graphql_url, "alice@example.com", PASSWORD)
    mini = GraphQLClient(a.graphql_url)
    token = (await mini.data(MINI_LOGIN, email="bob@example.com", password=PASSWORD))["login"]
    mini.token = token["token"]
    bound = (await mini.data(BIND, code=wechat.issue(BOB_OPENID)))["bindWechat"]
    assert bound["__typename"] == "WechatBound", bound
    bob_a = await login(a.graphql_url, "bob@example.com", PASSWORD)
    bob_b = await login(b.graphql_url, "bob@example.com", PASSWORD)

    await _wechat_code(bob_a, alice)
    await _wechat_code(bob_b, alice)
    assert len([m for m in wechat.sent if m["touser"] == BOB_OPENID]) == 2
    assert wechat.token_fetches == 1, "the second node used the first node's token"

    # WeChat spoils the token (as a fetch elsewhere would): the node that meets errcode
    # 40001 first fetches a new one and retries; the other reads it from the database.
    wechat.tokens.clear()
    await _wechat_code(bob_b, alice)
    await _wechat_code(bob_a, alice)
    assert len([m for m in wechat.sent if m["touser"] == BOB_OPENID]) == 4
    assert wechat.token_fetches == 2


async def test_a_redis_that_fails_leaves_the_limit_to_the_process(caplog):
    """No Redis at the address: calls are still counted (locally), logged once."""
    buckets = RedisBuckets("redis://127.0.0.1:9/0", f"qiyou-{uuid.uuid4().hex[:8]}")
    limiter = SharedRateLimiter("ip", 3, buckets)
    with caplog.at_level(logging.WARNING, logger="mailcore.openapi.ratelimit"):
        answers = [await limiter.allow("198.51.100.1") for _ in range(5)]
    await buckets.close()
    assert answers == [True, True, True, False, False]
    assert len([r for r in caplog.records if "Redis failed" in r.message]) == 1
