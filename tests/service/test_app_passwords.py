"""App passwords (客户端专用密码) and the same login checks for every mail protocol: made,
listed and revoked in GraphQL, used on the submission port (aiosmtplib with STARTTLS, from
a loopback address of the test's own so lockouts stay here), required by secure login or
the enterprise, never accepted by the web login; IMAP/POP3 switches through
``mailcore.security.login.authenticate`` (their servers have their own tests)."""

from __future__ import annotations

import json
import re
import secrets

import aiosmtplib
import pytest

from tests.e2e.client import LOGIN, GraphQLClient, http_client
from tests.e2e.mail import client_tls
from tests.e2e.policy_company import Company
from tests.e2e.server import PASSWORD

CREATE = """
mutation C($name: String!) {
  createAppPassword(name: $name) {
    __typename
    ... on AppPasswordCreated { secret appPassword { id name createdAt lastUsedAt } }
    ... on AuthError { code field message }
  }
}
"""
LIST = "{ appPasswords { id name lastUsedAt lastUsedIp lastUsedProtocol } }"
REVOKE = """
mutation R($id: ID!) {
  revokeAppPassword(id: $id) { __typename ... on AuthError { code field message } }
}
"""
LOGINS = "{ myLogins(first: 20) { edges { node { client success reason ip } } } }"
MY_SECURITY = "{ mySecurity { secureLogin appPasswordsRequired } }"
SECURE_LOGIN = """
mutation S($email: String, $on: Boolean!) {
  setSecureLogin(enabled: $on, email: $email) { __typename }
}
"""
REQUIRE = """
mutation Q($on: Boolean!) {
  setAppPasswordsRequired(required: $on) { __typename ... on AdminError { code } }
}
"""
ADD_IP_RULE = """
mutation A($cidr: String!, $email: String) {
  addIpRule(cidr: $cidr, email: $email) { __typename ... on AdminError { code message } }
}
"""
SECRET = re.compile(r"^[a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4}$")


def address() -> str:
    """A loopback address of this test's own (Linux routes all of 127/8 to lo)."""
    a, b, c = secrets.randbelow(200) + 20, secrets.randbelow(250) + 1, secrets.randbelow(250) + 2
    return f"127.{a}.{b}.{c}"


async def smtp_login(service, user: str, password: str, ip: str) -> tuple[int, str]:
    """AUTH PLAIN (one attempt) on the submission port after STARTTLS from ``ip``."""
    smtp = aiosmtplib.SMTP(
        hostname="127.0.0.1",
        port=service.submission_port,
        start_tls=True,
        tls_context=client_tls(),
        source_address=(ip, 0),
    )
    await smtp.connect()
    try:
        await smtp.ehlo()
        reply = await smtp.auth_plain(user, password)
        return reply.code, reply.message
    except aiosmtplib.SMTPAuthenticationError as exc:
        return exc.code, exc.message
    except aiosmtplib.SMTPResponseException as exc:
        return exc.code, exc.message
    finally:
        await smtp.quit()


async def create(client: GraphQLClient, name: str) -> dict:
    return (await client.data(CREATE, name=name))["createAppPassword"]


async def create_raw(client: GraphQLClient, name: str) -> dict:
    """createAppPassword with the JSON written here (``\\ud800`` escapes a lone surrogate,
    which httpx's own encoder cannot send)."""
    body = json.dumps({"query": CREATE, "variables": {"name": name}})
    headers = {**client.headers(), "Content-Type": "application/json"}
    async with http_client(client.url) as http:
        response = await http.post(client.url, content=body, headers=headers)
    return response.json()["data"]["createAppPassword"]


async def logins(client: GraphQLClient) -> list[dict]:
    return [e["node"] for e in (await client.data(LOGINS))["myLogins"]["edges"]]


@pytest.fixture(scope="module")
async def co(service):
    company = await Company.create(service, "apppw")
    for name in ("ann", "ben", "cal", "dee", "eve", "fay", "gus"):
        await company.member(name)
    return company


async def test_made_once_used_by_smtp_listed_with_last_use_then_revoked(service, co):
    """given ann with an app password; when her mail client signs in with it; then the list
    shows when, from where and by which protocol, and once revoked it no longer works."""
    ann = await co.client(f"ann@{co.domain}")
    made = await create(ann, "  Thunderbird   on laptop ")
    assert made["__typename"] == "AppPasswordCreated", made
    assert SECRET.match(made["secret"]), made["secret"]
    assert made["appPassword"]["name"] == "Thunderbird on laptop"
    assert made["appPassword"]["lastUsedAt"] is None
    ip = address()

    assert (await smtp_login(service, f"ann@{co.domain}", made["secret"], ip))[0] == 235
    typed = made["secret"].replace(" ", "").upper()  # spaces and case do not matter
    assert (await smtp_login(service, f"ann@{co.domain}", typed, ip))[0] == 235

    (listed,) = (await ann.data(LIST))["appPasswords"]
    assert listed["id"] == made["appPassword"]["id"]
    assert listed["lastUsedAt"] and listed["lastUsedIp"] == ip
    assert listed["lastUsedProtocol"] == "smtp"
    assert "secret" not in listed
    latest = (await logins(ann))[0]
    assert latest == {"client": "SMTP", "success": True, "reason": "app_password", "ip": ip}

    done = (await ann.data(REVOKE, id=listed["id"]))["revokeAppPassword"]
    assert done["__typename"] == "Done"
    assert (await smtp_login(service, f"ann@{co.domain}", made["secret"], ip))[0] == 535
    assert (await ann.data(LIST))["appPasswords"] == []
    # the main password still works for mail clients while nothing requires app passwords
    assert (await smtp_login(service, f"ann@{co.domain}", PASSWORD, ip))[0] == 235


