"""Protocol layer: adapters (SMTP today; IMAP, POP3, DAV next) that call features and the
store. A protocol never imports another protocol."""
