"""The policies every ingested message passes, in order, before it is stored.

A policy is ``async def apply(request, parsed) -> None``: it may change the request's
deliveries (a backup copy, Spam instead of Inbox) or outbound recipients, append an
``on_commit`` callback (rows that must commit with the mail), or raise ``PolicyRefusal``
to refuse the whole message. Add a policy by adding its ``apply`` to ``POLICIES``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from mailcore.archive import capture as archive
from mailcore.confidential import sending as confidential
from mailcore.core.mime.types import ParsedMessage
from mailcore.policy import approval, backup, restrict
from mailcore.rules import apply as rules
from mailcore.store.request import IngestRequest

Policy = Callable[[IngestRequest, ParsedMessage], Awaitable[None]]


class PolicyRefusal(Exception):  # noqa: N818 - a refusal, not a failure
    """The message is refused as a whole; ``smtp_reply`` is what SMTP callers answer."""

    def __init__(self, code: str, message: str, smtp_reply: str = "550 5.7.1 Refused by policy"):
        super().__init__(message)
        self.code = code
        self.message = message
        self.smtp_reply = smtp_reply


# One line per policy, in the order they run.
POLICIES: tuple[Policy, ...] = (
    restrict.apply,  # restricted external sending (A7): first, it refuses the whole mail
    approval.apply,  # outbound approval (A3): holds matching mail for approvers
    confidential.apply,  # confidential mail (U17): external recipients get a link instead
    backup.apply,  # backup rules (A2): an extra copy for the backup account
    archive.apply,  # the enterprise archive (A1): a record committed with the mail
    rules.apply,  # personal filters, forwarding, auto-reply (last: sees the final folders)
)


async def before_store(request: IngestRequest, parsed: ParsedMessage) -> None:
    for policy in POLICIES:
        await policy(request, parsed)
