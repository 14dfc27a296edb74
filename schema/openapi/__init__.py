"""GraphQL face of the open API: super administrators manage their enterprise's apps."""
