"""Reading member lists: CSV (UTF-8 with or without BOM, UTF-16, GBK/GB18030) and XLSX.

Excel in China saves CSV in GBK; "Unicode text" is UTF-16 with tabs. The first row is a
header when it names an ``email``/``邮箱`` column; otherwise columns are positional:
email, name, password, department, position, mobile, tel, vip, quota. Rows keep their
spreadsheet numbers (1 = the first line) so a report points at what the admin sees.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from mailcore.directory import validate

COLUMNS = (
    "email",
    "name",
    "password",
    "department",
    "position",
    "mobile",
    "tel",
    "vip",
    "quota",
)
HEADERS = {
    "email": {"email", "e-mail", "mail", "address", "邮箱", "邮箱地址", "邮件地址", "账号", "帐号"},
    "name": {"name", "姓名", "名字"},
    "password": {"password", "密码", "初始密码"},
    "department": {"department", "departmentpath", "dept", "部门", "部门路径", "所属部门"},
    "position": {"position", "title", "职位", "职务"},
    "mobile": {"mobile", "cellphone", "手机", "手机号", "手机号码"},
    "tel": {"tel", "phone", "telephone", "电话", "座机", "固定电话"},
    "vip": {"vip", "isvip"},
    "quota": {"quota", "容量", "邮箱容量"},
}
MAX_FILE = 20 * 1024 * 1024
MAX_CELL = 1024
MAX_COLUMNS = 64


class TableError(Exception):
    """The file as a whole cannot be read (the ``file`` field)."""


@dataclass
class Row:
    number: int
    values: dict[str, str]


def decode_csv(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise TableError("the file is neither UTF-8 nor GBK text") from exc


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max([",", "\t", ";"], key=first.count)


def csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = decode_csv(data)
    except UnicodeDecodeError as exc:
        raise TableError("the file is not valid text in its declared encoding") from exc
    if "\x00" in text:
        raise TableError("the file is not a CSV text file")
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise TableError(f"not a readable CSV file: {exc}") from exc


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def xlsx_rows(data: bytes, limit: int) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableError("not a readable XLSX workbook") from exc
    try:
        if not book.worksheets:
            return []
        rows = []
        for values in book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append([_cell(v) for v in values])
            if len(rows) > limit:
                break
        return rows
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise TableError("not a readable XLSX workbook") from exc
    finally:
        book.close()


def _header(cells: list[str]) -> dict[int, str] | None:
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = cell.strip().lower().replace(" ", "").replace("_", "").strip("*")
        for column, names in HEADERS.items():
            if key in names and column not in found.values():
                found[index] = column
    return found if "email" in found.values() else None


def read_table(data: bytes, filename: str, max_rows: int) -> list[Row]:
    """The data rows (blank rows skipped). More than ``max_rows`` is a ``TableError``."""
    if len(data) > MAX_FILE:
        raise TableError(f"the file is larger than {MAX_FILE // (1024 * 1024)} MB")
    is_xlsx = data.startswith(b"PK\x03\x04") or filename.lower().endswith((".xlsx", ".xlsm"))
    raw = xlsx_rows(data, max_rows + 1) if is_xlsx else csv_rows(data)
    if not raw:
        return []
    columns = _header(raw[0])
    start = 1 if columns is not None else 0
    columns = columns or dict(enumerate(COLUMNS))
    rows: list[Row] = []
    for number, cells in enumerate(raw[start:], start=start + 1):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= max_rows:
            raise TableError(f"a file may hold at most {max_rows} members; split it")
        values = {name: "" for name in COLUMNS}
        for index, name in columns.items():
            if index < len(cells):
                values[name] = cells[index].strip()[:MAX_CELL]
        rows.append(Row(number, values))
    return rows


def parse_flag(value: str, field: str) -> bool | None:
    """Spreadsheet yes/no: blank is None (not given)."""
    text = value.strip().lower()
    if not text:
        return None
    if text in {"1", "true", "yes", "y", "是", "vip", "t"}:
        return True
    if text in {"0", "false", "no", "n", "否", "f"}:
        return False
    raise validate.invalid(f"{field} is yes or no (1/0, true/false, 是/否)", field)
