"""GraphQL additions for the web app's screens (the admin dashboard figures)."""
