"""SMTP replies as named constants; tests assert against these."""

OK = "250 2.0.0 OK"
QUEUED = "250 2.0.0 OK: message {id} accepted"
RCPT_OK = "250 2.1.5 Recipient OK"
SENDER_OK = "250 2.1.0 Sender OK"

NO_RELAY = "550 5.7.1 Relaying denied: {domain} is not a domain hosted here"
GROUP_NOT_ALLOWED = "550 5.7.1 <{address}>: you may not send to this group"
NO_SUCH_USER = "550 5.1.1 <{address}>: no such mailbox here"
BAD_ADDRESS = "501 5.1.3 Bad recipient address syntax"
BAD_SENDER_ADDRESS = "501 5.1.7 Bad sender address syntax"
# RFC 6531 3.5: a UTF-8 address in a transaction that did not say SMTPUTF8 on MAIL.
NEEDS_SMTPUTF8 = "553 5.6.7 A UTF-8 address needs MAIL FROM with SMTPUTF8"
MAILBOX_FULL = "552 5.2.2 <{address}>: mailbox full, the member is over quota"
ALL_MAILBOXES_FULL = "552 5.2.2 Mailbox full: every recipient is over quota"
TOO_BIG = "552 5.3.4 Message size exceeds the limit of {limit} bytes"
SENDER_NOT_OWNED = "553 5.7.1 <{address}>: sender address not owned by the authenticated user"
# A From or Sender header address the authenticated member may not send as (submission).
SENDER_NOT_ALLOWED = "553 5.7.1 <{address}>: you may not send as this address"
TEMP_FAILURE = "451 4.3.0 Temporary failure storing the message, please try again later"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
ACCOUNT_DISABLED = "535 5.7.8 Authentication credentials invalid"

# Connection limits and timeouts (mailcore/core/net/limits.py, mailcore/protocols/smtp/protocol.py)
TOO_MANY_FROM_IP = "421 4.7.0 {hostname} Too many connections from your address"
TOO_MANY_CONNECTIONS = "421 4.7.0 {hostname} Too many connections, try again later"
IDLE_CLOSED = "421 4.7.0 {hostname} Too many connections, closing this idle one"
TIMEOUT = "421 4.4.2 {hostname} Timeout exceeded, closing connection"
