/**
 * The event form of pages/eventedit: a blank one, one filled from an event, and the
 * EventInput it makes for createEvent/updateEvent (times written in the form's zone, a
 * simple RRULE). Bad input throws a FormError naming the field, in words a member reads.
 */
const cal = require('./calendar')
const text = require('./calendartext')

const REPEATS = ['NONE', 'DAILY', 'WEEKLY', 'MONTHLY']
const REPEAT_NAMES = ['不重复', '每天', '每周', '每月']
const MAX_REMINDER = 40320
const ADDRESS = /^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$/

class FormError extends Error {
  constructor(message, field) {
    super(message)
    this.field = field
  }
}

/** A new event: the next full hour for an hour, a 15-minute push reminder. */
function blank(zone, calendarId, now = new Date(), day = '') {
  const w = cal.clock(new Date(now.getTime() + 3600000), zone)
  const start = day ? cal.parseDay(day) : w
  const hour = day ? 9 : w.hour
  const key = cal.dayKey(start)
  const endHour = hour + 1
  return {
    summary: '',
    startDate: key,
    startTime: `${cal.pad(hour)}:00`,
    endDate: endHour === 24 ? cal.addDays(key, 1) : key,
    endTime: `${cal.pad(endHour % 24)}:00`,
    allDay: false,
    location: '',
    description: '',
    calendarId: calendarId || '',
    repeat: 'NONE',
    customRule: '',
    reminders: [{ minutesBefore: 15, channels: ['PUSH'] }],
    attendees: '',
    attendeesBefore: '',
  }
}

/** The repeat choice a rule is: one of REPEATS when plain, CUSTOM otherwise (kept as is). */
function repeatOf(rule) {
  if (!rule) return 'NONE'
  const p = text.ruleParts(rule)
  const keys = Object.keys(p)
  if (keys.length === 1 && REPEATS.includes(p.FREQ)) return p.FREQ
  return 'CUSTOM'
}

/** The form of an existing event, its times in its own zone. */
function fromEvent(event, zone) {
  const own = event.timeZone ? { timeZone: event.timeZone } : zone
  const start = cal.clock(new Date(event.start), own)
  let end = cal.clock(new Date(event.end), own)
  let startDate = cal.dayKey(start)
  let endDate = cal.dayKey(end)
  if (event.allDay) {
    startDate = String(event.start).slice(0, 10)
    endDate = cal.addDays(String(event.end).slice(0, 10), -1)
    if (endDate < startDate) endDate = startDate
    end = { hour: 10, minute: 0 }
  }
  const attendees = (event.attendees || []).map((a) => a.address).join(', ')
  return {
    summary: event.summary,
    startDate,
    startTime: event.allDay ? '09:00' : cal.hhmm(start),
    endDate,
    endTime: event.allDay ? '10:00' : cal.hhmm(end),
    allDay: event.allDay,
    location: event.location,
    description: event.description,
    calendarId: event.calendarId,
    repeat: repeatOf(event.recurrence),
    customRule: event.recurrence || '',
    reminders: (event.reminders || []).map((r) => ({ minutesBefore: r.minutesBefore, channels: r.channels.slice() })),
    attendees,
    attendeesBefore: attendees,
  }
}

function wall(date, time, field) {
  const day = cal.parseDay(date)
  const m = /^(\d{1,2}):(\d{2})$/.exec(String(time || ''))
  if (!day) throw new FormError('请选择日期', field)
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new FormError('请选择时间', field)
  return Object.assign(day, { hour: Number(m[1]), minute: Number(m[2]) })
}

/** The addresses of "a@x.com, b@y.com；c@z.com" (commas, semicolons, spaces, new lines). */
function addresses(value) {
  const list = String(value || '')
    .split(/[\s,;，；、]+/)
    .map((a) => a.trim())
    .filter(Boolean)
  const bad = list.filter((a) => !ADDRESS.test(a))
  if (bad.length) throw new FormError(`邮箱地址不正确：${bad.join('、')}`, 'attendees')
  return Array.from(new Set(list.map((a) => a.toLowerCase())))
}

