"""GraphQL face of sign-in: login (second factors included), completeLogin, logout, me."""
