"""Generate the golden .eml corpus with exact bytes (charsets, NULs, bare LF, truncation).

Run: .venv/bin/python tests/data/mime/make_corpus.py  (rewrites the .eml files beside it).
The expected .json files are written by regen.py and then checked by hand.
"""

from __future__ import annotations

import base64
from pathlib import Path

HERE = Path(__file__).parent


def crlf(text: str, charset: str = "utf-8") -> bytes:
    """Encode ``text`` and turn every LF into CRLF."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode(charset)


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def ew(text: str, charset: str, enc: str = "B") -> str:
    data = text.encode(charset)
    if enc == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    q = "".join(
        chr(b) if b < 128 and chr(b).isalnum() else ("_" if b == 32 else f"={b:02X}") for b in data
    )
    return f"=?{charset}?Q?{q}?="


CASES: dict[str, bytes] = {}

CASES["01_plain_ascii"] = crlf(
    """From: Alice Example <alice@example.com>
To: Bob <bob@example.org>
Cc: carol@example.net
Subject: Lunch on Friday?
Date: Fri, 07 Jun 2024 12:30:00 +0200
Message-ID: <plain-1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hi Bob,

Are we still on for lunch on Friday?

Alice
"""
)

CASES["02_utf8_encoded_words"] = crlf(
    "From: " + ew("José Müller", "utf-8", "Q") + " <jose@example.de>\n"
    # Adjacent words with a 3-byte character split across two B words.
    "To: " + '"' + ew("王小明", "utf-8") + '"' + " <wang@example.cn>\n"
    "Subject: =?UTF-8?B?5Lit5paH5Li7?= =?UTF-8?B?6aKY?=\n"
    "  =?utf-8?q?_caf=C3=A9?= and more\n"
    "Date: Mon, 3 Jun 2024 08:00:00 +0000\n"
    "Message-ID: <ew-1@example.de>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "Grüße aus Berlin – 你好！\n"
)

CASES["03_gb2312_body_subject"] = crlf(
    "From: " + ew("张三", "gb2312") + " <zhangsan@example.cn>\n"
    "To: " + ew("李四", "gb2312") + " <lisi@example.cn>\n"
    "Subject: " + ew("关于下周会议的通知", "gb2312") + "\n"
    "Date: Tue, 4 Jun 2024 09:15:00 +0800\n"
    "Message-ID: <gb2312-1@example.cn>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=gb2312\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
) + crlf(b64(crlf("各位同事：\n\n下周一上午十点在三楼会议室开会，请准时参加。\n", "gb2312")))

CASES["04_gbk_mislabelled_gb2312"] = crlf(
    "From: news@example.cn\n"
    "To: reader@example.cn\n"
    "Subject: " + ew("朱镕基", "gbk") + "\n"
    "Date: Wed, 5 Jun 2024 10:00:00 +0800\n"
    "Message-ID: <gbk-1@example.cn>\n"
    "MIME-Version: 1.0\n"
    'Content-Type: text/plain; charset="gb2312"\n'
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
).replace(b"?gbk?", b"?gb2312?") + crlf("朱镕基总理的讲话（GBK 独有字：镕、堃、喆）。\n", "gbk")

CASES["05_gb18030"] = crlf(
    "From: sender@example.cn\n"
    "To: receiver@example.cn\n"
    "Subject: " + ew("四字节字符 𠀀 测试", "gb18030") + "\n"
    "Date: Thu, 6 Jun 2024 11:00:00 +0800\n"
    "Message-ID: <gb18030-1@example.cn>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=GB18030\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
) + crlf("扩展字符：𠀀𠀁，欧元符号：€。\n", "gb18030")

CASES["06_big5"] = crlf(
    "From: " + ew("陳大文", "big5") + " <chan@example.com.tw>\n"
    "To: office@example.com.tw\n"
    "Subject: " + ew("繁體中文測試", "big5") + "\n"
    "Date: Fri, 7 Jun 2024 14:00:00 +0800\n"
    "Message-ID: <big5-1@example.com.tw>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=big5\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
) + crlf("這是一封繁體中文郵件，請查收。\n", "big5")

CASES["07_raw_utf8_headers"] = crlf(
    "From: 王芳 <wangfang@example.cn>\n"
    'To: "赵六, 销售部" <zhaoliu@example.cn>\n'
    "Subject: 原始 UTF-8 标题：季度报告\n"
    "Date: Sat, 8 Jun 2024 15:00:00 +0800\n"
    "Message-ID: <raw-utf8-1@example.cn>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "正文是 UTF-8。\n"
)

CASES["08_raw_gbk_headers"] = crlf(
    "From: 孙七 <sunqi@example.cn>\n"
    "To: 周八 <zhouba@example.cn>\n"
    "Subject: 未编码的 GBK 标题\n"
    "Date: Sun, 9 Jun 2024 16:00:00 +0800\n"
    "Message-ID: <raw-gbk-1@example.cn>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain\n"
    "\n"
    "正文没有声明字符集。\n",
    "gbk",
)

CASES["09_unknown_charset"] = crlf(
    "From: odd@example.com\n"
    "To: you@example.com\n"
    "Subject: =?x-foo?Q?Unknown_charset_=E2=9C=93?=\n"
    "Date: Mon, 10 Jun 2024 10:00:00 -0700\n"
    "Message-ID: <xfoo-1@example.com>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=x-foo\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "Body labelled x-foo but really UTF-8: naïve café ✓\n"
)

CASES["10_wrong_charset_utf8_declared_gbk"] = crlf(
    "From: wrong@example.cn\n"
    "To: you@example.cn\n"
    "Subject: Wrong charset\n"
    "Date: Tue, 11 Jun 2024 10:00:00 +0800\n"
    "Message-ID: <wrong-1@example.cn>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
) + crlf("声明是 UTF-8，实际是 GBK 编码的中文内容。\n", "gbk")

CASES["11_multipart_alternative"] = crlf(
    """From: Newsletter <news@example.com>
