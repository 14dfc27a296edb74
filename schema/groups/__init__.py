"""GraphQL face of mail groups: enterprise groups (admins), personal groups and lookup (members)."""
