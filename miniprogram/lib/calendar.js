/**
 * Calendar time logic, free of wx: wall clocks in a zone ({ timeZone, utcOffset } as
 * miniprogramConfig gives it, or an event's own IANA zone), day keys ("2026-12-07"), the
 * agenda grouped by day and the timeline of one day (overlapping events side by side).
 * Where the engine has no zone data, the offset stands in, then the phone's zone.
 */

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六']
const DAY_MS = 86400000
const formatters = {}

function pad(n) {
  return n < 10 ? `0${n}` : String(n)
}

function formatter(timeZone) {
  if (!timeZone || typeof Intl === 'undefined' || !Intl.DateTimeFormat) return null
  if (timeZone in formatters) return formatters[timeZone]
  let made = null
  try {
    made = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    })
    made.formatToParts(new Date(0))
  } catch (e) {
    made = null // an unknown zone, or no zone data in this engine
  }
  formatters[timeZone] = made
  return made
}

/** { year, month (1-12), day, hour, minute, weekday (0 = Sunday) } of a Date in `zone`. */
function clock(date, zone) {
  const z = zone || {}
  const f = formatter(z.timeZone)
  let w
  if (f) {
    const out = {}
    f.formatToParts(date).forEach((p) => {
      if (p.type !== 'literal') out[p.type] = Number(p.value)
    })
    w = { year: out.year, month: out.month, day: out.day, hour: out.hour % 24, minute: out.minute }
  } else if (Number.isFinite(z.utcOffset)) {
    const s = new Date(date.getTime() + z.utcOffset * 60000)
    w = { year: s.getUTCFullYear(), month: s.getUTCMonth() + 1, day: s.getUTCDate(), hour: s.getUTCHours(), minute: s.getUTCMinutes() }
  } else {
    w = { year: date.getFullYear(), month: date.getMonth() + 1, day: date.getDate(), hour: date.getHours(), minute: date.getMinutes() }
  }
  w.weekday = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()
  return w
}

/** Minutes east of UTC that `zone` has at `date`. */
function offsetAt(date, zone) {
  const w = clock(date, zone)
  const floored = Math.floor(date.getTime() / 60000) * 60000
  return Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - floored) / 60000)
}

/** The instant a wall clock { year, month, day, hour, minute } shows in `zone`. */
function instant(wall, zone) {
  const guess = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour || 0, wall.minute || 0)
  const first = offsetAt(new Date(guess), zone)
  const second = offsetAt(new Date(guess - first * 60000), zone)
  return new Date(guess - second * 60000)
}

