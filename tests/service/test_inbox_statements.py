"""The mail list costs a fixed number of SQL statements, whatever the page size (issue 18).

Given a sender and a reader whose mailboxes hold more than a page of mail with everything a
list item can show — external deliveries, recalls, mass mail jobs, read receipt requests and
receipts, confidential mail, spoofing warnings — when the web app's and the mini-program's
own list documents (read from web/src/api/mail.js and miniprogram/lib/queries.js) and a
document asking every per-item field ask for 5 and for 50 items, then both pages take the
same number of statements (counted on tortoise's ``tortoise.db_client`` logger, only those
of the request itself), and that number is small.
"""

from __future__ import annotations

import contextvars
import logging
import re
from pathlib import Path

import pytest

from tests.e2e.policy_company import Company

ROOT = Path(__file__).resolve().parents[2]
PAGE_SIZES = (5, 50)
# More than the larger page in the sender's Sent and the reader's Inbox; the smaller page
# (the newest five) has some of every kind too, as a loader skips a query with nothing to do.
MAILS = 56
MAX_STATEMENTS = 30  # the session, the folder, the page, one per batched field

SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) {
    __typename
    ... on SendMailSuccess { sent { id } }
    ... on MailError { code field message }
  }
}
"""
RECALL = "mutation R($id: ID!) { recallMessage(id: $id) { __typename } }"
EVERY_FIELD = """
query($f:String!,$n:Int){ messages(folder:$f, first:$n){ edges { node {
  id subject preview bcc { address } messageId
  deliveries { recipient status attempts lastError }
  recall { recalled createdAt results { address status } }
  massMailJob { id status total processed delivered queued failed }
  readReceiptRequested readReceiptRequest { notifyTo handled ask }
  readReceipts { recipient disposition automatic at }
  confidential { verified channels sender visibleUntil }
  spoofWarning
} } } }
"""


def js_documents(path: Path) -> dict[str, str]:
    """The string constants of a client's JS module, ``${NAME}`` filled in."""
    source = path.read_text()
    found: dict[str, str] = {}
    for name, _quote, body in re.findall(r"(\w+)\s*[:=]\s*([`'])(.*?)\2", source, re.S):
        found[name] = re.sub(r"\$\{(\w+)\}", lambda m: found[m.group(1)], body)
    return found


WEB = js_documents(ROOT / "web/src/api/mail.js")
MINI = js_documents(ROOT / "miniprogram/lib/queries.js")

_statements: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "statements", default=None
)


class _Counter(logging.Handler):
    """Keeps the statements logged in the counting context (the request and the tasks it
    starts), not those of the server's background workers."""

    def emit(self, record: logging.LogRecord) -> None:
        found = _statements.get()
        if found is not None:
            found.append(record.getMessage())


