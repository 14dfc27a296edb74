/**
 * The invitation card of the message page: what a mail's iTIP part (Message.invitation)
 * says, in words — a REQUEST with the member's answer and whether it can be answered here,
 * a CANCEL (已取消), a REPLY (who answered and how) — beside the member's own calendar.
 */
const text = require('./calendartext')

function person(p) {
  if (!p) return ''
  return p.name ? `${p.name} <${p.address}>` : p.address
}

/** The card's view model, or null for mail without an invitation. */
function card(invitation, zone) {
  if (!invitation) return null
  const method = String(invitation.method || '').toUpperCase()
  const lines = []
  if (invitation.start && invitation.end) {
    const when = text.timeLines(
      { start: invitation.start, end: invitation.end, allDay: invitation.allDay, timeZone: invitation.event ? invitation.event.timeZone : '' },
      zone,
    )
    lines.push(`时间：${when[when.length - 1]}`)
  }
  if (invitation.location) lines.push(`地点：${invitation.location}`)
  if (invitation.organizer) lines.push(`组织者：${person(invitation.organizer)}`)
  const repeat = text.recurrenceText(invitation.recurrence)
  if (repeat) lines.push(`重复：${repeat}`)
  const event = invitation.event
  const answerable = method === 'REQUEST' && !!event && !!invitation.myStatus && !invitation.outdated
  let note = ''
  if (method === 'REQUEST' && invitation.outdated) note = '此邀请已更新，请以日历中的最新版本为准'
  else if (method === 'REQUEST' && !event) note = '日历中没有这个会议（可能已取消）'
  else if (method === 'REQUEST' && !invitation.myStatus) note = '你不在参会人中'
  return {
    method,
    title: text.methodText(method),
    cancelled: method === 'CANCEL',
    summary: invitation.summary || '(无标题)',
    lines,
    note,
    answerable,
    myStatus: invitation.myStatus || '',
    myStatusText: invitation.myStatus ? text.statusText(invitation.myStatus) : '',
    eventId: event ? event.id : '',
    eventStart: event ? event.start : '',
    replies: (invitation.replies || []).map((r) => `${r.name || r.address} ${text.statusText(r.status)}`),
  }
}

module.exports = { card }