To: subscriber@example.com
Subject: Weekly digest
Date: Wed, 12 Jun 2024 07:00:00 +0000
Message-ID: <alt-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt-boundary"

This is a multi-part message in MIME format.

--alt-boundary
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Plain version of the digest.
--alt-boundary
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 7bit

<html><body><h1>Digest</h1><p>HTML version of the digest.</p></body></html>
--alt-boundary--
"""
)

CASES["12_multipart_mixed_attachments"] = crlf(
    """From: Reports <reports@example.com>
To: team@example.com
Subject: Monthly reports
Date: Thu, 13 Jun 2024 18:00:00 +0000
Message-ID: <mixed-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mix"

--mix
Content-Type: text/plain; charset=utf-8

Please find the reports attached.
--mix
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==
--mix
Content-Type: text/csv; name=data.csv
Content-Disposition: attachment; filename=data.csv

a,b,c
1,2,3
--mix
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

AAECAwQFBgcICQ==
--mix--
"""
)

CASES["13_rfc2231_chinese_filename"] = crlf(
    """From: hr@example.cn
To: staff@example.cn
Subject: Contract
Date: Fri, 14 Jun 2024 09:00:00 +0800
Message-ID: <rfc2231-1@example.cn>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b2231"

--b2231
Content-Type: text/plain; charset=utf-8

See attachment.
--b2231
Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document
Content-Disposition: attachment;
 filename*0*=UTF-8''%E5%8A%B3%E5%8A%A8%E5%90%88%E5%90%8C%EF%BC%88;
 filename*1*=%E6%AD%A3%E5%BC%8F%E7%89%88%EF%BC%89;
 filename*2=".docx"
Content-Transfer-Encoding: base64

UEsDBBQAAAAIAA==
--b2231
Content-Type: application/pdf
Content-Disposition: attachment; filename*=gbk'zh-cn'%C4%EA%B6%C8%D7%DC%BD%E1.pdf
Content-Transfer-Encoding: base64

JVBERi0=
--b2231--
"""
)

CASES["14_rfc2047_filename"] = crlf(
    "From: sales@example.cn\n"
    "To: buyer@example.cn\n"
    "Subject: Quote\n"
    "Date: Sat, 15 Jun 2024 10:00:00 +0800\n"
    "Message-ID: <rfc2047fn-1@example.cn>\n"
    "MIME-Version: 1.0\n"
    'Content-Type: multipart/mixed; boundary="qq"\n'
    "\n"
    "--qq\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Quote attached.\n"
    "--qq\n"
    'Content-Type: application/vnd.ms-excel; name="' + ew("报价单", "gb2312") + '.xls"\n'
    "Content-Disposition: attachment\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "0M8R4KGxGuE=\n"
    "--qq--\n"
)

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
CASES["15_inline_cid_related"] = crlf(
    """From: Designer <design@example.com>
To: client@example.com
Subject: Logo preview
Date: Sun, 16 Jun 2024 12:00:00 +0000
Message-ID: <related-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/related; boundary="rel"; type="text/html"

