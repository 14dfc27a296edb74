"""How GraphQL errors are logged: refusals quietly, surprises loudly.

strawberry logs every error of an answer at ERROR with the exception's traceback, so a
member without a right (FORBIDDEN), an expired token (UNAUTHENTICATED) or a query over the
limits filled the log with tracebacks and hid the errors that matter. Here an expected
refusal is one INFO line; an exception that is no GraphQL error (a bug) keeps ERROR and
its traceback.
"""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

log = logging.getLogger("qiyou.graphql")


def expected(error: GraphQLError) -> bool:
    """A refusal the server meant to give: a typed error, or a request it could not run
    (parsing, validation, limits, variables: no ``path``)."""
    original = error.original_error
    return error.path is None or original is None or isinstance(original, GraphQLError)


def one_line(error: GraphQLError, execution: ExecutionContext | None) -> str:
    code = (error.extensions or {}).get("code", "INVALID_REQUEST")
    path = ".".join(str(key) for key in error.path or ()) or "-"
    operation = (execution.operation_name if execution else None) or "anonymous"
    message = " ".join(error.message.split())
    return f"refused {code} operation={operation} path={path}: {message}"[:1000]


class QiyouSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if expected(error):
                log.info(one_line(error, execution_context))
            else:
                StrawberryLogger.error(error, execution_context)
