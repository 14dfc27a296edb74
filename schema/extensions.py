"""Schema extensions: refuse NUL characters in any argument (no database stores them);
after a mutation, forget the cached policy presence (``mailcore/policy/presence.py``);
in production, no schema introspection for anonymous callers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from mailcore.policy.presence import forget_everywhere


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
    """A mutation may have added or enabled a rule: the next message must see it, in every
    process (the answer leaves once the others have been told)."""

    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        context = self.execution_context
        if context.graphql_document is None:  # refused before parsing (limits): nothing ran
            return
        try:
            mutation = context.operation_type is OperationType.MUTATION
        except RuntimeError:  # no such operation in the document: nothing ran
            return
        if mutation:
            await forget_everywhere(context.context.runtime.bus)


INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class NoIntrospection(ValidationRule):
    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in INTROSPECTION_FIELDS:
            self.report_error(
                GraphQLError(
                    "introspection needs a signed-in member on this server",
                    node,
                    extensions={"code": "INTROSPECTION_DISABLED"},
                )
            )


class IntrospectionGate(SchemaExtension):
    """With ``QIYOU_ENV=production`` an anonymous caller may not read the schema (``__schema``,
    ``__type``): members, app tokens and development servers may. The web app and the
    mini-program read it only once signed in (``miniprogram/lib/store.js``)."""

    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        runtime = getattr(context, "runtime", None)  # None: run in-process without a server
        production = runtime is not None and runtime.settings.production
        if production and context.identity is None and context.app is None:
            execution.validation_rules = (*execution.validation_rules, NoIntrospection)
        yield
