"""Refusals are logged in one INFO line, surprises at ERROR with their traceback
(schema/error_log.py), on a small schema built with the same class as Qiyou's."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import strawberry
from strawberry.permission import BasePermission

from schema.error_log import QiyouSchema


class Never(BasePermission):
    message = "This needs an administrator"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Query:
    @strawberry.field(permission_classes=[Never])
    def secret(self) -> str:
        return "no"

    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("a bug")


SCHEMA = QiyouSchema(query=Query)


async def test_a_refusal_is_one_info_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    result = await SCHEMA.execute("query Peek {\n  secret\n}")
    assert result.errors[0].extensions == {"code": "FORBIDDEN"}
    [record] = caplog.records
    assert record.levelno == logging.INFO and record.exc_info is None
    text = record.getMessage()
    assert text == "refused FORBIDDEN operation=Peek path=secret: This needs an administrator"


async def test_invalid_documents_are_refusals_too(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await SCHEMA.execute("{ nothing }")
    [record] = caplog.records
    assert record.levelno == logging.INFO and record.exc_info is None
    assert record.getMessage().startswith("refused INVALID_REQUEST operation=anonymous path=-: ")


async def test_an_unexpected_exception_keeps_error_and_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    result = await SCHEMA.execute("{ broken }")
    assert result.errors[0].message == "a bug"
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)