function reminders(list) {
  if (list.length > 5) throw new FormError('最多 5 个提醒', 'reminders')
  return list.map((r) => {
    const m = Number(r.minutesBefore)
    if (!Number.isInteger(m) || m < 0 || m > MAX_REMINDER) {
      throw new FormError('提醒时间须为开始前 0 分钟到 4 周', 'reminders')
    }
    if (!r.channels || !r.channels.length) throw new FormError('每个提醒至少选一种方式（推送、邮件、微信或短信）', 'reminders')
    return { minutesBefore: m, channels: r.channels.slice() }
  })
}

/**
 * Whether saving these reminders should ask WeChat for one subscribe message of the
 * calendar template (a reminder by WECHAT spends one acceptance each time it goes).
 */
function wantsWechat(list) {
  return (list || []).some((r) => (r.channels || []).includes('WECHAT'))
}

function recurrence(form) {
  if (form.repeat === 'CUSTOM') return form.customRule || ''
  if (form.repeat === 'NONE' || !form.repeat) return ''
  if (!REPEATS.includes(form.repeat)) throw new FormError('请选择重复方式', 'recurrence')
  return `FREQ=${form.repeat}`
}

/**
 * The EventInput of a form, times in `zone` (the event's own zone when editing). Options:
 * `occurrence` (one occurrence of a series: no rule), `editing` (attendees sent only when
 * changed, so an attendee may edit their own copy).
 */
function toInput(form, zone, options = {}) {
  const summary = String(form.summary || '').trim()
  if (!summary) throw new FormError('请填写标题', 'summary')
  const input = {
    summary,
    allDay: !!form.allDay,
    location: String(form.location || '').trim(),
    description: String(form.description || ''),
    reminders: reminders(form.reminders || []),
  }
  if (zone && zone.timeZone) input.timeZone = zone.timeZone
  if (form.calendarId) input.calendarId = form.calendarId
  if (form.allDay) {
    const first = wall(form.startDate, '00:00', 'start')
    const last = wall(form.endDate || form.startDate, '00:00', 'end')
    if (cal.dayKey(last) < cal.dayKey(first)) throw new FormError('结束日期不能早于开始日期', 'end')
    input.start = cal.iso(cal.instant(first, zone), zone)
    const after = cal.parseDay(cal.addDays(cal.dayKey(last), 1))
    input.end = cal.iso(cal.instant(after, zone), zone)
  } else {
    const start = cal.instant(wall(form.startDate, form.startTime, 'start'), zone)
    const end = cal.instant(wall(form.endDate, form.endTime, 'end'), zone)
    if (end <= start) throw new FormError('结束时间须晚于开始时间', 'end')
    input.start = cal.iso(start, zone)
    input.end = cal.iso(end, zone)
  }
  if (!options.occurrence) input.recurrence = recurrence(form)
  const invited = addresses(form.attendees)
  if (!options.editing) {
    if (invited.length) input.attendees = invited
  } else if (String(form.attendees || '') !== String(form.attendeesBefore || '')) {
    input.attendees = invited
  }
  return input
}

/** "填写错误" text for a CalendarError from the server (field names in words). */
const FIELDS = {
  summary: '标题',
  start: '开始时间',
  end: '结束时间',
  timeZone: '时区',
  recurrence: '重复',
  occurrence: '本次日程',
  reminders: '提醒',
  attendees: '参会人',
  calendarId: '日历',
}

function serverError(error) {
  const where = error.field && FIELDS[error.field] ? `${FIELDS[error.field]}：` : ''
  return `${where}${error.message}`
}

module.exports = { REPEATS, REPEAT_NAMES, FormError, blank, repeatOf, fromEvent, addresses, toInput, serverError, wantsWechat }
