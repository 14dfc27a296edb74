"""GraphQL errors for failures in queries (mutations return typed unions instead)."""

from __future__ import annotations

from graphql import GraphQLError

from mailcore.store.errors import MailError


def query_error(exc: MailError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})
