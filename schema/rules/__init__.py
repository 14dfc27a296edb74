"""GraphQL face of personal mail rules: filters, auto-reply, forwarding."""
