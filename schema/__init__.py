"""The Qiyou GraphQL schema: one sub-package per domain, merged here, with query limits."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from schema.admin.resolvers import AdminMutation, AdminQuery
from schema.auth.resolvers import AuthMutation, AuthQuery
from schema.extensions import RejectNulCharacters
from schema.mail.mutations import MailMutation
from schema.mail.queries import MailQuery
from schema.mail.subscriptions import MailSubscription

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
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AuthMutation,
        MailMutation,
        AdminMutation,
    ),
)
Subscription = merge_types(
    "Subscription",
    (MailSubscription,),
)

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        RejectNulCharacters,
        QueryDepthLimiter(max_depth=MAX_DEPTH),
        MaxTokensLimiter(max_token_count=MAX_TOKENS),
        MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    ],
)
