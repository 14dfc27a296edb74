"""Unit tests of the IMAP protocol's pure parts."""
