"""The authorization matrix, generated from the schema: every mutation is classified here.

Each field of the ``Mutation`` type is either an admin mutation with an entry in ``ADMIN``
(how to call it so that a super administrator succeeds on an object of one department) or
a member/anonymous mutation in ``NOT_ADMIN`` with the reason. A mutation with no entry fails
``test_every_mutation_is_classified``, so none can be added without one.

Each admin mutation is then called by four kinds of caller, who must all be refused:

- a plain member of the enterprise;
- an administrator of another enterprise (oscar@other.org);
- a scoped administrator outside its scope: the department admin of A (every permission,
  departments A) on an object of department B; for enterprise-wide mutations, a scoped
  admin of the whole enterprise holding every permission but the one the mutation needs;
- the department admin of A on an administrator of higher rank in A: a super admin, and a
  scoped admin with every permission over the whole enterprise (only for mutations that
  target a member; the others say why not).

After the refusals the administrators targeted are unchanged (their member and role rows),
and the super administrator's own call succeeds, which shows the arguments were right.
Objects live in a company of their own (``Company``), so enterprise-wide settings changed
by the super administrator's calls never reach example.com.

To add an entry: ``"fieldName": Admin(needs, <one of member=, department=, enterprise=>)``,
where the function returns the variables for a target (a member's address or a department
id) or for the enterprise; see the helpers below.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from graphql import GraphQLUnionType, get_named_type

from mailcore.core.models import AdminPermission
from schema import schema
from tests.e2e.client import GraphQLClient, login
from tests.e2e.policy_company import Company, tag
from tests.e2e.server import PASSWORD

Vars = dict[str, Any]
ForTarget = Callable[["World", str], Awaitable[Vars]]
ForEnterprise = Callable[["World"], Awaitable[Vars]]
PERMISSIONS = [p.value for p in AdminPermission]  # every permission there is
OWN = "names nothing of ours: another enterprise's admin changes their own enterprise"
ANYWHERE = "0.0.0.0/0"  # an IP rule that locks nobody out
REFUSALS = {"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"}
MUTATION = schema._schema.mutation_type


@dataclass
class Admin:
    """An admin mutation. Exactly one of:

    ``member``: acts on a member; given the member's address (in A for the super admin's
    call, in B for the out-of-scope call, a higher administrator for the rank calls).
    ``department``: acts on a department's objects, no member; given the department id.
    ``enterprise``: enterprise-wide (or super-only) and department-free.
    """

    needs: str  # the permission it needs, or "super"
    member: ForTarget | None = None
    department: ForTarget | None = None
    enterprise: ForEnterprise | None = None
    no_rank: str = ""  # why there is no administrator to act on (department/enterprise)
    own_only: str = ""  # why another enterprise's admin has nothing of ours to name
    select: str = ""  # more of the success type to read (import reports)
    ok: frozenset[str] = field(default_factory=frozenset)  # error codes that mean "done"


async def nothing(w: World) -> Vars:
    return {}


def fixed(**values: Any) -> ForEnterprise:
    async def make(w: World) -> Vars:
        return dict(values)

    return make


def email_args(**more: Any) -> ForTarget:
    async def make(w: World, email: str) -> Vars:
        return {"email": email, **more}

    return make


def after(prepare: str, pvars: Callable[[str], Vars], **more: Any) -> ForTarget:
    """The member's address, once the super admin ran ``prepare`` on them (not on the
    higher administrators: the rank check comes first, and they must stay as they are)."""

    async def make(w: World, email: str) -> Vars:
        if email not in w.higher:
            await w.boss(prepare, **pvars(email))
        return {"email": email, **more}

    return make


def rule_input(make_input: Callable[[World, str], Vars], with_id: str = "") -> ForTarget:
    """A rule naming the member; with ``with_id``, an existing rule made by the super admin."""

    async def make(w: World, email: str) -> Vars:
        values = {"input": make_input(w, email)}
        if with_id:
            values["id"] = await w.created(with_id, **values)
        return values

    return make


def by_id(create: str, variables: Callable[[World, str], Vars]) -> ForTarget:
    """The id of an object the super admin creates for the target with ``create``."""

    async def make(w: World, target: str) -> Vars:
        return {"id": await w.created(create, **variables(w, target))}

    return make


def backup(w: World, email: str) -> Vars:
    return {"name": f"b{tag()}", "target": email, "members": [email]}


def room_input(w: World) -> Vars:
    return {"name": f"r{tag()}", "address": f"room{tag()}@{w.co.domain}", "capacity": 8}


async def new_room(w: World, **more: Any) -> Vars:
    return {"id": await w.created("createMeetingRoom", input=room_input(w)), **more}


def approval(w: World, email: str) -> Vars:
    return {"name": f"a{tag()}", "approvers": [email], "members": [email]}


def group(w: World, target: str) -> Vars:
    return {"input": {"email": f"g{tag()}@{w.co.domain}", "name": "g", "departmentIds": [target]}}


async def queued_mail(w: World, email: str) -> Vars:
    """An outbound queue entry of mail the member sent to an outside address (the higher
    administrators' are made first, before any approval rule holds their mail)."""
    if email in w.queued:
        return w.queued[email]
    sender = await w.client(email)
    subject = f"out {tag()}"
    sent = await sender.data(SEND, i={"to": ["partner@outside.test"], "subject": subject})
    assert sent["sendMail"]["__typename"] == "SendMailSuccess", sent
    rows = (await w.co.admin.data(QUEUE))["outboundQueue"]
    w.queued[email] = {"ids": [r["id"] for r in rows if r["subject"] == subject]}
    assert w.queued[email]["ids"], rows
    return w.queued[email]


async def received_mail(w: World, email: str) -> Vars:
    """The Message-ID of a mail the member received (only they hold a copy)."""
    sent = await w.co.admin.data(SEND, i={"to": [email], "subject": f"in {tag()}"})
    message = sent["sendMail"]["sent"]["id"]
    return {"messageId": (await w.co.admin.data(MID, id=message))["message"]["messageId"]}


async def import_row(w: World, department: str) -> Vars:
    """A CSV creating a member in the department (path: its name under the root)."""
    name = w.department_names[department]
    line = f"email,name,password,department\nimp{tag()}@{w.co.domain},Imp,{PASSWORD},{name}\n"
    return {"file": line.encode()}


async def import_update(w: World, email: str) -> Vars:
    """A CSV row setting a new password on an existing member."""
    return {"file": f"email,password\n{email},Taken-over-9\n".encode()}


SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) {
    __typename ... on SendMailSuccess { sent { id } } ... on MailError { code }
  }
}
"""
MID = "query M($id: ID!) { message(id: $id) { messageId } }"
QUEUE = "{ outboundQueue(first: 200) { id subject } }"
DEPARTMENTS = "{ adminDepartments { id parentId name } }"
ADD_DOMAIN = "addDomain"
ADMIN: dict[str, Admin] = {
    # administrators
    "grantAdmin": Admin("super", member=email_args(isSuper=True)),
    "revokeAdmin": Admin(
        "super", member=after("grantAdmin", lambda e: {"email": e, "isSuper": True})
    ),
    # directory
    "createDepartment": Admin(
        "departments",
        department=lambda w, d: w.vars(name=f"d{tag()}", parentId=d, order=0, hidden=False),
        no_rank="creates a department: no member to act on",
    ),
    "updateDepartment": Admin(
        "departments",
        department=by_id(
            "createDepartment",
            lambda w, d: {"name": f"d{tag()}", "parentId": d, "order": 0, "hidden": False},
        ),
        no_rank="renames a department: no member to act on",
    ),
    "deleteDepartment": Admin(
        "departments",
        department=by_id(
            "createDepartment",
            lambda w, d: {"name": f"d{tag()}", "parentId": d, "order": 0, "hidden": False},
        ),
        no_rank="deletes an empty department: no member to act on",
    ),
    "createMember": Admin(
        "members",
        department=lambda w, d: w.vars(
            input={"email": f"n{tag()}@{w.co.domain}", "password": PASSWORD, "departmentIds": [d]}
        ),
        no_rank="creates a new member: no administrator to act on",
    ),
    "updateMember": Admin("members", member=email_args(input={"name": "Renamed"})),
    "disableMember": Admin("members", member=email_args()),
    "enableMember": Admin("members", member=after("disableMember", lambda e: {"email": e})),
    "deleteMember": Admin("members", member=email_args()),
    "restoreMember": Admin("members", member=after("deleteMember", lambda e: {"email": e})),
    "resetMemberPassword": Admin(
        "members", member=email_args(password="Taken-over-9", mustChange=False)
    ),
    "addMemberAlias": Admin("members", member=lambda w, e: w.vars(email=e, alias=w.address())),
    "removeMemberAlias": Admin("members", member=lambda w, e: w.with_alias(e)),
    "importMembers": Admin(
        "members",
        member=import_update,
        select="... on MemberImportReport { rows { status code } }",
    ),
    # domains and branding (the enterprise's)
    ADD_DOMAIN: Admin(
        "super",
        enterprise=lambda w: w.vars(name=f"x{tag()}.test", kind="EXTRA"),
        no_rank="adds a domain: no member to act on",
        own_only=OWN,
    ),
    "removeDomain": Admin(
        "super",
        enterprise=lambda w: w.new_domain(),
        no_rank="removes an unused domain: no member to act on",
    ),
    "rotateDkim": Admin(
        "domains",
        enterprise=lambda w: w.vars(domain=w.co.domain),
        no_rank="a domain's key: no member to act on",
    ),
    "verifyDomain": Admin(
        "domains",
        enterprise=lambda w: w.vars(domain=w.co.domain),
        no_rank="a domain's DNS check: no member to act on",
        ok=frozenset({"DNS_UNAVAILABLE"}),  # no DNS answers here: the check ran
    ),
    "setLoginBranding": Admin(
        "branding",
        enterprise=lambda w: w.vars(domain=w.co.domain, input={"title": "Matrix"}),
        no_rank="the login page: no member to act on",
    ),
    "uploadBrandingImage": Admin(
        "branding",
        enterprise=lambda w: w.vars(domain=w.co.domain, kind="LOGO"),
        no_rank="the login page: no member to act on",
    ),
    "setSignatureTemplate": Admin(
        "branding",
        enterprise=fixed(html="<p>Regards</p>", enforced=False),
        no_rank="the company signature: no member to act on",
        own_only=OWN,
    ),
    # mail groups (their members and departments must be in scope)
    "createMailGroup": Admin(
        "groups",
        department=lambda w, d: w.vars(**group(w, d)),
        no_rank="a group's address: no member is administered by being listed",
    ),
    "updateMailGroup": Admin(
        "groups",
        department=lambda w, d: w.group_update(d),
        no_rank="a group's address: no member is administered by being listed",
    ),
    "deleteMailGroup": Admin(
        "groups",
        department=by_id("createMailGroup", group),
        no_rank="a group's address: no member is administered by being listed",
    ),
    # meeting rooms (the enterprise's)
    "createMeetingRoom": Admin(
        "calendar",
        enterprise=lambda w: w.vars(input=room_input(w)),
        no_rank="a meeting room: no member to act on",
    ),
    "updateMeetingRoom": Admin(
        "calendar",
        enterprise=lambda w: new_room(w, input={"capacity": 12}),
        no_rank="a meeting room: no member to act on",
    ),
    "deleteMeetingRoom": Admin(
        "calendar", enterprise=new_room, no_rank="a meeting room: no member to act on"
    ),
    # notices
    "setMembersPostNotices": Admin(
        "notices", enterprise=fixed(enabled=False), no_rank="a company setting", own_only=OWN
    ),
    # open API apps: super administrators only
    "createOpenApp": Admin(
        "super",
        enterprise=fixed(kind="SSO", webhookUrl=""),
        no_rank="an app: no member",
        own_only=OWN,
    ),
    "rotateOpenAppSecret": Admin(
        "super", enterprise=lambda w: w.new_app(), no_rank="an app: no member"
    ),
    "updateOpenApp": Admin(
        "super", enterprise=lambda w: w.new_app(enabled=False), no_rank="an app: no member"
    ),
    "deleteOpenApp": Admin("super", enterprise=lambda w: w.new_app(), no_rank="an app: no member"),
    # security
    "addIpRule": Admin("security", member=email_args(cidr=ANYWHERE)),
    "removeIpRule": Admin(
        "security",
        member=by_id("addIpRule", lambda w, e: {"cidr": ANYWHERE, "email": e}),
    ),
    "setSecureLogin": Admin("security", member=email_args(enabled=True)),
    "requirePasswordChange": Admin("security", member=email_args(required=True)),
    "unlockAccount": Admin("security", member=email_args()),
    "setAppPasswordsRequired": Admin(
        "security", enterprise=fixed(required=False), no_rank="a company setting", own_only=OWN
    ),
    # mail policies
    "addSenderListEntry": Admin(
        "policies",
        enterprise=lambda w: w.vars(input={"kind": "BLOCK", "pattern": f"s{tag()}@spam.test"}),
        no_rank="a company sender list: no member to act on",
        own_only=OWN,
    ),
    "removeSenderListEntry": Admin(
        "policies",
        enterprise=lambda w: w.new_sender_entry(),
        no_rank="a company sender list: no member to act on",
    ),
    "setDomainTransfer": Admin(
        "policies", member=lambda w, e: w.vars(domain=w.co.domain, target=e)
    ),
    "setSpamPolicy": Admin(
        "policies", enterprise=fixed(enabled=True), no_rank="a company setting", own_only=OWN
    ),
    "setSpoofPolicy": Admin(
        "policies",
        enterprise=fixed(action="SPAM", partners=["192.0.2.0/24"]),
        no_rank="a company setting",
        own_only=OWN,
    ),
    "retryOutbound": Admin("policies", member=queued_mail),
    "cancelOutbound": Admin("policies", member=queued_mail),
    "adminRecallMessage": Admin("policies", member=received_mail),
    "setMailPolicy": Admin(
        "policies", enterprise=fixed(recallRead=False), no_rank="a company setting", own_only=OWN
    ),
    "addSendRestriction": Admin("policies", member=lambda w, e: w.vars(memberEmail=e)),
    "removeSendRestriction": Admin(
        "policies", member=by_id("addSendRestriction", lambda w, e: {"memberEmail": e})
    ),
    # archive, auditors, backups
    "setArchiveSettings": Admin(
        "archive", enterprise=fixed(enabled=False), no_rank="a company setting", own_only=OWN
    ),
    "grantAuditor": Admin("archive", member=lambda w, e: w.auditor_args(e)),
    "revokeAuditor": Admin("archive", member=lambda w, e: w.auditor(e)),
    "createBackupRule": Admin("archive", member=rule_input(backup)),
    "updateBackupRule": Admin("archive", member=rule_input(backup, "createBackupRule")),
    "deleteBackupRule": Admin(
        "archive", member=by_id("createBackupRule", lambda w, e: {"input": backup(w, e)})
    ),
    # approval rules (the senders named must be in scope and of lower rank)
    # mail migrations (every member in them must be in scope and of lower rank); the loopback
    # source is refused after the scope checks, so PRIVATE_HOST means they passed
    "startMailMigration": Admin(
        "members",
        member=lambda w, e: w.vars(
            source="imap://127.0.0.1:1",
            members=[{"oldAddress": f"o{tag()}@old.test", "oldPassword": "x", "newAddress": e}],
        ),
        ok=frozenset({"PRIVATE_HOST"}),
    ),
    "pauseMailMigration": Admin("members", member=lambda w, e: w.migration(e, "running")),
    "resumeMailMigration": Admin("members", member=lambda w, e: w.migration(e, "paused")),
    "startMailMigrationFromFile": Admin(
        "members",
        member=lambda w, e: w.vars(
            source="imap://127.0.0.1:1", file=f"o{tag()}@old.test,x,{e}\n".encode()
        ),
        ok=frozenset({"PRIVATE_HOST"}),
    ),
    "forceMailMigrationPasswordChange": Admin(
        "members", member=lambda w, e: w.migration(e, "done")
    ),
    "createApprovalRule": Admin("policies", member=rule_input(approval)),
    "updateApprovalRule": Admin("policies", member=rule_input(approval, "createApprovalRule")),
    "deleteApprovalRule": Admin(
        "policies", member=by_id("createApprovalRule", lambda w, e: {"input": approval(w, e)})
    ),
}
NOT_ADMIN: dict[str, str] = {
    "login": "anonymous: signs the caller in",
    "completeLogin": "anonymous: the second factor of the caller's own login",
    "wechatLogin": "anonymous: signs the caller in with WeChat",
    "bindWechatWithPassword": "anonymous: binds the caller's WeChat with their own password",
    "logout": "member: ends the caller's own session",
    "changePassword": "member: the caller's own password (old one required)",
    "setupTotp": "member: the caller's own second factor",
    "enableTotp": "member: the caller's own second factor",
    "disableTotp": "member: the caller's own second factor",
    "bindWechat": "member: the caller's own WeChat binding",
    "unbindWechat": "member: the caller's own WeChat binding",
    "createAppPassword": "member: the caller's own app passwords",
    "revokeAppPassword": "member: the caller's own app passwords (another's is NOT_FOUND)",
    "scanQrLogin": "member: approves a login of the caller's own account",
    "confirmQrLogin": "member: approves a login of the caller's own account",
    "acceptMailNotification": "member: the caller's own WeChat notifications",
    "setConversationMode": "member: the caller's own mailbox view",
    "sendMail": "member: sends as the caller",
    "saveDraft": "member: the caller's own drafts",
    "recallMessage": "member: the caller's own sent message",
    "markRead": "member: the caller's own messages",
    "sendReadReceipt": "member: a receipt for the caller's own message (another's is NOT_FOUND)",
    "declineReadReceipt": "member: the caller's own message (another's is NOT_FOUND)",
    "setReadReceiptMode": "member: the caller's own read-receipt choice",
    "flag": "member: the caller's own messages",
    "move": "member: the caller's own messages",
    "delete": "member: the caller's own messages",
    "createFolder": "member: the caller's own folders",
    "renameFolder": "member: the caller's own folders",
    "deleteFolder": "member: the caller's own folders",
    "setMySignature": "member: the caller's own signature",
    "createPersonalGroup": "member: the caller's own contact groups",
    "updatePersonalGroup": "member: the caller's own contact groups",
    "deletePersonalGroup": "member: the caller's own contact groups",
    "createPersonalContact": "member: the caller's own address book",
    "updatePersonalContact": "member: the caller's own address book",
    "deletePersonalContact": "member: the caller's own address book",
    "importPersonalContacts": "member: the caller's own address book",
    "createCalendar": "member: the caller's own calendar; a company one only for an admin of "
    "their enterprise with the calendar permission (tests/e2e/test_calendar.py)",
    "updateCalendar": "member: a calendar the caller owns (access checked by the service)",
    "deleteCalendar": "member: a calendar the caller owns (access checked by the service)",
    "shareCalendar": "member: a calendar the caller owns, with members of their enterprise",
    "unshareCalendar": "member: a share of a calendar the caller owns",
    "subscribeCalendar": "member: the caller's own list, of calendars they may see",
    "unsubscribeCalendar": "member: the caller's own list",
    "createEvent": "member: a calendar the caller may edit",
    "updateEvent": "member: an event in a calendar the caller may edit",
    "deleteEvent": "member: an event in a calendar the caller may edit",
    "respondToEvent": "member: the caller's own answer to an invitation",
    "addEventAttachments": "member: an event the caller may edit and organizes (tests/service/"
    "test_calendar_attachments.py: an attendee's copy answers INVALID)",
    "removeEventAttachment": "member: an event the caller may edit and organizes",
    "addExternalAccount": "member: the caller's own external accounts",
    "updateExternalAccount": "member: an external account the caller owns (tests/e2e/"
    "test_external_accounts.py: another member's id answers NOT_FOUND)",
    "deleteExternalAccount": "member: an external account the caller owns",
    "fetchExternalAccount": "member: an external account the caller owns",
    "requestSendAsCode": "member: an external account the caller owns (tests/e2e/"
    "test_send_as.py: another member's id answers NOT_FOUND)",
    "confirmSendAs": "member: an external account the caller owns",
    "updateSendAs": "member: an external account the caller owns",
    "postNotice": "member: posts as the caller (admins, or everyone if the company allows)",
    "markNoticeRead": "member: the caller's own read state",
    "markAllNoticesRead": "member: the caller's own read state",
    "deleteNotice": "member: the caller's own notice (or an admin's, checked by the service)",
    "requestConfidentialCode": "member: opens confidential mail sent to the caller",
    "verifyConfidentialCode": "member: opens confidential mail sent to the caller",
    "addMySenderListEntry": "member: the caller's own sender lists",
    "removeMySenderListEntry": "member: the caller's own sender lists",
    "redeliverArchivedMail": "auditor: checked against the caller's auditor grant",
    "decideApproval": "approver: only the approvers named by the rule",
    "createMailFilter": "member: the caller's own filters",
    "updateMailFilter": "member: the caller's own filters",
    "deleteMailFilter": "member: the caller's own filters",
    "reorderMailFilters": "member: the caller's own filters",
    "setAutoReply": "member: the caller's own auto-reply",
    "setForwarding": "member: the caller's own forwarding",
    "createNetdiskProjectSpace": "member: a project space of the caller's own company",
    "setNetdiskKeepVersions": "member: the space's managers (mailcore/netdisk/access.py)",
    "createNetdiskFolder": "member: uploaders of the folder (mailcore/netdisk/access.py)",
    "renameNetdiskNode": "member: editors of the node (mailcore/netdisk/access.py)",
    "moveNetdiskNode": "member: editors of the node, uploaders of the target folder",
    "copyNetdiskNode": "member: viewers of the node, uploaders of the target folder",
    "trashNetdiskNode": "member: editors of the node (mailcore/netdisk/access.py)",
    "restoreNetdiskNode": "member: editors of the node (mailcore/netdisk/access.py)",
    "purgeNetdiskNode": "member: managers of the node's space or folder",
    "restoreNetdiskVersion": "member: editors of the file (mailcore/netdisk/access.py)",
    "grantNetdiskRole": "member: managers of the space or folder",
    "revokeNetdiskGrant": "member: managers of the grant's space or folder",
    "cancelNetdiskUpload": "member: the caller's own upload",
}


# --- calling a mutation --------------------------------------------------------------------


def document(name: str, variables: Vars, select: str = "") -> str:
    """The mutation with the given arguments, reading the typename and any error's code."""
    definition = MUTATION.fields[name]
    declared = ", ".join(f"${a}: {definition.args[a].type}" for a in variables)
    passed = ", ".join(f"{a}: ${a}" for a in variables)
    result = get_named_type(definition.type)
    kinds = result.types if isinstance(result, GraphQLUnionType) else [result]
    spreads = " ".join(
        f"... on {t.name} {{ code message }}" for t in kinds if t.name.endswith("Error")
    )
    success = " ".join(
        f"... on {t.name} {{ id }}" for t in kinds if "id" in getattr(t, "fields", {})
    )
    header = f"mutation Matrix({declared})" if variables else "mutation Matrix"
    call = f"{name}({passed})" if variables else name
    return f"{header} {{ {call} {{ __typename {spreads} {success} {select} }} }}"


