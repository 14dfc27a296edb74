"""GraphQL face of logs: a member's own logins, sent and received mail (U10), and the
administrators' login, operation and mail logs."""
