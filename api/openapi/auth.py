"""``/cgi-bin/gettoken``: an app's corpid and corpsecret for an access token."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from api.openapi.framework import answer, guarded, read_params
from mailcore.openapi.tokens import issue_token


async def gettoken(request: Request) -> Response:
    async def work() -> Response:
        params = await read_params(request)
        ttl = request.app.state.runtime.settings.api_token_ttl
        token, expires_in = await issue_token(params.text("corpid"), params.text("corpsecret"), ttl)
        return answer(access_token=token, expires_in=expires_in)

    return await guarded(request, work)
