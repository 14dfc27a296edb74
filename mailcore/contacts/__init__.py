"""Personal contacts (issue 19, item 5): a member's own address book of vCards, read and
changed over GraphQL and CardDAV, offered in compose beside the directory."""