async def statements(client, query: str, **variables) -> tuple[list[str], dict]:
    logger = logging.getLogger("tortoise.db_client")
    handler, level = _Counter(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    found: list[str] = []
    token = _statements.set(found)
    try:
        data = await client.data(query, **variables)
    finally:
        _statements.reset(token)
        logger.setLevel(level)
        logger.removeHandler(handler)
    return found, data


@pytest.fixture(scope="module")
async def mailboxes(service):
    company = await Company.create(service, "inbox-sql")
    sender_email = await company.member("sender")
    reader_email = await company.member("reader")
    sender, reader = await company.login(sender_email), await company.login(reader_email)
    sent_ids = []
    for i in range(MAILS):
        form = {"to": [reader_email], "subject": f"list item {i}", "text": f"body {i}"}
        if i % 3 == 0:
            form["confidential"] = True
        elif i % 7 == 6:  # the newest (55) too
            form["mode"] = "SEPARATE"
        if i % 2 == 0:
            form["requestReadReceipt"] = True
        result = (await sender.data(SEND, i=form))["sendMail"]
        assert result["__typename"] == "SendMailSuccess", result
        sent_ids.append(int(result["sent"]["id"]))
    for i in (MAILS - 2, MAILS - 9, 4):  # on the first page and further
        assert (await sender.data(RECALL, id=str(sent_ids[i])))["recallMessage"]["__typename"]
    await service.mailcore(
        """
        from datetime import UTC, datetime
        now = datetime.now(UTC)
        sender = await Member.get(email=args["sender"])
        reader = await Member.get(email=args["reader"])
        sent = await MailboxEntry.filter(id__in=args["sent"]).order_by("id")
        for n, entry in enumerate(sent):
            await OutboundMessage.create(
                message_id=entry.message_id, sender_id=sender.id, envelope_from=sender.email,
                recipient=f"x{n}@partner.invalid", status=OutboundStatus.FAILED,
                attempts=n % 4, last_error="550 no such user", next_attempt_at=now,
            )
            if n % 4 == 0:
                await ReadReceipt.create(
                    member_id=sender.id, message_id=entry.message_id,
                    recipient=args["reader"], disposition="displayed", reported_at=now,
                )
        received = await MailboxEntry.filter(member_id=reader.id).order_by("id")
        for n, entry in enumerate(received):
            if n % 5 == 0:
                await SpoofMark.create(message_id=entry.message_id, domain="example.test")
        """,
        sender=sender_email,
        reader=reader_email,
        sent=sent_ids,
    )
    return {"sender": sender, "reader": reader}


CASES = [  # who asks, which document, its variables
    ("reader", "WEB", "MESSAGES", {"f": "INBOX"}),
    ("sender", "WEB", "MESSAGES", {"f": "SENT"}),
    ("reader", "WEB", "CONVERSATIONS", {"f": None}),
    ("sender", "WEB", "CONVERSATIONS", {"f": None}),
    ("reader", "WEB", "CONVERSATIONS", {"f": "INBOX"}),
    ("reader", "MINI", "MESSAGES", {"folder": "INBOX"}),
    ("sender", "MINI", "MESSAGES", {"folder": "SENT"}),
    ("reader", "ALL", "", {"f": "INBOX"}),
    ("sender", "ALL", "", {"f": "SENT"}),
]


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[f"{w}-{s}-{n or 'every field'}-{next(iter(v.values()))}" for w, s, n, v in CASES],
)
async def test_a_page_costs_the_same_statements_at_any_size(mailboxes, case):
    who, source, name, variables = case
    query = {"WEB": WEB, "MINI": MINI}[source][name] if source != "ALL" else EVERY_FIELD
    size_name = "first" if source == "MINI" else "n"
    counts = {}
    for size in PAGE_SIZES:
        found, data = await statements(mailboxes[who], query, **variables, **{size_name: size})
        connection = next(iter(data.values()))
        assert len(connection["edges"]) == size, "the mailbox holds more than a page"
        counts[size] = found
    small, large = (counts[s] for s in PAGE_SIZES)
    assert len(large) == len(small), "\n".join(large)
    assert len(large) <= MAX_STATEMENTS, "\n".join(large)


async def test_the_every_field_page_shows_what_the_mailboxes_hold(mailboxes):
    """The batched fields answer as the single message does (their data is really there)."""
    edges = (await mailboxes["sender"].data(EVERY_FIELD, f="SENT", n=50))["messages"]["edges"]
    sent = [e["node"] for e in edges]
    assert all(n["deliveries"] and n["deliveries"][0]["status"] == "FAILED" for n in sent)
    assert sum(n["recall"] is not None for n in sent) >= 2
    assert any(n["massMailJob"] and n["massMailJob"]["total"] == 1 for n in sent)
    assert any(n["readReceipts"] for n in sent) and any(not n["readReceipts"] for n in sent)
    assert all(n["readReceiptRequest"] is None for n in sent)  # their own mail asks nothing
    assert any(n["readReceiptRequested"] for n in sent)
    assert any(n["confidential"] and n["confidential"]["sender"] for n in sent)
    edges = (await mailboxes["reader"].data(EVERY_FIELD, f="INBOX", n=50))["messages"]["edges"]
    got = [e["node"] for e in edges]
    assert all(n["deliveries"] == [] and n["readReceipts"] == [] for n in got)  # sender only
    assert all(n["recall"] is None and n["massMailJob"] is None for n in got)
    asks = [n["readReceiptRequest"] for n in got if n["readReceiptRequest"]]
    assert asks and all(a["ask"] and not a["handled"] for a in asks)
    locked = [n for n in got if n["confidential"]]
    assert locked and all(not c["confidential"]["verified"] and c["preview"] == "" for c in locked)
    assert any(n["spoofWarning"] for n in got)
