"""Calendars and events (U7, issue 19): personal and company calendars, sharing, events as
iCalendar data with recurrences expanded for a time range."""
