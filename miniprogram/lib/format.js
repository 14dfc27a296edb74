/**
 * Display helpers: dates, sizes, addresses (Chinese UI).
 *
 * Dates are shown in the members' time zone as the server knows it (miniprogramConfig
 * timeZone/utcOffset, set with setZone by lib/settings.js), the same zone its WeChat
 * reminders use — not in the phone's zone, which may be another (travel, a phone set to
 * UTC). Where the JS engine has no time zone data (Intl without timeZone support) the
 * server's current UTC offset stands in; before the server has answered, the phone's zone.
 */

const zone = { timeZone: '', utcOffset: null, formatter: null }

/** Use the server's zone: { timeZone: 'Asia/Shanghai', utcOffset: 480 } (minutes east of UTC). */
function setZone(config) {
  const timeZone = (config && config.timeZone) || ''
  const offset = config && Number.isFinite(config.utcOffset) ? config.utcOffset : null
  zone.timeZone = timeZone
  zone.utcOffset = offset
  zone.formatter = null
  if (!timeZone || typeof Intl === 'undefined' || !Intl.DateTimeFormat) return
  try {
    const formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    })
    if (typeof formatter.formatToParts !== 'function') return
    formatter.formatToParts(new Date(0)) // some engines only fail here
    zone.formatter = formatter
  } catch (e) {
    // no zone data in this engine: the offset stands in
  }
}

/** The zone in use, for display ("Asia/Shanghai", "UTC+08:00", or "" for the phone's). */
function zoneName() {
  if (zone.formatter) return zone.timeZone
  if (zone.utcOffset === null) return ''
  const sign = zone.utcOffset < 0 ? '-' : '+'
  const minutes = Math.abs(zone.utcOffset)
  return `UTC${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`
}

function pad(n) {
  return n < 10 ? `0${n}` : String(n)
}

/** { year, month (1-12), day, hour, minute } of a Date in the members' zone. */
function wallClock(d) {
  if (zone.formatter) {
    const out = {}
    zone.formatter.formatToParts(d).forEach((p) => {
      if (p.type !== 'literal') out[p.type] = Number(p.value)
    })
    return { year: out.year, month: out.month, day: out.day, hour: out.hour % 24, minute: out.minute }
  }
  if (zone.utcOffset !== null) {
    const s = new Date(d.getTime() + zone.utcOffset * 60000)
    return { year: s.getUTCFullYear(), month: s.getUTCMonth() + 1, day: s.getUTCDate(), hour: s.getUTCHours(), minute: s.getUTCMinutes() }
  }
  return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes() }
}

function parse(value) {
  if (!value) return null
  const d = value instanceof Date ? value : new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

/** "14:05" today, "昨天", "3月5日" this year, "2025/3/5" before (in the members' zone). */
function shortDate(value, now = new Date()) {
  const d = parse(value)
  if (!d) return ''
  const w = wallClock(d)
  const today = wallClock(now)
  const sameDay = (a, b) => a.year === b.year && a.month === b.month && a.day === b.day
  if (sameDay(w, today)) return `${pad(w.hour)}:${pad(w.minute)}`
  if (sameDay(w, wallClock(new Date(now.getTime() - 86400000)))) return '昨天'
  if (w.year === today.year) return `${w.month}月${w.day}日`
  return `${w.year}/${w.month}/${w.day}`
}

/** "2026年12月7日 18:00" (in the members' zone). */
function fullDate(value) {
  const d = parse(value)
  if (!d) return ''
  const w = wallClock(d)
  return `${w.year}年${w.month}月${w.day}日 ${pad(w.hour)}:${pad(w.minute)}`
}

function size(bytes) {
  const n = Number(bytes) || 0
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

function person(address) {
  if (!address) return ''
  return address.name || address.address || ''
}

function people(list) {
  return (list || []).map(person).filter(Boolean).join('、')
}

/** "Re: " / "Fwd: " once. */
function prefixed(prefix, subject) {
  const s = subject || ''
  return new RegExp(`^${prefix}:`, 'i').test(s) ? s : `${prefix}: ${s}`
}

const FOLDER_NAMES = {
  INBOX: '收件箱',
  SENT: '已发送',
  DRAFTS: '草稿箱',
  TRASH: '已删除',
  SPAM: '垃圾邮件',
  ARCHIVE: '归档',
}

function folderName(folder) {
  return (folder.role && FOLDER_NAMES[folder.role]) || folder.name
}

/** A quoted original for replies and forwards (plain text). */
function quote(message) {
  const head = `\n\n------------------ 原始邮件 ------------------\n发件人: ${person(message.from)} <${
    (message.from && message.from.address) || ''
  }>\n发送时间: ${fullDate(message.date)}\n主题: ${message.subject || ''}\n\n`
  const body = (message.text || '')
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n')
  return head + body
}

module.exports = { setZone, zoneName, shortDate, fullDate, size, person, people, prefixed, folderName, quote, FOLDER_NAMES }
