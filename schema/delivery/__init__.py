"""GraphQL for delivery: sender black/white lists, undeliverable transfer, spam policy and the
outbound queue (admins), a member's own lists."""
