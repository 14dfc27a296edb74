/**
 * The external-mailbox page (邮件代收) against a real Qiyou server and a real Dovecot (IMAP)
 * on loopback (the server runs with QIYOU_FETCH_PRIVATE_HOSTS=1 to reach it): the account
 * added through GraphQL is listed with its first fetch's state; "立即收取" takes a mail put on
 * the server later; with the server gone a fetch fails and the page says why, in Chinese.
 * Each account shows its send-as state: none, asked for (the code mailed through a loopback
 * SMTP sink, tests/e2e/smtpsink.py, as the server's relay), proved.
 */
const { spawn } = require('child_process')
const fs = require('fs')
const path = require('path')
const readline = require('readline')
const h = require('./support/harness')

const TOM = `tom@${h.DOMAIN}`
const REPO = path.resolve(h.ROOT, '..')
const REMOTE_USER = 'tom.old'
const REMOTE_PASSWORD = 'old-server-pw'
const INBOX = '{ messages(folder: "INBOX", first: 50) { edges { node { subject } } } }'

// A throwaway Dovecot (tests/e2e/dovecot.py) driven over stdin: one JSON line per mail to put.
const DOVECOT = `
import json, sys
from tests.e2e.dovecot import Dovecot
d = Dovecot()
d.add_user(sys.argv[1], sys.argv[2])
d.start()
print(json.dumps({"imap": d.imap_port}), flush=True)
try:
    for line in sys.stdin:
        d.put(sys.argv[1], json.loads(line)["raw"].encode())
        print(json.dumps({"put": True}), flush=True)
finally:
    d.close()
`

let wechat
let server
let simulate
let env
let api
let token
let dovecot
let lines
let imapPort
let sink
let sinkLines

// A loopback SMTP server as the relay of the test server: each stdin line answers with the
// mails it took so far.
const SINK = `
import json, sys, tempfile, pathlib
from email import message_from_bytes
from tests.e2e.smtpsink import Sink
s = Sink(pathlib.Path(tempfile.mkdtemp())).start()
print(json.dumps({"port": s.port}), flush=True)
try:
    for line in sys.stdin:
        print(json.dumps([{"to": m.rcpt_tos, "subject": str(message_from_bytes(m.data)["Subject"])} for m in s.messages]), flush=True)
finally:
    s.stop()
`

async function relayed() {
  sink.stdin.write('mails\n')
  return JSON.parse((await sinkLines.next()).value)
}

async function put(subject) {
  const raw = `From: friend@old.test\r\nTo: ${REMOTE_USER}@old.test\r\nSubject: ${subject}\r\nMessage-ID: <${Date.now()}.${Math.random()}@old.test>\r\n\r\nhello\r\n`
  dovecot.stdin.write(`${JSON.stringify({ raw })}\n`)
  expect(JSON.parse((await lines.next()).value)).toEqual({ put: true })
}

async function stopDovecot() {
  if (!dovecot || dovecot.exitCode !== null) return
  const exited = new Promise((resolve) => dovecot.once('exit', resolve))
  dovecot.stdin.end()
  await exited
}

async function inbox() {
  return (await h.graphql(server.url, INBOX, {}, token)).messages.edges.map((e) => e.node.subject)
}

function text(page) {
  return page.dom.textContent.replace(/\s+/g, ' ')
}

beforeAll(async () => {
  process.env.QIYOU_FETCH_PRIVATE_HOSTS = '1' // the test server's env starts from this one
  sink = spawn(path.join(REPO, '.venv/bin/python'), ['-c', SINK], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] })
  sinkLines = readline.createInterface({ input: sink.stdout })[Symbol.asyncIterator]()
  const { port: relayPort } = JSON.parse((await sinkLines.next()).value)
  process.env.QIYOU_RELAY_URL = `smtp://127.0.0.1:${relayPort}`
  process.env.QIYOU_OUTBOUND_POLL = '0.2'
  dovecot = spawn(path.join(REPO, '.venv/bin/python'), ['-c', DOVECOT, REMOTE_USER, REMOTE_PASSWORD], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] })
  lines = readline.createInterface({ input: dovecot.stdout })[Symbol.asyncIterator]()
  ;[{ wechat, server }, { imap: imapPort }] = await Promise.all([h.startAll(), lines.next().then((l) => JSON.parse(l.value))])
  ;({ simulate, env } = h.installWx(wechat, server.url))
  api = require('../lib/api')
  token = (await h.webLogin(server.url, TOM)).token
  api.setToken(token)
  await put('old mail one')
}, 180000)

