/**
 * The mail-client set-up page against a real Qiyou server: the ports shown are the ones the
 * server listens on (each answers as its protocol, over TLS where it is implicit), the host
 * is the server's mail host, tapping 复制 puts the value on the clipboard, and a company
 * requirement of app passwords is shown with the way to the app-password page. Every GraphQL
 * document in lib/queries.js is validated against the server's schema.
 */
const fs = require('fs')
const net = require('net')
const tls = require('tls')
const { buildClientSchema, getIntrospectionQuery, parse, validate } = require('graphql')
const h = require('./support/harness')
const Q = require('../lib/queries')

const HOST = 'mail.mp.test'
process.env.QIYOU_HOSTNAME = HOST // the server's environment is built from ours
const TOM = `tom@${h.DOMAIN}`
let wechat
let server
let simulate
let env
let api

beforeAll(async () => {
  ;({ wechat, server } = await h.startAll())
  ;({ simulate, env } = h.installWx(wechat, server.url))
  api = require('../lib/api')
  const login = await h.webLogin(server.url, TOM)
  api.setToken(login.token)
}, 180000)

afterAll(async () => {
  if (server) await server.stop()
  if (wechat) await wechat.stop()
  if (env) fs.rmSync(env.tmp, { recursive: true, force: true })
})

/** The first line a server sends on connect (over TLS for an implicit-TLS port). */
function greeting(port, security) {
  return new Promise((resolve, reject) => {
    const socket =
      security === 'SSL'
        ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false })
        : net.connect(port, '127.0.0.1')
    let text = ''
    socket.setTimeout(10000, () => socket.destroy(new Error('no greeting')))
    socket.on('data', (chunk) => {
      text += chunk
      if (text.includes('\n')) {
        socket.destroy()
        resolve(text.split('\r\n')[0])
      }
    })
    socket.on('error', reject)
  })
}

/** What the page shows per server row: protocol, security, port (read from the DOM). */
function shownServers(page) {
  const rows = []
  page.data.groups.forEach((group) =>
    group.servers.forEach((s) => {
      const node = page.querySelector(`#server-${s.id}`)
      const text = node.dom.textContent.replace(/\s+/g, ' ')
      rows.push({ protocol: group.protocol, security: s.securityCode, port: Number(/端口 ?(\d+)/.exec(text)[1]), text })
    }),
  )
  return rows
}

function text(page) {
  return page.dom.textContent.replace(/\s+/g, ' ')
}

async function tapCopy(page, id) {
  env.log.clipboard = undefined
  page.querySelector(`#${id}`).dispatchEvent('tap')
  return h.until(() => env.log.clipboard, `the clipboard after tapping #${id}`)
}

test('every GraphQL document of the mini-program is valid against the server\'s schema', async () => {
  const introspection = await api.graphql(getIntrospectionQuery())
  const schema = buildClientSchema(introspection)
  const documents = Object.entries(Q).filter(([, value]) => typeof value === 'string')
  expect(documents.map(([name]) => name)).toContain('MAIL_CLIENT_SETUP')
  const errors = documents
    .map(([name, text]) => [name, validate(schema, parse(text)).map((e) => e.message)])
    .filter(([, found]) => found.length)
  expect(errors).toEqual([])
})

test('the "我的" tab opens the page', async () => {
  const me = await h.openPage(simulate, 'me')
  await me.instance.onMailClients()
  expect(env.log.navigate[env.log.navigate.length - 1]).toBe('/pages/mailclients/mailclients')
  h.closePage(me)
})

test('the ports shown are the server\'s listeners, and copy puts each value on the clipboard', async () => {
  const page = await h.openPage(simulate, 'mailclients')
  expect(page.data.error).toBe('')
  const ports = server.mailPorts
  const rows = shownServers(page)
  expect(rows.map(({ protocol, security, port }) => ({ protocol, security, port }))).toEqual([
    { protocol: 'IMAP', security: 'SSL', port: ports.IMAPS },
    { protocol: 'IMAP', security: 'STARTTLS', port: ports.IMAP },
    { protocol: 'POP3', security: 'SSL', port: ports.POP3S },
    { protocol: 'POP3', security: 'STARTTLS', port: ports.POP3 },
    { protocol: 'SMTP', security: 'SSL', port: ports.SUBMISSIONS },
    { protocol: 'SMTP', security: 'STARTTLS', port: server.submissionPort },
  ])
  expect(rows[0].text).toContain('SSL/TLS')
  expect(rows[1].text).toContain('STARTTLS')
  // Each port shown answers as its protocol (the test certificate is self-signed).
  const answers = { IMAP: /^\* OK/, POP3: /^\+OK/, SMTP: /^220 / }
  for (const row of rows) {
    expect(await greeting(row.port, row.security)).toMatch(answers[row.protocol])
  }
  const shown = text(page)
  expect(shown).toContain(HOST)
  expect(shown).toContain(TOM)
  expect(shown).toContain('收信服务器 · IMAP')
  expect(shown).toContain('发信服务器 · SMTP')
  expect(page.querySelector('#password-note').dom.className).not.toContain('warning')

  expect(await tapCopy(page, 'copy-username')).toBe(TOM)
  expect(await tapCopy(page, 'copy-imap-host')).toBe(HOST)
  expect(await tapCopy(page, 'copy-imap-ssl-port')).toBe(String(ports.IMAPS))
  expect(await tapCopy(page, 'copy-pop3-starttls-port')).toBe(String(ports.POP3))
  expect(await tapCopy(page, 'copy-smtp-starttls-port')).toBe(String(server.submissionPort))
  expect(env.log.toast[env.log.toast.length - 1]).toBe('已复制端口')
  h.closePage(page)
})

test('a company requirement of app passwords is shown, with the way to the app-password page', async () => {
  const admin = (await h.webLogin(server.url, `boss@${h.DOMAIN}`)).token
  const setRequired = 'mutation R($r: Boolean!) { setAppPasswordsRequired(required: $r) { __typename } }'
  expect((await h.graphql(server.url, setRequired, { r: true }, admin)).setAppPasswordsRequired.__typename).toBe('Done')
  try {
    const page = await h.openPage(simulate, 'mailclients')
    expect(page.data.appPasswordRequired).toBe(true)
    expect(page.querySelector('#password-note').dom.className).toContain('warning')
    expect(text(page)).toContain('要求邮件客户端使用客户端专用密码')
    page.querySelector('#app-passwords').dispatchEvent('tap')
    await h.until(
      () => env.log.navigate[env.log.navigate.length - 1] === '/pages/apppasswords/apppasswords',
      'navigation to the app-password page',
    )
    h.closePage(page)
  } finally {
    await h.graphql(server.url, setRequired, { r: false }, admin)
  }
})
