"""CalDAV (RFC 4791, 6578, 6764) over the calendars of ``mailcore.calendar``: the protocol
that Apple Calendar, Thunderbird and DAVx⁵ speak, answered from the same data and checks as
GraphQL. ``api/routes_dav.py`` is its HTTP face."""
