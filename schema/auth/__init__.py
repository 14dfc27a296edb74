"""GraphQL face of sign-in: login, logout, me."""
