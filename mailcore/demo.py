"""A demo company so a newcomer sees something at once: members and a few conversations."""

from __future__ import annotations

from mailcore.admin.roles import grant
from mailcore.admin.scope import system_scope
from mailcore.core.config import Settings
from mailcore.core.models import Domain, FolderRole
from mailcore.mail.compose import ComposeInput, send_mail
from mailcore.mail.mailbox import list_messages
from mailcore.org.service import add_domain, add_member
from mailcore.runtime import Runtime
from mailcore.store.folders import folder_by_role

DOMAIN = "demo.qiyou.test"
PASSWORD = "qiyou-demo"
MEMBERS = [
    ("tom", "Tom Zhang 张涛", True),
    ("david", "David Li 李大伟", False),
    ("alice", "Alice Wang 王爱丽", False),
    ("lisa", "Lisa Chen 陈丽莎", False),
]


async def create_demo(settings: Settings) -> list[str]:
    if await Domain.filter(name=DOMAIN).exists():
        return [f"the demo company already exists: sign in as tom@{DOMAIN} / {PASSWORD}"]
    await add_domain(DOMAIN, "Demo Company 演示公司")
    members = {}
    for local, name, vip in MEMBERS:
        members[local] = await add_member(
            f"{local}@{DOMAIN}", PASSWORD, name=name, vip=vip, quota=settings.default_quota
        )
    tom = members["tom"]
    await grant(system_scope(tom.enterprise_id), tom, is_super=True)
    runtime = Runtime.create(settings)
    try:
        await _conversations(runtime, settings, members)
    finally:
        await runtime.close()
    return [
        f"demo company created on {DOMAIN}",
        *(f"  {local}@{DOMAIN} / {PASSWORD}  {name}" for local, name, _ in MEMBERS),
        f"  tom@{DOMAIN} is the super administrator",
    ]


async def _send(runtime: Runtime, settings: Settings, sender, form: ComposeInput) -> None:
    await send_mail(
        runtime.ingestor, runtime.blobs, sender, form, max_size=settings.max_message_size
    )


async def _latest_inbox_id(member_id: int) -> str:
    inbox = await folder_by_role(member_id, FolderRole.INBOX)
    page = await list_messages(member_id, inbox, 1, None)
    return str(page.items[0].id)


async def _conversations(runtime: Runtime, settings: Settings, m: dict) -> None:
    tom, david, alice, lisa = m["tom"], m["david"], m["alice"], m["lisa"]
    await _send(
        runtime,
        settings,
        tom,
        ComposeInput(
            to=[david.email, alice.email],
            subject="周五产品评审会议 / Friday product review",
            text="大家好，\n\n周五下午三点在 3 号会议室评审新版本，请准备好各自的进度。\n\nTom",
        ),
    )
    await _send(
        runtime,
        settings,
        david,
        ComposeInput(
            to=[tom.email],
            cc=[alice.email],
            text="收到，我会带上测试报告。\n\nDavid",
            reply_to_id=await _latest_inbox_id(david.id),
        ),
    )
    await _send(
        runtime,
        settings,
        alice,
        ComposeInput(
            to=[tom.email, david.email],
            text="I will join remotely and share the design mockups.\n\nAlice",
            reply_to_id=await _latest_inbox_id(alice.id),
        ),
    )
    await _send(
        runtime,
        settings,
        lisa,
        ComposeInput(
            to=[tom.email],
            subject="Welcome to Qiyou",
            html="<p>Hi Tom,</p><p>Your <b>enterprise mailbox</b> is ready. "
            "Try the conversation view and search.</p><p>Lisa</p>",
        ),
    )
