"""Mail policies (lists, backup, archive, ...) applied inside the one ingest path."""