async def call(client: GraphQLClient, name: str, variables: Vars, select: str = "") -> dict:
    """The whole response; a ``file`` variable (bytes) goes as a multipart upload."""
    query = document(name, variables, select)
    if not isinstance(variables.get("file"), bytes):
        return await client.execute(query, **variables)
    operations = {"query": query, "variables": {**variables, "file": None}}
    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.post(
            client.url,
            data={"operations": json.dumps(operations), "map": '{"0": ["variables.file"]}'},
            files={"0": ("members.csv", variables["file"], "text/csv")},
            headers=client.headers(),
        )
    return response.json()


def outcome(body: dict, name: str) -> str:
    """DONE, or the code of the refusal (a GraphQL error's, a typed error's, a row's)."""
    if body.get("errors"):
        return body["errors"][0].get("extensions", {}).get("code") or body["errors"][0]["message"]
    result = body["data"][name]
    if "rows" in result:
        codes = {r["code"] if r["status"].lower() == "error" else "DONE" for r in result["rows"]}
        return codes.pop() if len(codes) == 1 else repr(sorted(codes))
    return result["code"] if result["__typename"].endswith("Error") else "DONE"


# --- the company and its callers ------------------------------------------------------------


class World:
    """A company with departments A and B; members and administrators in them."""

    def __init__(self, server, co: Company) -> None:
        self.server, self.co = server, co
        self.clients: dict[str, GraphQLClient] = {}
        self.department_names: dict[str, str] = {}
        self.home: dict[str, str] = {}  # member address -> their department
        self.queued: dict[str, Vars] = {}  # member address -> their outbound queue entry

    async def setup(self) -> None:
        self.a = await self.department("A")
        self.b = await self.department("B")
        root = [d for d in (await self.co.admin.data(DEPARTMENTS))["adminDepartments"]]
        self.root = next(d["id"] for d in root if d["parentId"] is None)
        self.plain = await self.member(self.a)
        self.chief = await self.member(self.a)
        await self.boss("grantAdmin", email=self.chief, isSuper=True)
        self.richer = await self.member(self.a)
        await self.co.grant(self.richer, PERMISSIONS, [self.root])
        self.deputy = await self.member(self.a)
        await self.co.grant(self.deputy, PERMISSIONS, [self.a])
        self.lacking: dict[str, str] = {"super": self.richer}
        self.higher = (self.chief, self.richer)
        for email in self.higher:
            await queued_mail(self, email)

    async def department(self, name: str) -> str:
        name = f"{name}-{tag()}"
        pk = await self.co.department(name)
        self.department_names[pk] = name
        return pk

    async def member(self, department: str) -> str:
        email = await self.co.member(f"m{tag()}", [department])
        self.home[email] = department
        return email

    async def client(self, email: str) -> GraphQLClient:
        if email not in self.clients:
            self.clients[email] = await login(self.server.graphql_url, email, PASSWORD)
        return self.clients[email]

    async def without(self, permission: str) -> GraphQLClient:
        """A scoped admin of the whole company with every permission but ``permission``."""
        if permission not in self.lacking:
            email = await self.member(self.a)
            others = [p for p in PERMISSIONS if p != permission]
            await self.co.grant(email, others, [self.root])
            self.lacking[permission] = email
        return await self.client(self.lacking[permission])

    async def boss(self, mutation: str, /, **variables: Any) -> dict:
        """The super administrator's call, which must succeed."""
        body = await call(self.co.admin, mutation, variables)
        assert outcome(body, mutation) == "DONE", body
        return body["data"][mutation]

    async def created(self, mutation: str, /, **variables: Any) -> str:
        return (await self.boss(mutation, **variables))["id"]

    # variables of entries that need something made first
    async def vars(self, **values: Any) -> Vars:
        return values

    def address(self) -> str:
        return f"al{tag()}@{self.co.domain}"

    async def with_alias(self, email: str) -> Vars:
        alias = self.address()
        await self.boss("addMemberAlias", email=email, alias=alias)
        return {"email": email, "alias": alias}

    async def new_domain(self) -> Vars:
        name = f"x{tag()}.test"
        await self.boss(ADD_DOMAIN, name=name, kind="EXTRA")
        return {"name": name}

    async def new_app(self, **more: Any) -> Vars:
        body = await call(
            self.co.admin,
            "createOpenApp",
            {"kind": "SSO", "webhookUrl": ""},
            "... on OpenAppSecret { app { corpid } }",
        )
        return {"corpid": body["data"]["createOpenApp"]["app"]["corpid"], **more}

    async def new_sender_entry(self) -> Vars:
        entry = {"kind": "BLOCK", "pattern": f"s{tag()}@spam.test"}
        return {"id": await self.created("addSenderListEntry", input=entry)}

    async def group_update(self, department: str) -> Vars:
        return {
            "id": await self.created("createMailGroup", **group(self, department)),
            "input": {"name": "Renamed"},
        }

    async def migration(self, email: str, state: str) -> Vars:
        """A migration of one member (made directly: starting one needs a reachable old
        server); its row paused, so no worker takes it before the call."""
        made = self.server.mailcore(
            """
            member = await Member.get(email=args["email"])
            job = await MailMigration.create(
                enterprise_id=member.enterprise_id, protocol="imap", host="192.0.2.1", port=143,
                security="none", state=args["state"], created_by="matrix",
            )
            await MigrationMember.create(
                migration=job, old_address=args["email"], password_secret="-",
                member=member, state="paused",
            )
            return job.id
            """,
            email=email,
            state=state,
        )
        return {"id": str(made)}

    async def auditor_args(self, email: str) -> Vars:
        return {"email": email, "departmentIds": [self.home.get(email, self.a)]}

    async def auditor(self, email: str) -> Vars:
        await self.boss("grantAuditor", **await self.auditor_args(email))
        return {"email": email}

    def snapshot(self, email: str) -> str:
        """The member's row and admin role, as text (unchanged by any refused call)."""
        text = "CAST({} AS TEXT)"
        columns = [
            "email",
            "password_hash",
            "enabled",
            "deleted_at",
            "must_change_password",
            "secure_login",
            "name",
        ]
        member = " || '|' || ".join(f"COALESCE({text.format(c)}, '-')" for c in columns)
        role = " || '|' || ".join(
            text.format(c) for c in ("is_super", "permissions", "department_ids")
        )
        return self.server.sql(
            f"SELECT {member} || '|' || COALESCE((SELECT {role} FROM admin_role r "
            f"WHERE r.member_id = m.id), 'none') || '|' || "
            f"(SELECT COUNT(*) FROM alias a WHERE a.member_id = m.id) "
            f"FROM member m WHERE m.email = '{email}'"
        )


