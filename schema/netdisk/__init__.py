"""The netdisk's GraphQL face: spaces, folder pages, files and versions, trash, grants, upload
sessions, and live folder changes (docs/netdisk.md)."""
