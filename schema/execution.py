"""The GraphQL executor: strawberry's, with one fix for long-lived subscriptions; and which
subscriptions may be executed once for several sockets.

graphql-core 3.3 runs each event of a subscription with a shallow copy of the subscription's
executor, so the copy shares its memo of collected sub-fields. That memo is keyed by the
identity of field lists built anew for every event and keeps each list alive: a subscription
adds entries with every event it delivers and never drops them. With 1,000 open
subscriptions that meant hundreds of thousands of objects kept for nothing and full garbage
collections of 400-500 ms on the event loop (docs/benchmarks.md). Each event gets its own
memo here; within one event it works as before.

A subscription field declares with ``metadata=SHARED_BY_MEMBER`` (or ``SHARED_BY_SESSION``)
that what it yields depends only on the member (or the session), the document and its
variables: the websockets of one member sending the same subscription are then served by one
execution per event (``api.shared_streams``). ``sharing`` tells, for a document, whether and
by what it may be shared; a field without the declaration is run once per socket as before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    parse,
)
from graphql.pyutils.ref_map import RefMap
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from schema.security.gate import root_fields

SHARE = "qiyou.share"  # metadata key of a subscription field: MEMBER or SESSION
MEMBER = "member"
SESSION = "session"
SHARED_BY_MEMBER = {SHARE: MEMBER}
SHARED_BY_SESSION = {SHARE: SESSION}


class QiyouExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        if hasattr(executor, "_relevant_sub_fields"):
            executor._relevant_sub_fields = {}
        if hasattr(executor, "_stream_usages"):
            executor._stream_usages = RefMap()
        return executor


@lru_cache(maxsize=256)
def _document(query: str) -> DocumentNode | None:
    try:
        return parse(query)
    except GraphQLError:
        return None  # strawberry answers it (the socket is closed with 4400)


def _subscription(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    """The operation strawberry would run, if it is a subscription and unambiguous."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == name]
    if len(operations) != 1 or operations[0].operation is not OperationType.SUBSCRIPTION:
        return None
    return operations[0]


def sharing(schema: Any, query: str, operation_name: str | None) -> str | None:
    """``MEMBER`` or ``SESSION`` when every root field the subscription selects is declared
    shared (``SESSION`` if any is shared by session only); None when it is no subscription,
    does not parse, or selects a field that is not shared (or unknown: validation answers)."""
    document = _document(query)
    if document is None or _subscription(document, operation_name) is None:
        return None
    subscription_type = schema._schema.subscription_type
    scopes = set()
    for name in root_fields(document, operation_name) - {"__typename"}:
        field = subscription_type.fields.get(name) if subscription_type else None
        definition = (
            field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF) if field else None
        )
        scope = (getattr(definition, "metadata", None) or {}).get(SHARE)
        if scope not in (MEMBER, SESSION):
            return None
        scopes.add(scope)
    if not scopes:
        return None
    return SESSION if SESSION in scopes else MEMBER
