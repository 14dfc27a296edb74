"""Netdisk (U16) and resumable uploads (U5): spaces, folders, files with versions, permissions,
quotas, and tus upload sessions whose content is stored as blob parts (docs/netdisk.md)."""
