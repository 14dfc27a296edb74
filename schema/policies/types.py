"""Types shared by the policies schema: the typed error and id parsing."""

from __future__ import annotations

from enum import StrEnum

import strawberry
from graphql import GraphQLError

from mailcore.admin.errors import AdminError
from mailcore.archive.errors import PolicyError
from mailcore.archive.errors import PolicyErrorCode as CoreCode

PolicyErrorCode = strawberry.enum(StrEnum("PolicyErrorCode", {c.name: c.value for c in CoreCode}))


@strawberry.type(name="PolicyError")
class PolicyErrorType:
    code: PolicyErrorCode
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: PolicyError | AdminError) -> PolicyErrorType:
        code = exc.code.value if exc.code.value in CoreCode.__members__ else "INVALID"
        return cls(code=PolicyErrorCode(code), message=exc.message, field=exc.field)


def query_error(exc: PolicyError | AdminError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


def parse_id(value: str | int) -> int:
    """An id argument as a number (-1, which matches nothing, when it is not one)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


FAILURES = (PolicyError, AdminError)
