"""Outbound delivery (U15): the queue of external recipients (``OutboundMessage`` rows made by
ingest) delivered over SMTP by ``worker.OutboundWorker``.

``routes`` finds where a domain's mail goes (MX with A/AAAA fallback, or the relay of
``QIYOU_RELAY_URL``), ``transport`` runs one SMTP transaction with aiosmtplib, ``queue``
claims rows under a lease and records outcomes, ``dsn`` builds RFC 3464 reports and
``admin`` is the administrators' view of the queue. See docs/delivery.md.
"""
