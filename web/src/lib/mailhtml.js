// Mail HTML for the reading pane: a srcdoc for a sandboxed <iframe> (never allow-scripts) with a
// strict CSP, remote images swapped out until the reader allows them, cid: images mapped to
// attachments, links forced to open in a new tab without opener or referrer, and quoted parts
// folded behind a <details> toggle (works without any script in the frame).

const REMOTE = /^(https?:)?\/\//i
const OPENABLE = /^(https?:|mailto:|tel:)/i
// Attribution lines that open the quoted tail of a reply.
const WROTE = /^\s*(On\s.{3,300}\swrote:|在.{2,300}写道[:：])\s*$/i
const ORIGINAL = /^\s*-{2,}\s*(Original Message|原始邮件|Forwarded message|转发的邮件)\s*-{2,}\s*$/i
const OUTLOOK_FROM = /^\s*\*?(From|发件人)\*?\s*[:：]\s*\S/i
const OUTLOOK_NEXT = /^\s*\*?(Sent|Date|To|Subject|发送时间|日期|收件人|主题)\*?\s*[:：]/i
const OUTLOOK_SENT = /(Sent|Date|发送时间|日期)\*?\s*[:：]/i
const FILE_NAME = /\.(pdf|docx?|xlsx?|pptx?|zip|rar|7z|html?|png|jpe?g|gif|txt|csv|exe|eml)$/i // "report.pdf" is no site

