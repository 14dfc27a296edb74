"""GraphQL face of the mail policies: archive and auditors (A1), backup rules (A2), outbound
approval (A3)."""
