// Undo send. The compose screen saves the mail as a draft first (attachments uploaded once) and
// hands the send over here: it is held UNDO_MS with a countdown toast, then sent from that draft
// (`draftId` + `keepAttachments`, no upload). Undo takes it back to the compose screen exactly as
// it was. If the tab closes during the delay the send goes out as a keepalive request; should
// that fail too, the draft is still in Drafts. A held mail is never lost.
import { h, render } from 'vue'
import { MessagePlugin } from 'tdesign-vue-next'
import { authHeaders, mutate } from '../../api/client.js'
import { SEND_MAIL } from '../../api/compose.js'
import { i18n } from '../../i18n/index.js'
import SendToast from './SendToast.vue'

export const UNDO_MS = 5000
let held = null // { input, snapshot, router, timer, el }
let handedBack = null // the form of an undone or failed send, for the compose screen to restore

const t = (...args) => i18n.global.t(...args)

/** Hold a send; `snapshot` is the compose form (its `draftId` is the saved draft). */
export function holdSend({ input, snapshot, router }) {
  if (held) release(held) // one at a time: an earlier held mail goes now
  const el = document.createElement('div')
  document.body.appendChild(el)
  const entry = { input, snapshot, router, el }
  entry.timer = setTimeout(() => release(entry), UNDO_MS)
  render(h(SendToast, { seconds: Math.round(UNDO_MS / 1000), text: (n) => t('compose.sendingIn', { n }), undoLabel: t('compose.undoSend'), onUndo: () => undo(entry) }), el)
  held = entry
}

function drop(entry) {
  clearTimeout(entry.timer)
  render(null, entry.el)
  entry.el.remove()
  if (held === entry) held = null
}

function back(entry, error = null) {
  handedBack = { ...entry.snapshot, error }
  entry.router.push({ path: '/compose', query: { draft: entry.snapshot.draftId } })
}

function undo(entry) {
  if (held !== entry) return
  drop(entry)
  MessagePlugin.info(t('compose.sendUndone'))
  back(entry)
}

async function release(entry) {
  drop(entry)
  try {
    const r = (await mutate(SEND_MAIL, { input: entry.input })).sendMail
    if (r.__typename === 'SendMailSuccess') {
      MessagePlugin.success(t('compose.sent'))
      return
    }
    MessagePlugin.error({ content: t('compose.sendFailed', { message: r.message }), duration: 8000 })
    back(entry, r)
  } catch (e) {
    MessagePlugin.error({ content: t('compose.sendFailed', { message: e.message }), duration: 8000 })
    back(entry, { message: e.message })
  }
}

/** The form handed back by an undone or failed send of this draft (once), else null. */
export function takeHandedBack(draftId) {
  if (!handedBack || String(handedBack.draftId) !== String(draftId)) return null
  const form = handedBack
  handedBack = null
  return form
}

/** A mutation that survives the page going away (JSON only: no uploads, at most 64 KB). */
export function keepaliveMutation(query, variables) {
  try {
    fetch('/graphql', {
      method: 'POST',
      keepalive: true,
      headers: { 'Content-Type': 'application/json', ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    }).catch(() => {})
    return true
  } catch {
    return false // too large for keepalive: the draft stays as saved
  }
}

window.addEventListener('pagehide', () => {
  if (!held) return
  const entry = held
  drop(entry)
  keepaliveMutation(SEND_MAIL, { input: entry.input })
})
