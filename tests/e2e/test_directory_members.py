"""Members as admins manage them: lifecycle, aliases, passwords, bad input, purge."""

from __future__ import annotations

import smtplib
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import LOGIN, GraphQLClient, login
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD, QIYOU, ROOT, Server
from tests.e2e.test_directory import (
    ADMIN_MEMBERS,
    CREATE_MEMBER,
    MEMBER,
    UPDATE_MEMBER,
    as_admin,
    create_department,
    create_member,
    emails,
    member_result,
    uid,
)

MB = 1024 * 1024
ME = "{ me { email } }"


DISABLE = member_result("$email: String!", "disableMember(email: $email)")
ENABLE = member_result("$email: String!", "enableMember(email: $email)")
DELETE = member_result("$email: String!", "deleteMember(email: $email)")
RESTORE = member_result("$email: String!", "restoreMember(email: $email)")
ALIAS_ARGS = "$email: String!, $alias: String!"
ADD_ALIAS = member_result(ALIAS_ARGS, "addMemberAlias(email: $email, alias: $alias)")
REMOVE_ALIAS = member_result(ALIAS_ARGS, "removeMemberAlias(email: $email, alias: $alias)")
RESET = member_result(
    "$email: String!, $password: String!",
    "resetMemberPassword(email: $email, password: $password)",
)


async def signs_in(server, email: str, password: str = PASSWORD) -> bool:
    body = await GraphQLClient(server.graphql_url).execute(LOGIN, email=email, password=password)
    return body["data"]["login"]["__typename"] == "LoginSuccess"


def rcpt_code(server, address: str) -> int:
    with mx(server.smtp_port) as smtp:
        smtp.ehlo()
        smtp.mail("sender@remote.test")
        code, _ = smtp.rcpt(address)
    return code


def deliver(server, address: str, subject: str) -> None:
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "sender@remote.test", [address], simple_mail("s@remote.test", address, subject)
        )


