"""The WeChat mini-program server API, behind one small client (code-to-session).

Only what Qiyou needs: exchanging the ``wx.login`` code of the mini-program for the
user's openid. The base URL is configurable (``QIYOU_WECHAT_API_URL``) so tests and
private deployments can point it at a server of their own that speaks the same API.
"""

from mailcore.wechat.client import WechatApi, WechatError, WechatSession

__all__ = ["WechatApi", "WechatError", "WechatSession"]
