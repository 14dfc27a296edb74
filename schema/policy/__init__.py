"""GraphQL face of mail policies: recall, mass mail progress, external-sending restrictions."""