async def test_member_lifecycle_create_disable_enable_delete_restore(server):
    admin = await as_admin(server)
    department = await create_department(admin, f"Life {uid()}")
    email = f"life-{uid()}@example.com"
    # given a member created with every field
    created = await create_member(
        admin,
        email=email.upper(),
        name="刘备",
        position="工程师",
        mobile="13800000000",
        tel="010-12345678 ext 12",
        extid="HR-0001",
        gender="FEMALE",
        departmentIds=[department["id"]],
        quota="500M",
        mustChangePassword=True,
    )
    assert created["email"] == email
    assert (created["quota"], created["vip"], created["used"]) == (500 * MB, False, 0)
    assert created["mustChangePassword"] is True and created["enabled"] is True
    assert (created["gender"], created["extid"]) == ("FEMALE", "HR-0001")
    assert [d["path"] for d in created["departments"]] == [department["path"]]
    # then they can sign in, and the admin sees the flag to change the password
    member = await login(server.graphql_url, email, PASSWORD)
    assert (await member.data(ME))["me"]["email"] == email
    assert (await admin.data(MEMBER, email=email))["member"]["mustChangePassword"] is True
    cleared = (await admin.data(UPDATE_MEMBER, email=email, input={"mustChangePassword": False}))[
        "updateMember"
    ]
    assert cleared["mustChangePassword"] is False

    # when disabled: no sign-in, the open session is refused, and mail bounces
    assert (await admin.data(DISABLE, email=email))["disableMember"]["enabled"] is False
    assert not await signs_in(server, email)
    assert (await member.execute(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # when enabled again: sign-in works
    assert (await admin.data(ENABLE, email=email))["enableMember"]["enabled"] is True
    assert await signs_in(server, email)

    # when deleted: restorable for 30 days, no sign-in, and mail to them gets 550
    deleted = (await admin.data(DELETE, email=email))["deleteMember"]
    assert deleted["deletedAt"] is not None and deleted["enabled"] is False
    until = datetime.fromisoformat(deleted["restorableUntil"])
    assert abs(until - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    assert not await signs_in(server, email)
    assert rcpt_code(server, email) == 550
    assert email not in emails((await admin.data(ADMIN_MEMBERS, q=email))["members"])
    assert email in emails((await admin.data(ADMIN_MEMBERS, q=email, deleted=True))["members"])
    again = (await admin.data(DELETE, email=email))["deleteMember"]
    assert again["code"] == "CONFLICT"
    assert (await admin.data(ENABLE, email=email))["enableMember"]["code"] == "CONFLICT"

    # when restored: back, signing in and receiving mail
    restored = (await admin.data(RESTORE, email=email))["restoreMember"]
    assert restored["deletedAt"] is None and restored["enabled"] is True
    assert await signs_in(server, email)
    subject = unique("restored")
    deliver(server, email, subject)
    assert await find(await login(server.graphql_url, email, PASSWORD), subject) is not None


async def test_updating_a_member_changes_fields_address_and_quota(server):
    admin = await as_admin(server)
    email = f"upd-{uid()}@example.com"
    await create_member(admin, email=email, name="Before")
    new_email = f"upd-{uid()}@example.net"
    updated = (
        await admin.data(
            UPDATE_MEMBER,
            email=email,
            input={"name": "After", "email": new_email, "vip": True, "position": "CTO"},
        )
    )["updateMember"]
    assert (updated["email"], updated["name"], updated["position"]) == (new_email, "After", "CTO")
    assert updated["vip"] is True and updated["quota"] is None, "VIP means no quota"
    assert await signs_in(server, new_email)
    assert rcpt_code(server, email) == 550
    quota = (await admin.data(UPDATE_MEMBER, email=new_email, input={"vip": False, "quota": "2G"}))[
        "updateMember"
    ]
    assert quota["quota"] == 2 * 1024 * MB and quota["quotaBytes"] == 2 * 1024 * MB
    found = (await admin.data(ADMIN_MEMBERS, q="after"))["members"]
    assert new_email in emails(found)
    used = next(e["node"] for e in found["edges"] if e["node"]["email"] == new_email)
    assert used["used"] == 0 and used["quota"] == 2 * 1024 * MB


async def test_aliases_receive_mail_and_are_unique(server):
    admin = await as_admin(server)
    email = f"owner-{uid()}@example.com"
    await create_member(admin, email=email, name="Owner")
    alias = f"al-{uid()}@example.net"
    added = (await admin.data(ADD_ALIAS, email=email, alias=alias))["addMemberAlias"]
    assert added["aliases"] == [alias]
    subject = unique("to alias")
    deliver(server, alias, subject)
    owner = await login(server.graphql_url, email, PASSWORD)
    assert await find(owner, subject) is not None
    # an address in use, an alias domain, another enterprise's or an unknown domain: refused
    for address, code in [
        (alias, "ALREADY_EXISTS"),
        ("bob@example.com", "ALREADY_EXISTS"),
        ("ali@example.net", "ALREADY_EXISTS"),
        (f"x-{uid()}@example.cn", "INVALID"),
        (f"x-{uid()}@nowhere.test", "INVALID"),
        (f"x-{uid()}@other.org", "FORBIDDEN"),
        ("not an address", "INVALID"),
    ]:
        refused = (await admin.data(ADD_ALIAS, email="bob@example.com", alias=address))[
            "addMemberAlias"
        ]
        assert (refused["code"], refused["field"]) == (code, "alias"), address
    # the member is found by their alias too
    assert (await admin.data(MEMBER, email=alias))["member"]["email"] == email
    removed = (await admin.data(REMOVE_ALIAS, email=email, alias=alias))["removeMemberAlias"]
    assert removed["aliases"] == []
    assert rcpt_code(server, alias) == 550
    gone = (await admin.data(REMOVE_ALIAS, email=email, alias=alias))["removeMemberAlias"]
    assert gone["code"] == "NOT_FOUND"


async def test_reset_password_signs_out_and_forces_a_change(server):
    admin = await as_admin(server)
    email = f"reset-{uid()}@example.com"
    await create_member(admin, email=email)
    member = await login(server.graphql_url, email, PASSWORD)
    new_password = "another-horse-7"
    short = (await admin.data(RESET, email=email, password="short"))["resetMemberPassword"]
    assert (short["code"], short["field"]) == ("INVALID", "password")
    reset = (await admin.data(RESET, email=email, password=new_password))["resetMemberPassword"]
    assert reset["mustChangePassword"] is True
    assert (await member.execute(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert not await signs_in(server, email)
    assert await signs_in(server, email, new_password)


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(server):
    admin = await as_admin(server)
    email = f"bad-{uid()}@example.com"
    cases = [
        ({"email": "not-an-address"}, "INVALID", "email"),
        ({"email": f"x-{uid()}@nowhere.test"}, "INVALID", "email"),
        ({"email": f"x-{uid()}@example.cn"}, "INVALID", "email"),
        ({"email": "bob@example.com"}, "ALREADY_EXISTS", "email"),
        ({"email": "ali@example.net"}, "ALREADY_EXISTS", "email"),
        ({"name": "x" * 65}, "INVALID", "name"),
        ({"name": "bell\x07"}, "INVALID", "name"),
        ({"password": "short"}, "INVALID", "password"),
        ({"password": "x" * 129}, "INVALID", "password"),
        ({"position": "p" * 65}, "INVALID", "position"),
        ({"mobile": "call me"}, "INVALID", "mobile"),
        ({"mobile": "1" * 33}, "INVALID", "mobile"),
        ({"tel": "12"}, "INVALID", "tel"),
        ({"extid": "has space"}, "INVALID", "extid"),
        ({"quota": "lots"}, "INVALID", "quota"),
        ({"quota": "0"}, "INVALID", "quota"),
        ({"quota": "-5M"}, "INVALID", "quota"),
        ({"quota": "infG"}, "INVALID", "quota"),
        ({"departmentIds": ["987654321"]}, "NOT_FOUND", "departmentIds"),
        ({"departmentIds": ["abc"]}, "NOT_FOUND", "departmentIds"),
        ({"departmentIds": []}, "INVALID", "departmentIds"),
    ]
    for change, code, field in cases:
        fields = {"email": email, "password": PASSWORD, "name": "Bad", **change}
        result = (await admin.data(CREATE_MEMBER, input=fields))["createMember"]
        assert (result["__typename"], result.get("code"), result.get("field")) == (
            "AdminError",
            code,
            field,
        ), (change, result)
        assert (await admin.data(MEMBER, email=email))["member"] is None, change
    # an update with one bad field changes nothing
    await create_member(admin, email=email, name="Kept")
    result = (
        await admin.data(
            UPDATE_MEMBER, email=email, input={"name": "Changed", "departmentIds": ["987654321"]}
        )
    )["updateMember"]
    assert result["code"] == "NOT_FOUND"
    assert (await admin.data(MEMBER, email=email))["member"]["name"] == "Kept"
    missing = (await admin.data(UPDATE_MEMBER, email=f"no-{uid()}@example.com", input={}))[
        "updateMember"
    ]
    assert (missing["code"], missing["field"]) == ("NOT_FOUND", "email")
    for mutation, key in [(DISABLE, "disableMember"), (DELETE, "deleteMember")]:
        own = (await admin.data(mutation, email="admin@example.com"))[key]
        assert own["code"] == "CONFLICT", "an admin cannot lock themselves out"


# --- after the restore window -----------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def no_window_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A server whose restore window is 0 days: deleted members are at once past it."""
    data_dir = tmp_path_factory.mktemp(f"window-{request.param}")
    with private_server(request.param, data_dir, {"QIYOU_RESTORE_DAYS": "0"}) as srv:
        yield srv


def purge(server: Server, days: str) -> str:
    env = {**server.full_env(), "QIYOU_RESTORE_DAYS": days}
    done = subprocess.run(
        [*QIYOU, "directory", "purge"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_after_the_window_members_cannot_be_restored_and_are_purged(no_window_server):
    server = no_window_server
    admin = await as_admin(server)
    email = f"gone-{uid()}@example.com"
    await create_member(admin, email=email, name="Gone")
    alias = f"gone-{uid()}@example.net"
    await admin.data(ADD_ALIAS, email=email, alias=alias)
    deliver(server, email, unique("before deletion"))
    assert (await admin.data(DELETE, email=email))["deleteMember"]["deletedAt"]
    refused = (await admin.data(RESTORE, email=email))["restoreMember"]
    assert refused["code"] == "NOT_FOUND", "the window has passed"
    # a purge with the usual window keeps them; past the window they are removed
    assert email not in purge(server, "30")
    assert (await admin.data(MEMBER, email=email))["member"] is not None
    out = purge(server, "0")
    assert f"purged {email}" in out
    assert (await admin.data(MEMBER, email=email))["member"] is None
    assert (await admin.data(MEMBER, email=alias))["member"] is None
    # the address is free again
    again = await create_member(admin, email=email, name="New")
    assert again["aliases"] == [] and await signs_in(server, email)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        deliver(server, alias, unique("alias gone"))
