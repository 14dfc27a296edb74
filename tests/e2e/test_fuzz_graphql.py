"""Fuzzing GraphQL: queries and mutations generated from the schema (hypothesis-graphql),
sent over HTTP to a real server of its own, anonymously, as a member and as a super
administrator. Never a 5xx, never an execution error without ``extensions.code`` (an
exception the server did not mean: strawberry passes its text through without a code),
nothing logged with a traceback, and the server still answers ``/health`` after."""

from __future__ import annotations

from datetime import UTC, datetime

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries

from schema import schema as qiyou_schema
from tests.conftest import BACKENDS, private_server
from tests.e2e.client import LOGIN
from tests.e2e.server import PASSWORD

SCHEMA = graphql.build_schema(qiyou_schema.as_str())
# Mutations that would end the fuzzing sessions themselves, or call a service that cannot
# exist here (WeChat); everything else runs, on a server of this module only.
LEFT_OUT = {"logout", "wechatLogin", "bindWechat", "bindWechatWithPassword"}
MUTATIONS = sorted(set(SCHEMA.mutation_type.fields) - LEFT_OUT)
CALLERS = ("anonymous", "bob@example.com", "admin@example.com")
EXAMPLES = 150  # per backend: ~30 s on a 2-core machine


def string_node(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return strategy.map(lambda value: graphql.StringValueNode(value=str(value)))


SCALARS = {
    "DateTime": string_node(
        st.datetimes(min_value=datetime(1, 1, 2), timezones=st.just(UTC)).map(datetime.isoformat)
        | st.text(max_size=30)
    ),
    "Date": string_node(st.dates().map(lambda d: d.isoformat()) | st.text(max_size=12)),
    "JSON": string_node(st.text(max_size=40)),
    "Upload": st.just(graphql.NullValueNode()),  # files come in multipart requests only
}
DOCUMENTS = queries(SCHEMA, custom_scalars=SCALARS, allow_x00=False) | mutations(
    SCHEMA, fields=MUTATIONS, custom_scalars=SCALARS, allow_x00=False
)
ENV = {
    "QIYOU_DNS_SERVERS": "127.0.0.1:9",  # nothing answers, at once
    "QIYOU_DNS_TIMEOUT": "0.5",
    "QIYOU_WECHAT_API_URL": "http://127.0.0.1:9",
    "QIYOU_SMS_URL": "http://127.0.0.1:9",
    "QIYOU_OUTBOUND_PORT": "9",
    "QIYOU_LOGIN_IP_MAX_FAILURES": "100000",  # generated logins must not lock the callers out
}


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(request, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp(f"fuzz-graphql-{request.param}")
    with private_server(request.param, data_dir, ENV) as srv:
        tokens = {"anonymous": None}
        for email in CALLERS[1:]:
            variables = {"email": email, "password": PASSWORD}
            answer = httpx.post(srv.graphql_url, json={"query": LOGIN, "variables": variables})
            tokens[email] = answer.json()["data"]["login"]["token"]
        yield srv, tokens


def unexpected(body: dict) -> list[dict]:
    """Execution errors (they have a path) without a code: exceptions nobody meant."""
    return [
        e
        for e in body.get("errors") or []
        if e.get("path") and not e.get("extensions", {}).get("code")
    ]


def test_generated_operations_never_crash_the_server(fuzzed):
    server, tokens = fuzzed

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(document=DOCUMENTS, caller=st.sampled_from(CALLERS))
    def run(document: str, caller: str) -> None:
        token = tokens[caller]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = http.post(server.graphql_url, json={"query": document}, headers=headers)
        assert response.status_code < 500, (response.status_code, response.text)
        body = response.json()
        assert "data" in body or body.get("errors"), body
        assert not unexpected(body), (document, body["errors"])

    with httpx.Client(timeout=30) as http:
        run()
        assert http.get(f"{server.url}/health").status_code == 200
    log = (server.data_dir / "server.log").read_text(errors="replace")
    assert "Traceback" not in log, log[log.index("Traceback") - 2000 :][:6000]


BIG = "99999999999999999999"  # no 32-bit key: asyncpg failed with "out of int32 range"


def test_an_id_beyond_any_key_is_refused_with_a_code(fuzzed):
    server, tokens = fuzzed
    headers = {"Authorization": f"Bearer {tokens['admin@example.com']}"}
    calls = [
        (f'{{ message(id: "{BIG}") {{ id }} }}', {}),
        ("mutation M($i: [ID!]!) { markRead(ids: $i, read: true) { __typename } }", {"i": [BIG]}),
        ("mutation D($i: ID!) { deleteMailFilter(id: $i) { __typename } }", {"i": BIG}),
    ]
    log = server.data_dir / "server.log"
    start = log.stat().st_size
    for query, variables in calls:
        body = httpx.post(
            server.graphql_url, json={"query": query, "variables": variables}, headers=headers
        ).json()
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID"], body
        assert "out of range" in body["errors"][0]["message"]
    assert "Traceback" not in log.read_bytes()[start:].decode(errors="replace")