@pytest.fixture(scope="module")
async def world(server):
    made = World(server, await Company.create(server, "authz"))
    await made.setup()
    return made


# --- the tests -----------------------------------------------------------------------------


def test_every_mutation_is_classified():
    in_schema = set(MUTATION.fields)
    assert not set(ADMIN) & set(NOT_ADMIN), "classified twice"
    missing = sorted(in_schema - set(ADMIN) - set(NOT_ADMIN))
    assert not missing, f"mutations without an authorization matrix entry: {missing}"
    gone = sorted((set(ADMIN) | set(NOT_ADMIN)) - in_schema)
    assert not gone, f"entries for mutations no longer in the schema: {gone}"


def test_admin_entries_are_the_mutations_that_need_an_administrator():
    from schema.permissions import IsAdmin

    mutation = schema.get_type_by_name("Mutation")
    declared = {
        schema.config.name_converter.get_graphql_name(f)
        for f in mutation.fields
        if IsAdmin in f.permission_classes
    }
    assert declared == set(ADMIN)
    for name, entry in ADMIN.items():
        kinds = [entry.member, entry.department, entry.enterprise]
        assert sum(k is not None for k in kinds) == 1, name
        assert bool(entry.no_rank) == (entry.member is None), name


@pytest.mark.parametrize("name", sorted(ADMIN))
async def test_admin_mutation_is_refused_to_everyone_but_its_administrators(world, name):
    entry = ADMIN[name]
    w = world

    async def variables(target: str | None) -> Vars:
        if entry.member is not None:
            assert target is not None
            return await entry.member(w, target)
        if entry.department is not None:
            assert target is not None
            return await entry.department(w, target)
        assert entry.enterprise is not None
        return await entry.enterprise(w)

    async def attempt(client: GraphQLClient, values: Vars) -> str:
        return outcome(await call(client, name, values, entry.select), name)

    in_a = await w.member(w.a) if entry.member is not None else w.a
    wanted = await variables(in_a)

    # a plain member, and an administrator of another enterprise
    member = await w.client(w.plain)
    assert await attempt(member, wanted) in REFUSALS, "a plain member was not refused"
    if not entry.own_only:
        oscar = await w.client("oscar@other.org")
        foreign = await attempt(oscar, wanted)  # our objects are not even valid input there
        assert foreign in REFUSALS | {"INVALID"}, f"another enterprise: {foreign}"

    # a scoped admin outside its scope (or without the permission, enterprise-wide)
    deputy = await w.client(w.deputy)
    if entry.enterprise is None:
        in_b = await w.member(w.b) if entry.member is not None else w.b
        values = await variables(in_b)
        before = w.snapshot(in_b) if entry.member is not None else ""
        outside = await attempt(deputy, values)
        assert outside in REFUSALS, f"department B: {outside}"
        if entry.member is not None:
            assert w.snapshot(in_b) == before, "the member of B changed"
    if entry.needs == "super" or entry.enterprise is not None:
        lacking = await w.without(entry.needs)
        refused = await attempt(lacking, wanted)
        assert refused in REFUSALS, f"an admin without {entry.needs}: {refused}"

    # a scoped admin on administrators of higher rank in its own department
    if entry.member is not None:
        for higher in (w.chief, w.richer):
            values = await variables(higher)
            before = w.snapshot(higher)
            refused = await attempt(deputy, values)
            assert refused == "FORBIDDEN", f"on {higher}: {refused}"
            assert w.snapshot(higher) == before, f"{higher} changed"
    else:
        assert entry.no_rank

    # the arguments were right: the super administrator's call does it
    done = await attempt(w.co.admin, wanted)
    assert done == "DONE" or done in entry.ok, f"the super admin's call: {done}"
