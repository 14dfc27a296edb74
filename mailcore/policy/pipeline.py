"""The policies every ingested message passes, in order, before it is stored.

A policy is ``async def apply(request, parsed) -> None``: it may change the request's
deliveries (a backup copy, Spam instead of Inbox) or outbound recipients, append an
``on_commit`` callback (rows that must commit with the mail), or raise ``PolicyRefusal``
(``mailcore/store/request.py``) to refuse the whole message. ``mailcore/runtime.py``
registers ``policies(settings, blobs)`` with the store; add a policy by adding it here.
"""

from __future__ import annotations

from mailcore.archive import capture as archive
from mailcore.confidential import sending as confidential
from mailcore.core.blobs import BlobStore
from mailcore.core.config import Settings
from mailcore.policy import approval, backup, restrict
from mailcore.rules import apply as rules
from mailcore.store.registry import Policy


def policies(settings: Settings, blobs: BlobStore) -> tuple[Policy, ...]:
    """One line per policy, in the order they run."""
    return (
        restrict.apply,  # restricted external sending (A7): first, it refuses the whole mail
        approval.apply,  # outbound approval (A3): holds matching mail for approvers
        # confidential mail (U17): external recipients get a link instead
        confidential.ConfidentialPolicy(confidential.base_url(settings), blobs),
        backup.apply,  # backup rules (A2): an extra copy for the backup account
        archive.apply,  # the enterprise archive (A1): a record committed with the mail
        rules.apply,  # personal filters, forwarding, auto-reply (last: sees the final folders)
    )
