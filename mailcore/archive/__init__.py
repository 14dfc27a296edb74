"""The enterprise mail archive (A1): immutable copies of all mail, auditors who search them."""
