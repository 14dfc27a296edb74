"""The Qiyou GraphQL schema: one sub-package per domain, merged here, with query limits."""

from __future__ import annotations

from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.tools import merge_types

from schema.admin.resolvers import AdminMutation, AdminQuery
from schema.auth.resolvers import AuthMutation, AuthQuery
from schema.branding.mutations import BrandingMutation
from schema.branding.queries import BrandingQuery
from schema.calendar.attachments import EventAttachmentMutation
from schema.calendar.resolvers import CalendarMutation, CalendarQuery
from schema.calendar.rooms import RoomMutation, RoomQuery
from schema.calendar.subscriptions import CalendarSubscription
from schema.clients.queries import ClientsQuery
from schema.confidential.mutations import ConfidentialMutation
from schema.confidential.queries import ConfidentialQuery
from schema.contacts.mutations import ContactsMutation
from schema.contacts.queries import ContactsQuery
from schema.delivery.mutations import DeliveryAdminMutation, DeliveryMutation
from schema.delivery.queries import DeliveryAdminQuery, DeliveryQuery
from schema.directory.mutations import DirectoryMutation
from schema.directory.queries import DirectoryQuery
from schema.dmarcreports.queries import DmarcReportsQuery
from schema.domains.mutations import DomainsMutation
from schema.domains.queries import DomainsQuery
from schema.error_log import QiyouSchema
from schema.execution import QiyouExecutionContext
from schema.extensions import ForgetPolicyPresence, IntrospectionGate, RejectNulCharacters
from schema.fetch.resolvers import FetchMutation, FetchQuery
from schema.groups.mutations import GroupsMutation
from schema.groups.queries import GroupsQuery
from schema.ids import RefuseImpossibleIds
from schema.limits import operation_limits
from schema.logs.queries import LogsAdminQuery, LogsQuery
from schema.mail.mutations import MailMutation
from schema.mail.queries import MailQuery
from schema.mail.receipts import ReceiptsMutation, ReceiptsQuery
from schema.mail.subscriptions import MailSubscription
from schema.migration.cutover import CutoverMutation, CutoverQuery
from schema.migration.resolvers import MigrationMutation, MigrationQuery
from schema.migration.subscriptions import MigrationSubscription
from schema.miniprogram.resolvers import MiniprogramMutation, MiniprogramQuery
from schema.netdisk.mutations import NetdiskMutation
from schema.netdisk.queries import NetdiskQuery
from schema.netdisk.subscriptions import NetdiskSubscription
from schema.notices.mutations import NoticesMutation
from schema.notices.queries import NoticesQuery
from schema.notices.subscriptions import NoticesSubscription
from schema.openapi.resolvers import OpenApiMutation, OpenApiQuery
from schema.policies.approval import ApprovalMutation, ApprovalQuery, ApprovalSubscription
from schema.policies.archive import ArchiveMutation, ArchiveQuery
from schema.policies.backup import BackupMutation, BackupQuery
from schema.policy.resolvers import PolicyMutation, PolicyQuery
from schema.rules.resolvers import RulesMutation, RulesQuery
from schema.search.queries import SearchQuery
from schema.security.admin import SecurityAdminMutation, SecurityAdminQuery
from schema.security.apppasswords import AppPasswordMutation, AppPasswordQuery
from schema.security.gate import PasswordChangeGate
from schema.security.member import SecurityMutation, SecurityQuery
from schema.security.spoofing import SpoofingMutation, SpoofingQuery
from schema.security.subscriptions import SecuritySubscription
from schema.translate.queries import TranslateQuery
from schema.translate.subscriptions import TranslateSubscription
from schema.web.queries import WebQuery

MAX_DEPTH = 10
MAX_INTROSPECTION_DEPTH = 15  # GraphiQL's introspection query is 14 deep
MAX_FIELDS = 500  # fields after spreading fragments: the clients' largest is 55, GraphiQL's 231
MAX_TOKENS = 4000
MAX_ALIASES = 30
CACHED_DOCUMENTS = 512
LIMITS = operation_limits(MAX_DEPTH, MAX_INTROSPECTION_DEPTH, MAX_FIELDS, MAX_ALIASES)

# One line per domain: add yours to each tuple it contributes to.
Query = merge_types(
    "Query",
    (
        AuthQuery,
        MailQuery,
        ReceiptsQuery,
        TranslateQuery,
        AdminQuery,
        DirectoryQuery,
        DomainsQuery,
        DmarcReportsQuery,
        BrandingQuery,
        GroupsQuery,
        ContactsQuery,
        NoticesQuery,
        OpenApiQuery,
        SecurityQuery,
        SecurityAdminQuery,
        AppPasswordQuery,
        SpoofingQuery,
        LogsQuery,
        LogsAdminQuery,
        ConfidentialQuery,
        DeliveryQuery,
        DeliveryAdminQuery,
        ArchiveQuery,
        BackupQuery,
        ApprovalQuery,
        MiniprogramQuery,
        PolicyQuery,
        RulesQuery,
        SearchQuery,
        WebQuery,
        ClientsQuery,
        CalendarQuery,
        RoomQuery,
        FetchQuery,
        MigrationQuery,
        CutoverQuery,
        NetdiskQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AuthMutation,
        MailMutation,
        CalendarMutation,
        EventAttachmentMutation,
        RoomMutation,
        ReceiptsMutation,
        AdminMutation,
        DirectoryMutation,
        DomainsMutation,
        BrandingMutation,
        GroupsMutation,
        ContactsMutation,
        NoticesMutation,
        OpenApiMutation,
        SecurityMutation,
        SecurityAdminMutation,
        AppPasswordMutation,
        SpoofingMutation,
        ConfidentialMutation,
        DeliveryMutation,
        DeliveryAdminMutation,
        ArchiveMutation,
        BackupMutation,
        ApprovalMutation,
        MiniprogramMutation,
        PolicyMutation,
        RulesMutation,
        FetchMutation,
        MigrationMutation,
        CutoverMutation,
        NetdiskMutation,
    ),
)
Subscription = merge_types(
    "Subscription",
    (
        MailSubscription,
        TranslateSubscription,
        NoticesSubscription,
        CalendarSubscription,
        SecuritySubscription,
        ApprovalSubscription,
        MigrationSubscription,
        NetdiskSubscription,
    ),
)

schema = QiyouSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    execution_context_class=QiyouExecutionContext,
    extensions=[
        RejectNulCharacters,
        ForgetPolicyPresence,
        PasswordChangeGate,
        IntrospectionGate,
        RefuseImpossibleIds,
        # Factories: a fresh extension for every request (strawberry deprecates instances).
        # Depth, fields and aliases: schema/limits.py (strawberry's limiters walk every
        # fragment spread anew and skip introspection).
        lambda: AddValidationRules([LIMITS]),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        # The clients send a few hundred documents: each is parsed and validated once (by
        # text, token limit and rules), not per request (a tenth of a mail list page's CPU).
        lambda: ParserCache(maxsize=CACHED_DOCUMENTS),
        lambda: ValidationCache(maxsize=CACHED_DOCUMENTS),
    ],
)
