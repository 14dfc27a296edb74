"""Personal mail rules: filters (move, flag, mark read, delete, forward) applied at ingest,
the vacation auto-reply (once per sender, never to lists, bulk or null senders) and
forwarding (with or without a copy, loops stopped), managed by each member through GraphQL."""

from __future__ import annotations

import asyncio
from email import message_from_bytes

import aiosmtplib
import pytest

from tests.e2e.client import GraphQLClient, http_client, login
from tests.e2e.mail import find, simple_mail, unique
from tests.e2e.policy_company import Company
from tests.e2e.server import PASSWORD
from tests.service.test_restrict import send

FILTER_FIELDS = """
  __typename
  ... on MailFilter {
    id name position enabled matchAll stop
    conditions { field op value }
    actions { folderId flag markRead delete forwardTo }
  }
  ... on RuleError { code field message }
"""
CREATE = f"mutation C($i: MailFilterInput!) {{ createMailFilter(input: $i) {{ {FILTER_FIELDS} }} }}"
UPDATE = f"""
mutation U($id: ID!, $i: MailFilterInput!) {{
  updateMailFilter(id: $id, input: $i) {{ {FILTER_FIELDS} }}
}}
"""
DELETE = (
    "mutation D($id: ID!) { deleteMailFilter(id: $id) { __typename ... on RuleError { code } } }"
)
REORDER = """
mutation R($ids: [ID!]!) {
  reorderMailFilters(ids: $ids) {
    __typename ... on MailFilters { filters { id position } } ... on RuleError { code field }
  }
}
"""
RULES = """
{ mailRules { filters { id name } autoReply { enabled active text intervalDays }
  forwarding { enabled addresses keepCopy } } }
"""
FOLDER = """
mutation F($name: String!) { createFolder(name: $name) { ... on FolderPayload { folder { id } } } }
"""
AUTO = """
mutation A($enabled: Boolean!, $text: String!, $days: Int!, $ends: DateTime) {
  setAutoReply(enabled: $enabled, text: $text, intervalDays: $days, endsAt: $ends) {
    __typename ... on AutoReply { enabled active } ... on RuleError { code field }
  }
}
"""
FORWARD = """
mutation F($on: Boolean!, $to: [String!], $keep: Boolean!) {
  setForwarding(enabled: $on, addresses: $to, keepCopy: $keep) {
    __typename ... on Forwarding { enabled addresses keepCopy } ... on RuleError { code field }
  }
}
"""
STATE = "query S($id: ID!) { message(id: $id) { folderId flagged seen } }"


@pytest.fixture(scope="module")
async def co(service):
    company = await Company.create(service, "rules")
    names = ("filterer", "away", "colleague", "fwd", "target", "ping", "pong")
    return {"company": company, **{n: await company.member(n) for n in names}}


async def deliver(service, to: str, subject: str, sender: str = "someone@remote.test", **headers):
    raw = simple_mail(sender or "x@remote.test", to, subject)
    if headers:
        extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
        raw = extra.encode() + raw
    # plain SMTP, as smtplib spoke it to the MX port in tests/e2e; "" is the null sender
    async with aiosmtplib.SMTP(
        hostname="127.0.0.1", port=service.smtp_port, start_tls=False
    ) as smtp:
        await smtp.sendmail(sender, [to], raw)


async def rule_sends_done(service, timeout: float = 15) -> None:
    """Wait until the rule sender has handled every queued auto-reply and forward."""
    deadline = asyncio.get_running_loop().time() + timeout
    while service.sql("SELECT count(*) FROM rule_send") != "0":
        assert asyncio.get_running_loop().time() < deadline, "rule sends still queued"
        await asyncio.sleep(0.1)


async def raw_of(service, client: GraphQLClient, entry_id: str):
    async with http_client(service.url) as http:
        response = await http.get(
            f"{service.url}/messages/{entry_id}/raw", headers=client.headers()
        )
    assert response.status_code == 200
    return message_from_bytes(response.content)


async def in_folder(client: GraphQLClient, folder: str, subject: str, wait: float = 8):
    return await find(client, subject, folder=folder, wait=wait)