--rel
Content-Type: text/html; charset=utf-8

<p>Here is the logo:</p><img src="cid:logo123@example.com" alt="logo">
--rel
Content-Type: image/png
Content-ID: <logo123@example.com>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

"""
    + b64(PNG)
    + """--rel
Content-Type: image/png; name="unused.png"
Content-ID: <unused@example.com>
Content-Transfer-Encoding: base64

"""
    + b64(PNG)
    + """--rel--

--outer
Content-Type: application/zip; name="sources.zip"
Content-Disposition: attachment; filename="sources.zip"
Content-Transfer-Encoding: base64

UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==
--outer--
"""
)

CASES["16_truncated_mime"] = crlf(
    """From: big@example.com
To: you@example.com
Subject: Truncated transfer
Date: Mon, 17 Jun 2024 08:00:00 +0000
Message-ID: <trunc-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="cut"

--cut
Content-Type: text/plain; charset=utf-8

The attachment below was cut off in transit.
--cut
Content-Type: application/pdf; name="big.pdf"
Content-Disposition: attachment; filename="big.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCnic
K1QqVDI0MFBIzUvOzy0oSi0uzsxTslIyNDIwMDZUMFBIzUvOzy0oSi0uzsxTslIyNDIwMDZU
MFBIzUvOzy0oSi0uzsxT"""
)

CASES["17_missing_closing_boundary"] = crlf(
    """From: sloppy@example.com
To: you@example.com
Subject: No closing delimiter
Date: Tue, 18 Jun 2024 08:00:00 +0000
Message-ID: <noclose-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="open"

--open
Content-Type: text/plain; charset=utf-8

First part.
--open
Content-Type: text/plain; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"

line one
line two
"""
)

CASES["18_boundary_absent"] = crlf(
    """From: broken@example.com
To: you@example.com
Subject: Boundary never used
Date: Wed, 19 Jun 2024 08:00:00 +0000
Message-ID: <absent-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="never-appears"

This body claims to be multipart but has no delimiter lines.
It should still be readable.
"""
)

CASES["19_nul_bytes"] = crlf(
    "From: nul@example.com\n"
    "To: you@example.com\n"
    "Subject: Has\x00NUL bytes\n"
    "Date: Thu, 20 Jun 2024 08:00:00 +0000\n"
    "Message-ID: <nul-1@example.com>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "before\x00after\n"
    "second\x00\x00line\n"
)

CASES["20_bare_lf"] = (
    b"From: Unix User <unix@example.com>\n"
    b"To: you@example.com\n"
    b"Subject: Bare LF line endings\n"
    b"Date: Fri, 21 Jun 2024 08:00:00 +0000\n"
    b"Message-ID: <lf-1@example.com>\n"
    b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/alternative; boundary="lf"\n'
    b"\n"
    b"--lf\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"\n"
    b"Line one.\n"
    b"Line two.\n"
    b"--lf\n"
    b"Content-Type: text/html; charset=utf-8\n"
    b"\n"
    b"<p>Line one.<br>Line two.</p>\n"
    b"--lf--\n"
)

CASES["21_html_only"] = crlf(
    """From: Marketing <marketing@example.com>
To: you@example.com
Subject: =?utf-8?Q?Summer_sale_=E2=80=93_50=25_off?=
Date: Sat, 22 Jun 2024 08:00:00 +0000
Message-ID: <html-1@example.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><head><title>Sale</title><style>p {color: red}</style></head>
<body><h1>Summer sale</h1><p>Everything is 50% off &amp; shipping is free.<br>
Visit <a href=3D"https://shop.example.com">our shop</a>.</p>
<script>alert(1)</script><p>&copy; Shop&nbsp;Inc</p></body></html>
"""
)

CASES["22_reply_threading"] = crlf(
    """From: Bob <bob@example.org>
To: Alice Example <alice@example.com>
Subject: Re: Lunch on Friday?
Date: Fri, 07 Jun 2024 13:05:00 +0200
Message-ID: <reply-2@example.org>
In-Reply-To: <plain-1@example.com>
References: <root-0@example.com>
 <plain-1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8; format=flowed

Sure, see you at noon. This line is long enough that the sender wrapped it 
with format=flowed soft breaks.

