"""Tortoise models for Qiyou, one module per area, all in the ``qiyou`` app."""

from mailcore.models.admin import AdminPermission, AdminRole, OperationLog
from mailcore.models.branding import LoginBranding, SignatureTemplate
from mailcore.models.directory import (
    Department,
    DepartmentMember,
    GroupEntry,
    MailGroup,
    PersonalGroup,
    PostingPermission,
)
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
from mailcore.models.notices import Notice, NoticeReceipt
from mailcore.models.openapi import AppKind, AppToken, OpenApp, SsoTicket, WebhookDelivery
from mailcore.models.org import Alias, AuthSession, Domain, Enterprise, Member
from mailcore.models.security import (
    ClientKind,
    IpRule,
    LoginEvent,
    LoginThrottle,
    QrTicket,
    QrTicketStatus,
    SecondFactorMethod,
    TotpState,
    WechatBinding,
)
from mailcore.models.signatures import MemberSignature

__all__ = [
    "AdminPermission",
    "AdminRole",
    "Alias",
    "AppKind",
    "AppToken",
    "Attachment",
    "AuthSession",
    "ClientKind",
    "Department",
    "DepartmentMember",
    "Domain",
    "Enterprise",
    "Folder",
    "FolderRole",
    "GroupEntry",
    "IpRule",
    "LoginBranding",
    "LoginEvent",
    "LoginThrottle",
    "MailGroup",
    "MailboxEntry",
    "Member",
    "MemberSignature",
    "Message",
    "Notice",
    "NoticeReceipt",
    "OpenApp",
    "OperationLog",
    "OutboundMessage",
    "OutboundStatus",
    "PersonalGroup",
    "PostingPermission",
    "QrTicket",
    "QrTicketStatus",
    "SecondFactorMethod",
    "SignatureTemplate",
    "SsoTicket",
    "Thread",
    "TotpState",
    "WebhookDelivery",
    "WechatBinding",
]
