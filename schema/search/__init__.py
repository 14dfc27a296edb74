"""GraphQL face of search: a member's full-text search of their own mailbox."""