async def test_filters_move_flag_mark_read_and_delete_at_ingest(service, co):
    me = await co["company"].login(co["filterer"])
    folder = (await me.data(FOLDER, name="Invoices"))["createFolder"]["folder"]["id"]
    invoices = (
        await me.data(
            CREATE,
            i={
                "name": "invoices",
                "conditions": [
                    {"field": "SUBJECT", "op": "CONTAINS", "value": "INVOICE"},
                    {"field": "FROM", "op": "ENDS_WITH", "value": "@billing.test"},
                ],
                "actions": {"folderId": folder, "flag": True, "markRead": True},
                "stop": True,
            },
        )
    )["createMailFilter"]
    assert invoices["__typename"] == "MailFilter", invoices
    junk = (
        await me.data(
            CREATE,
            i={
                "name": "junk",
                "matchAll": False,
                "conditions": [
                    {"field": "SUBJECT", "op": "STARTS_WITH", "value": "[ad]"},
                    {"field": "SIZE", "op": "GREATER_THAN", "value": "5000000"},
                ],
                "actions": {"delete": True},
            },
        )
    )["createMailFilter"]
    assert junk["position"] == invoices["position"] + 1
    billed = unique("Invoice")
    await deliver(service, co["filterer"], billed, sender="ar@billing.test")
    node = await in_folder(me, folder, billed)
    assert node is not None
    state = (await me.data(STATE, id=node["id"]))["message"]
    assert state == {"folderId": folder, "flagged": True, "seen": True}
    ad = unique("[ad] sale")
    await deliver(service, co["filterer"], ad)
    assert await in_folder(me, "TRASH", ad) is not None
    plain = unique("Invoice from a friend")  # the sender does not match: stays in the Inbox
    await deliver(service, co["filterer"], plain, sender="friend@remote.test")
    node = await in_folder(me, "INBOX", plain)
    assert node is not None and not node["seen"]
    reordered = (await me.data(REORDER, ids=[junk["id"], invoices["id"]]))["reorderMailFilters"]
    assert [f["id"] for f in reordered["filters"]] == [junk["id"], invoices["id"]]
    updated = (
        await me.data(
            UPDATE,
            id=junk["id"],
            i={
                "name": "renamed",
                "enabled": False,
                "conditions": [{"field": "HAS_ATTACHMENTS", "op": "IS", "value": "true"}],
                "actions": {"flag": True},
            },
        )
    )["updateMailFilter"]
    assert updated["name"] == "renamed" and not updated["enabled"]
    assert (await me.data(DELETE, id=junk["id"]))["deleteMailFilter"]["__typename"] == "Done"
    names = [f["name"] for f in (await me.data(RULES))["mailRules"]["filters"]]
    assert names == ["invoices"]


async def test_filter_input_errors_and_ownership(service, co):
    me = await co["company"].login(co["filterer"])
    cond = [{"field": "SUBJECT", "op": "CONTAINS", "value": "x"}]
    no_action = (await me.data(CREATE, i={"conditions": cond}))["createMailFilter"]
    assert no_action["code"] == "INVALID" and no_action["field"] == "actions"
    no_folder = (await me.data(CREATE, i={"conditions": cond, "actions": {"folderId": "999999"}}))[
        "createMailFilter"
    ]
    assert no_folder["code"] == "NOT_FOUND"
    bad_size = (
        await me.data(
            CREATE,
            i={
                "conditions": [{"field": "SIZE", "op": "CONTAINS", "value": "big"}],
                "actions": {"flag": True},
            },
        )
    )["createMailFilter"]
    assert bad_size["code"] == "INVALID" and bad_size["field"] == "conditions"
    own = {"name": "own", "conditions": cond, "actions": {"flag": True}}
    mine = (await me.data(CREATE, i=own))["createMailFilter"]["id"]
    alice = await login(service.graphql_url, "alice@example.com", PASSWORD)
    assert (await alice.data(DELETE, id=mine))["deleteMailFilter"]["code"] == "NOT_FOUND"
    stolen = await alice.data(UPDATE, id=mine, i={"conditions": cond, "actions": {"flag": True}})
    assert stolen["updateMailFilter"]["code"] == "NOT_FOUND"
    partial = (await me.data(REORDER, ids=[]))["reorderMailFilters"]
    assert partial["code"] == "INVALID"


