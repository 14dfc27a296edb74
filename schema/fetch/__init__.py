"""GraphQL face of external mailboxes (U11, 邮件代收): a member's own accounts only."""
