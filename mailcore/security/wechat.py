"""Binding a member's WeChat account (openid from a mini-program login code)."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from mailcore.core.config import Settings
from mailcore.core.models import Member, WechatBinding
from mailcore.security.errors import SecurityError, SecurityErrorCode
from mailcore.wechat import WechatApi, WechatError, WechatSession

# errcodes meaning the code itself is bad: invalid, already used.
BAD_CODE = {40029, 40163}
MAX_CODE = 128


async def exchange(settings: Settings, code: str) -> WechatSession:
    """The WeChat identity behind a mini-program login code."""
    if not code or len(code) > MAX_CODE or not code.isprintable():
        raise SecurityError(SecurityErrorCode.INVALID_CODE, "not a WeChat login code", "code")
    try:
        return await WechatApi.from_settings(settings).code_to_session(code)
    except WechatError as exc:
        if exc.errcode in BAD_CODE:
            raise SecurityError(
                SecurityErrorCode.INVALID_CODE, f"WeChat refused the code: {exc.message}", "code"
            ) from exc
        raise SecurityError(
            SecurityErrorCode.WECHAT_UNAVAILABLE, f"WeChat is unavailable: {exc.message}"
        ) from exc


async def binding_of(member_id: int) -> WechatBinding | None:
    return await WechatBinding.filter(member_id=member_id).first()


async def create_binding(member: Member, identity: WechatSession) -> WechatBinding:
    if await WechatBinding.filter(member_id=member.id).exists():
        raise SecurityError(
            SecurityErrorCode.WECHAT_ALREADY_BOUND, "a WeChat account is already bound", "code"
        )
    try:
        return await WechatBinding.create(
            member_id=member.id, openid=identity.openid, unionid=identity.unionid
        )
    except IntegrityError as exc:
        raise SecurityError(
            SecurityErrorCode.WECHAT_ALREADY_BOUND,
            "this WeChat account is bound to another mailbox",
            "code",
        ) from exc


async def bind(settings: Settings, member: Member, code: str) -> WechatBinding:
    """Bind the WeChat account of the mini-program that produced ``code``."""
    if await WechatBinding.filter(member_id=member.id).exists():
        raise SecurityError(
            SecurityErrorCode.WECHAT_ALREADY_BOUND, "a WeChat account is already bound", "code"
        )
    return await create_binding(member, await exchange(settings, code))


async def unbind(member: Member) -> None:
    if not await WechatBinding.filter(member_id=member.id).delete():
        raise SecurityError(SecurityErrorCode.WECHAT_NOT_BOUND, "no WeChat account is bound")
