"""Bulk import of members from CSV (UTF-8 with BOM, GBK) and XLSX, with a report per row."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
from openpyxl import Workbook

from tests.e2e.client import GraphQLClient, login
from tests.e2e.server import PASSWORD
from tests.e2e.test_directory import DEPARTMENTS, MEMBER, as_admin, create_member, uid

IMPORT = """
mutation I($file: Upload!) {
  importMembers(file: $file) {
    __typename
    ... on MemberImportReport {
      total created updated failed
      rows { row email status code message field }
    }
    ... on AdminError { code field message }
  }
}
"""
MB = 1024 * 1024


async def upload(client: GraphQLClient, filename: str, data: bytes) -> dict[str, Any]:
    """A GraphQL multipart request (the upload spec) with one file."""
    operations = json.dumps({"query": IMPORT, "variables": {"file": None}})
    async with httpx.AsyncClient(timeout=120) as http:
        response = await http.post(
            client.url,
            data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
            files={"0": (filename, data, "application/octet-stream")},
            headers=client.headers(),
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]["importMembers"]


def by_row(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["row"]: r for r in report["rows"]}


async def test_csv_with_bom_creates_updates_and_reports_bad_rows(server):
    admin = await as_admin(server)
    tag = uid()
    existing = await create_member(admin, email=f"exists-{tag}@example.com", name="Old name")
    lines = [
        "email,name,password,department,position,mobile,tel,vip,quota",
        f"new-{tag}@example.com,张伟,{PASSWORD},研发部{tag}/后端组,工程师,13800000001,,0,1G",
        f"{existing['email']},New name,,,架构师,,,是,",
        "not-an-address,Bad,whatever-pw-1,,,,,,",
        f"nopw-{tag}@example.com,No password,,,,,,,",
        f"quota-{tag}@example.com,Bad quota,{PASSWORD},,,,,,lots",
        f"dept-{tag}@example.com,Bad dept,{PASSWORD},研发部{tag}/a:b,,,,,",
        "",
        f"vip-{tag}@example.com,Vip,{PASSWORD},研发部{tag}/后端组,,,,yes,",
        f"other-{tag}@other.org,Foreign,{PASSWORD},,,,,,",
    ]
    data = "\ufeff".encode() + "\r\n".join(lines).encode("utf-8")
    report = await upload(admin, "members.csv", data)
    assert report["__typename"] == "MemberImportReport", report
    assert (report["total"], report["created"], report["updated"], report["failed"]) == (
        8,
        2,
        1,
        5,
    )
    rows = by_row(report)
    assert rows[2]["status"] == "CREATED" and rows[2]["email"] == f"new-{tag}@example.com"
    assert rows[3]["status"] == "UPDATED"
    assert (rows[4]["status"], rows[4]["code"], rows[4]["field"]) == ("ERROR", "INVALID", "email")
    assert (rows[5]["code"], rows[5]["field"]) == ("INVALID", "password")
    assert (rows[6]["code"], rows[6]["field"]) == ("INVALID", "quota")
    assert (rows[7]["code"], rows[7]["field"]) == ("INVALID", "department")
    assert 8 not in rows, "blank lines are skipped, numbers stay those of the file"
    assert rows[9]["status"] == "CREATED"
    assert (rows[10]["code"], rows[10]["field"]) == ("FORBIDDEN", "email")
    assert all(r["message"] for r in report["rows"] if r["status"] == "ERROR")

    # the created member has every column, in the department path created for them
    new = (await admin.data(MEMBER, email=f"new-{tag}@example.com"))["member"]
    assert (new["name"], new["position"], new["mobile"]) == ("张伟", "工程师", "13800000001")
    assert new["quota"] == 1024 * MB and new["vip"] is False
    assert [d["path"] for d in new["departments"]] == [f"研发部{tag}/后端组"]
    assert (await login(server.graphql_url, new["email"], PASSWORD)).token
    paths = [d["path"] for d in (await admin.data(DEPARTMENTS))["adminDepartments"]]
    assert paths.count(f"研发部{tag}/后端组") == 1, "both rows share the created department"
    assert f"研发部{tag}/a:b" not in paths
    # the updated one kept what the row left blank
    updated = (await admin.data(MEMBER, email=existing["email"]))["member"]
    assert (updated["name"], updated["position"], updated["vip"]) == ("New name", "架构师", True)
    assert updated["departments"] == existing["departments"]
    # failed rows wrote nothing
    for row in (5, 6, 7):
        assert (await admin.data(MEMBER, email=rows[row]["email"]))["member"] is None


async def test_gbk_csv_from_excel_keeps_chinese_names(server):
    admin = await as_admin(server)
    tag = uid()
    lines = [
        "邮箱,姓名,密码,部门,职位,手机,电话,VIP,容量",
        f"gbk-{tag}@example.com,欧阳锋,{PASSWORD},销售部{tag},销售经理,,010-88886666,否,500M",
    ]
    report = await upload(admin, "成员.csv", "\r\n".join(lines).encode("gbk"))
    assert report["created"] == 1, report
    member = (await admin.data(MEMBER, email=f"gbk-{tag}@example.com"))["member"]
    assert (member["name"], member["position"], member["tel"]) == (
        "欧阳锋",
        "销售经理",
        "010-88886666",
    )
    assert member["quota"] == 500 * MB
    assert [d["name"] for d in member["departments"]] == [f"销售部{tag}"]


async def test_xlsx_import_with_numbers_and_flags_in_cells(server):
    admin = await as_admin(server)
    tag = uid()
    book = Workbook()
    sheet = book.active
    sheet.append(["Email", "Name", "Password", "Department", "Position", "Mobile", "Tel", "VIP"])
    sheet.append(
        [f"x1-{tag}@example.com", "诸葛亮", PASSWORD, f"XL{tag}", "军师", 13912345678, None, True]
    )
    sheet.append([f"x2-{tag}@example.com", "司马懿", "short", f"XL{tag}", None, None, None, False])
    sheet.append([f"x3-{tag}@example.com", "x" * 65, PASSWORD, None, None, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    report = await upload(admin, "members.xlsx", buffer.getvalue())
    rows = by_row(report)
    assert rows[2]["status"] == "CREATED"
    assert (rows[3]["code"], rows[3]["field"]) == ("INVALID", "password")
    assert (rows[4]["code"], rows[4]["field"]) == ("INVALID", "name")
    member = (await admin.data(MEMBER, email=f"x1-{tag}@example.com"))["member"]
    assert (member["name"], member["mobile"], member["vip"]) == ("诸葛亮", "13912345678", True)
    assert [d["path"] for d in member["departments"]] == [f"XL{tag}"]


async def test_files_that_cannot_be_imported_are_refused_whole(server):
    admin = await as_admin(server)
    tag = uid()
    header = "email,name,password\n"
    many = header + "".join(f"m{i}-{tag}@example.com,M,{PASSWORD}\n" for i in range(10_001))
    refused = await upload(admin, "many.csv", many.encode())
    assert (refused["code"], refused["field"]) == ("INVALID", "file")
    assert "10000" in refused["message"]
    assert (await admin.data(MEMBER, email=f"m0-{tag}@example.com"))["member"] is None
    for name, data in [
        ("empty.csv", b""),
        ("broken.xlsx", b"PK\x03\x04 not really a zip"),
        ("binary.csv", bytes(range(256)) * 4),
    ]:
        refused = await upload(admin, name, data)
        assert (refused["code"], refused["field"]) == ("INVALID", "file"), name
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    operations = json.dumps({"query": IMPORT, "variables": {"file": None}})
    async with httpx.AsyncClient() as http:
        body = (
            await http.post(
                bob.url,
                data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
                files={"0": ("a.csv", header.encode(), "text/csv")},
                headers=bob.headers(),
            )
        ).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
