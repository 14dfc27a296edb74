"""The Qiyou GraphQL schema: one sub-package per domain, merged here, with query limits."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from schema.admin.resolvers import AdminMutation, AdminQuery
from schema.auth.resolvers import AuthMutation, AuthQuery
from schema.branding.mutations import BrandingMutation
from schema.branding.queries import BrandingQuery
from schema.confidential.mutations import ConfidentialMutation
from schema.confidential.queries import ConfidentialQuery
from schema.delivery.mutations import DeliveryAdminMutation, DeliveryMutation
from schema.delivery.queries import DeliveryAdminQuery, DeliveryQuery
from schema.directory.mutations import DirectoryMutation
from schema.directory.queries import DirectoryQuery
from schema.domains.mutations import DomainsMutation
from schema.domains.queries import DomainsQuery
from schema.execution import QiyouExecutionContext
from schema.extensions import ForgetPolicyPresence, RejectNulCharacters
from schema.groups.mutations import GroupsMutation
from schema.groups.queries import GroupsQuery
from schema.logs.queries import LogsAdminQuery, LogsQuery
from schema.mail.mutations import MailMutation
from schema.mail.queries import MailQuery
from schema.mail.subscriptions import MailSubscription
from schema.miniprogram.resolvers import MiniprogramMutation, MiniprogramQuery
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
from schema.security.gate import PasswordChangeGate
from schema.security.member import SecurityMutation, SecurityQuery
from schema.security.subscriptions import SecuritySubscription
from schema.translate.queries import TranslateQuery
from schema.translate.subscriptions import TranslateSubscription
from schema.web.queries import WebQuery

MAX_DEPTH = 10
MAX_TOKENS = 4000
MAX_ALIASES = 30

# One line per domain: add yours to each tuple it contributes to.
Query = merge_types(
    "Query",
    (
        AuthQuery,
        MailQuery,
        TranslateQuery,
        AdminQuery,
        DirectoryQuery,
        DomainsQuery,
        BrandingQuery,
        GroupsQuery,
        NoticesQuery,
        OpenApiQuery,
        SecurityQuery,
        SecurityAdminQuery,
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
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AuthMutation,
        MailMutation,
        AdminMutation,
        DirectoryMutation,
        DomainsMutation,
        BrandingMutation,
        GroupsMutation,
        NoticesMutation,
        OpenApiMutation,
        SecurityMutation,
        SecurityAdminMutation,
        ConfidentialMutation,
        DeliveryMutation,
        DeliveryAdminMutation,
        ArchiveMutation,
        BackupMutation,
        ApprovalMutation,
        MiniprogramMutation,
        PolicyMutation,
        RulesMutation,
    ),
)
Subscription = merge_types(
    "Subscription",
    (
        MailSubscription,
        TranslateSubscription,
        NoticesSubscription,
        SecuritySubscription,
        ApprovalSubscription,
    ),
)

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    execution_context_class=QiyouExecutionContext,
    extensions=[
        RejectNulCharacters,
        ForgetPolicyPresence,
        PasswordChangeGate,
        # Factories: a fresh extension for every request (strawberry deprecates instances).
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    ],
)
