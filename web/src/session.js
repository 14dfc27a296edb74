// Who is signed in: me, admin scope, and live events shared by every screen.
import { reactive } from 'vue'
import { gql, mutate, setToken, subscribe, token } from './api/client.js'

export const session = reactive({ me: null, scope: null, audit: null, unreadNotices: 0, ready: false })

// auditScope is null for anyone but an auditor (myAuditScope would answer FORBIDDEN instead).
const ME = `query Session { me { id email name vip quota used conversationMode } adminScope { isSuper permissions departmentIds }
  auditScope { departmentIds dateFrom dateTo } unreadNoticeCount }`

export async function loadSession() {
  if (!token.value) {
    session.me = null
    session.ready = true
    return null
  }
  try {
    const data = await gql(ME)
    session.me = data.me
    session.scope = data.adminScope
    session.audit = data.auditScope
    session.unreadNotices = data.unreadNoticeCount
  } catch {
    session.me = null
    setToken('')
  }
  session.ready = true
  startLive()
  return session.me
}

export async function signOut() {
  try {
    await mutate('mutation { logout }')
  } catch {
    /* the token may be gone already */
  }
  stopLive()
  setToken('')
  session.me = null
  session.scope = null
  session.audit = null
}

// Live events: screens register listeners; one subscription per kind for the whole app.
const listeners = { newMail: new Set(), mailboxChanged: new Set(), noticePosted: new Set() }
let stops = []

export function onLive(kind, fn) {
  listeners[kind].add(fn)
  return () => listeners[kind].delete(fn)
}

function startLive() {
  if (!session.me || stops.length) return
  stops = [
    subscribe('subscription { newMail { id subject folder date from { name address } } }', {}, (d) =>
      listeners.newMail.forEach((fn) => fn(d.newMail)),
    ),
    subscribe('subscription { mailboxChanged { change ids folderId } }', {}, (d) =>
      listeners.mailboxChanged.forEach((fn) => fn(d.mailboxChanged)),
    ),
    subscribe('subscription { noticePosted { id title createdAt author { name address } } }', {}, (d) => {
      session.unreadNotices += 1
      listeners.noticePosted.forEach((fn) => fn(d.noticePosted))
    }),
  ]
}

function stopLive() {
  stops.forEach((s) => s())
  stops = []
}

export function isAdmin() {
  return !!session.scope
}

export function can(permission) {
  const s = session.scope
  return !!s && (s.isSuper || s.permissions.includes(permission))
}
