"""``/cgi-bin/useroption/get|update`` (settings apps): per-member feature switches.

Types: 1 forced secure login, 2 IMAP/SMTP, 3 POP/SMTP, 4 secure-login status (read-only);
values are the strings "0" and "1", as Exmail sends them.
"""

from __future__ import annotations

from typing import Any

from api.openapi.errcodes import invalid
from api.openapi.framework import Call, Params, endpoint
from api.openapi.lookup import member_of
from mailcore.core.models import AppKind
from mailcore.openapi.useroption import OptionType, get_options, parse_type, set_options


@endpoint(AppKind.SETTINGS)
async def get(call: Call) -> dict[str, Any]:
    member = await member_of(call, call.params.text("userid", required=True))
    types = [parse_type(t) for t in call.params.items("type") or []]
    values = await get_options(call.scope, member, types)
    return {"option": [{"type": int(t), "value": "1" if v else "0"} for t, v in values.items()]}


@endpoint(AppKind.SETTINGS)
async def update(call: Call) -> dict[str, Any]:
    member = await member_of(call, call.params.text("userid", required=True))
    values: dict[OptionType, bool] = {}
    for item in call.params.items("option") or []:
        if not isinstance(item, dict):
            raise invalid("option must be a list of {type, value}")
        option = Params(item)
        value = option.text("value", required=True)
        if value not in ("0", "1"):
            raise invalid("an option value is 0 or 1")
        values[parse_type(option.text("type", required=True))] = value == "1"
    await set_options(call.scope, member, values)
    return {"errmsg": "updated"}