> Are we still on for lunch on Friday?
"""
)

CASES["23_forward_rfc822"] = crlf(
    "From: Carol <carol@example.net>\n"
    "To: dave@example.net\n"
    "Subject: Fwd: " + ew("项目进度", "utf-8") + "\n"
    "Date: Sun, 23 Jun 2024 09:00:00 +0000\n"
    "Message-ID: <fwd-1@example.net>\n"
    "MIME-Version: 1.0\n"
    'Content-Type: multipart/mixed; boundary="fw"\n'
    "\n"
    "--fw\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "FYI, forwarding the message below.\n"
    "--fw\n"
    "Content-Type: message/rfc822\n"
    "Content-Disposition: inline\n"
    "\n"
    "From: pm@example.net\n"
    "To: carol@example.net\n"
    "Subject: " + ew("项目进度", "utf-8") + "\n"
    "Message-ID: <inner-1@example.net>\n"
    'Content-Type: multipart/mixed; boundary="inner"\n'
    "\n"
    "--inner\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Inner body must not become the outer body.\n"
    "--inner\n"
    'Content-Type: application/pdf; name="inner.pdf"\n'
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0=\n"
    "--inner--\n"
    "\n"
    "--fw--\n"
)

CASES["24_empty_body"] = crlf(
    """From: empty@example.com
To: you@example.com
Subject:
Date: Mon, 24 Jun 2024 08:00:00 +0000
Message-ID: <empty-1@example.com>

"""
)

CASES["25_no_headers"] = crlf(
    """This message has no header block at all.
Just text, on two lines.
"""
)

CASES["26_base64_garbage"] = crlf(
    """From: garbage@example.com
To: you@example.com
Subject: Base64 with garbage
Date: Tue, 25 Jun 2024 08:00:00 +0000
Message-ID: <b64g-1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

SGVsbG8g!!d29y*bGQh
IEdhcmJh##Z2UgaW4gYmFzZTY0Lg
"""
)

CASES["27_qp_soft_breaks_chinese"] = crlf(
    """From: qp@example.cn
To: you@example.cn
Subject: =?utf-8?Q?=E8=BD=AF=E6=8D=A2=E8=A1=8C?=
Date: Wed, 26 Jun 2024 08:00:00 +0800
Message-ID: <qp-1@example.cn>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

=E8=BF=99=E6=98=AF=E4=B8=80=E8=A1=8C=E5=BE=88=E9=95=BF=E7=9A=84=E4=B8=AD=
=E6=96=87=EF=BC=8C=E8=A2=AB=E8=BD=AF=E6=8D=A2=E8=A1=8C=E5=88=86=E5=89=B2=
=E3=80=82
=E7=AC=AC=E4=BA=8C=E8=A1=8C=E3=80=82 a=3Db
"""
)

CASES["28_address_edge_cases"] = crlf(
    'From: "Doe, John" <john@example.com>\n'
    "Sender: list-bounces@example.com\n"
    "Reply-To: Team List <team@example.com>\n"
    "To: undisclosed-recipients:;\n"
    'Cc: Team: a@example.com, "B, Person" <b@example.com>;, c@example.com (Carl)\n'
    "Bcc: secret@example.com\n"
    "Subject: [team]  Address   edge\tcases\n"
    "Date: 27 Jun 2024 08:00:00 GMT\n"
    "Message-ID: no-brackets@example.com\n"
    "MIME-Version: 1.0\n"
    "\n"
    "Body without content type.\n"
)

CASES["29_apple_text_image_text"] = crlf(
    """From: iphone@example.com
To: you@example.com
Subject: Photo
Date: Thu, 27 Jun 2024 08:00:00 -0400
Message-ID: <apple-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="apple"

--apple
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Look at this:
--apple
Content-Type: image/png; name="photo.png"
Content-Disposition: inline; filename="photo.png"
Content-Transfer-Encoding: base64

"""
    + b64(PNG)
    + """--apple
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Nice, isn't it?
--apple--
"""
)

CASES["30_latin1_bad_date"] = crlf(
    "From: =?iso-8859-1?Q?Fran=E7ois?= <francois@example.fr>\n"
    "To: you@example.com\n"
    "Subject: =?iso-8859-1?Q?R=E9union?=\n"
    "Date: not a date at all\n"
    "Message-ID: <latin1-1@example.fr>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "Caf\u00e9 \u00e0 10h \u2013 \u00e0 bient\u00f4t.\n",
    "cp1252",
)


def main() -> None:
    for old in HERE.glob("*.eml"):
        old.unlink()
    for name, data in CASES.items():
        (HERE / f"{name}.eml").write_bytes(data)
    print(f"wrote {len(CASES)} .eml files")


if __name__ == "__main__":
    main()
