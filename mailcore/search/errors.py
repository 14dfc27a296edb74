"""Typed errors of search."""

from __future__ import annotations

from enum import StrEnum


class SearchErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"  # e.g. no such folder
    UNAVAILABLE = "UNAVAILABLE"  # search is not running in this process


class SearchError(Exception):
    def __init__(self, code: SearchErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
