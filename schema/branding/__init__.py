"""GraphQL face of branding: login pages, signatures and business cards."""
