"""POP3 (RFC 1939, 2449, 2595, 5034): a member's Inbox for mail clients (docs/pop3.md)."""
