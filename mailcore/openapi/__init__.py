"""The open API's core: app credentials and tokens, SSO tickets, member options, webhooks.

HTTP lives in ``api/openapi`` (the Exmail-compatible ``/cgi-bin`` routes); this package
only knows apps, tokens and the services they may reach.
"""
