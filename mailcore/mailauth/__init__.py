"""Mail authentication: DKIM signing of outbound mail, SPF/DKIM/DMARC checks of inbound mail.

``check.check_inbound`` runs the three checks through the injectable resolver
(``mailcore.dns``) and returns ``AuthResults``, rendered as an RFC 8601
``Authentication-Results`` header; ``dkim.sign`` signs at delivery time. Crypto and the
synchronous libraries (dkimpy, pyspf) run off the event loop. See docs/mailauth.md.
"""
