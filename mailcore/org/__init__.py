"""Organisation: enterprises, domains, members, aliases, passwords and login sessions."""
