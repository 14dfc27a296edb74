"""GraphQL face of mail-client set-up: the servers to enter in a mail client by hand."""
