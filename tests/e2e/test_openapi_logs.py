"""Contract of ``/cgi-bin/log/*`` with Tencent Exmail's published API (doc#10027–10031).

Each test sends the request body of Exmail's published example (over HTTP, the token in
the query string) and checks the answer field by field: Exmail's fields present with
their JSON types and codes, and nothing else but ``qiyou_*`` extras (plus the extras
docs/openapi.md lists). Bad input answers Exmail's errcodes, never -1.
"""

from __future__ import annotations

import imaplib
import poplib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.client import login
from tests.e2e.mail import client_tls, find, mx, simple_mail, submission, unique
from tests.e2e.server import PASSWORD
from tests.e2e.test_directory_import import upload
from tests.e2e.test_openapi import app_api

SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) {
    __typename
    ... on SendMailSuccess { massMailJob { status total } }
    ... on MailError { code field message }
  }
}
"""
OK = {"errcode": int, "errmsg": str}
MAILSTATUS = {**OK, "sendsum": int, "recvsum": int}
MAIL_ROW = {"mailtype": int, "subject": str, "sender": str, "receiver": str, "time": int}
MAIL_ROW |= {"status": int}
LOGIN_ROW = {"time": int, "ip": str, "type": int}
OPERATION_ROW = {"time": int, "operator": str, "type": int, "operand": str}
BATCH_ROW = {"time": int, "operator": str, "type": int, "status": int}


def period() -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"begin_date": (today - timedelta(days=1)).isoformat(), "end_date": today.isoformat()}


def shaped(value: dict[str, Any], fields: dict[str, type], extras: set[str] = frozenset()) -> None:
    """Exmail's ``fields`` with exactly these JSON types (a bool is no int); any other key
    is a ``qiyou_`` extra or one of ``extras``."""
    for name, kind in fields.items():
        assert name in value, (name, value)
        assert type(value[name]) is kind, (name, value[name])
    unknown = {k for k in value if k not in fields and not k.startswith("qiyou_")} - extras
    assert not unknown, unknown


def listed(answer: dict[str, Any], row: dict[str, type], extras: set[str] = frozenset()):
    shaped(answer, {**OK, "list": list})
    assert answer["errcode"] == 0 and answer["errmsg"] == "ok", answer
    for item in answer["list"]:
        shaped(item, row, extras)
    return answer["list"]


async def test_mailstatus_answers_period_totals(server):
    logs = await app_api(server, "logs")
    before = await logs.post("log/mailstatus", {"domain": "example.com", **period()})
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("status")
    sent = await bob.data(SEND, i={"to": ["alice@example.com"], "subject": subject, "text": "x"})
    assert sent["sendMail"]["__typename"] == "SendMailSuccess"
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    assert await find(alice, subject) is not None

    after = await logs.post("log/mailstatus", {"domain": "example.com", **period()})

    for answer in (before, after):
        shaped(answer, MAILSTATUS, extras={"list"})
        assert answer["errcode"] == 0 and answer["errmsg"] == "ok"
        days = answer["list"]  # Qiyou's per-day detail adds up to Exmail's totals
        assert [d["date"] for d in days] == list(period().values())
        assert sum(d["sendsum"] for d in days) == answer["sendsum"]
        assert sum(d["receivesum"] for d in days) == answer["recvsum"]
    assert after["sendsum"] >= before["sendsum"] + 1  # bob sent it (an internal mail)
    assert after["recvsum"] >= before["recvsum"] + 1  # and alice received it
    missing = await logs.post("log/mailstatus", period())
    assert missing["errcode"] == 40058 and "domain" in missing["errmsg"]


async def test_mail_follows_exmail_mailtype_and_status_codes(server):
    logs = await app_api(server, "logs")
    subject = unique("exmail log")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "partner@outside.test",
            ["bob@example.com"],
            simple_mail("partner@outside.test", "bob@example.com", subject),
        )
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert await find(bob, subject) is not None
    reply = f"Re: {subject}"
    sent = await bob.data(SEND, i={"to": ["carol@example.com"], "subject": reply, "text": "x"})
    assert sent["sendMail"]["__typename"] == "SendMailSuccess"
    carol = await login(server.graphql_url, "carol@example.com", PASSWORD)
    assert await find(carol, reply) is not None

    # Exmail's example body: no domain, mailtype, userid and subject filters.
    received = await logs.post(
        "log/mail",
        {**period(), "mailtype": 2, "userid": "bob@example.com", "subject": subject},
    )
    both = await logs.post("log/mail", {**period(), "mailtype": 0, "subject": subject})
    sent_only = await logs.post("log/mail", {**period(), "mailtype": 1, "subject": reply})

    rows = listed(received, MAIL_ROW)
    assert [(r["mailtype"], r["sender"], r["receiver"], r["status"]) for r in rows] == [
        (2, "partner@outside.test", "bob@example.com", 13)  # 13: received, in the Inbox
    ]
    assert rows[0]["qiyou_status"] == "DELIVERED"
    assert abs(rows[0]["time"] - datetime.now(UTC).timestamp()) < 600
    internal = sorted(
        (r["mailtype"], r["sender"], r["receiver"], r["status"])
        for r in listed(both, MAIL_ROW)
        if r["subject"] == reply
    )
    assert internal == [
        (1, "bob@example.com", "carol@example.com", 3),  # 3: sent successfully
        (2, "bob@example.com", "carol@example.com", 13),
    ]
    assert [(r["mailtype"], r["status"]) for r in listed(sent_only, MAIL_ROW)] == [(1, 3)]
    by_domain = await logs.post(
        "log/mail", {"domain": "example.com", "mailtype": 2, "subject": subject, **period()}
    )
    other_domain = await logs.post(
        "log/mail", {"domain": "example.net", "mailtype": 2, "subject": subject, **period()}
    )
    receivers = {r["receiver"] for r in listed(by_domain, MAIL_ROW)}  # "Re: …" contains it
    assert receivers == {"bob@example.com", "carol@example.com"}
    assert listed(other_domain, MAIL_ROW) == []
    for bad in (3, -1, "x", 1.5):
        refused = await logs.post("log/mail", {**period(), "mailtype": bad})
        assert refused["errcode"] == 40058 and "mailtype" in refused["errmsg"], refused


def imap_login(server, user: str) -> None:
    client = imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=30)
    client.starttls(client_tls())
    client.login(user, PASSWORD)
    client.logout()


def pop3_login(server, user: str) -> None:
    pop = poplib.POP3("127.0.0.1", server.pop3_port, timeout=30)
    pop.stls(client_tls())
    pop.user(user)
    pop.pass_(PASSWORD)
    pop.quit()


async def test_login_maps_clients_onto_exmail_types(server):
    logs = await app_api(server, "logs")
    user = "vip@example.com"
    await login(server.graphql_url, user, PASSWORD)
    imap_login(server, user)
    pop3_login(server, user)
    smtp = await submission(server, user)
    await smtp.quit()

    answer = await logs.post("log/login", {"userid": user, **period()})

    rows = listed(answer, LOGIN_ROW)
    seen = {(r["qiyou_client"], r["type"], r["qiyou_type"]) for r in rows[:10]}
    # Exmail: 1 web, 4 client (IMAP/POP/Exchange); Qiyou's own codes stay in qiyou_type.
    assert {("web", 1, 1), ("imap", 4, 4), ("pop3", 4, 3), ("smtp", 4, 5)} <= seen
    assert all(1 <= r["type"] <= 5 for r in rows)
    assert all(r["ip"] == "127.0.0.1" for r in rows[:4])
    nobody = await logs.post("log/login", {"userid": "nobody@example.com", **period()})
    assert nobody["errcode"] == 60111
    no_userid = await logs.post("log/login", period())
    assert no_userid["errcode"] == 40058 and "userid" in no_userid["errmsg"]


async def test_operation_answers_exmail_codes_and_categories(server):
    directory = await app_api(server, "directory")
    department = unique("oplog").replace(" ", "-")
    created = await directory.post("department/create", {"name": department, "parentid": 1})
    assert created["errcode"] == 0
    logs = await app_api(server, "logs")

    everything = await logs.post("log/operation", {"type": 0, **period()})  # Exmail's example
    through_api = await logs.post("log/operation", {"type": 1, **period()})
    members_groups = await logs.post("log/operation", {"type": 7, **period()})
    admins = await logs.post("log/operation", {"type": 3, **period()})
    old_filter = await logs.post("log/operation", {"qiyou_type": 3, **period()})

    mine = [
        r
        for r in listed(everything, OPERATION_ROW, extras={"operation", "remark"})
        if r["operand"] == department
    ]
    assert len(mine) == 1
    row = mine[0]
    assert row["type"] == 28 and row["qiyou_type"] == "department.create"  # 28: 新增部门
    assert row["operator"].startswith("app:qy")
    assert row in listed(through_api, OPERATION_ROW, extras={"operation", "remark"})
    assert row in listed(members_groups, OPERATION_ROW, extras={"operation", "remark"})
    assert row not in listed(admins, OPERATION_ROW, extras={"operation", "remark"})
    assert all(r["qiyou_type"].startswith("admin.") for r in admins["list"])
    assert {r["qiyou_type"].split(".")[0] for r in old_filter["list"]} == {"department"}
    for bad in (10, -1, "all", True):
        refused = await logs.post("log/operation", {"type": bad, **period()})
        assert refused["errcode"] == 40058 and "type" in refused["errmsg"], refused
    await directory.get("department/delete", id=created["id"])


async def test_batchjob_lists_imports_and_mass_mail(server):
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    tag = unique("batch").replace(" ", "-")
    csv = f"email,name,password\nb-{tag}@example.com,Batch,{PASSWORD}\nnot-an-address,X,y\n"
    report = await upload(admin, "batch.csv", csv.encode())
    assert (report["created"], report["failed"]) == (1, 1)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    mass = await bob.data(
        SEND,
        i={
            "to": ["alice@example.com", "carol@example.com"],
            "subject": tag,
            "text": "x",
            "mode": "SEPARATE",
        },
    )
    assert mass["sendMail"]["massMailJob"]["status"] == "DONE"
    logs = await app_api(server, "logs")

    answer = await logs.post("log/batchjob", period())  # Exmail's example body

    rows = listed(answer, BATCH_ROW)
    imports = [r for r in rows if r["qiyou_counts"].get("created") == 1 and r["type"] == 2]
    assert imports and imports[0]["operator"] == "admin@example.com"
    assert imports[0]["status"] == 2 and imports[0]["qiyou_status"] == "failed"  # 1 row failed
    assert imports[0]["qiyou_type"] == "member.import"
    mails = [r for r in rows if r["type"] == 1 and r["operator"] == "bob@example.com"]
    assert mails and mails[0]["status"] == 1 and mails[0]["qiyou_status"] == "done"
    assert mails[0]["qiyou_counts"] == {"total": 2, "failed": 0}
    assert rows == sorted(rows, key=lambda r: r["time"], reverse=True)
    directory = await app_api(server, "directory")
    refused = await directory.post("log/batchjob", period())
    assert refused["errcode"] == 48002


async def test_bad_periods_answer_40058_with_what_is_wrong(server):
    logs = await app_api(server, "logs")
    today = period()["end_date"]
    cases = {
        "not a date": {"begin_date": "x", "end_date": today},
        "no day": {"begin_date": "2016-10", "end_date": today},
        "compact": {"begin_date": "20161001", "end_date": today},
        "no such day": {"begin_date": "2016-02-30", "end_date": today},
        "missing": {"end_date": today},
        "a number": {"begin_date": 20161001, "end_date": today},
        "backwards": {"begin_date": today, "end_date": "2020-01-01"},
        "too long": {"begin_date": "2020-01-01", "end_date": today},
    }
    for endpoint, extra in (
        ("log/mailstatus", {"domain": "example.com"}),
        ("log/mail", {"mailtype": 0}),
        ("log/login", {"userid": "bob@example.com"}),
        ("log/operation", {"type": 0}),
        ("log/batchjob", {}),
    ):
        for case, dates in cases.items():
            answer = await logs.post(endpoint, {**extra, **dates})
            shaped(answer, OK)
            assert answer["errcode"] == 40058, (endpoint, case, answer)
            assert "date" in answer["errmsg"] or "days" in answer["errmsg"], answer
    foreign = await logs.post("log/mailstatus", {"domain": "other.org", **period()})
    assert foreign["errcode"] == 40058 and "other.org" in foreign["errmsg"]
    directory = await app_api(server, "directory")
    assert (await directory.post("log/operation", {"type": 0, **period()}))["errcode"] == 48002


async def test_unknown_paths_and_methods_answer_an_errcode(server):
    logs = await app_api(server, "logs")
    async with httpx.AsyncClient(timeout=30) as http:
        unknown = await http.get(f"{server.url}/cgi-bin/log/nothing", params={"x": "1"})
        bare = await http.post(f"{server.url}/cgi-bin")
        put = await http.put(f"{server.url}/cgi-bin/log/mail", params={"access_token": logs.token})
        delete = await http.delete(f"{server.url}/cgi-bin/gettoken")

    for response in (unknown, bare, put, delete):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        shaped(response.json(), OK)
    assert unknown.json()["errcode"] == 48001 and "log/nothing" in unknown.json()["errmsg"]
    assert bare.json()["errcode"] == 48001
    assert put.json()["errcode"] == 43002 and "PUT" in put.json()["errmsg"]
    assert put.headers["allow"] == "GET, POST"
    assert delete.json()["errcode"] == 43002
    batch = await logs.get("log/batchjob", **period())  # GET works like POST
    assert batch["errcode"] == 0 and isinstance(batch["list"], list)
