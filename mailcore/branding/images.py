"""Login page images: PNG or JPEG up to 512 KB, recognised by their bytes, never by a name.

SVG is refused: it can carry scripts and external references, and a raster logo serves a
login page just as well. The stored URL carries the blob key (``?v=<sha256>``), so a new
image gets a new URL and browsers may cache each one for long.
"""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from mailcore.admin.errors import AdminError, AdminErrorCode

MAX_IMAGE_BYTES = 512 * 1024
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"


class ImageKind(StrEnum):
    LOGO = "logo"
    BACKGROUND = "background"


def image_type(data: bytes) -> str | None:
    if data.startswith(PNG):
        return "image/png"
    if data.startswith(JPEG):
        return "image/jpeg"
    return None


def check_image(data: bytes) -> str:
    """The image's content type, or a typed error naming ``file``."""
    if len(data) > MAX_IMAGE_BYTES:
        raise AdminError(
            AdminErrorCode.INVALID,
            f"the image is over {MAX_IMAGE_BYTES // 1024} KB: make it smaller",
            "file",
        )
    content_type = image_type(data)
    if content_type is None:
        head = data[:1024].lstrip().lower()
        if head.startswith(b"<") and b"<svg" in head:
            raise AdminError(
                AdminErrorCode.INVALID,
                "SVG images are not accepted (they can carry scripts): upload PNG or JPEG",
                "file",
            )
        raise AdminError(AdminErrorCode.INVALID, "the file is not a PNG or JPEG image", "file")
    return content_type


def image_url(domain: str, kind: ImageKind, key: str) -> str:
    return f"/branding/{domain}/{kind.value}?v={key}"


def blob_key_of(url: str) -> str | None:
    """The blob key in a URL made by ``image_url``."""
    values = parse_qs(urlsplit(url).query).get("v", [])
    return values[0] if values else None
