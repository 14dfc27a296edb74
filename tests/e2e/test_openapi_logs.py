"""The open API's log endpoints: mail status per day, mail, logins and admin operations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.client import login
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD
from tests.e2e.test_openapi import app_api


def days() -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"begin_date": (today - timedelta(days=1)).isoformat(), "end_date": today.isoformat()}


async def test_mail_log_and_daily_status_show_delivered_mail(server):
    logs = await app_api(server, "logs")
    before = await logs.post("log/mailstatus", {"domain": "example.com", **days()})
    assert before["errcode"] == 0 and len(before["list"]) == 2
    subject = unique("log mail")
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)

    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "partner@outside.test",
            ["bob@example.com"],
            simple_mail("partner@outside.test", "bob@example.com", subject),
        )
    assert await find(bob, subject) is not None

    after = await logs.post("log/mailstatus", {"domain": "example.com", **days()})
    today = after["list"][-1]
    assert today["date"] == days()["end_date"]
    assert today["receivesum"] >= before["list"][-1]["receivesum"] + 1
    listed = await logs.post(
        "log/mail",
        {"domain": "example.com", "mailtype": 2, "userid": "bob@example.com", **days()},
    )
    rows = [r for r in listed["list"] if r["subject"] == subject]
    assert len(rows) == 1
    assert rows[0]["sender"] == "partner@outside.test"
    assert rows[0]["receiver"] == "bob@example.com" and rows[0]["mailtype"] == 2
    sent_only = await logs.post("log/mail", {"domain": "example.com", "mailtype": 1, **days()})
    assert subject not in {r["subject"] for r in sent_only["list"]}
    other = await logs.post("log/mail", {"domain": "example.com", "subject": subject, **days()})
    assert [r["subject"] for r in other["list"]] == [subject]


async def test_login_log_lists_a_members_sign_ins(server):
    logs = await app_api(server, "logs")
    await login(server.graphql_url, "vip@example.com", PASSWORD)

    answer = await logs.post("log/login", {"userid": "vip@example.com", **days()})

    assert answer["errcode"] == 0 and answer["list"]
    latest = answer["list"][0]
    assert latest["ip"] == "127.0.0.1" and latest["type"] == 1
    assert abs(latest["time"] - datetime.now(UTC).timestamp()) < 600
    nobody = await logs.post("log/login", {"userid": "nobody@example.com", **days()})
    assert nobody["errcode"] == 60111


async def test_operation_log_names_the_app_that_acted(server):
    directory = await app_api(server, "directory")
    department = unique("oplog").replace(" ", "-")
    created = await directory.post("department/create", {"name": department, "parentid": 1})
    assert created["errcode"] == 0
    logs = await app_api(server, "logs")

    answer = await logs.post("log/operation", {"type": 3, **days()})

    mine = [r for r in answer["list"] if department in r["operation"]]
    assert len(mine) == 1
    assert mine[0]["type"] == "department.create" and mine[0]["operator"].startswith("app:qy")
    members_only = await logs.post("log/operation", {"type": 2, **days()})
    assert all(r["type"].startswith("member.") for r in members_only["list"])
    await directory.get("department/delete", id=created["id"])


async def test_bad_log_requests_are_refused(server):
    logs = await app_api(server, "logs")
    today = days()["end_date"]

    bad_date = await logs.post(
        "log/mailstatus", {"domain": "example.com", "begin_date": "x", "end_date": today}
    )
    too_long = await logs.post(
        "log/operation", {"type": 1, "begin_date": "2020-01-01", "end_date": today}
    )
    backwards = await logs.post(
        "log/operation", {"type": 1, "begin_date": today, "end_date": "2020-01-01"}
    )
    foreign = await logs.post("log/mailstatus", {"domain": "other.org", **days()})
    directory = await app_api(server, "directory")
    wrong_kind = await directory.post("log/operation", {"type": 1, **days()})

    assert [a["errcode"] for a in (bad_date, too_long, backwards, foreign)] == [40058] * 4
    assert wrong_kind["errcode"] == 48002
