"""Schema extensions: refuse NUL characters in any argument (no database stores them);
after a mutation, forget the cached policy presence (``mailcore/policy/presence.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from mailcore.policy.presence import forget_all


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


class RejectNulCharacters(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        texts = [context.query or "", *_strings(context.variables or {})]
        if any("\x00" in text for text in texts):
            raise GraphQLError(
                "arguments may not contain NUL characters", extensions={"code": "INVALID"}
            )
        yield


class ForgetPolicyPresence(SchemaExtension):
    """A mutation may have added or enabled a rule: the next message must see it."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.graphql_document is None:  # refused before parsing (limits): nothing ran
            return
        try:
            mutation = context.operation_type is OperationType.MUTATION
        except RuntimeError:  # no such operation in the document: nothing ran
            return
        if mutation:
            forget_all()
