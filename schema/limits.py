"""Depth and size bounds of a GraphQL operation, checked while validating it.

Why not strawberry's ``QueryDepthLimiter``: it skips every field whose name starts with
``__``, so ``{ __schema { types { fields { type { ofType { ofType ... } } } } } }`` nests
without bound, and it walks every fragment spread anew, so a 600-byte document of fragments
that spread the previous one three times kept the event loop busy for seconds (its
``MaxAliasesLimiter`` too). Here each fragment is measured once (memoized), and an operation
is refused when

- its fields outside introspection nest deeper than ``max_depth``,
- all of its fields, introspection included, nest deeper than ``max_introspection_depth``
  (the standard introspection query of GraphiQL and code generators nests 13 deep), or
- it selects more than ``max_fields`` fields or ``max_aliases`` aliases once its fragments
  are spread out.

Depth counts the fields that have a selection set: ``{ me { email } }`` is 1 deep.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)


@dataclass(frozen=True)
class Size:
    depth: int  # fields outside introspection (those named ``__...`` are not descended)
    full_depth: int  # every field
    fields: int  # fields selected, fragments spread out
    aliases: int  # of those, fields with an alias

    def __or__(self, other: Size) -> Size:  # side by side
        return Size(
            max(self.depth, other.depth),
            max(self.full_depth, other.full_depth),
            self.fields + other.fields,
            self.aliases + other.aliases,
        )


EMPTY = Size(0, 0, 0, 0)


class Measure:
    """Sizes of the selection sets of one document, each fragment measured once."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, Size] = {}
        self.open: set[str] = set()  # fragments being measured (a cycle is another rule's)

    def selections(self, selection_set: SelectionSetNode | None) -> Size:
        size = EMPTY
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                size = size | self.field(selection)
            elif isinstance(selection, InlineFragmentNode):
                size = size | self.selections(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                size = size | self.fragment(selection.name.value)
        return size

    def field(self, node: FieldNode) -> Size:
        alias = 1 if node.alias else 0
        if node.selection_set is None:
            return Size(0, 0, 1, alias)
        inner = self.selections(node.selection_set)
        outside = 0 if node.name.value.startswith("__") else inner.depth + 1
        return Size(outside, inner.full_depth + 1, inner.fields + 1, inner.aliases + alias)

    def fragment(self, name: str) -> Size:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.open:
            return EMPTY  # unknown or cyclic: refused by graphql-core's own rules
        self.open.add(name)
        size = self.memo[name] = self.selections(definition.selection_set)
        self.open.discard(name)
        return size


def operation_limits(
    max_depth: int, max_introspection_depth: int, max_fields: int, max_aliases: int
) -> type[ValidationRule]:
    """A validation rule refusing operations beyond these bounds (see the module docstring)."""

    class OperationLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            definitions = context.document.definitions
            measure = Measure(
                {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
            )
            for definition in definitions:
                if isinstance(definition, OperationDefinitionNode):
                    self.check(definition, measure.selections(definition.selection_set))

        def check(self, operation: OperationDefinitionNode, size: Size) -> None:
            name = operation.name.value if operation.name else "anonymous"
            if size.depth > max_depth:
                self.refuse(
                    operation,
                    f"'{name}' exceeds maximum operation depth of {max_depth} "
                    f"(it is {size.depth} deep)",
                    "QUERY_TOO_DEEP",
                )
            elif size.full_depth > max_introspection_depth:
                self.refuse(
                    operation,
                    f"'{name}' exceeds maximum operation depth of {max_introspection_depth} "
                    f"with introspection fields (it is {size.full_depth} deep)",
                    "QUERY_TOO_DEEP",
                )
            if size.fields > max_fields:
                self.refuse(
                    operation,
                    f"'{name}' selects {size.fields} fields with its fragments spread out; "
                    f"the limit is {max_fields}",
                    "QUERY_TOO_LARGE",
                )
            if size.aliases > max_aliases:
                self.refuse(
                    operation,
                    f"'{name}' has {size.aliases} aliases with its fragments spread out; "
                    f"the limit is {max_aliases}",
                    "QUERY_TOO_LARGE",
                )

        def refuse(self, operation: OperationDefinitionNode, message: str, code: str) -> None:
            self.report_error(GraphQLError(message, operation, extensions={"code": code}))

    return OperationLimits
