"""GraphQL face of notices: posting, reading, admin statistics and the live noticePosted push."""
