"""One POP3 session per mailbox (``mailcore/protocols/pop3/inuse.py``) on the test
server's real database: two ``MailboxLocks`` stand for two processes; a process that dies
holding a mailbox lets it go."""

from __future__ import annotations

import random

HOLD = """
from mailcore.protocols.pop3.inuse import MailboxLocks

member = args["member"]
one, two = MailboxLocks(), MailboxLocks()
first = await one.acquire(member)
same_process = await one.acquire(member)
other_process = await two.acquire(member)
await one.release(member)
after_release = await two.acquire(member)
other_mailbox = await one.acquire(member + 1)
await one.close()
await two.close()
return [first, same_process, other_process, after_release, other_mailbox]
"""

DIE_HOLDING = """
import os
from mailcore.protocols.pop3.inuse import MailboxLocks

print(json.dumps(await MailboxLocks().acquire(args["member"])), flush=True)
os._exit(0)  # no release, no close: as a killed process
"""

TAKE = """
from mailcore.protocols.pop3.inuse import MailboxLocks

locks = MailboxLocks()
taken = await locks.acquire(args["member"])
await locks.close()
return taken
"""


def test_a_mailbox_is_held_by_one_session_until_released(server):
    member = random.randrange(1, 2**30)
    assert server.mailcore(HOLD, member=member) == [True, False, False, True, True]


def test_a_dead_process_lets_its_mailboxes_go(server):
    member = random.randrange(1, 2**30)
    assert server.mailcore(DIE_HOLDING, member=member) is True
    assert server.mailcore(TAKE, member=member) is True
