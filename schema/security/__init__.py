"""GraphQL face of login security: second factors, WeChat binding and QR confirmation,
password changes, and the administrators' IP limits, secure login and lockouts."""
