"""Enterprise domains: listing, adding and removing, DKIM keys, DNS records and verification."""
