"""Ids no row can have are refused before any resolver runs.

Every id the schema hands out is a database key, a 32-bit integer column on PostgreSQL.
``message(id: "99999999999999999999")`` reached asyncpg, which failed with "value out of
int32 range": an error without a code and a traceback in the log, from nearly every field
that takes an id (found while fuzzing, tests/e2e/test_fuzz_graphql.py). A schema extension
refuses a numeric ``ID`` beyond that range anywhere in the arguments (literals, variables,
lists, input objects) with the code ``INVALID``. (graphql-core does not let the ``ID``
scalar itself be redefined.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    IntValueNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    type_from_ast,
    visit,
)
from strawberry.extensions import SchemaExtension

LARGEST = 2**31 - 1


def out_of_range(value: Any) -> bool:
    digits = str(value).strip().removeprefix("-").removeprefix("+")
    return digits.isdecimal() and len(digits) > 9 and int(digits) > LARGEST


def _bad_values(type_: GraphQLInputType, value: Any) -> Iterator[Any]:
    if isinstance(type_, GraphQLNonNull):
        yield from _bad_values(type_.of_type, value)
    elif isinstance(type_, GraphQLList):
        for item in value if isinstance(value, list) else [value]:
            yield from _bad_values(type_.of_type, item)
    elif isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
        for name, field in type_.fields.items():
            if value.get(name) is not None:
                yield from _bad_values(field.type, value[name])
    elif type_ is GraphQLID and value is not None and out_of_range(value):
        yield value


class _Literals(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.bad: list[str] = []

    def check(self, node: StringValueNode | IntValueNode) -> None:
        type_ = self.type_info.get_input_type()
        while isinstance(type_, GraphQLNonNull | GraphQLList):
            type_ = type_.of_type
        if type_ is GraphQLID and out_of_range(node.value):
            self.bad.append(node.value)

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.check(node)

    def enter_int_value(self, node: IntValueNode, *_: Any) -> None:
        self.check(node)


def bad_ids(schema: GraphQLSchema, document: Any, variables: dict[str, Any]) -> list[str]:
    """The out-of-range ids an operation is given, as literals or in its variables."""
    type_info = TypeInfo(schema)
    literals = _Literals(type_info)
    visit(document, TypeInfoVisitor(type_info, literals))
    bad = list(literals.bad)
    for definition in document.definitions:
        for variable in getattr(definition, "variable_definitions", None) or ():
            type_ = type_from_ast(schema, variable.type)
            name = variable.variable.name.value
            if type_ is not None and variables.get(name) is not None:
                bad.extend(str(v) for v in _bad_values(type_, variables[name]))
    return bad


class RefuseImpossibleIds(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        if execution.graphql_document is not None:
            bad = bad_ids(
                execution.schema._schema, execution.graphql_document, execution.variables or {}
            )
            if bad:
                raise GraphQLError(
                    f"ID {bad[0][:40]} is out of range: no such id exists",
                    extensions={"code": "INVALID"},
                )
        yield
