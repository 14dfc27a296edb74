"""What the GraphQL layer writes to the server log (schema/error_log.py): refusals a client
meets every day — FORBIDDEN, UNAUTHENTICATED, a bad variable, a typed error — are one INFO
line without a traceback; an exception nobody meant (a table gone) stays ERROR with its
traceback. And the web app's session query asks ``auditScope``, which answers null for a
member who is no auditor instead of a FORBIDDEN to log on every page load."""

from __future__ import annotations

import logging
import uuid

import pytest

from tests.e2e.client import GraphQLClient, login
from tests.e2e.server import PASSWORD

SESSION = """
query Session { me { email } auditScope { departmentIds } unreadNoticeCount }
"""
CHANGE_PASSWORD = """
mutation C($old: String!, $new: String!) {
  changePassword(old: $old, new: $new) { __typename ... on AuthError { code field message } }
}
"""


def graphql_records(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name.startswith(("qiyou", "strawberry")) and name in r.getMessage()
    ]


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_the_session_query_of_a_member_is_answered_without_a_refusal(
    service, caplog: pytest.LogCaptureFixture
) -> None:
    bob = await login(service.graphql_url, "bob@example.com", PASSWORD)
    caplog.set_level(logging.INFO)
    body = await bob.execute(SESSION)
    assert "errors" not in body, body
    assert body["data"]["auditScope"] is None
    assert body["data"]["me"]["email"] == "bob@example.com"
    assert not [r for r in caplog.records if r.name == "qiyou.graphql"], caplog.text


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("query {name} {{ myAuditScope {{ departmentIds }} }}", {}, "FORBIDDEN"),
        ("query {name} {{ admins {{ email }} }}", {}, "FORBIDDEN"),
        (
            'query {name}($d: Date) {{ search(query: "x", since: $d) {{ totalCount }} }}',
            {"d": "2020-13-45"},
            "INVALID_REQUEST",
        ),
        ("query {name} {{ nothingHere }}", {}, "INVALID_REQUEST"),
    ],
)
async def test_a_refusal_is_one_info_line(
    service, caplog: pytest.LogCaptureFixture, query: str, variables: dict, code: str
) -> None:
    bob = await login(service.graphql_url, "bob@example.com", PASSWORD)
    name = f"Probe{uuid.uuid4().hex}"
    caplog.set_level(logging.DEBUG)
    body = await bob.execute(query.format(name=name), **variables)
    assert body["errors"], body
    [line] = graphql_records(caplog, name)
    assert line.levelno == logging.INFO and line.exc_info is None
    assert f"refused {code} operation={name}" in line.getMessage()
    assert not tracebacks(caplog), caplog.text


async def test_an_anonymous_caller_is_one_info_line(service, caplog: pytest.LogCaptureFixture):
    name = f"Probe{uuid.uuid4().hex}"
    caplog.set_level(logging.DEBUG)
    body = await GraphQLClient(service.graphql_url).execute(f"query {name} {{ me {{ id }} }}")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    [line] = graphql_records(caplog, name)
    assert line.levelno == logging.INFO and "UNAUTHENTICATED" in line.getMessage()
    assert not tracebacks(caplog), caplog.text


async def test_a_typed_error_is_no_log_line_at_all(service, caplog: pytest.LogCaptureFixture):
    bob = await login(service.graphql_url, "bob@example.com", PASSWORD)
    caplog.set_level(logging.DEBUG)
    result = (await bob.data(CHANGE_PASSWORD, old=PASSWORD, new="short"))["changePassword"]
    assert result["code"] == "INVALID", result
    assert not [r for r in caplog.records if r.name == "qiyou.graphql"], caplog.text
    assert not tracebacks(caplog), caplog.text


async def test_an_unexpected_exception_keeps_error_and_its_traceback(
    service, caplog: pytest.LogCaptureFixture
) -> None:
    """A real fault, not a patched function: the notice receipts table is renamed away for one
    query (and back), so the resolver meets a database error it has no answer for."""
    bob = await login(service.graphql_url, "bob@example.com", PASSWORD)
    name = f"Probe{uuid.uuid4().hex}"
    await service.mailcore(
        "from tortoise import connections\n"
        "await connections.get('default').execute_script("
        "'ALTER TABLE notice_receipt RENAME TO notice_receipt_away')"
    )
    caplog.set_level(logging.INFO)
    try:
        body = await bob.execute(f"query {name} {{ unreadNoticeCount }}")
    finally:
        await service.mailcore(
            "from tortoise import connections\n"
            "await connections.get('default').execute_script("
            "'ALTER TABLE notice_receipt_away RENAME TO notice_receipt')"
        )
    assert body["errors"], body
    assert body["errors"][0]["path"] == ["unreadNoticeCount"], body
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.exc_info is not None, caplog.text  # the traceback is written with it
    assert "notice_receipt" in str(error.exc_info[1]), error.exc_info
    assert not [r for r in caplog.records if r.name == "qiyou.graphql"], caplog.text
