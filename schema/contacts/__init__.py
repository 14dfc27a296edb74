"""GraphQL face of personal contacts: a member's own address book (issue 19, item 5)."""
