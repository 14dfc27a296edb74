// External mailboxes in Settings, in real headless Chromium against a real `qiyou serve` and a
// real Dovecot (IMAP) on loopback (the server runs with QIYOU_FETCH_PRIVATE_HOSTS=1 to reach
// it): a provider's preset fills the server fields; a host name that is not one, a closed port
// and a wrong password are each answered in Chinese at their field and save nothing; the right
// login adds the account, its first fetch brings the mail into the Inbox and the list shows
// the last success and the count; "fetch now" takes a mail put on the server later; turning
// periodic fetching off and deleting the account reach the server.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { PASSWORD, ROOT, Server, freePort } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'
import { until } from './lib/wait.mjs'

const EMAIL = 'alice@example.com'
const REMOTE_USER = 'alice.old'
const REMOTE_PASSWORD = 'old-server-pw'
const ACCOUNTS = 'query { externalAccounts { id username host port protocol security enabled leaveOnServer lastSuccessAt lastError fetchedCount } }'
const INBOX = 'query { messages(folder:"INBOX", first:50){ edges { node { subject } } } }'

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
        mail = json.loads(line)
        d.put(sys.argv[1], mail["raw"].encode())
        print(json.dumps({"put": True}), flush=True)
finally:
    d.close()
`

class RemoteServer {
  async start() {
    this.process = spawn(path.join(ROOT, '.venv/bin/python'), ['-c', DOVECOT, REMOTE_USER, REMOTE_PASSWORD], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
    this.lines = createInterface({ input: this.process.stdout })[Symbol.asyncIterator]()
    this.imapPort = JSON.parse((await this.lines.next()).value).imap
  }

  async put(subject) {
    const raw = `From: friend@old.test\r\nTo: ${REMOTE_USER}@old.test\r\nSubject: ${subject}\r\nMessage-ID: <${Date.now()}.${Math.random()}@old.test>\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\n\r\nhello\r\n`
    this.process.stdin.write(`${JSON.stringify({ raw })}\n`)
    assert.deepEqual(JSON.parse((await this.lines.next()).value), { put: true })
  }

  async stop() {
    if (!this.process || this.process.exitCode !== null) return
    const exited = new Promise((resolve) => this.process.once('exit', resolve))
    this.process.stdin.end() // Dovecot is stopped and its temp dir removed
    await exited
  }
}

const server = new Server()
const remote = new RemoteServer()
let browser
let token

async function accounts() {
  return (await server.graphql(ACCOUNTS, {}, token)).externalAccounts
}

async function inbox() {
  return (await server.graphql(INBOX, {}, token)).messages.edges.map((e) => e.node.subject)
}

async function openSettings() {
  const p = await openPage(browser, server.url)
  await signIn(p.page, EMAIL, PASSWORD)
  await p.page.goto('/settings?tab=external')
  await p.page.locator('[data-test=external-accounts]').waitFor()
  return p
}

/** Fill the add dialog by hand: IMAP without TLS to the local Dovecot. */
async function fillDialog(page, { host = '127.0.0.1', port, password = REMOTE_PASSWORD }) {
  const dialog = page.locator('.t-dialog').filter({ visible: true })
  await dialog.locator('[data-test=external-host] input').fill(host)
  await dialog.locator('[data-test=external-port] input').fill(String(port))
  await dialog.locator('[data-test=external-security]').click()
  await page.locator('.t-select-option').filter({ visible: true, hasText: '不加密' }).click()
  await dialog.locator('[data-test=external-username] input').fill(REMOTE_USER)
  await dialog.locator('[data-test=external-password] input').fill(password)
  return dialog
}

before(async () => {
  process.env.QIYOU_FETCH_PRIVATE_HOSTS = '1' // the Server copies its env from here
  await Promise.all([server.start(), remote.start()])
  server.cli('domain', 'add', 'example.com')
  server.cli('user', 'add', EMAIL, '--password', PASSWORD, '--name', 'Alice')
  token = await server.token(EMAIL)
  await remote.put('old mail one')
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await server.stop()
  await remote.stop()
})

test('presets fill the server fields; wrong host, closed port and wrong password are refused at their field', async () => {
  const { page, watch, context } = await openSettings()
  await page.locator('[data-test=external-list]').getByText('暂无代收邮箱').waitFor()
  await page.locator('[data-test=external-add]').click()
  const dialog = page.locator('.t-dialog').filter({ visible: true })

  await dialog.locator('[data-test=external-preset]').click()
  await page.locator('.t-select-option').filter({ visible: true, hasText: /^QQ 邮箱 \(POP3\)$/ }).click()
  assert.equal(await dialog.locator('[data-test=external-host] input').inputValue(), 'pop.qq.com')
  assert.equal(await dialog.locator('[data-test=external-port] input').inputValue(), '995')
  assert.equal(await dialog.locator('[data-test=external-protocol] .t-is-checked').innerText(), 'POP3')
  assert.ok(await dialog.locator('[data-test=external-mirror] input').isDisabled(), 'no mirrored folders over POP3')
  await dialog.locator('[data-test=external-preset]').click()
  await page.locator('.t-select-option').filter({ visible: true, hasText: /^Gmail \(IMAP\)$/ }).click()
  assert.equal(await dialog.locator('[data-test=external-host] input').inputValue(), 'imap.gmail.com')
  assert.equal(await dialog.locator('[data-test=external-port] input').inputValue(), '993')
  assert.equal(await dialog.locator('[data-test=external-protocol] .t-is-checked').innerText(), 'IMAP')
  assert.equal(await dialog.locator('[data-test=external-security] input').inputValue(), 'SSL/TLS')

  // Not a host name: INVALID on host.
  await fillDialog(page, { host: 'not a host!', port: remote.imapPort })
  await dialog.locator('.t-dialog__confirm').click()
  await dialog.locator('.t-form__item', { has: page.locator('[data-test=external-host]') }).filter({ hasText: '服务器地址无效' }).waitFor()

  // Nothing listens there: CONNECT_FAILED on host.
  await fillDialog(page, { port: await freePort() })
  await dialog.locator('.t-dialog__confirm').click()
  await dialog.locator('.t-form__item', { has: page.locator('[data-test=external-host]') }).filter({ hasText: '无法连接外部邮箱服务器' }).waitFor()

  // The server is there but refuses the password: LOGIN_FAILED on password.
  await fillDialog(page, { port: remote.imapPort, password: 'wrong-password' })
  await dialog.locator('.t-dialog__confirm').click()
  await dialog.locator('.t-form__item', { has: page.locator('[data-test=external-password]') }).filter({ hasText: '外部邮箱拒绝登录' }).waitFor()
  await shot(page, 'external-login-failed')
  assert.equal(await dialog.locator('.t-form__item', { has: page.locator('[data-test=external-host]') }).filter({ hasText: '无法连接' }).count(), 0, 'the earlier error is gone')
  assert.deepEqual(await accounts(), [], 'nothing was saved')
  assert.deepEqual(watch.consoleErrors, [])
  await context.close()
})

test('an account added in the dialog is fetched at once, "fetch now" takes new mail, it is switched off and deleted', async () => {
  const { page, watch, context } = await openSettings()
  await page.locator('[data-test=external-add]').click()
  const dialog = await fillDialog(page, { port: remote.imapPort })
  await dialog.locator('.t-dialog__confirm').click()
  await dialog.waitFor({ state: 'hidden' })
  const [account] = await accounts()
  assert.deepEqual([account.username, account.host, account.port, account.protocol, account.security, account.leaveOnServer], [REMOTE_USER, '127.0.0.1', remote.imapPort, 'IMAP', 'NONE', true])

  // The first fetch runs at once: the mail is in the Inbox and the list says so after a refresh.
  await until(async () => (await inbox()).includes('old mail one'), 'the first fetch')
  const state = page.locator(`[data-test="external-state-${REMOTE_USER}"]`)
  await until(async () => {
    await page.locator('[data-test=external-refresh]').click()
    return /已收取 1 封/.test(await state.innerText())
  }, 'the list showing the fetch')
  assert.match(await state.locator('[data-test=external-last-success]').innerText(), /^上次成功：\d{4}-\d\d-\d\d \d\d:\d\d$/)
  await shot(page, 'external-fetched')

  // A mail put on the server later comes with "fetch now".
  await remote.put('old mail two')
  await page.locator(`[data-test="external-fetch-${REMOTE_USER}"]`).click()
  await until(async () => (await inbox()).includes('old mail two'), 'the fetch asked for')
  await until(async () => {
    await page.locator('[data-test=external-refresh]').click()
    return /已收取 2 封/.test(await state.innerText())
  }, 'the list showing both')

  // Edit: periodic fetching off (nothing else is sent, so no new login is needed).
  await page.locator(`[data-test="external-edit-${REMOTE_USER}"]`).click()
  const edit = page.locator('.t-dialog').filter({ visible: true })
  assert.equal(await edit.locator('[data-test=external-host] input').inputValue(), '127.0.0.1')
  assert.equal(await edit.locator('[data-test=external-password] input').inputValue(), '', 'the password is never shown')
  await edit.locator('[data-test=external-enabled]').click()
  await edit.locator('.t-dialog__confirm').click()
  await edit.waitFor({ state: 'hidden' })
  assert.equal((await accounts())[0].enabled, false)
  await state.getByText('已停用').waitFor()

  // Delete: the account goes, its mail stays.
  await page.locator(`[data-test="external-delete-${REMOTE_USER}"]`).click()
  await page.locator('.t-popconfirm__confirm').filter({ visible: true }).last().click()
  await page.locator('[data-test=external-list]').getByText('暂无代收邮箱').waitFor()
  assert.deepEqual(await accounts(), [])
  assert.ok((await inbox()).includes('old mail one'))
  assert.deepEqual(watch.consoleErrors, [])
  await context.close()
})