async def test_an_app_password_never_signs_in_to_webmail(service, co):
    ben = await co.client(f"ben@{co.domain}")
    secret = (await create(ben, "phone"))["secret"]
    web = (await GraphQLClient(service.graphql_url).data(LOGIN, email=f"ben@{co.domain}",
                                                         password=secret))["login"]  # fmt: skip
    assert web == {
        "__typename": "AuthError",
        "code": "INVALID_CREDENTIALS",
        "message": web["message"],
    }


async def test_secure_login_refuses_the_main_password_to_mail_clients(service, co):
    """given secure login on for cal; then SMTP refuses her password with a reason she can
    act on (recorded as app_password_required) and takes her app password."""
    cal = await co.client(f"cal@{co.domain}")
    secret = (await create(cal, "Outlook"))["secret"]
    assert await co.admin.data(SECURE_LOGIN, email=f"cal@{co.domain}", on=True)
    assert (await cal.data(MY_SECURITY))["mySecurity"] == {
        "secureLogin": True,
        "appPasswordsRequired": True,
    }
    ip = address()
    code, message = await smtp_login(service, f"cal@{co.domain}", PASSWORD, ip)
    assert code == 535 and "app password" in message, message
    refused = (await logins(cal))[0]
    assert refused == {
        "client": "SMTP",
        "success": False,
        "reason": "app_password_required",
        "ip": ip,
    }
    assert (await smtp_login(service, f"cal@{co.domain}", secret, ip))[0] == 235


async def test_the_enterprise_may_require_app_passwords_without_secure_login(service, co):
    dee = await co.client(f"dee@{co.domain}")
    forbidden = await dee.execute(REQUIRE, on=True)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    ip = address()
    assert (await smtp_login(service, f"dee@{co.domain}", PASSWORD, ip))[0] == 235

    assert (await co.admin.data(REQUIRE, on=True))["setAppPasswordsRequired"][
        "__typename"
    ] == "Done"
    try:
        assert (await co.admin.data("{ enterpriseAppPasswordsRequired }"))[
            "enterpriseAppPasswordsRequired"
        ]
        assert (await dee.data(MY_SECURITY))["mySecurity"]["appPasswordsRequired"] is True
        code, message = await smtp_login(service, f"dee@{co.domain}", PASSWORD, ip)
        assert code == 535 and "app password" in message, message
        secret = (await create(dee, "mutt"))["secret"]
        assert (await smtp_login(service, f"dee@{co.domain}", secret, ip))[0] == 235
        # the web login is not a mail client: the password still signs in there
        assert await co.client(f"dee@{co.domain}")
    finally:
        await co.admin.data(REQUIRE, on=False)


async def test_names_and_limits_answer_typed_errors(service, co):
    eve = await co.client(f"eve@{co.domain}")
    empty = await create(eve, "   ")
    assert (empty["code"], empty["field"]) == ("INVALID", "name")
    long = await create(eve, "x" * 65)
    assert (long["code"], long["field"]) == ("INVALID", "name")
    for unprintable in ("a\ud800b", "\x1b[31m"):  # a lone surrogate, ESC (NUL: schema-wide)
        refused = await create_raw(eve, unprintable)
        assert (refused["code"], refused["field"]) == ("INVALID", "name"), unprintable
    assert (await create(eve, "邮件\t客户端"))["appPassword"]["name"] == "邮件 客户端"
    await eve.data(REVOKE, id=(await eve.data(LIST))["appPasswords"][0]["id"])
    for n in range(20):
        assert (await create(eve, f"client {n}"))["__typename"] == "AppPasswordCreated"
    full = await create(eve, "one more")
    assert full["code"] == "LIMIT_REACHED", full
    assert len((await eve.data(LIST))["appPasswords"]) == 20


