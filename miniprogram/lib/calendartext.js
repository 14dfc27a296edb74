/**
 * Calendar words (Chinese UI): an event's time with its zone, a recurrence rule in words,
 * reminders, attendees' answers and invitation methods.
 */
const cal = require('./calendar')

const STATUS = { ACCEPTED: '已接受', TENTATIVE: '暂定', DECLINED: '已拒绝', NEEDS_ACTION: '未回复' }
const CHANNELS = { PUSH: '推送', MAIL: '邮件', WECHAT: '微信', SMS: '短信' }
const UNITS = { HOURLY: '小时', DAILY: '天', WEEKLY: '周', MONTHLY: '个月', YEARLY: '年' }
const EVERY = { HOURLY: '每小时', DAILY: '每天', WEEKLY: '每周', MONTHLY: '每月', YEARLY: '每年' }
const DAYS = { SU: '周日', MO: '周一', TU: '周二', WE: '周三', TH: '周四', FR: '周五', SA: '周六' }

function statusText(status) {
  return STATUS[status] || STATUS.NEEDS_ACTION
}

/** "提前 15 分钟（推送、邮件）", "开始时（推送）". */
function reminderText(reminder) {
  const m = Number(reminder.minutesBefore) || 0
  let when = '开始时'
  if (m > 0 && m % 1440 === 0) when = `提前 ${m / 1440} 天`
  else if (m > 0 && m % 60 === 0) when = `提前 ${m / 60} 小时`
  else if (m > 0) when = `提前 ${m} 分钟`
  const channels = (reminder.channels || []).map((c) => CHANNELS[c] || c).join('、')
  return channels ? `${when}（${channels}）` : when
}

/** The parts of "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10" as { FREQ: 'WEEKLY', ... }. */
function ruleParts(rule) {
  const parts = {}
  String(rule || '')
    .replace(/^RRULE:/i, '')
    .split(';')
    .forEach((p) => {
      const i = p.indexOf('=')
      if (i > 0) parts[p.slice(0, i).toUpperCase()] = p.slice(i + 1).toUpperCase()
    })
  return parts
}

/** "每周（周一、周三），共 10 次", "每 2 天，至 2027年3月1日"; '' for none; the rule itself when odd. */
function recurrenceText(rule) {
  if (!rule) return ''
  const p = ruleParts(rule)
  if (!EVERY[p.FREQ]) return `自定义重复（${rule}）`
  const interval = Number(p.INTERVAL || 1)
  let text = interval > 1 ? `每 ${interval} ${UNITS[p.FREQ]}` : EVERY[p.FREQ]
  if (p.BYDAY) {
    const days = p.BYDAY.split(',').map((d) => {
      const m = /^([+-]?\d+)?(SU|MO|TU|WE|TH|FR|SA)$/.exec(d)
      if (!m) return d
      if (!m[1]) return DAYS[m[2]]
      return m[1] === '-1' ? `最后一个${DAYS[m[2]]}` : `第 ${Number(m[1])} 个${DAYS[m[2]]}`
    })
    text += `（${days.join('、')}）`
  }
  if (p.BYMONTHDAY) text += `（${p.BYMONTHDAY.split(',').map((d) => (d === '-1' ? '最后一天' : `${d} 日`)).join('、')}）`
  if (p.COUNT) text += `，共 ${Number(p.COUNT)} 次`
  const until = /^(\d{4})(\d{2})(\d{2})/.exec(p.UNTIL || '')
  if (until) text += `，至 ${Number(until[1])}年${Number(until[2])}月${Number(until[3])}日`
  return text
}

function dateText(w) {
  return `${w.year}年${w.month}月${w.day}日 ${cal.WEEKDAYS[w.weekday]}`
}

function zoneLabel(zone) {
  if (zone && zone.timeZone) return zone.timeZone
  if (zone && Number.isFinite(zone.utcOffset)) {
    const o = zone.utcOffset
    return `UTC${o < 0 ? '-' : '+'}${cal.pad(Math.floor(Math.abs(o) / 60))}:${cal.pad(Math.abs(o) % 60)}`
  }
  return ''
}

/**
 * "2026年12月8日 周二 10:00–11:00", across days "… 10:00 – 2026年12月9日 周三 11:00", all-day
 * "2026年12月8日 周二 全天" (their own dates), in `zone`.
 */
function timeRange(event, zone) {
  if (event.allDay) {
    const days = cal.daysOf(event, zone)
    const first = dateText(clockOfDay(days[0]))
    if (days.length === 1) return `${first} 全天`
    return `${first} – ${dateText(clockOfDay(days[days.length - 1]))} 全天`
  }
  const start = cal.clock(new Date(event.start), zone)
  const end = cal.clock(new Date(event.end), zone)
  if (cal.dayKey(start) === cal.dayKey(end)) return `${dateText(start)} ${cal.hhmm(start)}–${cal.hhmm(end)}`
  return `${dateText(start)} ${cal.hhmm(start)} – ${dateText(end)} ${cal.hhmm(end)}`
}

function clockOfDay(key) {
  const w = cal.parseDay(key)
  w.weekday = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()
  return w
}

/**
 * The time lines of an event: in its own zone with the zone's name, and in the members'
 * zone as well when that shows another time.
 */
function timeLines(event, memberZone) {
  const own = { timeZone: event.timeZone }
  const ownText = timeRange(event, event.timeZone ? own : memberZone)
  const lines = [event.timeZone ? `${ownText}（${event.timeZone}）` : ownText]
  if (!event.allDay && event.timeZone && memberZone) {
    const mine = timeRange(event, memberZone)
    if (mine !== ownText) lines.push(`${mine}（${zoneLabel(memberZone) || '本地时间'}）`)
  }
  return lines
}

/** What an invitation mail is: a REQUEST, a CANCEL, a REPLY. */
function methodText(method) {
  return { REQUEST: '会议邀请', CANCEL: '已取消', REPLY: '会议答复', COUNTER: '建议新时间' }[method] || method
}

module.exports = { STATUS, statusText, reminderText, ruleParts, recurrenceText, timeRange, timeLines, zoneLabel, methodText }
