// Pure helpers of the auditors' archive screen: the search form as GraphQL input, download names.

/**
 * The search form as ArchiveSearchInput: trimmed fields, dates (YYYY-MM-DD, local time) as
 * the start of `from` and the end of `to`. Returns {where, errors} where errors names bad dates.
 */
export function searchInput(form) {
  const where = {}
  const errors = {}
  for (const key of ['sender', 'recipient', 'subject', 'body', 'attachment', 'text']) {
    const v = String(form[key] || '').trim()
    if (v) where[key] = v
  }
  for (const [key, end] of [['dateFrom', false], ['dateTo', true]]) {
    const v = String(form[key] || '').trim()
    if (!v) continue
    const day = parseDay(v)
    if (!day) errors[key] = 'date'
    else where[key] = (end ? new Date(day.y, day.m - 1, day.d, 23, 59, 59, 999) : new Date(day.y, day.m - 1, day.d)).toISOString()
  }
  if (where.dateFrom && where.dateTo && where.dateFrom > where.dateTo) errors.dateTo = 'range'
  return { where, errors }
}

function parseDay(value) {
  const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(value)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(y, mo - 1, d)
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null
  return { y, m: mo, d }
}

/** The file name of a Content-Disposition header (RFC 5987 `filename*=UTF-8''...` or `filename="..."`). */
export function filenameOf(disposition, fallback) {
  const value = String(disposition || '')
  const star = /filename\*=UTF-8''([^;]+)/i.exec(value)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* a malformed name: try the plain form */
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(value)
  return plain ? plain[1].trim() : fallback
}
