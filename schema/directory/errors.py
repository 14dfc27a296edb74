"""Failures of directory queries as GraphQL errors (mutations return typed unions instead)."""

from __future__ import annotations

from graphql import GraphQLError

from mailcore.admin.errors import AdminError
from mailcore.directory.errors import DirectoryError


def query_error(exc: AdminError | DirectoryError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})