async def test_auto_reply_once_per_sender_and_never_to_machines(service, co):
    away = await co["company"].login(co["away"])
    empty = (await away.data(AUTO, enabled=True, text=" ", days=3))["setAutoReply"]
    assert empty["code"] == "INVALID" and empty["field"] == "text"
    on = await away.data(AUTO, enabled=True, text="I am on leave until Monday.", days=3)
    assert on["setAutoReply"] == {"__typename": "AutoReply", "enabled": True, "active": True}
    colleague = await co["company"].login(co["colleague"])
    for _ in range(2):
        sent = await send(colleague, to=[co["away"]], subject=unique("question"))
        assert sent["__typename"] == "SendMailSuccess"
    deadline = asyncio.get_running_loop().time() + 15
    replies = []
    while asyncio.get_running_loop().time() < deadline:
        data = await colleague.data("{ messages(first: 50) { edges { node { id subject } } } }")
        replies = [
            e["node"] for e in data["messages"]["edges"] if e["node"]["subject"].startswith("Auto:")
        ]
        if replies:
            break
        await asyncio.sleep(0.3)
    assert len(replies) == 1
    headers = await raw_of(service, colleague, replies[0]["id"])
    assert headers["Auto-Submitted"] == "auto-replied"
    assert headers["In-Reply-To"] is not None
    external = "client@remote.test"
    await deliver(service, co["away"], unique("hello"), sender=external)
    await deliver(service, co["away"], unique("hello again"), sender=external)
    await deliver(
        service, co["away"], unique("newsletter"), sender="news@remote.test", Precedence="bulk"
    )
    await deliver(
        service, co["away"], unique("list"), sender="list@remote.test", List_Id="<l.remote.test>"
    )
    await deliver(service, co["away"], unique("bounce"), sender="")
    await deliver(
        service,
        co["away"],
        unique("auto"),
        sender="bot@remote.test",
        Auto_Submitted="auto-generated",
    )
    await rule_sends_done(service)
    machines = service.sql(
        "SELECT count(*) FROM outbound_message WHERE recipient IN "
        "('news@remote.test', 'list@remote.test', 'bot@remote.test')"
    )
    assert machines == "0"
    count = service.sql(
        f"SELECT count(*) FROM outbound_message WHERE recipient = '{external}' "
        "AND envelope_from = ''"
    )
    assert count == "1"
    off = (await away.data(AUTO, enabled=False, text="", days=3))["setAutoReply"]
    assert off == {"__typename": "AutoReply", "enabled": False, "active": False}


async def test_forwarding_without_a_copy_and_loops_stop(service, co):
    fwd = await co["company"].login(co["fwd"])
    to_self = (await fwd.data(FORWARD, on=True, to=[co["fwd"]], keep=False))["setForwarding"]
    assert to_self["code"] == "INVALID"
    set_up = (await fwd.data(FORWARD, on=True, to=[co["target"]], keep=False))["setForwarding"]
    assert set_up == {
        "__typename": "Forwarding",
        "enabled": True,
        "addresses": [co["target"]],
        "keepCopy": False,
    }
    subject = unique("forward me")
    await deliver(service, co["fwd"], subject)
    target = await co["company"].login(co["target"])
    node = await find(target, subject, wait=15)
    assert node is not None
    headers = await raw_of(service, target, node["id"])
    assert headers["Resent-From"] == co["fwd"] and headers["From"] == "someone@remote.test"
    assert await find(fwd, subject, wait=0) is None  # no copy kept
    ping = await co["company"].login(co["ping"])
    pong = await co["company"].login(co["pong"])
    await ping.data(FORWARD, on=True, to=[co["pong"]], keep=True)
    await pong.data(FORWARD, on=True, to=[co["ping"]], keep=True)
    subject = unique("loop")
    await deliver(service, co["ping"], subject)
    assert await find(pong, subject, wait=15) is not None
    await rule_sends_done(service)
    copies = service.sql(
        "SELECT count(*) FROM mailbox_entry e JOIN message m ON m.id = e.message_id "
        f"WHERE m.subject = '{subject}'"
    )
    assert copies in ("2", "3")  # ping, pong, and at most ping once more: never endless
    assert service.sql("SELECT count(*) FROM rule_send") == "0"
