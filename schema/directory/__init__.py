"""GraphQL face of the enterprise directory: departments, members (admin), contact cards."""
