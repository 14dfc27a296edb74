// Address parsing for the compose fields: "Name <a@b.c>, d@e.f; 'g' <h@i.j>".

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/

export function isEmail(value) {
  return EMAIL.test(String(value || '').trim())
}

/** Split a typed list into {name, address, valid} items; quotes keep commas inside names. */
export function parseAddresses(text) {
  const items = []
  let current = ''
  let quoted = false
  let angle = false
  for (const ch of String(text || '')) {
    if (ch === '"') quoted = !quoted
    if (!quoted && ch === '<') angle = true
    if (!quoted && ch === '>') angle = false
    if (!quoted && !angle && (ch === ',' || ch === ';' || ch === '，' || ch === '；' || ch === '\n')) {
      if (current.trim()) items.push(parseOne(current))
      current = ''
      continue
    }
    current += ch
  }
  if (current.trim()) items.push(parseOne(current))
  return items
}

export function parseOne(text) {
  const raw = text.trim()
  const m = raw.match(/^(.*)<([^>]*)>\s*$/)
  let name = ''
  let address = raw
  if (m) {
    name = m[1].trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1').trim()
    address = m[2].trim()
  }
  return { name, address, valid: isEmail(address) }
}

/** "Name <addr>" or the bare address. */
export function formatAddress({ name, address }) {
  if (!name || name === address) return address
  const safe = /[",;<>]/.test(name) ? `"${name.replace(/"/g, '')}"` : name
  return `${safe} <${address}>`
}

/** Unique addresses, case-insensitive, first spelling kept. */
export function uniqueAddresses(list) {
  const seen = new Set()
  return list.filter((a) => {
    const key = a.toLowerCase()
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