async def test_only_the_member_sees_and_revokes_their_app_passwords(service, co):
    fay = await co.client(f"fay@{co.domain}")
    ben = await co.client(f"ben@{co.domain}")
    theirs = (await create(fay, "tablet"))["appPassword"]["id"]
    for bad in (theirs, "nope", "-1", "2147483647"):
        refused = (await ben.data(REVOKE, id=bad))["revokeAppPassword"]
        assert (refused["__typename"], refused["code"]) == ("AuthError", "NOT_FOUND"), bad
    assert [p["id"] for p in (await fay.data(LIST))["appPasswords"]] == [theirs]
    assert theirs not in [p["id"] for p in (await ben.data(LIST))["appPasswords"]]
    anonymous = GraphQLClient(service.graphql_url)
    for query, variables in ((LIST, {}), (CREATE, {"name": "x"}), (REVOKE, {"id": theirs})):
        body = await anonymous.execute(query, **variables)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_imap_and_pop_switches_hold_for_every_protocol(service, co):
    """Exmail's useroption 2 (IMAP/SMTP) and 3 (POP/SMTP): IMAP needs the first, POP3 the
    second, SMTP either; a refusal is recorded as protocol_disabled."""
    email = f"ann@{co.domain}"

    async def attempt(client: str, password: str = PASSWORD) -> str:
        return await service.mailcore(
            """
            from mailcore.security.errors import SecurityError
            from mailcore.security.login import Attempt, authenticate
            try:
                await authenticate(
                    Attempt(args["email"], args["password"], ClientKind(args["client"])),
                    args["settings"],
                )
            except SecurityError as exc:
                return exc.code.value
            return "ok"
            """,
            email=email,
            password=password,
            client=client,
            settings=service.runtime.settings,
        )

    async def switches(imap: bool, pop: bool) -> None:
        await service.mailcore(
            "await Member.filter(email=args['email'])"
            ".update(imap_enabled=args['imap'], pop_enabled=args['pop'])",
            email=email,
            imap=imap,
            pop=pop,
        )

    try:
        await switches(imap=False, pop=True)
        assert [await attempt(c) for c in ("imap", "pop3", "smtp")] == [
            "PROTOCOL_DISABLED", "ok", "ok"
        ]  # fmt: skip
        await switches(imap=True, pop=False)
        assert [await attempt(c) for c in ("imap", "pop3", "smtp")] == [
            "ok", "PROTOCOL_DISABLED", "ok"
        ]  # fmt: skip
        await switches(imap=False, pop=False)
        assert [await attempt(c) for c in ("imap", "pop3", "smtp")] == ["PROTOCOL_DISABLED"] * 3
        code, message = await smtp_login(service, email, PASSWORD, address())
        assert code == 535 and "off" in message, message
        ann = await co.client(email)
        smtp = [e for e in await logins(ann) if e["client"] == "SMTP"]
        assert smtp[0]["reason"] == "protocol_disabled"
        # a wrong password is still just wrong: the switch tells nothing to a stranger
        assert await attempt("imap", "wrong-password") == "INVALID_CREDENTIALS"
    finally:
        await switches(imap=True, pop=True)


async def test_ip_allow_lists_and_lockouts_apply_to_app_passwords(service, co):
    email = f"ben@{co.domain}"
    ben = await co.client(email)
    secret = (await create(ben, "laptop"))["secret"]
    allowed, other = address(), address()
    added = (await co.admin.data(ADD_IP_RULE, cidr=f"{allowed}/32", email=email))["addIpRule"]
    assert added["__typename"] == "IpRule", added
    code, message = await smtp_login(service, email, secret, other)
    assert code == 535 and "not allowed" in message, message
    assert (await smtp_login(service, email, secret, allowed))[0] == 235
    assert (await logins(ben))[:2] == [
        {"client": "SMTP", "success": True, "reason": "app_password", "ip": allowed},
        {"client": "SMTP", "success": False, "reason": "ip_not_allowed", "ip": other},
    ]

    wrong = "abcd efgh ijkl mnop"
    for _ in range(5):
        assert (await smtp_login(service, email, wrong, allowed))[0] == 535
    code, message = await smtp_login(service, email, secret, allowed)
    assert code == 454 and "try again" in message, message
    assert (await logins(ben))[0]["reason"] == "locked"


CHANGE_PASSWORD = """
mutation P($old: String!, $new: String!) {
  changePassword(old: $old, new: $new) { __typename ... on AuthError { code } }
}
"""
RESET_PASSWORD = """
mutation R($email: String!, $password: String!) {
  resetMemberPassword(email: $email, password: $password, mustChange: false) {
    __typename ... on AdminError { code }
  }
}
"""


async def test_a_new_password_revokes_every_app_password(service, co):
    """Whoever knew the old password may have made an app password: changing it (the member)
    or resetting it (an administrator) revokes them all."""
    email = f"gus@{co.domain}"
    gus = await co.client(email)
    secret = (await create(gus, "phone"))["secret"]
    ip = address()
    assert (await smtp_login(service, email, secret, ip))[0] == 235
    new = "another-horse-7"
    changed = (await gus.data(CHANGE_PASSWORD, old=PASSWORD, new=new))["changePassword"]
    assert changed["__typename"] == "Done", changed
    assert (await gus.data(LIST))["appPasswords"] == []
    assert (await smtp_login(service, email, secret, ip))[0] == 535

    secret = (await create(gus, "laptop"))["secret"]
    reset = await co.admin.data(RESET_PASSWORD, email=email, password=PASSWORD)
    assert reset["resetMemberPassword"]["__typename"] == "AdminMember", reset
    assert (await smtp_login(service, email, secret, ip))[0] == 535
    gus = await co.client(email)
    assert (await gus.data(LIST))["appPasswords"] == []
