import { describe, expect, it } from 'vitest'
import { buildMailDocument, hostOf, linkMismatch, textToDisplayHtml } from '../src/lib/mailhtml.js'

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

describe('links in the reading pane', () => {
  it('opens links in a new tab without opener or referrer, drops relative ones', () => {
    const { srcdoc } = buildMailDocument('<a href="https://example.com/x">go</a><a href="rel">rel</a><a href="mailto:a@b.cn">m</a><a href="#top">top</a>')
    const links = body(srcdoc).querySelectorAll('a')
    expect(links[0].getAttribute('target')).toBe('_blank')
    expect(links[0].getAttribute('rel')).toBe('noopener noreferrer')
    expect(links[0].getAttribute('title')).toBe('https://example.com/x')
    expect(links[1].getAttribute('href')).toBeNull()
    expect(links[2].getAttribute('target')).toBe('_blank')
    expect(links[3].getAttribute('target')).toBeNull()
  })
  it('flags a link whose text names another site than its target', () => {
    expect(linkMismatch('www.paypal.com', 'https://evil.example/login')).toEqual({ shown: 'paypal.com', real: 'evil.example' })
    expect(linkMismatch('https://bank.cn/login', 'http://bank.cn.evil.io/')).toEqual({ shown: 'bank.cn', real: 'bank.cn.evil.io' })
    expect(linkMismatch('support@paypal.com', 'https://evil.example/')).toEqual({ shown: 'paypal.com', real: 'evil.example' })
    expect(linkMismatch('example.com', 'https://www.example.com/a')).toBeNull()
    expect(linkMismatch('example.com', 'https://mail.example.com/a')).toBeNull()
    expect(linkMismatch('点击这里', 'https://evil.example/')).toBeNull()
    expect(linkMismatch('report.pdf', 'https://files.example.com/r')).toBeNull()
    expect(linkMismatch('bücher.de', 'https://www.bücher.de/')).toBeNull()
    expect(linkMismatch('bücher.de', 'https://buecher.example/')).toEqual({ shown: 'xn--bcher-kva.de', real: 'buecher.example' })
    const { srcdoc } = buildMailDocument('<a href="https://evil.example/">www.paypal.com</a><a href="https://paypal.com/">paypal.com</a>')
    const links = body(srcdoc).querySelectorAll('a')
    expect(links[0].hasAttribute('data-mismatch')).toBe(true)
    expect(links[1].hasAttribute('data-mismatch')).toBe(false)
    expect(hostOf('Click here')).toBe('')
  })
})

describe('plain text and quotes', () => {
  const quotes = { show: 'Show quoted text', hide: 'Hide quoted text' }
  it('escapes, keeps line breaks and links URLs and addresses', () => {
    const html = textToDisplayHtml('a <b> & c\nsee https://example.com/a?x=1&y=2. or www.qiyou.cn, mail bob@example.com')
    const doc = body(`<body>${html}</body>`)
    expect(doc.querySelector('b')).toBeNull()
    expect(doc.querySelector('.qy-text').textContent).toContain('a <b> & c\nsee')
    const hrefs = [...doc.querySelectorAll('a')].map((a) => a.getAttribute('href'))
    expect(hrefs).toEqual(['https://example.com/a?x=1&y=2', 'http://www.qiyou.cn', 'mailto:bob@example.com'])
  })
  it('folds ">" lines and the tail after an attribution line', () => {
    const text = 'Thanks, done.\n\nOn Mon, 1 Jan 2024 at 10:00, Alice <a@example.com> wrote:\n> please do it\n> now'
    const doc = body(`<body>${textToDisplayHtml(text, { quotes })}</body>`)
    const details = doc.querySelectorAll('details.qy-quote')
    expect(details.length).toBe(1)
    expect(details[0].textContent).toContain('wrote:')
    expect(details[0].textContent).toContain('please do it')
    expect(doc.querySelector('.qy-text').firstChild.textContent).toContain('Thanks, done.')
    const zh = body(`<body>${textToDisplayHtml('好的\n\n在 2024年1月1日 张三 写道：\n原文', { quotes })}</body>`)
    expect(zh.querySelector('details').textContent).toContain('原文')
    const outlook = body(`<body>${textToDisplayHtml('OK\n\n发件人: 张三\n发送时间: 2024年1月1日\n主题: x\n\n原文', { quotes })}</body>`)
    expect(outlook.querySelector('details').textContent).toContain('原文')
    const plain = body(`<body>${textToDisplayHtml('From: the team, with love\nno quote here', { quotes })}</body>`)
    expect(plain.querySelector('details')).toBeNull()
  })
  it('does not fold a mail that is nothing but a quote, and folds HTML blockquotes of a reply', () => {
    expect(textToDisplayHtml('> only a quote', { quotes })).not.toContain('<details')
    const { srcdoc } = buildMailDocument('<p>reply</p><div>On x wrote:</div><blockquote><p>old</p><blockquote>older</blockquote></blockquote>', { quotes })
    const doc = body(srcdoc)
    expect(doc.querySelectorAll('details.qy-quote').length).toBe(1)
    expect(doc.querySelector('details blockquote blockquote').textContent).toBe('older')
    expect(buildMailDocument('<blockquote>all quoted</blockquote>', { quotes }).srcdoc).not.toContain('<details')
  })
  it('folds an Outlook/Foxmail header block and what follows it in an HTML reply', () => {
    const html = '<div><p>同意，按此执行。</p><hr><div><b>发件人:</b> 张三<br><b>发送时间:</b> 2024年1月1日<br><b>主题:</b> 预算</div><p>原来的内容</p></div>'
    const doc = body(buildMailDocument(html, { quotes }).srcdoc)
    const details = doc.querySelector('details.qy-quote')
    expect(details.textContent).toContain('原来的内容')
    expect(details.textContent).toContain('发送时间')
    expect(details.querySelector('hr')).not.toBeNull()
    expect(doc.body.textContent.indexOf('同意')).toBeLessThan(doc.body.textContent.indexOf('发件人'))
    expect(details.textContent).not.toContain('同意')
    const forwardedOnly = '<div><b>From:</b> A<br><b>Sent:</b> Monday</div><p>old</p>'
    expect(buildMailDocument(forwardedOnly, { quotes }).srcdoc).not.toContain('<details')
  })
  it('prints the headers above the body, escaped', () => {
    const { srcdoc } = buildMailDocument('<p>body</p>', { header: { subject: '<i>S</i>', rows: [['From', 'A <a@b.cn>']] } })
    const doc = body(srcdoc)
    expect(doc.querySelector('.qy-print-head h1').textContent).toBe('<i>S</i>')
    expect(doc.querySelector('.qy-print-head div').textContent).toBe('From: A <a@b.cn>')
  })
})
