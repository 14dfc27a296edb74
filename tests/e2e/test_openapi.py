"""The open API: apps and tokens, kinds, member options, new-mail count, SSO, GraphQL tokens.

Called as an integration would: plain HTTP with query strings and JSON bodies, the access
token in the ``access_token`` query parameter, answers in Exmail's ``errcode`` shape.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD
from tests.e2e.test_directory import create_member

CREATE_APP = """
mutation Create($kind: OpenAppKind!, $webhook: String!) {
  createOpenApp(kind: $kind, webhookUrl: $webhook) {
    __typename
    ... on OpenAppSecret { corpsecret webhookSecret app { corpid kind webhookUrl enabled } }
    ... on AdminError { code field message }
  }
}
"""
OPEN_APPS = "{ openApps { corpid kind enabled } }"
ROTATE = """
mutation Rotate($corpid: String!) {
  rotateOpenAppSecret(corpid: $corpid) {
    __typename ... on OpenAppSecret { corpsecret } ... on AdminError { code }
  }
}
"""
UPDATE_APP = """
mutation Update($corpid: String!, $enabled: Boolean) {
  updateOpenApp(corpid: $corpid, enabled: $enabled) {
    __typename ... on OpenApp { enabled } ... on AdminError { code }
  }
}
"""
DELETE_APP = """
mutation Delete($corpid: String!) {
  deleteOpenApp(corpid: $corpid) { __typename ... on AdminError { code } }
}
"""
ME = "{ me { email } }"
ROOT_DEPARTMENT = "{ adminDepartments { id } }"
GRANT = """
mutation G($email: String!, $perms: [String!], $deps: [ID!]) {
  grantAdmin(email: $email, permissions: $perms, departmentIds: $deps) { __typename }
}
"""
MAIL_GROUPS = "{ mailGroups { email } }"
FOLDERS = "{ folders { role unread } }"


class OpenApi:
    """An integration's HTTP client for ``/cgi-bin``."""

    def __init__(self, base_url: str, token: str = "") -> None:
        self.base_url = base_url
        self.token = token

    def _params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"access_token": self.token, **params} if self.token else params

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.get(
                f"{self.base_url}/cgi-bin/{path}", params=self._params(params)
            )
        assert response.status_code == 200, response.text
        return response.json()

    async def post(self, path: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(
                f"{self.base_url}/cgi-bin/{path}",
                params=self._params(params),
                content=json.dumps(body, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"},
            )
        assert response.status_code == 200, response.text
        return response.json()


async def create_app(server, kind: str, webhook: str = "") -> dict[str, Any]:
    """A new app of example.com, created by its super administrator over GraphQL."""
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    result = (await admin.data(CREATE_APP, kind=kind.upper(), webhook=webhook))["createOpenApp"]
    assert result["__typename"] == "OpenAppSecret", result
    return {
        "corpid": result["app"]["corpid"],
        "corpsecret": result["corpsecret"],
        "webhook_secret": result["webhookSecret"],
    }


async def app_api(server, kind: str) -> OpenApi:
    """A client holding a fresh token of a new app of ``kind``."""
    app = await create_app(server, kind)
    answer = await OpenApi(server.url).get("gettoken", **app)
    assert answer["errcode"] == 0, answer
    return OpenApi(server.url, answer["access_token"])


async def new_member(server, prefix: str) -> str:
    address = f"{unique(prefix).replace(' ', '-')}@example.com"
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    await create_member(admin, email=address)
    return address


async def test_gettoken_gives_a_token_for_the_right_secret_only(server):
    app = await create_app(server, "newmail")
    api = OpenApi(server.url)

    ok = await api.get("gettoken", corpid=app["corpid"], corpsecret=app["corpsecret"])
    assert ok["errcode"] == 0 and ok["errmsg"] == "ok"
    assert ok["expires_in"] == 7200 and len(ok["access_token"]) > 30

    wrong = await api.get("gettoken", corpid=app["corpid"], corpsecret=app["corpsecret"] + "x")
    assert wrong["errcode"] == 40001 and "access_token" not in wrong
    unknown = await api.get("gettoken", corpid="qy0000000000000000", corpsecret="x")
    assert unknown["errcode"] == 40013

    count = await OpenApi(server.url, ok["access_token"]).get(
        "mail/newcount", userid="bob@example.com"
    )
    assert count["errcode"] == 0 and isinstance(count["count"], int)
    forged = await OpenApi(server.url, ok["access_token"][:-2] + "zz").get(
        "mail/newcount", userid="bob@example.com"
    )
    assert forged["errcode"] == 40014
    missing = await api.get("mail/newcount", userid="bob@example.com")
    assert missing["errcode"] == 40014


async def test_a_token_reaches_only_the_endpoints_of_its_kind(server):
    newmail = await app_api(server, "newmail")
    refused = await newmail.get("department/list")
    assert refused["errcode"] == 48002 and "forbidden" in refused["errmsg"]
    assert (await newmail.get("service/get_login_url", userid="bob@example.com"))[
        "errcode"
    ] == 48002
    directory = await app_api(server, "directory")
    assert (await directory.get("department/list"))["errcode"] == 0
    assert (await directory.get("mail/newcount", userid="bob@example.com"))["errcode"] == 48002
    assert (await directory.post("useroption/get", {"userid": "bob@example.com"}))[
        "errcode"
    ] == 48002


async def test_only_super_admins_manage_apps_of_their_enterprise(server):
    app = await create_app(server, "sso")
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    listed = {(a["corpid"], a["kind"]) for a in (await admin.data(OPEN_APPS))["openApps"]}
    assert (app["corpid"], "SSO") in listed

    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    body = await bob.execute(CREATE_APP, kind="DIRECTORY", webhook="")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    scoped_email = await new_member(server, "scoped")
    root = (await admin.data(ROOT_DEPARTMENT))["adminDepartments"][0]["id"]
    granted = await admin.data(GRANT, email=scoped_email, perms=["openapi"], deps=[root])
    assert granted["grantAdmin"]["__typename"] == "AdminRoleType"
    scoped = await login(server.graphql_url, scoped_email, PASSWORD)
    refused = (await scoped.data(CREATE_APP, kind="DIRECTORY", webhook=""))["createOpenApp"]
    assert refused["code"] == "FORBIDDEN", "only super administrators manage apps"
    assert (await scoped.execute(OPEN_APPS))["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    assert app["corpid"] not in str(await oscar.data(OPEN_APPS))
    assert (await oscar.data(ROTATE, corpid=app["corpid"]))["rotateOpenAppSecret"] == {
        "__typename": "AdminError",
        "code": "NOT_FOUND",
    }
    assert (await oscar.data(DELETE_APP, corpid=app["corpid"]))["deleteOpenApp"]["code"] == (
        "NOT_FOUND"
    )
    no_hook = await admin.data(CREATE_APP, kind="SSO", webhook="http://127.0.0.1/x")
    assert no_hook["createOpenApp"]["field"] == "webhookUrl"


async def test_rotating_the_secret_or_disabling_the_app_ends_old_credentials(server):
    app = await create_app(server, "newmail")
    api = OpenApi(server.url)
    token = (await api.get("gettoken", **app))["access_token"]
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)

    rotated = (await admin.data(ROTATE, corpid=app["corpid"]))["rotateOpenAppSecret"]
    new_secret = rotated["corpsecret"]
    assert new_secret != app["corpsecret"]
    assert (await api.get("gettoken", **app))["errcode"] == 40001
    old = await OpenApi(server.url, token).get("mail/newcount", userid="bob@example.com")
    assert old["errcode"] == 40014
    fresh = await api.get("gettoken", corpid=app["corpid"], corpsecret=new_secret)
    assert fresh["errcode"] == 0

    disabled = await admin.data(UPDATE_APP, corpid=app["corpid"], enabled=False)
    assert disabled["updateOpenApp"] == {"__typename": "OpenApp", "enabled": False}
    after = await OpenApi(server.url, fresh["access_token"]).get(
        "mail/newcount", userid="bob@example.com"
    )
    assert after["errcode"] == 40014
    assert (await admin.data(DELETE_APP, corpid=app["corpid"]))["deleteOpenApp"] == {
        "__typename": "Done"
    }
    assert (await api.get("gettoken", corpid=app["corpid"], corpsecret=new_secret))[
        "errcode"
    ] == 40013


async def test_useroption_reads_and_switches_member_features(server):
    api = await app_api(server, "settings")
    user = await new_member(server, "options")

    before = await api.post("useroption/get", {"userid": user, "type": [1, 2, 3, 4]})
    assert before["errcode"] == 0
    assert {o["type"]: o["value"] for o in before["option"]} == {1: "0", 2: "1", 3: "1", 4: "0"}

    updated = await api.post(
        "useroption/update",
        {"userid": user, "option": [{"type": 1, "value": "1"}, {"type": 3, "value": "0"}]},
    )
    assert updated == {"errcode": 0, "errmsg": "updated"}
    after = await api.post("useroption/get", {"userid": user, "type": [1, 2, 3, 4]})
    assert {o["type"]: o["value"] for o in after["option"]} == {1: "1", 2: "1", 3: "0", 4: "1"}

    restored = await api.post(
        "useroption/update",
        {"userid": user, "option": [{"type": 1, "value": "0"}, {"type": 3, "value": "1"}]},
    )
    assert restored["errcode"] == 0
    read_only = await api.post(
        "useroption/update", {"userid": user, "option": [{"type": 4, "value": "1"}]}
    )
    assert read_only["errcode"] == 40058
    bad_type = await api.post("useroption/get", {"userid": user, "type": [9]})
    assert bad_type["errcode"] == 40058
    nobody = await api.post("useroption/get", {"userid": "nobody@example.com", "type": [1]})
    assert nobody["errcode"] == 60111
    elsewhere = await api.post("useroption/get", {"userid": "olga@other.org", "type": [1]})
    assert elsewhere["errcode"] == 60111, "members of another enterprise are not found"
    malformed = await api.post("useroption/get", {"userid": "not an address", "type": [1]})
    assert malformed["errcode"] == 40003


async def test_newcount_counts_unread_inbox_mail_delivered_over_smtp(server):
    api = await app_api(server, "newmail")
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    before = (await api.get("mail/newcount", userid="bob@example.com"))["count"]
    subject = unique("newcount")

    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "someone@outside.test",
            ["bob@example.com"],
            simple_mail("someone@outside.test", "bob@example.com", subject),
        )
    assert await find(bob, subject) is not None

    after = await api.get("mail/newcount", userid="bob@example.com")
    assert after == {"errcode": 0, "errmsg": "ok", "count": before + 1}
    folders = (await bob.data(FOLDERS))["folders"]
    assert next(f["unread"] for f in folders if f["role"] in ("inbox", "INBOX")) == after["count"]


async def test_sso_login_url_signs_the_member_in_once(server):
    api = await app_api(server, "sso")
    answer = await api.get("service/get_login_url", userid="alice@example.com")
    assert answer["errcode"] == 0 and answer["expires_in"] == 300
    url = answer["login_url"]
    assert url.startswith(f"{server.url}/sso?ticket=")

    async with httpx.AsyncClient(timeout=30) as http:
        landed = await http.get(url, headers={"Accept": "application/json"})
        again = await http.get(url, headers={"Accept": "application/json"})
        page_url = (await api.get("service/get_login_url", userid="bob@example.com"))["login_url"]
        page = await http.get(page_url)
    assert landed.status_code == 200 and landed.json()["email"] == "alice@example.com"
    alice = GraphQLClient(server.graphql_url, landed.json()["token"])
    assert (await alice.data(ME))["me"]["email"] == "alice@example.com"
    assert again.status_code == 400, "a ticket works once"
    assert page.status_code == 200 and "localStorage.setItem" in page.text
    assert "bob@example.com" in page.text

    forged = await api.get("service/get_login_url", userid="nobody@example.com")
    assert forged["errcode"] == 60111


async def test_graphql_with_an_app_token_does_its_kind_only(server):
    directory = await app_api(server, "directory")
    as_app = GraphQLClient(server.graphql_url, directory.token)

    assert isinstance((await as_app.data(MAIL_GROUPS))["mailGroups"], list)
    refused = await as_app.execute(OPEN_APPS)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await as_app.execute(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    create = (await as_app.data(CREATE_APP, kind="LOGS", webhook=""))["createOpenApp"]
    assert create["code"] == "FORBIDDEN"

    newmail = await app_api(server, "newmail")
    other_kind = GraphQLClient(server.graphql_url, newmail.token)
    body = await other_kind.execute(MAIL_GROUPS)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    forged = GraphQLClient(server.graphql_url, newmail.token + "x")
    assert (await forged.execute(MAIL_GROUPS))["errors"][0]["extensions"]["code"] == (
        "UNAUTHENTICATED"
    )


async def test_cli_create_app_prints_credentials_that_work(server):
    result = server.cli("openapi", "create-app", "--domain", "example.com", "--kind", "newmail")
    printed = json.loads(result.stdout)
    assert printed["kind"] == "newmail" and printed["corpid"].startswith("qy")
    assert len(printed["callback_aes_key"]) == 43 and printed["callback_token"]

    answer = await OpenApi(server.url).get(
        "gettoken", corpid=printed["corpid"], corpsecret=printed["corpsecret"]
    )
    assert answer["errcode"] == 0
    count = await OpenApi(server.url, answer["access_token"]).get(
        "mail/newcount", userid="alice@example.com"
    )
    assert count["errcode"] == 0

    bad = server.cli(
        "openapi", "create-app", "--domain", "nowhere.test", "--kind", "sso", check=False
    )
    assert bad.returncode != 0 and "not hosted" in bad.stderr
