"""Tortoise models for Qiyou, one module per area, all in the ``qiyou`` app."""

from mailcore.models.mail import (
    Attachment,
    Folder,
    FolderRole,
    MailboxEntry,
    Message,
    OutboundMessage,
    OutboundStatus,
    Thread,
)
from mailcore.models.org import Alias, AuthSession, Domain, Enterprise, Member

__all__ = [
    "Alias",
    "Attachment",
    "AuthSession",
    "Domain",
    "Enterprise",
    "Folder",
    "FolderRole",
    "MailboxEntry",
    "Member",
    "Message",
    "OutboundMessage",
    "OutboundStatus",
    "Thread",
]
