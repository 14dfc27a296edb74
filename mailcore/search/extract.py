"""Text of text-like attachments for the index: txt/csv/html, and docx/xlsx/pdf when cheap.

Every extractor is bounded (bytes read, pages, cells, characters out) and never raises: a
damaged or hostile file yields what could be read, or nothing.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from mailcore.core.mime.charset import decode_bytes
from mailcore.core.mime.sanitize import html_to_text

log = logging.getLogger(__name__)

MAX_INPUT = 10 * 1024 * 1024  # larger attachments are indexed by name only
MAX_TEXT = 100_000  # characters kept per attachment
MAX_PDF_PAGES = 50
MAX_XLSX_CELLS = 50_000

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(data: bytes) -> str:
    return decode_bytes(data)


def _html(data: bytes) -> str:
    return html_to_text(decode_bytes(data))


def _docx(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _xlsx(data: bytes) -> str:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    parts: list[str] = []
    cells = 0
    try:
        for sheet in book.worksheets:
            parts.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                values = [str(v) for v in row if v is not None]
                cells += len(row)
                if values:
                    parts.append(" ".join(values))
                if cells > MAX_XLSX_CELLS:
                    return "\n".join(parts)
    finally:
        book.close()
    return "\n".join(parts)


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts = []
    for page in reader.pages[:MAX_PDF_PAGES]:
        parts.append(page.extract_text() or "")
        if sum(len(p) for p in parts) > MAX_TEXT:
            break
    return "\n".join(parts)


_BY_EXT: dict[str, Callable[[bytes], str]] = {
    "txt": _plain,
    "text": _plain,
    "csv": _plain,
    "tsv": _plain,
    "md": _plain,
    "log": _plain,
    "ics": _plain,
    "vcf": _plain,
    "json": _plain,
    "xml": _plain,
    "html": _html,
    "htm": _html,
    "docx": _docx,
    "xlsx": _xlsx,
    "pdf": _pdf,
}
_BY_TYPE: dict[str, Callable[[bytes], str]] = {
    "text/plain": _plain,
    "text/csv": _plain,
    "text/markdown": _plain,
    "text/calendar": _plain,
    "text/html": _html,
    DOCX: _docx,
    XLSX: _xlsx,
    "application/pdf": _pdf,
}


def extractor(filename: str, content_type: str) -> Callable[[bytes], str] | None:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return _BY_EXT.get(ext) or _BY_TYPE.get((content_type or "").lower().split(";")[0].strip())


def attachment_text(filename: str, content_type: str, data: bytes) -> str:
    """The searchable text of one attachment, "" if it is not text-like or cannot be read."""
    extract = extractor(filename, content_type)
    if extract is None or not data or len(data) > MAX_INPUT:
        return ""
    try:
        return extract(data)[:MAX_TEXT]
    except Exception as exc:  # noqa: BLE001 - damaged files are common; index the name only
        log.info("no text from attachment %r: %s", filename, exc)
        return ""
