"""Mail-client set-up: the servers we advertise and the documents clients fetch to configure
themselves (Thunderbird autoconfig, Outlook autodiscover, Apple .mobileconfig).

See docs/clients.md.
"""
