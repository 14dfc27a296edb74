"""GraphQL face of administration: administrator roles and the caller's admin scope."""
