"""Directory: the department tree, members as the enterprise manages them, groups, search."""