afterAll(async () => {
  await stopDovecot()
  if (sink && sink.exitCode === null) {
    const exited = new Promise((resolve) => sink.once('exit', resolve))
    sink.stdin.end()
    await exited
  }
  if (server) await server.stop()
  if (wechat) await wechat.stop()
  if (env) fs.rmSync(env.tmp, { recursive: true, force: true })
})

test('the "我的" tab opens the page', async () => {
  const me = await h.openPage(simulate, 'me')
  await me.instance.onExternal()
  expect(env.log.navigate[env.log.navigate.length - 1]).toBe('/pages/external/external')
  h.closePage(me)
})

test('no accounts: the page says so', async () => {
  const page = await h.openPage(simulate, 'external')
  expect(page.data.items).toEqual([])
  expect(text(page)).toContain('暂无代收邮箱')
  h.closePage(page)
})

test('an account is listed with its fetch state; 立即收取 takes new mail; a failing fetch is shown in Chinese', async () => {
  const add = `mutation($i: AddExternalAccountInput!) { addExternalAccount(input: $i) { __typename ... on ExternalAccountError { code message } } }`
  const input = { protocol: 'IMAP', host: '127.0.0.1', port: imapPort, security: 'NONE', username: REMOTE_USER, password: REMOTE_PASSWORD }
  expect((await h.graphql(server.url, add, { i: input }, token)).addExternalAccount).toEqual({ __typename: 'ExternalAccount' })
  await h.until(async () => (await inbox()).includes('old mail one'), 'the first fetch')

  const page = await h.openPage(simulate, 'external')
  await h.until(async () => {
    await page.instance.load()
    return page.data.items[0].state.startsWith('已收取 1 封')
  }, 'the page showing the first fetch')
  const [item] = page.data.items
  expect(item.username).toBe(REMOTE_USER)
  expect(item.server).toBe(`IMAP · 127.0.0.1:${imapPort}`)
  expect(item.lastSuccess).toMatch(/^上次成功 \d{4}年/)
  expect(item.error).toBe('')
  expect(text(page)).toContain(REMOTE_USER)
  expect(text(page)).toContain('已收取 1 封')

  await put('old mail two')
  await page.instance.fetchNow({ currentTarget: { dataset: { id: item.id } } })
  expect(env.log.toast[env.log.toast.length - 1]).toContain('已开始收取')
  await h.until(async () => (await inbox()).includes('old mail two'), 'the fetch asked for')
  await h.until(async () => {
    await page.instance.load()
    return page.data.items[0].state.startsWith('已收取 2 封')
  }, 'the page showing both')

  // The server goes away: the next fetch fails, and the page tells why.
  await stopDovecot()
  await page.instance.fetchNow({ currentTarget: { dataset: { id: item.id } } })
  await h.until(async () => {
    await page.instance.load()
    return page.data.items[0].error
  }, 'the failed fetch', 30000)
  expect(page.data.items[0].error).toBe('无法连接外部邮箱服务器')
  expect(page.data.items[0].state).toContain('连续失败 1 次')
  expect(text(page)).toContain('无法连接外部邮箱服务器')
  h.closePage(page)
})

test('each account shows its send-as state: none, asked for, proved', async () => {
  const accounts = (await h.graphql(server.url, '{ externalAccounts { id } }', {}, token)).externalAccounts
  const id = accounts[0].id
  const address = 'tom@far.test'
  const page = await h.openPage(simulate, 'external')
  expect(page.data.items[0].sendAs).toBe('未设置代发')

  const ask = `mutation($id: ID!, $a: String) { requestSendAsCode(id: $id, address: $a) { __typename } }`
  expect((await h.graphql(server.url, ask, { id, a: address }, token)).requestSendAsCode.__typename).toBe('SendAsCodeSent')
  await page.instance.load()
  expect(page.data.items[0].sendAs).toBe(`代发 ${address}：未验证（请在网页版输入验证码）`)
  expect(text(page)).toContain(`代发 ${address}：未验证`)

  const mail = await h.until(async () => (await relayed()).find((m) => m.to.includes(address)), 'the code mail', 30000)
  const code = /\b(\d{6})\b/.exec(mail.subject)[1]
  const confirm = `mutation($id: ID!, $c: String!) { confirmSendAs(id: $id, code: $c) { __typename ... on ExternalAccount { sendAsVerified } } }`
  expect((await h.graphql(server.url, confirm, { id, c: code }, token)).confirmSendAs.sendAsVerified).toBe(true)
  await page.instance.load()
  expect(page.data.items[0].sendAs).toBe(`代发 ${address}：已验证 · 由本系统投递`)
  expect(text(page)).toContain('已验证 · 由本系统投递')
  h.closePage(page)
})
