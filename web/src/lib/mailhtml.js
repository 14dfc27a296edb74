// Mail HTML for the reading pane: a srcdoc for <iframe sandbox=""> with a strict CSP,
// remote images swapped out until the reader allows them, cid: images mapped to attachments.

const REMOTE = /^(https?:)?\/\//i

/**
 * Build the iframe document. `html` is already sanitized by the server; this is a second wall.
 * Returns {srcdoc, blocked} where blocked counts remote images held back.
 */
export function buildMailDocument(html, { allowRemote = false, cidMap = {}, origin = '' } = {}) {
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
  const imgSrc = allowRemote ? `${origin} data: https: http:` : `${origin} data:`
  const csp = `default-src 'none'; img-src ${imgSrc}; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'`
  const srcdoc = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><style>body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;font-size:14px;line-height:1.6;color:#222;margin:12px;word-wrap:break-word}img{max-width:100%;height:auto}pre{white-space:pre-wrap}blockquote{border-left:3px solid #ddd;margin:0;padding-left:10px;color:#555}</style></head><body>${doc.body.innerHTML}</body></html>`
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

/** Quote a message for reply/forward (HTML). */
export function quoteHtml(header, html) {
  return `<p><br></p><p>${header}</p><blockquote>${html}</blockquote>`
}
