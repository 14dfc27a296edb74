"""The netdisk's expected failures: a code per case and the field it concerns."""

from __future__ import annotations

from enum import StrEnum


class NetdiskErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"  # no such space/folder/file/upload, or not visible to the caller
    FORBIDDEN = "FORBIDDEN"  # visible, but the caller's role does not allow this
    BAD_NAME = "BAD_NAME"  # empty, too long, '/', NUL, control characters, '.' or '..'
    NAME_TAKEN = "NAME_TAKEN"  # the folder holds a live node of that name already
    NOT_A_FOLDER = "NOT_A_FOLDER"
    NOT_A_FILE = "NOT_A_FILE"
    BAD_MOVE = "BAD_MOVE"  # into itself or its own subtree, or into another space
    OVER_QUOTA = "OVER_QUOTA"  # the member's or the space's quota
    TOO_LARGE = "TOO_LARGE"  # over the largest upload
    OFFSET_MISMATCH = "OFFSET_MISMATCH"  # Upload-Offset is not the acknowledged offset
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"
    BAD_CHECKSUM = "BAD_CHECKSUM"  # an algorithm not offered, or a malformed value
    OVERLONG = "OVERLONG"  # more bytes than Upload-Length
    EXPIRED = "EXPIRED"  # the upload session was abandoned and cleaned up
    BAD_ROLE = "BAD_ROLE"  # a grant to no such member/department/group
    TRASHED = "TRASHED"  # the node is in the trash (restore it first)
    NOT_TRASHED = "NOT_TRASHED"


class NetdiskError(Exception):
    def __init__(self, code: NetdiskErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
