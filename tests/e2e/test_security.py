"""Login security over GraphQL and SMTP AUTH: login events, IP limits (A8), lockouts, TOTP,
forced password changes, and who may change these settings.

Clients that must come from another address bind their socket to 127.0.0.x (the server
listens on 127.0.0.1; loopback accepts any 127/8 source). Failing logins use their own
source address so the shared server's 127.0.0.1 never gets near the per-IP lockout.
"""

from __future__ import annotations

import time
from typing import Any

import aiosmtplib
import httpx
import pyotp
import pytest

from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import client_tls, unique
from tests.e2e.server import PASSWORD, seed

LOGIN = """
mutation Login($email: String!, $password: String!, $client: LoginClient) {
  login(email: $email, password: $password, client: $client) {
    __typename
    ... on LoginSuccess { token mustChangePassword me { email } }
    ... on SecondFactorRequired { ticket method qrPng expiresIn }
    ... on AuthError { code field message retryAfter }
  }
}
"""
COMPLETE = """
mutation Complete($ticket: String!, $code: String!) {
  completeLogin(ticket: $ticket, code: $code) {
    __typename
    ... on LoginSuccess { token me { email } }
    ... on AuthError { code field message }
  }
}
"""
ME = "{ me { email } }"
MY_LOGINS = """
query Mine($first: Int, $after: String) {
  myLogins(first: $first, after: $after) {
    edges { cursor node { login ip client success reason userAgent } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
LOGIN_LOGS = """
query Logs($filter: LoginLogFilter) {
  loginLogs(filter: $filter, first: 50) {
    edges { node { login ip client success reason } }
  }
}
"""
CREATE_MEMBER = """
mutation Create($input: CreateMemberInput!) {
  createMember(input: $input) { __typename ... on AdminMember { email } ... on AdminError { code } }
}
"""
CREATE_DEPARTMENT = """
mutation Dept($name: String!, $parent: ID) {
  createDepartment(name: $name, parentId: $parent) {
    __typename ... on AdminDepartment { id } ... on AdminError { code message }
  }
}
"""
GRANT = """
mutation G($email: String!, $perms: [String!], $deps: [ID!]) {
  grantAdmin(email: $email, isSuper: false, permissions: $perms, departmentIds: $deps) {
    __typename ... on AdminError { code message }
  }
}
"""
ADD_RULE = """
mutation Add($cidr: String!, $dept: ID, $email: String) {
  addIpRule(cidr: $cidr, departmentId: $dept, email: $email) {
    __typename
    ... on IpRule { id cidr scope email departmentId }
    ... on AdminError { code field message }
  }
}
"""
REMOVE_RULE = """
mutation Remove($id: ID!) {
  removeIpRule(id: $id) { __typename ... on AdminError { code field } }
}
"""
RULES = "{ ipRules { id cidr scope email departmentId } }"
LOCKED = "{ lockedAccounts { email ip retryAfter } }"
UNLOCK = """
mutation Unlock($email: String!) {
  unlockAccount(email: $email) {
    __typename ... on Unlocked { email cleared } ... on AdminError { code }
  }
}
"""
SECURE = """
mutation Secure($enabled: Boolean!, $email: String) {
  setSecureLogin(enabled: $enabled, email: $email) {
    __typename ... on SecureLoginSetting { enabled } ... on AdminError { code }
  }
}
"""
REQUIRE_CHANGE = """
mutation Require($email: String!) {
  requirePasswordChange(email: $email) { __typename ... on AdminError { code } }
}
"""
CHANGE_PASSWORD = """
mutation Change($old: String!, $new: String!) {
  changePassword(old: $old, new: $new) {
    __typename ... on AuthError { code field message }
  }
}
"""
MY_SECURITY = "{ mySecurity { secureLogin totpEnabled wechatBound mustChangePassword } }"
SETUP_TOTP = "mutation { setupTotp { __typename ... on TotpSetup { secret uri qrPng } } }"
ENABLE_TOTP = """
mutation Enable($code: String!) {
  enableTotp(code: $code) { __typename ... on AuthError { code field } }
}
"""
FOLDERS = "{ folders { name } }"


class BoundClient(GraphQLClient):
    """A GraphQL client whose connections come from ``ip`` (a loopback address)."""

    def __init__(
        self, url: str, token: str | None = None, *, ip: str, extra: dict | None = None
    ) -> None:
        super().__init__(url, token)
        self.ip = ip
        self.extra = extra or {}

    def headers(self) -> dict[str, str]:
        return {**super().headers(), **self.extra}

    async def execute(self, query: str, **variables: Any) -> dict[str, Any]:
        transport = httpx.AsyncHTTPTransport(local_address=self.ip)
        async with httpx.AsyncClient(timeout=30, transport=transport) as http:
            response = await http.post(
                self.url, json={"query": query, "variables": variables}, headers=self.headers()
            )
        assert response.status_code in (200, 400), response.text
        return response.json()


async def login_from(
    server, email: str, password: str = PASSWORD, *, ip: str = "127.0.0.1", **headers: str
) -> dict:
    """The ``login`` result for a login from ``ip``."""
    client = BoundClient(server.graphql_url, ip=ip, extra=headers)
    return (await client.data(LOGIN, email=email, password=password))["login"]


async def smtp_login(server, email: str, password: str = PASSWORD, *, ip: str = "127.0.0.1"):
    """SMTP AUTH on the submission port from ``ip``: the reply (code, message)."""
    smtp = aiosmtplib.SMTP(
        hostname="127.0.0.1",
        port=server.submission_port,
        start_tls=True,
        tls_context=client_tls(),
        source_address=(ip, 0),
    )
    await smtp.connect()
    try:
        response = await smtp.login(email, password)
        return response.code, response.message
    except aiosmtplib.SMTPAuthenticationError as refused:
        return refused.code, refused.message
    finally:
        await smtp.quit()


async def admin_of(server) -> GraphQLClient:
    return await login(server.graphql_url, "admin@example.com", PASSWORD)


async def new_member(admin: GraphQLClient, prefix: str, **fields: Any) -> str:
    email = f"{unique(prefix).replace(' ', '-')}@example.com"
    created = (
        await admin.data(CREATE_MEMBER, input={"email": email, "password": PASSWORD, **fields})
    )["createMember"]
    assert created == {"__typename": "AdminMember", "email": email}, created
    return email


async def new_department(admin: GraphQLClient, name: str, parent: str | None = None) -> str:
    created = (await admin.data(CREATE_DEPARTMENT, name=unique(name), parent=parent))[
        "createDepartment"
    ]
    assert created["__typename"] == "AdminDepartment", created
    return created["id"]


def codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


# --- login events ---------------------------------------------------------------------------


async def test_web_miniprogram_and_smtp_logins_are_recorded(server):
    admin = await admin_of(server)
    email = await new_member(admin, "events")

    assert (await login_from(server, email, "wrong-password", ip="127.0.0.6"))[
        "code"
    ] == "INVALID_CREDENTIALS"
    assert (await login_from(server, email, ip="127.0.0.6"))["__typename"] == "LoginSuccess"
    mini = await login_from(server, email, **{"X-Qiyou-Client": "miniprogram"})
    assert mini["__typename"] == "LoginSuccess"
    assert (await smtp_login(server, email))[0] == 235

    member = GraphQLClient(server.graphql_url, mini["token"])
    edges = (await member.data(MY_LOGINS, first=10))["myLogins"]["edges"]
    events = [e["node"] for e in edges]
    assert [(e["client"], e["success"], e["reason"], e["ip"]) for e in events] == [
        ("SMTP", True, "password", "127.0.0.1"),
        ("MINIPROGRAM", True, "password", "127.0.0.1"),
        ("WEB", True, "password", "127.0.0.6"),
        ("WEB", False, "bad_password", "127.0.0.6"),
    ]
    assert events[1]["userAgent"].startswith("python-httpx")
    assert events[0]["userAgent"].startswith("EHLO")

    logged = await admin.data(LOGIN_LOGS, filter={"member": email, "success": False})
    assert [e["node"]["reason"] for e in logged["loginLogs"]["edges"]] == ["bad_password"]
    smtp_only = await admin.data(LOGIN_LOGS, filter={"member": email, "client": "SMTP"})
    assert [e["node"]["client"] for e in smtp_only["loginLogs"]["edges"]] == ["SMTP"]


async def test_my_logins_pages_through_own_events_only(server):
    admin = await admin_of(server)
    email = await new_member(admin, "pages")
    for _ in range(3):
        await login_from(server, email)
    member = await login(server.graphql_url, email, PASSWORD)
    first = (await member.data(MY_LOGINS, first=2))["myLogins"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await member.data(MY_LOGINS, first=2, after=first["pageInfo"]["endCursor"]))["myLogins"]
    logins = [e["node"]["login"] for e in first["edges"] + rest["edges"]]
    assert logins == [email] * 4 and rest["pageInfo"]["hasNextPage"] is False
    bad = await member.execute(MY_LOGINS, first=2, after="not-a-cursor")
    assert codes(bad) == ["INVALID"] and bad["errors"][0]["extensions"]["field"] == "after"


# --- IP limits (A8) -------------------------------------------------------------------------


async def test_a_member_rule_limits_web_login_and_smtp_auth(server):
    admin = await admin_of(server)
    email = await new_member(admin, "iprule")
    rule = (await admin.data(ADD_RULE, cidr="127.0.0.1/32", email=email))["addIpRule"]
    assert rule["scope"] == "MEMBER" and rule["email"] == email and rule["cidr"] == "127.0.0.1/32"

    refused = await login_from(server, email, ip="127.0.0.2")
    assert refused["__typename"] == "AuthError" and refused["code"] == "IP_NOT_ALLOWED"
    assert (await login_from(server, email))["__typename"] == "LoginSuccess"

    code, message = await smtp_login(server, email, ip="127.0.0.2")
    assert code == 535 and "not allowed" in message
    assert (await smtp_login(server, email))[0] == 235

    logged = await admin.data(LOGIN_LOGS, filter={"member": email, "success": False})
    refusals = {
        (e["node"]["client"], e["node"]["ip"], e["node"]["reason"])
        for e in logged["loginLogs"]["edges"]
    }
    assert refusals == {
        ("WEB", "127.0.0.2", "ip_not_allowed"),
        ("SMTP", "127.0.0.2", "ip_not_allowed"),
    }

    assert (await admin.data(REMOVE_RULE, id=rule["id"]))["removeIpRule"] == {"__typename": "Done"}
    assert (await login_from(server, email, ip="127.0.0.2"))["__typename"] == "LoginSuccess"


async def test_x_forwarded_for_is_not_believed(server):
    admin = await admin_of(server)
    email = await new_member(admin, "xff")
    await admin.data(ADD_RULE, cidr="10.20.30.0/24", email=email)
    refused = await login_from(server, email, **{"X-Forwarded-For": "10.20.30.40"})
    assert refused["code"] == "IP_NOT_ALLOWED"


async def test_department_rules_apply_to_sub_departments(server):
    admin = await admin_of(server)
    parent = await new_department(admin, "sales")
    child = await new_department(admin, "north", parent)
    inside = await new_member(admin, "north", departmentIds=[child])
    outside = await new_member(admin, "other")
    rule = (await admin.data(ADD_RULE, cidr="127.0.0.2", dept=parent))["addIpRule"]
    assert rule["scope"] == "DEPARTMENT" and rule["departmentId"] == parent
    assert rule["cidr"] == "127.0.0.2/32"

    assert (await login_from(server, inside))["code"] == "IP_NOT_ALLOWED"
    assert (await login_from(server, inside, ip="127.0.0.2"))["__typename"] == "LoginSuccess"
    assert (await login_from(server, outside))["__typename"] == "LoginSuccess"

    # A member's own rule widens what their department allows.
    await admin.data(ADD_RULE, cidr="127.0.0.0/30", email=inside)
    assert (await login_from(server, inside))["__typename"] == "LoginSuccess"
    assert (await login_from(server, inside, ip="127.0.0.7"))["code"] == "IP_NOT_ALLOWED"


async def test_an_enterprise_rule_applies_to_every_member(server):
    domain = f"{unique('ent').replace(' ', '-')}.test"
    members = {f"boss@{domain}": {}, f"worker@{domain}": {}}
    seed(server, domains=(domain,), members=members, supers=(f"boss@{domain}",))
    boss = await login(server.graphql_url, f"boss@{domain}", PASSWORD)

    rule = (await boss.data(ADD_RULE, cidr="127.0.0.2/32"))["addIpRule"]
    assert rule["scope"] == "ENTERPRISE"
    assert (await login_from(server, f"worker@{domain}"))["code"] == "IP_NOT_ALLOWED"
    ok = await login_from(server, f"worker@{domain}", ip="127.0.0.2")
    assert ok["__typename"] == "LoginSuccess"
    assert (await login_from(server, "bob@example.com"))["__typename"] == "LoginSuccess"
    assert [r["id"] for r in (await boss.data(RULES))["ipRules"]] == [rule["id"]]
    assert (await boss.data(REMOVE_RULE, id=rule["id"]))["removeIpRule"]["__typename"] == "Done"


async def test_ip_rule_input_is_checked_and_nothing_half_written(server):
    admin = await admin_of(server)
    email = await new_member(admin, "input")
    before = len((await admin.data(RULES))["ipRules"])
    for cidr in ["", "10.0.0.0/33", "not-an-ip", "1.2.3.4/x", "::g/64"]:
        result = (await admin.data(ADD_RULE, cidr=cidr, email=email))["addIpRule"]
        assert (result["code"], result["field"]) == ("INVALID", "cidr"), cidr
    both = (await admin.data(ADD_RULE, cidr="10.0.0.0/8", email=email, dept="1"))["addIpRule"]
    assert both["code"] == "INVALID"
    nobody = await admin.data(ADD_RULE, cidr="10.0.0.0/8", email="nobody@example.com")
    assert (nobody["addIpRule"]["code"], nobody["addIpRule"]["field"]) == ("NOT_FOUND", "email")
    no_dept = (await admin.data(ADD_RULE, cidr="10.0.0.0/8", dept="999999"))["addIpRule"]
    assert (no_dept["code"], no_dept["field"]) == ("NOT_FOUND", "departmentId")
    assert len((await admin.data(RULES))["ipRules"]) == before

    v6 = (await admin.data(ADD_RULE, cidr="2001:DB8::1/32", email=email))["addIpRule"]
    assert v6["cidr"] == "2001:db8::/32"
    v4 = (await admin.data(ADD_RULE, cidr="10.1.2.3/8", email=email))["addIpRule"]
    assert v4["cidr"] == "10.0.0.0/8"
    again = (await admin.data(ADD_RULE, cidr="10.0.0.0/8", email=email))["addIpRule"]
    assert again["code"] == "ALREADY_EXISTS"
    assert (await login_from(server, email))["code"] == "IP_NOT_ALLOWED"
    gone = (await admin.data(REMOVE_RULE, id="999999"))["removeIpRule"]
    assert gone == {"__typename": "AdminError", "code": "NOT_FOUND", "field": "id"}


async def test_who_may_manage_ip_rules(server):
    admin = await admin_of(server)
    department = await new_department(admin, "scoped")
    inside = await new_member(admin, "in", departmentIds=[department])
    outside = await new_member(admin, "out")
    security = await new_member(admin, "secadmin", departmentIds=[department])
    await admin.data(GRANT, email=security, perms=["security"], deps=[department])
    logs_only = await new_member(admin, "logadmin", departmentIds=[department])
    await admin.data(GRANT, email=logs_only, perms=["logs"], deps=[department])
    owned = (await admin.data(ADD_RULE, cidr="192.0.2.0/24", email=outside))["addIpRule"]
    scoped = await login(server.graphql_url, security, PASSWORD)
    no_permission = await login(server.graphql_url, logs_only, PASSWORD)

    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert codes(await bob.execute(RULES)) == ["FORBIDDEN"]
    assert codes(await bob.execute(ADD_RULE, cidr="10.0.0.0/8", email=inside)) == ["FORBIDDEN"]

    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    foreign = (await oscar.data(ADD_RULE, cidr="10.0.0.0/8", email=inside))["addIpRule"]
    assert foreign["code"] == "FORBIDDEN"
    assert (await oscar.data(REMOVE_RULE, id=owned["id"]))["removeIpRule"]["code"] == "NOT_FOUND"
    assert owned["id"] not in [r["id"] for r in (await oscar.data(RULES))["ipRules"]]

    mine = (await scoped.data(ADD_RULE, cidr="198.51.100.0/24", email=inside))["addIpRule"]
    assert mine["__typename"] == "IpRule"
    by_dept = (await scoped.data(ADD_RULE, cidr="198.51.100.0/24", dept=department))["addIpRule"]
    assert by_dept["__typename"] == "IpRule"
    assert (await scoped.data(ADD_RULE, cidr="10.0.0.0/8", email=outside))["addIpRule"][
        "code"
    ] == "FORBIDDEN"
    assert (await scoped.data(ADD_RULE, cidr="10.0.0.0/8"))["addIpRule"]["code"] == "FORBIDDEN"
    assert (await scoped.data(REMOVE_RULE, id=owned["id"]))["removeIpRule"]["code"] == "FORBIDDEN"
    visible = {r["id"] for r in (await scoped.data(RULES))["ipRules"]}
    assert {mine["id"], by_dept["id"]} <= visible and owned["id"] not in visible

    refused = (await no_permission.data(ADD_RULE, cidr="10.0.0.0/8", email=inside))["addIpRule"]
    assert refused["code"] == "FORBIDDEN"
    assert codes(await no_permission.execute(RULES)) == ["FORBIDDEN"]


# --- lockouts -------------------------------------------------------------------------------


async def test_failures_lock_the_account_from_that_address_until_unlocked(server):
    admin = await admin_of(server)
    email = await new_member(admin, "lock")
    here = "127.0.0.3"
    for _ in range(4):
        assert (await login_from(server, email, "nope-nope", ip=here))["code"] == (
            "INVALID_CREDENTIALS"
        )
    assert (await login_from(server, email, ip=here))["__typename"] == "LoginSuccess"

    for _ in range(5):
        await login_from(server, email, "nope-nope", ip=here)
    locked = await login_from(server, email, ip=here)
    assert locked["code"] == "LOCKED" and 0 < locked["retryAfter"] <= 15 * 60
    code, message = await smtp_login(server, email, ip=here)
    assert code == 454 and "try again" in message
    elsewhere = await login_from(server, email, ip="127.0.0.4")
    assert elsewhere["__typename"] == "LoginSuccess", "only this account from that address"

    locks = (await admin.data(LOCKED))["lockedAccounts"]
    assert {"email": email, "ip": here} in [{"email": lk["email"], "ip": lk["ip"]} for lk in locks]
    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    assert email not in [lk["email"] for lk in (await oscar.data(LOCKED))["lockedAccounts"]]
    assert (await oscar.data(UNLOCK, email=email))["unlockAccount"]["code"] == "FORBIDDEN"
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert codes(await bob.execute(UNLOCK, email=email)) == ["FORBIDDEN"]

    unlocked = (await admin.data(UNLOCK, email=email))["unlockAccount"]
    assert unlocked["email"] == email and unlocked["cleared"] >= 1
    assert (await login_from(server, email, ip=here))["__typename"] == "LoginSuccess"
    events = await admin.data(LOGIN_LOGS, filter={"member": email, "success": False})
    assert "locked" in [e["node"]["reason"] for e in events["loginLogs"]["edges"]]


async def test_many_failures_from_one_address_throttle_that_address(server):
    here = "127.0.0.9"
    tries = 0
    while tries < 100:
        tries += 1
        result = await login_from(
            server, f"{unique('ghost').replace(' ', '-')}@example.com", "wrong-password", ip=here
        )
        if result["code"] == "LOCKED":
            break
        assert result["code"] == "INVALID_CREDENTIALS"
    assert result["code"] == "LOCKED", "the address was never throttled"
    assert tries > 5, "each account failed only once: this is the per-address limit"
    assert (await login_from(server, "alice@example.com", ip=here))["code"] == "LOCKED"
    assert (await login_from(server, "alice@example.com"))["__typename"] == "LoginSuccess"


# --- TOTP -----------------------------------------------------------------------------------


async def test_totp_second_factor(server):
    admin = await admin_of(server)
    email = await new_member(admin, "totp")
    here = "127.0.0.5"
    member = await login(server.graphql_url, email, PASSWORD)
    setup = (await member.data(SETUP_TOTP))["setupTotp"]
    assert setup["uri"].startswith("otpauth://totp/") and setup["secret"] in setup["uri"]
    assert setup["qrPng"]
    totp = pyotp.TOTP(setup["secret"])
    wrong = await member.data(ENABLE_TOTP, code="000000" if totp.now() != "000000" else "111111")
    assert wrong["enableTotp"] == {
        "__typename": "AuthError",
        "code": "INVALID_CODE",
        "field": "code",
    }
    assert (await member.data(ENABLE_TOTP, code=totp.now()))["enableTotp"]["__typename"] == "Done"
    assert (await member.data(MY_SECURITY))["mySecurity"]["totpEnabled"] is True

    challenge = await login_from(server, email, ip=here)
    assert challenge["__typename"] == "SecondFactorRequired"
    assert challenge["method"] == "TOTP" and challenge["qrPng"] is None
    assert challenge["expiresIn"] > 0
    client = BoundClient(server.graphql_url, ip=here)
    bad = (await client.data(COMPLETE, ticket=challenge["ticket"], code="12345"))["completeLogin"]
    assert (bad["code"], bad["field"]) == ("INVALID_CODE", "code")
    next_code = totp.at(time.time() + 30)  # the next step: accepted (±1 step), unused so far
    done = await client.data(COMPLETE, ticket=challenge["ticket"], code=next_code)
    token = done["completeLogin"]["token"]
    assert (await GraphQLClient(server.graphql_url, token).data(ME))["me"]["email"] == email

    again = await client.data(COMPLETE, ticket=challenge["ticket"], code=next_code)
    assert again["completeLogin"]["code"] == "TICKET_EXPIRED"
    replay = await login_from(server, email, ip=here)
    reused = await client.data(COMPLETE, ticket=replay["ticket"], code=next_code)
    assert reused["completeLogin"]["code"] == "INVALID_CODE", "a code works once"
    stale = totp.at(time.time() - 120)
    expired = await client.data(COMPLETE, ticket=replay["ticket"], code=stale)
    assert expired["completeLogin"]["code"] == "INVALID_CODE", "codes from minutes ago fail"

    reasons = [
        e["node"]["reason"] for e in (await member.data(MY_LOGINS, first=6))["myLogins"]["edges"]
    ]
    assert reasons[:4] == ["bad_code", "bad_code", "second_factor_pending", "totp"]


# --- secure login and forced password changes -----------------------------------------------


async def test_secure_login_without_a_second_factor_set_up_is_refused(server):
    admin = await admin_of(server)
    email = await new_member(admin, "secure")
    assert (await admin.data(SECURE, enabled=True, email=email))["setSecureLogin"]["enabled"]
    refused = await login_from(server, email)
    assert refused["code"] == "SECOND_FACTOR_UNAVAILABLE"
    await admin.data(SECURE, enabled=False, email=email)
    assert (await login_from(server, email))["__typename"] == "LoginSuccess"

    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert codes(await bob.execute(SECURE, enabled=True)) == ["FORBIDDEN"]
    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    foreign = (await oscar.data(SECURE, enabled=True, email=email))["setSecureLogin"]
    assert foreign["code"] == "FORBIDDEN"


async def test_a_forced_password_change_blocks_everything_else(server):
    admin = await admin_of(server)
    email = await new_member(admin, "mustchange")
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert codes(await bob.execute(REQUIRE_CHANGE, email=email)) == ["FORBIDDEN"]
    assert (await admin.data(REQUIRE_CHANGE, email=email))["requirePasswordChange"] == {
        "__typename": "Done"
    }

    signed = await login_from(server, email)
    assert signed["__typename"] == "LoginSuccess" and signed["mustChangePassword"] is True
    member = GraphQLClient(server.graphql_url, signed["token"])
    assert codes(await member.execute(FOLDERS)) == ["PASSWORD_CHANGE_REQUIRED"]
    assert (await member.data(ME))["me"]["email"] == email
    code, message = await smtp_login(server, email)
    assert code == 535 and "change your password" in message

    for old, new, field in [
        ("not-my-password", "brand-new-pass", "old"),
        (PASSWORD, "short", "new"),
        (PASSWORD, PASSWORD, "new"),
    ]:
        refused = (await member.data(CHANGE_PASSWORD, old=old, new=new))["changePassword"]
        assert refused["field"] == field, refused
    assert codes(await member.execute(FOLDERS)) == ["PASSWORD_CHANGE_REQUIRED"]

    done = await member.data(CHANGE_PASSWORD, old=PASSWORD, new="brand-new-pass")
    assert done["changePassword"] == {"__typename": "Done"}
    assert (await member.data(FOLDERS))["folders"]
    assert (await login_from(server, email, ip="127.0.0.6"))["code"] == "INVALID_CREDENTIALS"
    again = await login_from(server, email, "brand-new-pass")
    assert again["mustChangePassword"] is False
    assert (await smtp_login(server, email, "brand-new-pass"))[0] == 235


@pytest.mark.parametrize("password", ["x" * 2000])
async def test_overlong_credentials_are_refused_with_a_field(server, password):
    result = await login_from(server, "alice@example.com", password, ip="127.0.0.6")
    assert (result["code"], result["field"]) == ("INVALID", "password")
