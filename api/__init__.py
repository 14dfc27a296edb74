"""Qiyou's HTTP face and process entry: Starlette app, GraphQL endpoint, routes, CLI."""
