"""GraphQL face of the calendar (issue 19): calendars, sharing, events in a time range."""
