"""GraphQL face of confidential mail (U17): codes, verification, the sender's read log."""
