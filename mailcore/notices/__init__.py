"""Notices (company announcements): posting to the company or departments, receipts, push."""
