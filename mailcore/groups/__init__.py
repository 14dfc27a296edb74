"""Mail groups: enterprise groups (admin-managed, with posting permission) and personal groups."""
