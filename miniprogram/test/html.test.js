/** lib/html.js: what reaches rich-text from mail HTML. */
const html = require('../lib/html')

function flat(nodes) {
  return JSON.stringify(nodes)
}

test('keeps text and safe formatting, drops scripts, forms, handlers and unsafe styles', () => {
  const { nodes } = html.toNodes(
    '<div onclick="steal()"><p style="color:red;position:fixed;background-color:url(x)">你好 &amp; <b>欢迎</b></p>' +
      '<script>alert(1)</script><style>p{}</style><form><input value="x"></form><iframe src="https://x"></iframe>' +
      '<custom-tag>内文</custom-tag><a href="javascript:alert(1)">链接</a></div>',
  )
  const out = flat(nodes)
  expect(out).toContain('你好 & ')
  expect(out).toContain('"name":"b"')
  expect(out).toContain('color:red')
  expect(out).toContain('内文')
  expect(out).toContain('链接')
  for (const bad of ['alert', 'steal', 'onclick', 'position', 'url(', 'iframe', 'input', 'href', 'p{}']) {
    expect(out).not.toContain(bad)
  }
})

test('blocks remote images unless asked, maps cid images to the attachment route', () => {
  const source = '<img src="https://tracker.example/p.gif"><img src="cid:logo@x"><img src="data:image/png;base64,AAAA">'
  const blocked = html.toNodes(source, { cidUrls: { 'logo@x': 'https://mail/attachments/1/2?inline=1' } })
  expect(blocked.blockedImages).toBe(1)
  expect(flat(blocked.nodes)).not.toContain('tracker.example')
  expect(flat(blocked.nodes)).toContain('https://mail/attachments/1/2?inline=1')
  expect(flat(blocked.nodes)).not.toContain('data:image')
  const shown = html.toNodes(source, { images: true })
  expect(flat(shown.nodes)).toContain('tracker.example')
})

test('survives broken markup and plain text keeps its lines', () => {
  const { nodes } = html.toNodes('<p><b>未闭合 <i>标签</p></div>尾部 &#x4E2D;&#25991; &unknown;')
  const out = flat(nodes)
  expect(out).toContain('未闭合')
  expect(out).toContain('尾部 中文 &unknown;')
  expect(flat(html.textNodes('第一行\n第二行'))).toContain('第一行\\n第二行')
})
