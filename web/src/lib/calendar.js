// Pure calendar logic of the web app: the ranges of the day/week/month views, the columns of
// overlapping events in a day, snapping a dragged time to 15 minutes, wall-clock times in a
// named zone, and recurrence rules (RFC 5545 RRULE) to and from the editor's form.

export const DAY_MS = 86_400_000
export const SNAP_MINUTES = 15
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU']

const pad = (n) => String(n).padStart(2, '0')

/** Local midnight of the day of `d`. */
export function startOfDay(d) {
  const x = new Date(d)
  x.setHours(0, 0, 0, 0)
  return x
}

/** `d` plus `n` calendar days at the same wall-clock time (DST-safe). */
export function addDays(d, n) {
  const x = new Date(d)
  x.setDate(x.getDate() + n)
  return x
}

/** Monday 00:00 of the week of `d` (weeks start on Monday, as in China and ISO 8601). */
export function startOfWeek(d) {
  const x = startOfDay(d)
  return addDays(x, -((x.getDay() + 6) % 7))
}

/** The [start, end) the view shows around `anchor`; month: whole weeks around the month. */
export function viewRange(view, anchor) {
  if (view === 'day') {
    const start = startOfDay(anchor)
    return { start, end: addDays(start, 1) }
  }
  if (view === 'week') {
    const start = startOfWeek(anchor)
    return { start, end: addDays(start, 7) }
  }
  if (view === 'month') {
    const first = new Date(anchor.getFullYear(), anchor.getMonth(), 1)
    const start = startOfWeek(first)
    const next = new Date(anchor.getFullYear(), anchor.getMonth() + 1, 1)
    const days = Math.round((startOfDay(next) - start) / DAY_MS)
    return { start, end: addDays(start, Math.ceil(days / 7) * 7) }
  }
  const start = startOfDay(anchor) // agenda: 30 days from the anchor
  return { start, end: addDays(start, 30) }
}

/** The anchor one step back (-1) or forward (+1) in the view. */
export function shiftAnchor(view, anchor, step) {
  if (view === 'day') return addDays(anchor, step)
  if (view === 'week') return addDays(anchor, 7 * step)
  if (view === 'month') return new Date(anchor.getFullYear(), anchor.getMonth() + step, 1)
  return addDays(anchor, 30 * step)
}

/** The days from `start` to `end` (exclusive), each a local midnight. */
export function daysOf(start, end) {
  const out = []
  for (let d = startOfDay(start); d < end; d = addDays(d, 1)) out.push(d)
  return out
}

export function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate()
}

