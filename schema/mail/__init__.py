"""GraphQL face of mail: folders, messages, conversations, compose, live events."""
