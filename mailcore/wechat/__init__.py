"""The WeChat mini-program server API, behind one small client, and what uses it.

- ``client``: ``sns/jscode2session`` (the ``wx.login`` code → openid), ``cgi-bin/token`` and
  ``cgi-bin/message/subscribe/send`` (subscribe messages). The base URL is configurable
  (``QIYOU_WECHAT_API_URL``) so tests and private deployments can point it at a server of
  their own that speaks the same API.
- ``miniprogram``: signing in with WeChat alone, binding on first use with the password.
- ``subscribe``: new-mail subscribe messages for members who accepted them.
"""

from mailcore.wechat.client import WechatApi, WechatError, WechatSession

__all__ = ["WechatApi", "WechatError", "WechatSession"]
