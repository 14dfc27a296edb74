"""What the index learns from a raw message: body text (HTML turned into text), attachment
names, and the text of txt/csv/html/docx/xlsx/pdf attachments."""

from __future__ import annotations

import io
from email.message import EmailMessage

import docx
import openpyxl

from mailcore.search.extract import DOCX, XLSX, attachment_text
from mailcore.search.mail import message_text


def make_docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "单元格"
    table.rows[0].cells[1].text = "cellvalue"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "预算表"
    sheet.append(["region", "revenue"])
    sheet.append(["华东", 4200])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_pdf(text: str) -> bytes:
    """A one-page PDF with ``text`` in Helvetica (ASCII), written by hand."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (n, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def test_text_of_each_kind_of_attachment() -> None:
    assert "会议纪要" in attachment_text("a.txt", "text/plain", "会议纪要 minutes".encode())
    assert "shanghai" in attachment_text("a.csv", "text/csv", b"city\nshanghai\n")
    html = attachment_text("page.html", "text/html", b"<p>hello <b>world</b></p><script></script>")
    assert "hello world" in html and "<" not in html
    docx_text = attachment_text("plan.docx", DOCX, make_docx("季度计划 roadmap"))
    assert "季度计划 roadmap" in docx_text and "cellvalue" in docx_text
    xlsx_text = attachment_text("budget.xlsx", XLSX, make_xlsx())
    assert "预算表" in xlsx_text and "华东 4200" in xlsx_text
    assert "Confidential forecast" in attachment_text(
        "f.pdf", "application/pdf", make_pdf("Confidential forecast")
    )


def test_damaged_or_unknown_files_give_no_text() -> None:
    assert attachment_text("x.docx", DOCX, b"PK\x03\x04 not a zip") == ""
    assert attachment_text("x.xlsx", XLSX, b"garbage") == ""
    assert attachment_text("x.pdf", "application/pdf", b"%PDF-1.4 broken") == ""
    assert attachment_text("photo.jpg", "image/jpeg", b"\xff\xd8\xff") == ""
    assert attachment_text("empty.txt", "text/plain", b"") == ""


def test_message_text_from_raw_mail() -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@x.test", "b@x.test", "hi"
    msg.set_content("<html><body><p>Only <i>HTML</i> 正文</p></body></html>", subtype="html")
    msg.add_attachment(
        make_docx("附件内容 attached"),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="方案.docx",
    )
    msg.add_attachment(b"\x89PNG....", maintype="image", subtype="png", filename="logo.png")
    text = message_text(msg.as_bytes())
    assert "Only HTML 正文" in text.body and "<p>" not in text.body
    assert "方案.docx" in text.attachments and "logo.png" in text.attachments
    assert "附件内容 attached" in text.attachments
    assert message_text(b"").body == ""
    assert message_text(b"\x00\xff garbage without headers").attachments == ""
