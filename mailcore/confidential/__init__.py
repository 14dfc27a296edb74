"""Confidential mail (U17): recipients see a notice until they verify with a one-time code.

- ``sending``: the sender marks a GraphQL send confidential (``before_send``, called by
  compose); the ingest policy ``apply`` records the message as confidential and replaces
  the copy for external recipients by a notice mail carrying a verification link.
- ``access``: whether a member's copy is locked (read paths ask it), the channels a member
  can receive codes on, the guard of the download and forward paths.
- ``codes``: one-time codes by SMS (``mailcore.sms``), WeChat subscribe message
  (``mailcore.wechat``) or, for external recipients, email; verification opens the message
  to one session (or one external page) for a limited time and logs the read.
- ``reads``: the read log, for the sender.
"""

from mailcore.confidential.errors import ConfidentialError, ConfidentialErrorCode

__all__ = ["ConfidentialError", "ConfidentialErrorCode"]
