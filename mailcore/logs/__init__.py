"""Logs: members' self-service queries (U10) and administrators' login, operation and mail
logs (A13/A17), read from the rows the rest of the system writes."""
