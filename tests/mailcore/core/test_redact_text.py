"""mask_text: secret query values out of log lines (access log, our own, tracebacks)."""

import pytest

from mailcore.core.redact import mask_text


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (
            '127.0.0.1:5000 - "GET /messages/12/raw?token=abc HTTP/1.1" 401',
            '127.0.0.1:5000 - "GET /messages/12/raw?token=*** HTTP/1.1" 401',
        ),
        (
            "GET /cgi-bin/gettoken?corpid=ww1&corpsecret=S%2Fx HTTP/1.1",
            "GET /cgi-bin/gettoken?corpid=ww1&corpsecret=*** HTTP/1.1",
        ),
        ("/a/0?ticket=7.3.99.sig&inline=1", "/a/0?ticket=***&inline=1"),
        ("/x?%74oken=a&ACCESS%5FTOKEN=b&Key=c", "/x?%74oken=***&ACCESS%5FTOKEN=***&Key=***"),
        ("/login?code=081x&state=s", "/login?code=***&state=s"),
        (
            "jscode2session?appid=wx1&secret=s&js_code=c",
            "jscode2session?appid=wx1&secret=***&js_code=***",
        ),
        ("/p?password=hunter2#top", "/p?password=***#top"),
        ("https://h/?a=1?secret=x&b=2", "https://h/?a=1?secret=***&b=2"),
        ("/search?q=a%3Db&page=2", "/search?q=a%3Db&page=2"),
        ("no query: a=b", "no query: a=b"),
        ("/empty?token=&x=1", "/empty?token=&x=1"),
    ],
)
def test_mask_text(line: str, shown: str) -> None:
    assert mask_text(line) == shown


def test_values_inside_json_text_stop_at_the_quote() -> None:
    assert (
        mask_text('{"message": "GET /a?token=abc\\" x"}') == '{"message": "GET /a?token=***\\" x"}'
    )
