"""GraphQL face of the DMARC aggregate reports (``mailcore/dmarcreports``)."""
