// Small display helpers: dates, sizes, names.

export function formatSize(bytes) {
  if (bytes == null) return ''
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let n = Number(bytes)
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i += 1
  }
  return `${n < 10 && i ? n.toFixed(1) : Math.round(n)} ${units[i]}`
}

export function formatDate(value, now = new Date()) {
  if (!value) return ''
  const d = new Date(value)
  const sameDay = d.toDateString() === now.toDateString()
  const pad = (x) => String(x).padStart(2, '0')
  if (sameDay) return `${pad(d.getHours())}:${pad(d.getMinutes())}`
  if (d.getFullYear() === now.getFullYear()) return `${d.getMonth() + 1}/${d.getDate()}`
  return `${d.getFullYear()}/${d.getMonth() + 1}/${d.getDate()}`
}

export function formatDateTime(value) {
  if (!value) return ''
  const d = new Date(value)
  const pad = (x) => String(x).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

export function displayName(addr) {
  if (!addr) return ''
  return addr.name || addr.address
}

/** A search snippet (escaped text with <mark> around matches) with every other tag removed. */
export function safeSnippet(snippet) {
  return String(snippet || '').replace(/<(?!\/?mark>)[^>]*>?/gi, '')
}