/** The host of a URL-ish string (`https://a.b/x`, `www.a.b`, `a.b/x`), lower-case, else ''. */
export function hostOf(value) {
  const text = String(value || '').trim().replace(/^<|>$/g, '')
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/\s]*@)?((?:[a-z0-9\u00a1-\uffff-]+\.)+[a-z\u00a1-\uffff]{2,})(?::\d+)?(?:[/?#]\S*)?$/i.exec(text)
  if (!m || (FILE_NAME.test(m[1]) && !/^[a-z]+:\/\/|^www\./i.test(text))) return ''
  return m[1].toLowerCase().replace(/^www\./, '')
}

/**
 * A link whose visible text looks like an address of another site than where it goes:
 * {shown, real} hosts, else null. Subdomains of the shown host count as the same site.
 */
export function linkMismatch(text, href) {
  if (!/^https?:/i.test(String(href || '').trim())) return null
  let shown = hostOf(text)
  if (!shown) return null
  try {
    shown = new URL(`http://${shown}`).hostname.replace(/^www\./, '') // IDN as punycode, like the href's
  } catch {
    return null
  }
  let real
  try {
    real = new URL(href).hostname.toLowerCase().replace(/^www\./, '')
  } catch {
    return { shown, real: String(href) }
  }
  return real === shown || real.endsWith(`.${shown}`) ? null : { shown, real }
}

function openInNewTab(doc) {
  for (const a of doc.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href').trim()
    if (href.startsWith('#')) continue
    if (!OPENABLE.test(href)) {
      a.removeAttribute('href') // relative or unknown scheme: nowhere sensible to go
      continue
    }
    a.setAttribute('target', '_blank')
    a.setAttribute('rel', 'noopener noreferrer')
    if (!a.getAttribute('title')) a.setAttribute('title', href)
    if (linkMismatch(a.textContent, href)) a.setAttribute('data-mismatch', '')
  }
}

function folded(doc, node, labels) {
  const details = doc.createElement('details')
  details.className = 'qy-quote'
  const summary = doc.createElement('summary')
  summary.setAttribute('data-test', 'show-quoted')
  const show = doc.createElement('span')
  show.className = 'qy-show'
  show.textContent = labels.show
  const hide = doc.createElement('span')
  hide.className = 'qy-hide'
  hide.textContent = labels.hide
  summary.append(show, hide)
  node.replaceWith(details)
  details.append(summary, node)
  return details
}

/** Text of `parent` before its child `child`. */
function textBefore(parent, child) {
  let text = ''
  for (const n of parent.childNodes) {
    if (n === child) break
    text += n.textContent
  }
  return text.trim()
}

/**
 * Outlook/Foxmail replies quote without a blockquote: an "From:/发件人:" header block (with a
 * Sent/Date/发送时间 line) and everything after it. Fold that block, its following siblings, and
 * an <hr> just before it, when the reply itself has text before it.
 */
function foldHeaderTail(doc, labels) {
  const head = [...doc.body.querySelectorAll('div,p,td,span,font')].find((el) => {
    const text = el.textContent.trim()
    return text.length < 800 && OUTLOOK_FROM.test(text) && OUTLOOK_SENT.test(text)
  })
  if (!head) return
  let top = head // up to the outermost element the header block starts
  while (top.parentElement !== doc.body && !textBefore(top.parentElement, top)) top = top.parentElement
  let before = ''
  for (let n = top; n !== doc.body; n = n.parentElement) before += textBefore(n.parentElement, n)
  if (!before) return // nothing but the quote
  const tail = []
  for (let n = top; n; n = n.nextSibling) tail.push(n)
  if (top.previousElementSibling?.tagName === 'HR') tail.unshift(top.previousElementSibling)
  const holder = doc.createElement('div')
  tail[0].before(holder)
  holder.append(...tail)
  folded(doc, holder, labels)
}

/** Fold the outermost blockquotes of a reply (not a mail that is nothing but a quote). */
function foldHtmlQuotes(doc, labels) {
  const quotes = [...doc.body.querySelectorAll('blockquote')].filter((q) => !q.parentElement.closest('blockquote'))
  if (!quotes.length) return foldHeaderTail(doc, labels)
  const outside = doc.body.cloneNode(true)
  outside.querySelectorAll('blockquote').forEach((q) => q.remove())
  if (!outside.textContent.trim()) return
  for (const q of quotes) folded(doc, q, labels)
}

const FRAME_CSS = [
  'html{height:auto}',
  'body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;font-size:14px;line-height:1.6;color:#222;margin:0;padding:12px;word-wrap:break-word;overflow-wrap:anywhere}',
  'img{max-width:100%;height:auto}',
  'pre{white-space:pre-wrap}',
  '.qy-text{white-space:pre-wrap}',
  'blockquote,.qy-quoted{border-left:3px solid #ddd;margin:0;padding-left:10px;color:#555}',
  'details.qy-quote>summary{cursor:pointer;color:#0052d9;font-size:12px;list-style:none;margin:6px 0;user-select:none}',
  'details.qy-quote>summary::-webkit-details-marker{display:none}',
  'details.qy-quote:not([open]) .qy-hide,details.qy-quote[open] .qy-show{display:none}',
  'a[data-mismatch]{text-decoration:underline wavy #e37318}',
  'a[data-mismatch]::after{content:" \u26a0";color:#e37318}',
  '.qy-print-head{border-bottom:1px solid #ccc;margin-bottom:12px;padding-bottom:8px}',
  '.qy-print-head h1{font-size:18px;margin:0 0 6px}',
  '.qy-print-head div{font-size:12px;color:#444}',
].join('')

function escapeHtml(value) {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

/**
 * Build the iframe document. `html` is already sanitized by the server; this is a second wall.
 * Returns {srcdoc, blocked} where blocked counts remote images held back.
 * `quotes: {show, hide}` (the toggle's labels) folds quoted parts; `header: {subject, rows:
 * [[label, value]]}` prints the headers above the body (the print view); both plain text.
 */
export function buildMailDocument(html, { allowRemote = false, cidMap = {}, origin = '', quotes = null, header = null } = {}) {
  const doc = new DOMParser().parseFromString(html || '', 'text/html')
  // Anything active that got past the server is removed again.
  doc.querySelectorAll('script,iframe,object,embed,form,meta,link,base,style').forEach((n) => n.remove())
  let blocked = 0
  for (const el of doc.querySelectorAll('*')) {
    for (const attr of [...el.attributes]) {
      const name = attr.name.toLowerCase()
      const value = attr.value.trim().toLowerCase()
      if (name.startsWith('on') || value.startsWith('javascript:') || value.startsWith('vbscript:') || (value.startsWith('data:') && name !== 'src')) {
        el.removeAttribute(attr.name)
      }
    }
  }
  for (const img of doc.querySelectorAll('img')) {
    const src = img.getAttribute('src') || ''
    if (src.toLowerCase().startsWith('cid:')) {
      const url = cidMap[src.slice(4).replace(/^<|>$/g, '')]
      if (url) img.setAttribute('src', url)
      else img.removeAttribute('src')
    } else if (REMOTE.test(src) && !allowRemote) {
      img.setAttribute('data-blocked-src', src)
      img.removeAttribute('src')
      blocked += 1
    }
  }
  for (const el of doc.querySelectorAll('[style]')) {
    const style = el.getAttribute('style')
    if (/url\s*\(|expression\s*\(|@import|behavior\s*:/i.test(style)) el.removeAttribute('style')
  }
  openInNewTab(doc)
  if (quotes) foldHtmlQuotes(doc, quotes)
  const head = header
    ? `<div class="qy-print-head"><h1>${escapeHtml(header.subject)}</h1>${(header.rows || []).map(([k, v]) => `<div><b>${escapeHtml(k)}:</b> ${escapeHtml(v)}</div>`).join('')}</div>`
    : ''
  const imgSrc = allowRemote ? `${origin} data: https: http:` : `${origin} data:`
  const csp = `default-src 'none'; img-src ${imgSrc}; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'`
  const srcdoc = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><style>${FRAME_CSS}</style></head><body>${head}${doc.body.innerHTML}</body></html>`
  return { srcdoc, blocked }
}

/** Plain text as a safe HTML document body. */
export function textToHtml(text) {
  const escaped = String(text || '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
  return `<pre>${escaped}</pre>`
}

const URL_IN_TEXT = /\b(?:https?:\/\/|www\.)[^\s<>"'\u3000-\u303f\uff01-\uff0f]+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/gi
/** Whether line i opens the quoted tail of a reply (an attribution line). */
function attributionAt(lines, i) {
  const line = lines[i]
  if (WROTE.test(line) || ORIGINAL.test(line)) return true
  if (/^\s*On\s/i.test(line) && WROTE.test(`${line} ${lines[i + 1] || ''}`)) return true // wrapped
  return OUTLOOK_FROM.test(line) && lines.slice(i + 1, i + 4).some((l) => OUTLOOK_NEXT.test(l))
}

function linkify(line) {
  let out = ''
  let at = 0
  for (const m of line.matchAll(URL_IN_TEXT)) {
    const text = m[0].replace(/[.,;:!?)\]}'"]+$/, '')
    out += escapeHtml(line.slice(at, m.index))
    const href = text.includes('@') && !/^(https?:|www\.)/i.test(text) ? `mailto:${text}` : /^www\./i.test(text) ? `http://${text}` : text
    out += `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`
    at = m.index + text.length
  }
  return out + escapeHtml(line.slice(at))
}

/**
 * Plain text for the reading pane: escaped, URLs and addresses made links, and quoted parts
 * (lines starting with `>`, and everything from an "On … wrote:" / "在 … 写道：" / Outlook
 * "-----Original Message-----" / "发件人:" attribution on) folded when `quotes` labels are given.
 * The frame shows it in the proportional font with pre-wrap (`.qy-text`).
 */
export function textToDisplayHtml(text, { quotes = null } = {}) {
  const lines = String(text || '').replace(/\r\n?/g, '\n').split('\n')
  const blocks = [] // [{quoted, lines}]
  let tail = -1
  lines.forEach((line, i) => {
    if (tail < 0 && i > 0 && attributionAt(lines, i) && lines.slice(0, i).some((l) => l.trim() && !/^\s*>/.test(l))) tail = i
    const quoted = tail >= 0 || /^\s*>/.test(line)
    const last = blocks[blocks.length - 1]
    if (last && last.quoted === quoted) last.lines.push(line)
    else blocks.push({ quoted, lines: [line] })
  })
  if (!quotes || blocks.every((b) => b.quoted)) return `<div class="qy-text">${lines.map(linkify).join('\n')}</div>`
  const parts = blocks.map((b) => {
    const body = b.lines.map(linkify).join('\n')
    if (!b.quoted) return body
    const show = escapeHtml(quotes.show)
    const hide = escapeHtml(quotes.hide)
    return `<details class="qy-quote"><summary data-test="show-quoted"><span class="qy-show">${show}</span><span class="qy-hide">${hide}</span></summary><div class="qy-quoted">${body}</div></details>`
  })
  return `<div class="qy-text">${parts.join('\n')}</div>`
}

/** Quote a message for reply/forward (HTML). */
export function quoteHtml(header, html) {
  return `<p><br></p><p>${header}</p><blockquote>${html}</blockquote>`
}
