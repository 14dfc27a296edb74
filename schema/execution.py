"""The GraphQL executor: strawberry's, with one fix for long-lived subscriptions.

graphql-core 3.3 runs each event of a subscription with a shallow copy of the subscription's
executor, so the copy shares its memo of collected sub-fields. That memo is keyed by the
identity of field lists built anew for every event and keeps each list alive: a subscription
adds entries with every event it delivers and never drops them. With 1,000 open
subscriptions that meant hundreds of thousands of objects kept for nothing and full garbage
collections of 400-500 ms on the event loop (docs/benchmarks.md). Each event gets its own
memo here; within one event it works as before.
"""

from __future__ import annotations

from typing import Any

from graphql.pyutils.ref_map import RefMap
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class QiyouExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        if hasattr(executor, "_relevant_sub_fields"):
            executor._relevant_sub_fields = {}
        if hasattr(executor, "_stream_usages"):
            executor._stream_usages = RefMap()
        return executor
