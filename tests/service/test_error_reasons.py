"""Typed errors carry a machine-readable ``reason`` (and the rule's ``limit``) where one code
covers several rules, so clients word them in the member's language (web/src/lib/errors.js)
instead of showing the server's English ``message``."""

from __future__ import annotations

from tests.e2e.client import login
from tests.e2e.server import PASSWORD

CHANGE_PASSWORD = """
mutation C($old: String!, $new: String!) {
  changePassword(old: $old, new: $new) {
    __typename ... on AuthError { code field reason limit message }
  }
}
"""
ENABLE_TOTP = """
mutation E($code: String!) {
  enableTotp(code: $code) { __typename ... on AuthError { code field reason limit } }
}
"""
SETUP_TOTP = "mutation { setupTotp { __typename ... on TotpSetup { secret } } }"
APP_PASSWORD = """
mutation A($name: String!) {
  createAppPassword(name: $name) { __typename ... on AuthError { code field reason limit } }
}
"""


async def test_each_password_rule_has_its_reason(service) -> None:
    carol = await login(service.graphql_url, "carol@example.com", PASSWORD)
    short = (await carol.data(CHANGE_PASSWORD, old=PASSWORD, new="abc"))["changePassword"]
    assert (short["code"], short["field"], short["reason"], short["limit"]) == (
        "INVALID",
        "new",
        "PASSWORD_TOO_SHORT",
        8,
    )
    same = (await carol.data(CHANGE_PASSWORD, old=PASSWORD, new=PASSWORD))["changePassword"]
    assert (same["code"], same["reason"], same["limit"]) == ("INVALID", "PASSWORD_UNCHANGED", None)
    long = (await carol.data(CHANGE_PASSWORD, old=PASSWORD, new="x" * 1025))["changePassword"]
    assert (long["reason"], long["limit"]) == ("PASSWORD_TOO_LONG", 1024)
    wrong = await carol.data(CHANGE_PASSWORD, old="not-it-at-all", new="a-new-pass-42")
    assert wrong["changePassword"]["code"] == "INVALID_CREDENTIALS"
    assert wrong["changePassword"]["reason"] is None  # its code says it all


async def test_totp_refusals_say_which_rule(service) -> None:
    carol = await login(service.graphql_url, "carol@example.com", PASSWORD)
    not_set_up = (await carol.data(ENABLE_TOTP, code="123456"))["enableTotp"]
    assert (not_set_up["code"], not_set_up["reason"]) == ("INVALID", "TOTP_NOT_SET_UP")
    assert (await carol.data(SETUP_TOTP))["setupTotp"]["__typename"] == "TotpSetup"
    format_ = (await carol.data(ENABLE_TOTP, code="12ab"))["enableTotp"]
    assert (format_["code"], format_["reason"], format_["limit"]) == (
        "INVALID_CODE",
        "CODE_FORMAT",
        6,
    )


async def test_app_password_names(service) -> None:
    carol = await login(service.graphql_url, "carol@example.com", PASSWORD)
    empty = (await carol.data(APP_PASSWORD, name="  "))["createAppPassword"]
    assert (empty["code"], empty["field"], empty["reason"]) == ("INVALID", "name", "NAME_MISSING")
    long = (await carol.data(APP_PASSWORD, name="n" * 500))["createAppPassword"]
    assert long["reason"] == "NAME_TOO_LONG" and long["limit"] > 0
