"""Plain data types produced by the MIME parser and consumed by the builder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Address:
    """A mailbox: decoded display name ("" if none) and address as given, stripped."""

    name: str
    address: str


@dataclass
class ParsedAttachment:
    """One attachment (or embedded inline image) of a parsed message."""

    index: int
    filename: str
    content_type: str
    size: int
    content_id: str | None = None
    inline: bool = False


@dataclass
class ParsedMessage:
    """Everything the store and the clients need from one raw message."""

    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_: Address | None = None
    sender: Address | None = None
    reply_to: list[Address] = field(default_factory=list)
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    html: str | None = None
    attachments: list[ParsedAttachment] = field(default_factory=list)
    preview: str = ""
    size: int = 0

    @property
    def has_attachments(self) -> bool:
        """True if any attachment is not an embedded inline image."""
        return any(not a.inline for a in self.attachments)
