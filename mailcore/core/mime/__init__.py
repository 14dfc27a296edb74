"""MIME: parsing stored mail for display and building outgoing mail (stdlib `email`)."""
