"""Exmail's error shape ``{"errcode": …, "errmsg": "…"}`` (always HTTP 200) and its codes.

The table is documented in docs/openapi.md; endpoints raise ``ApiError`` with one of these.
"""

from __future__ import annotations

from enum import IntEnum


class Errcode(IntEnum):
    SYSTEM_BUSY = -1
    OK = 0
    INVALID_CREDENTIAL = 40001
    INVALID_USERID = 40003
    INVALID_CORPID = 40013
    INVALID_TOKEN = 40014
    INVALID_PARAMETER = 40058
    TOKEN_EXPIRED = 42001
    METHOD_NOT_ALLOWED = 43002  # WeChat's "require POST": every endpoint takes POST (and GET)
    RATE_LIMITED = 45009
    API_NOT_FOUND = 48001  # "api unauthorized": no such endpoint here
    API_FORBIDDEN = 48002
    DEPARTMENT_NOT_FOUND = 60003
    PARENT_NOT_FOUND = 60004
    DEPARTMENT_HAS_MEMBERS = 60005
    DEPARTMENT_HAS_CHILDREN = 60006
    ROOT_DEPARTMENT = 60007
    DEPARTMENT_NAME_EXISTS = 60008
    USERID_EXISTS = 60102
    USERID_NOT_FOUND = 60111


class ApiError(Exception):
    def __init__(self, errcode: Errcode, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errcode = errcode
        self.errmsg = errmsg


def invalid(message: str) -> ApiError:
    return ApiError(Errcode.INVALID_PARAMETER, message)
