/**
 * Downloads in the mini-program against a real Qiyou server: the attachment URLs the API
 * gives are signed for the session (`?ticket=`), so inline `cid:` images load by URL with
 * no session token in it, and the ticket opens that image only.
 */
const fs = require('fs')
const http = require('http')
const h = require('./support/harness')
const { sendMail } = require('./support/smtp')

const TOM = `tom@${h.DOMAIN}`
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')
let wechat
let server
let simulate
let env
let api

beforeAll(async () => {
  ;({ wechat, server } = await h.startAll())
  ;({ simulate, env } = h.installWx(wechat, server.url))
  api = require('../lib/api')
  api.setToken((await h.webLogin(server.url, TOM)).token)
}, 180000)

afterAll(async () => {
  if (server) await server.stop()
  if (wechat) await wechat.stop()
  if (env) fs.rmSync(env.tmp, { recursive: true, force: true })
})

/** GET with node's http (no Authorization header): status, headers and body. */
function get(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
    }).on('error', reject)
  })
}

function withInlineImage(subject) {
  const b = 'rel' + Math.random().toString(16).slice(2)
  return [
    'From: Partner <partner@outside.test>',
    `To: ${TOM}`,
    `Subject: ${subject}`,
    `Message-ID: <${Date.now()}.cid@test.example>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/related; boundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Our logo: <img src="cid:logo@outside.test" alt="logo"></p>',
    `--${b}`,
    'Content-Type: image/png',
    'Content-Transfer-Encoding: base64',
    'Content-ID: <logo@outside.test>',
    'Content-Disposition: inline; filename="logo.png"',
    '',
    PIXEL.toString('base64'),
    `--${b}--`,
    '',
  ].join('\r\n')
}

test('an inline cid: image loads through a signed URL without the session token', async () => {
  const subject = `cid ${Date.now()}`
  await sendMail(server.smtpPort, { from: 'partner@outside.test', to: TOM, raw: withInlineImage(subject) })
  const FIND = 'query F { messages(folder: "INBOX", first: 20) { edges { node { id subject } } } }'
  const mail = await h.until(async () => {
    const { messages } = await h.graphql(server.url, FIND, {}, api.token())
    return messages.edges.map((e) => e.node).find((m) => m.subject === subject)
  }, 'the mail with an inline image')

  const page = await h.openPage(simulate, 'message', { id: mail.id })
  await h.until(() => page.data.nodes && JSON.stringify(page.data.nodes).includes('inline=1'), 'the image rendered')
  const [src] = JSON.stringify(page.data.nodes).match(/http[^"]*inline=1/)
  expect(src).toMatch(/\/attachments\/\d+\/\d+\?ticket=[\w.-]+&inline=1$/)
  expect(src).not.toContain(api.token())
  expect(src).not.toContain('token=')

  const image = await get(src) // no Authorization header: the ticket is enough
  expect(image.status).toBe(200)
  expect(image.body.equals(PIXEL)).toBe(true)
  expect(image.headers['content-disposition']).toMatch(/^inline/)
  const elsewhere = await get(src.replace(/attachments\/(\d+)\//, (_, id) => `attachments/${Number(id) - 1}/`))
  expect(elsewhere.status).toBe(401)
  h.closePage(page)
})
