"""Role addresses in routing (``mailcore/mail/routing.py``), in process: postmaster@, abuse@
and dmarc@ of every hosted domain (alias and IDN domains too) reach the enterprise's enabled
super and ``domains`` administrators; a group or member of that name wins; an enterprise
with no such administrator has no role addresses."""

from __future__ import annotations

import uuid

import pytest

from mailcore.mail.routing import local_recipients, route
from mailcore.org.addresses import ascii_domain


@pytest.fixture(scope="module")
async def company(service):
    tag = uuid.uuid4().hex[:8]
    return await service.mailcore(
        """
        from mailcore.admin.roles import grant
        from mailcore.admin.scope import system_scope
        from mailcore.org.service import add_domain, add_member
        t = args["tag"]
        primary = await add_domain(f"roles-{t}.test", None)
        await add_domain(f"alias-{t}.test", alias_of=primary.name)
        await add_domain(f"例子{t}.公司", None, enterprise_id=primary.enterprise_id)
        await add_domain(f"lonely-{t}.test", None)  # an enterprise without administrators
        made = {}
        for name in ("boss", "dns", "clerk", "gone"):
            made[name] = await add_member(f"{name}@{primary.name}", "password-9", quota=1 << 20)
        scope = system_scope(primary.enterprise_id)
        await grant(scope, made["boss"], is_super=True)
        root = await Department.filter(enterprise_id=primary.enterprise_id).first()
        await grant(scope, made["dns"], permissions=["domains"], department_ids=[root.id])
        await grant(scope, made["clerk"], permissions=["members"], department_ids=[root.id])
        await grant(scope, made["gone"], is_super=True)
        await Member.filter(id=made["gone"].id).update(enabled=False)
        await MailGroup.create(
            enterprise_id=primary.enterprise_id, email=f"abuse@{primary.name}", name="abuse"
        )
        return {"tag": t, **{k: m.id for k, m in made.items()}}
        """,
        tag=tag,
    )


async def test_role_addresses_reach_the_enabled_domain_administrators(company):
    t = company["tag"]
    admins = [company["boss"], company["dns"]]
    idn = f"例子{t}.公司"
    wanted = [
        f"postmaster@roles-{t}.test",
        f"DMARC@alias-{t}.test",  # an alias domain, any case
        f"postmaster@{ascii_domain(idn)}",  # an IDN domain by its A-labels
    ]
    routes = await route(wanted)
    assert routes.roles == {
        f"postmaster@roles-{t}.test": admins,
        f"dmarc@alias-{t}.test": admins,
        f"postmaster@{idn}": admins,
    }
    assert routes.deliverable and not routes.unknown
    assert await local_recipients(routes) == admins


async def test_a_group_of_that_name_wins_and_lonely_enterprises_have_none(company):
    t = company["tag"]
    routes = await route([f"abuse@roles-{t}.test", f"postmaster@lonely-{t}.test"])
    assert list(routes.groups) == [f"abuse@roles-{t}.test"]
    assert routes.unknown == [f"postmaster@lonely-{t}.test"]
    assert routes.roles == {}
    nobody = await route([f"hostmaster@roles-{t}.test"])
    assert nobody.unknown and not nobody.deliverable
