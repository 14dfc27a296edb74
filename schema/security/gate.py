"""While a member must change their password, their sessions may only change it.

A schema extension: an operation of such a member that selects any other root field
than the few below is refused as a whole, with the code PASSWORD_CHANGE_REQUIRED.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from starlette.requests import Request
from strawberry.extensions import SchemaExtension

from mailcore.security.account import password_change_required

ALLOWED = frozenset({"changePassword", "me", "mySecurity", "logout", "__typename"})
CODE = "PASSWORD_CHANGE_REQUIRED"


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if name is None or (definition.name and definition.name.value == name):
                return definition
    return None


def root_fields(document: DocumentNode, name: str | None) -> set[str]:
    """The root field names an operation selects (through fragments too)."""
    operation = _operation(document, name)
    if operation is None:
        return set()
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    found: set[str] = set()
    seen: set[str] = set()

    def walk(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                found.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    seen.add(name)
                    walk(fragments[name].selection_set)

    walk(operation.selection_set)
    return found


class PasswordChangeGate(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        identity = getattr(context, "identity", None)
        if identity is not None and execution.graphql_document is not None:
            if isinstance(context.request, Request):
                must_change = identity.member.must_change_password  # loaded for this request
            else:  # a websocket: the member was loaded when it connected
                must_change = await password_change_required(identity.member.id)
            if must_change:
                fields = root_fields(execution.graphql_document, execution.operation_name)
                if fields - ALLOWED:
                    raise GraphQLError(
                        "change your password first (changePassword)",
                        extensions={"code": CODE},
                    )
        yield
