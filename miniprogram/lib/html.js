/**
 * Mail HTML (already sanitized by the server) → `rich-text` nodes. Only tags and
 * attributes rich-text shows safely are kept; scripts, styles, forms and media are
 * dropped; other tags are unwrapped (their text stays). Remote images are blocked unless
 * asked for (they reveal that the mail was read); `cid:` images use the attachment route.
 */

const ALLOWED = new Set(
  (
    'a abbr address article aside b bdi bdo big blockquote br caption center cite code col ' +
    'colgroup dd del div dl dt em fieldset font footer h1 h2 h3 h4 h5 h6 header hr i img ins ' +
    'label legend li mark nav ol p pre q rt ruby s section small span strong sub sup table ' +
    'tbody td tfoot th thead tr tt u ul'
  ).split(' '),
)
const DROP_WITH_CONTENT = new Set(
  'script style head title noscript template iframe object embed svg math form select textarea button video audio canvas'.split(
    ' ',
  ),
)
const VOID = new Set('br hr img col area base input link meta param source track wbr'.split(' '))
const ATTRS = {
  '*': ['style'],
  img: ['src', 'alt', 'width', 'height'],
  td: ['colspan', 'rowspan', 'width', 'align', 'valign'],
  th: ['colspan', 'rowspan', 'width', 'align', 'valign'],
  table: ['width', 'border', 'cellpadding', 'cellspacing'],
  col: ['span', 'width'],
  colgroup: ['span', 'width'],
  ol: ['start', 'type'],
  font: ['color', 'size', 'face'],
}
const STYLE_PROPS = new Set(
  (
    'color background-color font-weight font-style font-size font-family text-decoration ' +
    'text-align line-height margin margin-top margin-bottom margin-left margin-right padding ' +
    'padding-top padding-bottom padding-left padding-right border border-top border-bottom ' +
    'border-left border-right border-collapse border-color border-width border-style ' +
    'vertical-align white-space word-break width max-width'
  ).split(' '),
)
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', hellip: '…', mdash: '—', ndash: '–', ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’', middot: '·', yen: '¥', times: '×' }
const MAX_NODES = 5000

function decode(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
      return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ''
    }
    const known = ENTITIES[name.toLowerCase()]
    return known === undefined ? all : known
  })
}

function safeStyle(style) {
  return String(style || '')
    .split(';')
    .map((decl) => {
      const at = decl.indexOf(':')
      if (at < 0) return ''
      const prop = decl.slice(0, at).trim().toLowerCase()
      const value = decl.slice(at + 1).trim()
      if (!STYLE_PROPS.has(prop) || /url\s*\(|expression|javascript:|@import|position/i.test(value)) return ''
      if (prop === 'width' && /px/.test(value) && parseFloat(value) > 600) return 'max-width:100%'
      return `${prop}:${value}`
    })
    .filter(Boolean)
    .join(';')
}

function parseAttrs(source) {
  const attrs = {}
  const re = /([^\s=/"'>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g
  let m
  while ((m = re.exec(source))) {
    attrs[m[1].toLowerCase()] = decode(m[2] !== undefined ? m[2] : m[3] !== undefined ? m[3] : m[4] || '')
  }
  return attrs
}

function keepAttrs(tag, attrs, options, stats) {
  const out = {}
  const names = (ATTRS['*'] || []).concat(ATTRS[tag] || [])
  names.forEach((name) => {
    if (attrs[name] === undefined) return
    if (name === 'style') {
      const style = safeStyle(attrs.style)
      if (style) out.style = style
    } else {
      out[name] = attrs[name]
    }
  })
  if (tag === 'img') {
    const src = attrs.src || ''
    if (/^cid:/i.test(src)) {
      const url = (options.cidUrls || {})[src.slice(4).replace(/^<|>$/g, '')]
      if (!url) return null
      out.src = url
    } else if (/^https?:\/\//i.test(src)) {
      if (!options.images) {
        stats.blockedImages++
        return null
      }
      out.src = src
    } else {
      return null
    }
    out.style = `max-width:100%;height:auto;${out.style || ''}`
    delete out.width
    delete out.height
  }
  if (tag === 'table') out.style = `max-width:100%;${out.style || ''}`
  return out
}

/**
 * Parse into nodes. Returns { nodes, blockedImages }.
 * options: { images: boolean, cidUrls: { contentId: url } }
 */
function toNodes(html, options = {}) {
  const root = { name: 'div', attrs: { class: 'mail-html' }, children: [] }
  const stack = [root]
  const stats = { blockedImages: 0, count: 0 }
  let dropping = null // the tag whose content is being skipped
  const re = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<![^>]*>|<\/?([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g
  let last = 0
  let m
  const text = (value) => {
    if (dropping || !value) return
    if (stats.count++ > MAX_NODES) return
    stack[stack.length - 1].children.push({ type: 'text', text: decode(value) })
  }
  const source = String(html || '')
  while ((m = re.exec(source))) {
    text(source.slice(last, m.index))
    last = re.lastIndex
    const tag = m[1] ? m[1].toLowerCase() : null
    if (!tag) continue // comment, doctype, CDATA
    const closing = m[0][1] === '/'
    if (dropping) {
      if (closing && tag === dropping) dropping = null
      continue
    }
    if (closing) {
      for (let i = stack.length - 1; i > 0; i--) {
        if (stack[i].name === tag) {
          stack.length = i
          break
        }
      }
      continue
    }
    if (DROP_WITH_CONTENT.has(tag)) {
      if (!/\/\s*$/.test(m[2]) && !VOID.has(tag)) dropping = tag
      continue
    }
    if (!ALLOWED.has(tag)) continue // unwrapped: its text stays
    if (stats.count++ > MAX_NODES) continue
    const attrs = keepAttrs(tag, parseAttrs(m[2] || ''), options, stats)
    if (attrs === null) continue
    const node = { name: tag, attrs, children: [] }
    stack[stack.length - 1].children.push(node)
    if (!VOID.has(tag) && !/\/\s*$/.test(m[2])) stack.push(node)
  }
  text(source.slice(last))
  return { nodes: [root], blockedImages: stats.blockedImages }
}

/** Plain text → nodes (keeps line breaks, makes nothing clickable). */
function textNodes(text) {
  return [{ name: 'div', attrs: { class: 'mail-text', style: 'white-space:pre-wrap;word-break:break-word' }, children: [{ type: 'text', text: String(text || '') }] }]
}

module.exports = { toNodes, textNodes, safeStyle }