/** "2027-03-01T10:00:00+08:00": the instant written with the zone's offset. */
function iso(date, zone) {
  const w = clock(date, zone)
  const off = offsetAt(date, zone)
  const sign = off < 0 ? '-' : '+'
  const abs = Math.abs(off)
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

function dayKey(w) {
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`
}

/** { year, month, day } of "2026-12-07", or null. */
function parseDay(key) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(key || ''))
  if (!m) return null
  const w = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day))
  return d.getUTCMonth() + 1 === w.month && d.getUTCDate() === w.day ? w : null
}

function addDays(key, n) {
  const w = parseDay(key)
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day) + n * DAY_MS)
  return dayKey({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() })
}

function today(zone, now = new Date()) {
  return dayKey(clock(now, zone))
}

/** The instant a day starts in `zone`. */
function dayStart(key, zone) {
  return instant(Object.assign({ hour: 0, minute: 0 }, parseDay(key)), zone)
}

/** "12月7日 周一", with 今天/明天 in front when it is. */
function dayTitle(key, todayKey) {
  const w = parseDay(key)
  const weekday = WEEKDAYS[new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()]
  const base = `${w.month}月${w.day}日 ${weekday}`
  if (key === todayKey) return `今天 · ${base}`
  if (todayKey && key === addDays(todayKey, 1)) return `明天 · ${base}`
  return base
}

function hhmm(w) {
  return `${pad(w.hour)}:${pad(w.minute)}`
}

/**
 * The days an occurrence covers, as keys. All-day events carry their own dates (midnight in
 * the event's zone, end exclusive); timed ones are placed by the members' clock.
 */
function daysOf(event, zone) {
  let first
  let last
  if (event.allDay) {
    first = String(event.start).slice(0, 10)
    last = addDays(String(event.end).slice(0, 10), -1)
    if (last < first) last = first
  } else {
    const start = new Date(event.start)
    const end = new Date(event.end)
    first = dayKey(clock(start, zone))
    last = end > start ? dayKey(clock(new Date(end.getTime() - 1), zone)) : first
  }
  const days = []
  for (let key = first; key <= last && days.length < 400; key = addDays(key, 1)) days.push(key)
  return days
}

/** An occurrence as a list row on day `key`: its colour, its time as that day sees it. */
function row(event, key, days, zone, colors) {
  let timeText = '全天'
  if (!event.allDay) {
    const start = clock(new Date(event.start), zone)
    const end = clock(new Date(event.end), zone)
    if (days.length === 1) timeText = `${hhmm(start)}–${hhmm(end)}`
    else if (key === days[0]) timeText = `${hhmm(start)} 开始`
    else if (key === days[days.length - 1]) timeText = `至 ${hhmm(end)}`
  }
  return {
    key: `${event.id}|${event.start}|${key}`,
    id: event.id,
    start: event.start,
    summary: event.busyOnly ? '忙碌' : event.summary || '(无标题)',
    location: event.location || '',
    allDay: event.allDay,
    timeText,
    color: colors[event.calendarId] || '#0052d9',
    recurring: !!event.recurrenceId,
  }
}

function byTime(a, b) {
  if (a.allDay !== b.allDay) return a.allDay ? -1 : 1
  return new Date(a.start) - new Date(b.start)
}

/** calendarId → colour, from the `calendars` list. */
function colorsOf(calendars) {
  const out = {}
  ;(calendars || []).forEach((c) => {
    out[c.id] = c.color
  })
  return out
}

/**
 * The agenda: [{ key, title, today, items }] for the days in [from, to) that have events,
 * an event on every day it covers, all-day ones first, then by start.
 */
function agenda(events, { from, to, zone, calendars, todayKey }) {
  const colors = colorsOf(calendars)
  const byDay = {}
  ;(events || []).forEach((event) => {
    const days = daysOf(event, zone)
    days.forEach((key) => {
      if (key < from || key >= to) return
      ;(byDay[key] = byDay[key] || []).push(row(event, key, days, zone, colors))
    })
  })
  return Object.keys(byDay)
    .sort()
    .map((key) => ({
      key,
      title: dayTitle(key, todayKey),
      today: key === todayKey,
      items: byDay[key].sort(byTime),
    }))
}

/**
 * One day's timeline: all-day rows apart; each timed event a block with `top` and `height`
 * in minutes from the day's start (cut to the day, at least 20 minutes tall) and `left`/
 * `width` in percent, events that overlap side by side.
 */
function dayLayout(events, key, zone, calendars) {
  const colors = colorsOf(calendars)
  const start = dayStart(key, zone).getTime()
  const end = dayStart(addDays(key, 1), zone).getTime()
  const length = Math.round((end - start) / 60000)
  const allDay = []
  const timed = []
  ;(events || []).forEach((event) => {
    const days = daysOf(event, zone)
    if (!days.includes(key)) return
    const item = row(event, key, days, zone, colors)
    if (event.allDay) return allDay.push(item)
    const from = Math.max(0, Math.round((new Date(event.start).getTime() - start) / 60000))
    const until = Math.min(length, Math.round((new Date(event.end).getTime() - start) / 60000))
    timed.push(Object.assign(item, { top: from, height: Math.max(20, until - from), endsAt: Math.max(until, from + 20) }))
  })
  timed.sort((a, b) => a.top - b.top || b.endsAt - a.endsAt)
  // Clusters of events that overlap one another share the width, one column each.
  let cluster = []
  let clusterEnd = -1
  const close = () => {
    const columns = cluster.reduce((n, b) => Math.max(n, b.column + 1), 0)
    cluster.forEach((b) => {
      b.width = 100 / columns
      b.left = b.column * b.width
    })
    cluster = []
  }
  timed.forEach((block) => {
    if (block.top >= clusterEnd) {
      close()
      clusterEnd = -1
    }
    const ends = []
    cluster.forEach((b) => {
      ends[b.column] = Math.max(ends[b.column] || 0, b.endsAt)
    })
    let column = 0
    while (ends[column] !== undefined && ends[column] > block.top) column += 1
    block.column = column
    cluster.push(block)
    clusterEnd = Math.max(clusterEnd, block.endsAt)
  })
  close()
  return { key, allDay: allDay.sort(byTime), blocks: timed, minutes: length }
}

module.exports = {
  WEEKDAYS,
  clock,
  offsetAt,
  instant,
  iso,
  dayKey,
  parseDay,
  addDays,
  today,
  dayStart,
  dayTitle,
  daysOf,
  colorsOf,
  agenda,
  dayLayout,
  pad,
  hhmm,
}
