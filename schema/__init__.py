"""The Qiyou GraphQL schema: one sub-package per domain, merged here, with query limits."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from schema.admin.resolvers import AdminMutation, AdminQuery
from schema.auth.resolvers import AuthMutation, AuthQuery
from schema.branding.mutations import BrandingMutation
from schema.branding.queries import BrandingQuery
from schema.directory.mutations import DirectoryMutation
from schema.directory.queries import DirectoryQuery
from schema.domains.mutations import DomainsMutation
from schema.domains.queries import DomainsQuery
from schema.extensions import RejectNulCharacters
from schema.groups.mutations import GroupsMutation
from schema.groups.queries import GroupsQuery
from schema.logs.queries import LogsAdminQuery, LogsQuery
from schema.mail.mutations import MailMutation
from schema.mail.queries import MailQuery
from schema.mail.subscriptions import MailSubscription
from schema.notices.mutations import NoticesMutation
from schema.notices.queries import NoticesQuery
from schema.notices.subscriptions import NoticesSubscription
from schema.openapi.resolvers import OpenApiMutation, OpenApiQuery
from schema.security.admin import SecurityAdminMutation, SecurityAdminQuery
from schema.security.gate import PasswordChangeGate
from schema.security.member import SecurityMutation, SecurityQuery
from schema.security.subscriptions import SecuritySubscription

MAX_DEPTH = 10
MAX_TOKENS = 4000
MAX_ALIASES = 30

# One line per domain: add yours to each tuple it contributes to.
Query = merge_types(
    "Query",
    (
        AuthQuery,
        MailQuery,
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
    ),
)
Subscription = merge_types(
    "Subscription",
    (
        MailSubscription,
        NoticesSubscription,
        SecuritySubscription,
    ),
)

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        RejectNulCharacters,
        PasswordChangeGate,
        QueryDepthLimiter(max_depth=MAX_DEPTH),
        MaxTokensLimiter(max_token_count=MAX_TOKENS),
        MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    ],
)
