"""GraphQL face of mail migrations (A5, 邮箱搬家): administrators of the enterprise only."""
