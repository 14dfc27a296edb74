"""DMARC aggregate reports (RFC 7489 7.2) received at the address our DMARC record names:
``parse`` reads one safely, ``intake`` stores it (an outbox job), ``listing`` shows admins."""
