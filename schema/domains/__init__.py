"""GraphQL face of enterprise domains: the list, adding and removing, DKIM and DNS records."""
