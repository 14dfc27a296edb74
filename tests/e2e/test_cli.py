"""The ``qiyou domain add``, ``user add`` and ``admin grant --super`` commands against a
running server's database: what they make can log in and is what was asked for.

Other suites seed their data in one process (tests/e2e/server.py ``seed``); these
commands are tested here, once per backend.
"""

from __future__ import annotations

from tests.e2e.client import login
from tests.e2e.mail import unique
from tests.e2e.server import PASSWORD

ME = "{ me { email name vip quota } }"
SCOPE = "{ adminScope { isSuper } }"


async def test_domain_user_and_super_admin_commands(server):
    domain = f"{unique('cli').replace(' ', '-')}.test"

    added = server.cli("domain", "add", domain)
    boss = f"boss@{domain}"
    server.cli("user", "add", boss, "--password", PASSWORD, "--name", "Boss 老板", "--quota", "1M")
    server.cli("user", "add", f"vip@{domain}", "--password", PASSWORD, "--vip")
    granted = server.cli("admin", "grant", boss, "--super")
    twice = server.cli("domain", "add", domain, check=False)

    assert domain in added.stdout
    assert "super" in granted.stdout
    assert twice.returncode != 0, "a hosted domain cannot be added again"
    client = await login(server.graphql_url, boss, PASSWORD)
    me = (await client.data(ME))["me"]
    assert me == {"email": boss, "name": "Boss 老板", "vip": False, "quota": 1024 * 1024}
    assert (await client.data(SCOPE))["adminScope"]["isSuper"] is True
    vip = await login(server.graphql_url, f"vip@{domain}", PASSWORD)
    assert (await vip.data(ME))["me"] == {
        "email": f"vip@{domain}",
        "name": "vip",  # the local part when no --name
        "vip": True,
        "quota": None,
    }, "VIP: no quota"