/** "YYYY-MM-DD" of a local date. */
export function dateKey(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

export function hhmm(d) {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** Minutes rounded to the nearest multiple of `step` (15 by default). */
export function snapMinutes(minutes, step = SNAP_MINUTES) {
  return Math.round(minutes / step) * step
}

/** Minutes since the day's start at `y` pixels into a day column `height` px tall, snapped and kept in the day. */
export function minutesAt(y, height, step = SNAP_MINUTES) {
  const m = snapMinutes((y / height) * 1440, step)
  return Math.min(1440, Math.max(0, m))
}

/**
 * A drag of an event in a day/week grid: `kind` 'move' shifts start and end by the pointer's
 * movement (`dyMinutes`, plus `dayShift` columns), 'resize' moves only the end (at least one
 * step after the start). Times snap to 15 minutes. Returns new {start, end} Dates.
 */
export function dragResult(kind, start, end, dyMinutes, dayShift = 0, step = SNAP_MINUTES) {
  const s = new Date(start)
  const e = new Date(end)
  const delta = snapMinutes(dyMinutes, step)
  if (kind === 'resize') {
    const next = new Date(e.getTime() + delta * 60_000)
    const least = new Date(s.getTime() + step * 60_000)
    return { start: s, end: next < least ? least : next }
  }
  const ns = addDays(new Date(s.getTime() + delta * 60_000), dayShift)
  return { start: ns, end: new Date(ns.getTime() + (e - s)) }
}

/**
 * The layout of one day's timed events: each gets `top`/`height` (fractions of the day) and a
 * `column` of `columns` among the events that overlap it (a cluster shares one column count).
 * `dayStart` is the day's local midnight; events are cut to the day.
 */
export function layoutDay(events, dayStart) {
  const day0 = startOfDay(dayStart).getTime()
  const day1 = addDays(startOfDay(dayStart), 1).getTime()
  const items = events
    .map((ev) => ({ ev, s: Math.max(new Date(ev.start).getTime(), day0), e: Math.min(new Date(ev.end).getTime(), day1) }))
    .filter((x) => x.e > x.s || (x.s === x.e && x.s >= day0 && x.s < day1))
    .sort((a, b) => a.s - b.s || b.e - a.e)
  const out = []
  let cluster = []
  let clusterEnd = -Infinity
  const flush = () => {
    const columns = cluster.reduce((n, x) => Math.max(n, x.column + 1), 0)
    for (const x of cluster) out.push({ event: x.ev, top: (x.s - day0) / (day1 - day0), height: Math.max(x.e - x.s, 15 * 60_000) / (day1 - day0), column: x.column, columns })
    cluster = []
  }
  for (const x of items) {
    const end = Math.max(x.e, x.s + 15 * 60_000) // a very short event still takes room
    if (x.s >= clusterEnd) {
      flush()
      clusterEnd = -Infinity
    }
    const used = new Set(cluster.filter((c) => c.end > x.s).map((c) => c.column))
    let column = 0
    while (used.has(column)) column += 1
    cluster.push({ ...x, end, column })
    clusterEnd = Math.max(clusterEnd, end)
  }
  flush()
  return out
}

/** Does the event (an all-day one by its dates) fall on the local day `day`? */
export function onDay(ev, day) {
  if (ev.allDay) {
    const key = dateKey(day)
    return allDayStart(ev) <= key && key < allDayEnd(ev)
  }
  const d0 = startOfDay(day).getTime()
  const d1 = addDays(startOfDay(day), 1).getTime()
  const s = new Date(ev.start).getTime()
  const e = new Date(ev.end).getTime()
  return s < d1 && (e > d0 || (s === e && s >= d0))
}

/** An all-day event's first date and exclusive last date ("YYYY-MM-DD"), as its own zone wrote them. */
export function allDayStart(ev) {
  return String(ev.start).slice(0, 10)
}
export function allDayEnd(ev) {
  const end = String(ev.end).slice(0, 10)
  return end > allDayStart(ev) ? end : dateKey(addDays(new Date(`${allDayStart(ev)}T00:00:00`), 1))
}

// --- time zones: wall-clock text in a named zone <-> instants ---

function zoneParts(instant, zone) {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]))
  return { y: +p.year, mo: +p.month, d: +p.day, h: +p.hour % 24, mi: +p.minute, s: +p.second }
}

/** The zone's offset from UTC at `instant`, in minutes. */
export function zoneOffset(instant, zone) {
  const p = zoneParts(instant, zone)
  const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s)
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000)
}

/** "YYYY-MM-DDTHH:MM" read as a wall clock in `zone` → a Date (the instant). */
export function zonedToInstant(text, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(text || '')
  if (!m) return null
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0))
  let t = guess - zoneOffset(new Date(guess), zone) * 60_000
  t = guess - zoneOffset(new Date(t), zone) * 60_000 // again, across a DST change
  return new Date(t)
}

