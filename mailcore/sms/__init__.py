"""Text messages (SMS) behind one small interface: ``SmsSender.send_code(phone, code, minutes)``
for one-time codes, ``send_notice(phone, template, params)`` for notices (calendar reminders).

One provider is built in, Tencent Cloud SMS (``SendSms``, API 3.0 with TC3-HMAC-SHA256
signatures); its URL and credentials come from settings (``QIYOU_SMS_*``), so tests and
private gateways can point it at a server of their own that speaks the same API.
"""

from mailcore.sms.sender import SmsError, SmsSender, sms_sender

__all__ = ["SmsError", "SmsSender", "sms_sender"]
