"""Read receipts (MDN, RFC 8098): asked for on send, sent on reading, recorded on arrival."""
