/**
 * Event reminders while the mini-program is open: the server pushes PUSH reminders over the
 * `calendarReminder` subscription (a stream of the one graphql-ws connection of lib/live.js);
 * each shows a modal (标题, when, where) whose 确定 opens the event. One listener for the
 * app, registered at launch (app.js). (While the mini-program is
 * closed, reminders come by mail; WeChat subscribe messages for them are not done yet.)
 */
const api = require('./api')
const live = require('./live')
const platform = require('./platform')
const cal = require('./calendar')
const data = require('./calendardata')

const state = { running: false, shown: [] }

/** "10:00 开始（15 分钟后）· 3 号会议室" for a reminder, in the members' zone. */
function describe(reminder, zone) {
  const start = new Date(reminder.start)
  const w = cal.clock(start, zone)
  const minutes = Math.round((start.getTime() - Date.now()) / 60000)
  const soon = minutes > 0 ? `（${minutes} 分钟后）` : '（已开始）'
  const where = reminder.location ? ` · ${reminder.location}` : ''
  return `${w.month}月${w.day}日 ${cal.hhmm(w)} 开始${soon}${where}`
}

/** Show one reminder; 确定 opens the event. */
async function show(reminder) {
  state.shown.push(reminder)
  const zone = await data.zone()
  const open = await platform.confirm(`日程提醒：${reminder.summary || '(无标题)'}`, describe(reminder, zone)).catch(() => false)
  if (open) return platform.navigate('event', { id: reminder.eventId, start: reminder.start }).catch(() => null)
}

/**
 * Show reminders from now on (safe to call again: one listener for the app). They arrive on
 * the live connection's `calendarReminder` stream (lib/live.js), which runs while signed in.
 */
function start() {
  if (!state.running) {
    state.running = true
    live.on('calendarReminder', (reminder) => {
      if (reminder) show(reminder).catch(() => null)
    })
  }
  if (api.token()) live.start()
}

module.exports = { start, describe, state }
