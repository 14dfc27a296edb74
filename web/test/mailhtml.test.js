import { describe, expect, it } from 'vitest'
import { buildMailDocument } from '../src/lib/mailhtml.js'

function body(srcdoc) {
  return new DOMParser().parseFromString(srcdoc, 'text/html')
}

describe('mail HTML for the reading pane', () => {
  it('holds remote images back until allowed', () => {
    const html = '<p>hi</p><img src="https://tracker.example/p.gif"><img src="//cdn.example/x.png">'
    const blocked = buildMailDocument(html)
    expect(blocked.blocked).toBe(2)
    expect(blocked.srcdoc).not.toMatch(/\ssrc="https:\/\/tracker/)
    expect(body(blocked.srcdoc).querySelectorAll('img[data-blocked-src]').length).toBe(2)
    const allowed = buildMailDocument(html, { allowRemote: true })
    expect(allowed.blocked).toBe(0)
    expect(allowed.srcdoc).toContain('src="https://tracker.example/p.gif"')
  })
  it('strips anything active that got past the server', () => {
    const html = '<script>alert(1)</script><a href="javascript:alert(2)">x</a><div onclick="alert(3)" style="background:url(http://x/y)">y</div><form action="http://x"><input></form><meta http-equiv="refresh" content="0;url=http://x">'
    const { srcdoc } = buildMailDocument(html)
    const doc = body(srcdoc)
    expect(doc.querySelector('script')).toBeNull()
    expect(doc.querySelector('form')).toBeNull()
    expect(doc.querySelector('[onclick]')).toBeNull()
    expect(doc.querySelector('a').getAttribute('href')).toBeNull()
    expect(doc.querySelector('div').getAttribute('style')).toBeNull()
    expect(doc.querySelectorAll('meta[http-equiv="refresh"]').length).toBe(0)
  })
  it('sets a CSP that allows no scripts and maps cid: images to attachments', () => {
    const { srcdoc } = buildMailDocument('<img src="cid:logo@x">', { cidMap: { 'logo@x': '/attachments/1/0?inline=1' } })
    expect(srcdoc).toContain("default-src 'none'")
    expect(srcdoc).not.toContain('script-src')
    expect(srcdoc).toContain('src="/attachments/1/0?inline=1"')
  })
})
