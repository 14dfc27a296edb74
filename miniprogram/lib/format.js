/** Display helpers: dates, sizes, addresses (Chinese UI). */

function pad(n) {
  return n < 10 ? `0${n}` : String(n)
}

/** "14:05" today, "昨天", "3月5日" this year, "2025/3/5" before. */
function shortDate(value, now = new Date()) {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  const sameDay = (a, b) =>
    a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate()
  if (sameDay(d, now)) return `${pad(d.getHours())}:${pad(d.getMinutes())}`
  const yesterday = new Date(now.getTime() - 86400000)
  if (sameDay(d, yesterday)) return '昨天'
  if (d.getFullYear() === now.getFullYear()) return `${d.getMonth() + 1}月${d.getDate()}日`
  return `${d.getFullYear()}/${d.getMonth() + 1}/${d.getDate()}`
}

function fullDate(value) {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`
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

module.exports = { shortDate, fullDate, size, person, people, prefixed, folderName, quote, FOLDER_NAMES }