/** An instant as "YYYY-MM-DDTHH:MM" on the wall clock of `zone`. */
export function instantToZoned(instant, zone) {
  const p = zoneParts(new Date(instant), zone)
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}`
}

export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

/** Is `name` an IANA zone this browser knows? */
export function knownZone(name) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name })
    return !!name
  } catch {
    return false
  }
}

// --- recurrence rules ---

/** The editor's empty form: no recurrence. */
export function emptyRecurrence() {
  return { freq: 'NONE', interval: 1, byDay: [], ends: 'NEVER', until: '', count: 10 }
}

/**
 * The form → an RRULE ("" for none). `form`: {freq: NONE|DAILY|WEEKLY|MONTHLY|YEARLY,
 * interval, byDay: ['MO', ...] (weekly), ends: NEVER|UNTIL|COUNT, until: 'YYYY-MM-DD', count}.
 */
export function buildRrule(form) {
  if (!form || !form.freq || form.freq === 'NONE') return ''
  const parts = [`FREQ=${form.freq}`]
  const interval = Math.max(1, Math.floor(Number(form.interval) || 1))
  if (interval > 1) parts.push(`INTERVAL=${interval}`)
  if (form.freq === 'WEEKLY' && form.byDay?.length) parts.push(`BYDAY=${WEEKDAYS.filter((d) => form.byDay.includes(d)).join(',')}`)
  if (form.ends === 'UNTIL' && /^\d{4}-\d{2}-\d{2}$/.test(form.until || '')) parts.push(`UNTIL=${form.until.replaceAll('-', '')}`)
  else if (form.ends === 'COUNT') parts.push(`COUNT=${Math.max(1, Math.floor(Number(form.count) || 1))}`)
  return parts.join(';')
}

/**
 * An RRULE → the form, or `custom: true` (with the rule kept) when it says more than the
 * editor can show (BYMONTHDAY, BYSETPOS, HOURLY ...), so saving keeps it unchanged.
 */
export function parseRrule(rule) {
  const form = emptyRecurrence()
  const text = String(rule || '').trim().replace(/^RRULE:/i, '')
  if (!text) return form
  const fields = Object.fromEntries(
    text
      .split(';')
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf('=')
        return [p.slice(0, i).toUpperCase(), p.slice(i + 1).toUpperCase()]
      }),
  )
  const known = ['FREQ', 'INTERVAL', 'BYDAY', 'UNTIL', 'COUNT', 'WKST']
  const custom = Object.keys(fields).some((k) => !known.includes(k)) || !['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(fields.FREQ) || (fields.BYDAY && (fields.FREQ !== 'WEEKLY' || fields.BYDAY.split(',').some((d) => !WEEKDAYS.includes(d))))
  if (custom) return { ...form, freq: 'CUSTOM', custom: true, rule: text }
  form.freq = fields.FREQ
  form.interval = Math.max(1, parseInt(fields.INTERVAL || '1', 10) || 1)
  form.byDay = fields.BYDAY ? fields.BYDAY.split(',') : []
  if (fields.UNTIL) {
    const m = /^(\d{4})(\d{2})(\d{2})/.exec(fields.UNTIL)
    if (m) {
      form.ends = 'UNTIL'
      form.until = `${m[1]}-${m[2]}-${m[3]}`
    }
  } else if (fields.COUNT) {
    form.ends = 'COUNT'
    form.count = Math.max(1, parseInt(fields.COUNT, 10) || 1)
  }
  return form
}

/** The weekday code (MO..SU) of a local date. */
export function weekdayOf(d) {
  return WEEKDAYS[(new Date(d).getDay() + 6) % 7]
}

/**
 * The first free slot of `minutes` at or after `from` (a Date), stepping by 15 minutes, before
 * `until`, given busy periods [{start, end}] of everyone; null when there is none.
 */
export function nextFree(busy, from, minutes, until, step = SNAP_MINUTES) {
  const periods = busy.map((b) => [new Date(b.start).getTime(), new Date(b.end).getTime()]).sort((a, b) => a[0] - b[0])
  const len = minutes * 60_000
  const stepMs = step * 60_000
  let t = Math.ceil(new Date(from).getTime() / stepMs) * stepMs
  const last = new Date(until).getTime()
  while (t + len <= last) {
    const clash = periods.find(([s, e]) => s < t + len && e > t)
    if (!clash) return new Date(t)
    t = Math.ceil(clash[1] / stepMs) * stepMs
  }
  return null
}
