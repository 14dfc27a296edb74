"""Operation limits (schema/limits.py), the rule alone against the Qiyou schema."""

from __future__ import annotations

from graphql import get_introspection_query, parse, validate

from schema import LIMITS, MAX_ALIASES, MAX_DEPTH, MAX_FIELDS, MAX_INTROSPECTION_DEPTH
from schema import schema as qiyou_schema


def refusals(query: str) -> list[tuple[str, str]]:
    errors = validate(qiyou_schema._schema, parse(query), [LIMITS])
    return [(e.extensions["code"], e.message) for e in errors]


def nested(field: str, levels: int, leaf: str = "name") -> str:
    inner = "{ " + leaf + " }"
    for _ in range(levels):
        inner = "{ " + field + " " + inner + " }"
    return inner


def test_graphiql_introspection_query_passes() -> None:
    for query in (get_introspection_query(), get_introspection_query(True, True, True, True)):
        assert refusals(query) == []


def test_depth_outside_introspection() -> None:
    assert refusals(nested("a", MAX_DEPTH)) == []
    [(code, message)] = refusals(nested("a", MAX_DEPTH + 1))
    assert code == "QUERY_TOO_DEEP" and "exceeds maximum operation depth of 10" in message


def test_introspection_has_its_own_depth() -> None:
    fits = '{ __type(name: "Query") ' + nested("ofType", MAX_INTROSPECTION_DEPTH - 1) + " }"
    assert refusals(fits) == []
    deep = "{ __schema { types " + nested("ofType", MAX_INTROSPECTION_DEPTH - 1) + " } }"
    [(code, message)] = refusals(deep)
    assert code == "QUERY_TOO_DEEP" and f"{MAX_INTROSPECTION_DEPTH + 1} deep" in message


def fan_out(levels: int, selection: str) -> str:
    fragments = [f"fragment F0 on Query {{ {selection} }}"]
    for n in range(1, levels + 1):
        fragments.append(f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} ...F{n - 1} }}")
    return f"{{ ...F{levels} }}\n" + "\n".join(fragments)


def test_fields_and_aliases_count_fragments_spread_out() -> None:
    assert refusals(fan_out(5, "__typename")) == []  # 243 fields
    [(code, message)] = refusals(fan_out(60, "__typename"))  # 3**60: measured, not walked
    assert code == "QUERY_TOO_LARGE" and str(3**60) in message and str(MAX_FIELDS) in message
    codes = [code for code, _ in refusals(fan_out(60, "a: __typename"))]
    assert codes == ["QUERY_TOO_LARGE", "QUERY_TOO_LARGE"]  # fields and aliases
    [(code, message)] = refusals(fan_out(4, "a: __typename"))  # 81 fields, 81 aliases
    assert code == "QUERY_TOO_LARGE"
    assert (
        message
        == f"'anonymous' has 81 aliases with its fragments spread out; the limit is {MAX_ALIASES}"
    )


def test_fragment_cycles_and_unknown_fragments_are_left_to_graphql_core() -> None:
    query = "{ ...A ...Missing } fragment A on Query { ...B } fragment B on Query { ...A }"
    assert refusals(query) == []
    assert validate(qiyou_schema._schema, parse(query))  # graphql-core refuses it
