"""Fuzzing the Exmail-compatible REST API under ``/cgi-bin/``: every endpoint with generated
parameters in the query string and JSON (or broken) bodies, without a token, with a
garbage one and with a valid token of each app kind, against a real server of its own.
Always HTTP 200 with a JSON ``errcode``, never -1 (an exception nobody meant), nothing
logged with a traceback, and ``/health`` still answers after."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.openapi import ENDPOINTS
from tests.conftest import BACKENDS, private_server
from tests.e2e.client import LOGIN
from tests.e2e.server import PASSWORD

KINDS = ("directory", "sso", "newmail", "settings", "logs")
KIND_OF = {"department": "directory", "user": "directory", "group": "directory", "log": "logs"}
KIND_OF |= {"useroption": "settings", "mail": "newmail", "service": "sso"}
CREATE_APP = """
mutation Create($kind: OpenAppKind!) {
  createOpenApp(kind: $kind, webhookUrl: "") {
    ... on OpenAppSecret { corpsecret app { corpid } }
    ... on AdminError { code message }
  }
}
"""
# The names the endpoints read (api/openapi/*.py), and a few they do not.
NAMES = (
    "userid name department department_id parentid id order groupid groupname userlist "
    "grouplist allow_type allow_userlist fetch_child fuzzy gender enable cpwd_login password "
    "slaves mailtype type option subject domain begin_date end_date corpid corpsecret "
    "position mobile tel extid email value operation ticket qiyou_type unknown"
).split()
EXAMPLES = 600  # per backend: ~15 s on a 2-core machine
ENV = {
    "QIYOU_API_RATE_PER_IP": "1000000",
    "QIYOU_API_RATE_PER_ENTERPRISE": "1000000",
    "QIYOU_DNS_SERVERS": "127.0.0.1:9",
    "QIYOU_DNS_TIMEOUT": "0.5",
}

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["1", "0", "-1", "1000001", "2026-01-01", "alice@example.com", "1e400"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
PARAMS = st.dictionaries(
    st.sampled_from(NAMES) | st.text(min_size=1, max_size=10), VALUES, max_size=6
)
QUERY = st.dictionaries(
    st.sampled_from(NAMES), SCALARS.filter(lambda v: v is not None).map(str), max_size=4
)
BODIES = (
    PARAMS.map(lambda p: json.dumps(p).encode())
    | VALUES.map(lambda v: json.dumps(v).encode())  # valid JSON, not an object
    | st.binary(max_size=60)
)


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(request, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp(f"fuzz-openapi-{request.param}")
    with private_server(request.param, data_dir, ENV) as srv:
        tokens: dict[str, str] = {}
        with httpx.Client(timeout=30) as http:
            login = {
                "query": LOGIN,
                "variables": {"email": "admin@example.com", "password": PASSWORD},
            }
            token = http.post(srv.graphql_url, json=login).json()["data"]["login"]["token"]
            for kind in KINDS:
                created = http.post(
                    srv.graphql_url,
                    json={"query": CREATE_APP, "variables": {"kind": kind.upper()}},
                    headers={"Authorization": f"Bearer {token}"},
                ).json()["data"]["createOpenApp"]
                credentials = {
                    "corpid": created["app"]["corpid"],
                    "corpsecret": created["corpsecret"],
                }
                answer = http.get(f"{srv.url}/cgi-bin/gettoken", params=credentials).json()
                tokens[kind] = answer["access_token"]
        yield srv, tokens


def check(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, (response.status_code, response.text)
    body = response.json()
    assert isinstance(body.get("errcode"), int) and isinstance(body.get("errmsg"), str), body
    assert body["errcode"] != -1, body  # "system busy": an unexpected exception
    return body


def test_generated_calls_are_answered_with_an_errcode(fuzzed):
    server, tokens = fuzzed

    def token_for(path: str) -> st.SearchStrategy[str | None]:
        own = tokens.get(KIND_OF.get(path.split("/")[0], ""))
        others = st.sampled_from([None, "qyat_forged", "", *tokens.values()])
        return others if own is None else st.just(own) | st.just(own) | others

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        call=st.sampled_from(sorted(ENDPOINTS)).flatmap(
            lambda path: st.tuples(st.just(path), token_for(path))
        ),
        query=QUERY,
        body=st.none() | BODIES,
    )
    def run(call: tuple[str, str | None], query: dict[str, str], body: bytes | None) -> None:
        path, token = call
        params = {**query, **({"access_token": token} if token is not None else {})}
        url = f"{server.url}/cgi-bin/{path}"
        if body is None:
            answer = check(http.get(url, params=params))
        else:
            headers = {"Content-Type": "application/json"}
            answer = check(http.post(url, params=params, content=body, headers=headers))
        seen[answer["errcode"]] = seen.get(answer["errcode"], 0) + 1

    seen: dict[int, int] = {}
    with httpx.Client(timeout=30) as http:
        run()
        assert http.get(f"{server.url}/health").status_code == 200
    assert seen.get(0) and seen.get(40058), seen  # calls reached the endpoints' own checks
    log = (server.data_dir / "server.log").read_text(errors="replace")
    assert "Traceback" not in log, log[log.index("Traceback") - 2000 :][:6000]


@settings(max_examples=40, deadline=None, database=None)
@given(path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz/_.%-0123456789", max_size=30))
def test_unknown_paths_are_no_server_errors(fuzzed, path: str) -> None:
    server, _ = fuzzed
    response = httpx.get(f"{server.url}/cgi-bin/{path}", timeout=30)
    assert response.status_code < 500, (path, response.status_code, response.text)
