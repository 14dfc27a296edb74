// Send-as in real headless Chromium against a real `qiyou serve`, a real Dovecot (the external
// account's IMAP server) and two loopback SMTP servers (tests/e2e/smtpsink.py): the relay our
// own outbound mail goes to, and the external account's SMTP server, which requires AUTH.
// In Settings the member asks for a code, a wrong one is refused at its field, the code caught
// at the relay proves the address, and the SMTP login is saved (a wrong one refused); in
// compose the From choice offers the own address, the alias and the proved address, and a
// mail sent from the proved address arrives at the external SMTP server with its login and
// that From, while one sent from the own address goes through the relay as before.
// Run: QIYOU_WEB_DIST=/tmp/dist-sendas node --test --test-concurrency=1 tests/web/sendas.test.mjs
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { PASSWORD, ROOT, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'
import { until } from './lib/wait.mjs'

const EMAIL = 'alice@example.com'
const ALIAS = 'ali@example.com'
const REMOTE_USER = 'alice.far'
const REMOTE_PASSWORD = 'far-imap-pw'
const ADDRESS = 'alice@far.test'
const SMTP_USER = 'alice@far.test'
const SMTP_PASSWORD = 'far-smtp-pw'
const ADD = `mutation($i:AddExternalAccountInput!){ addExternalAccount(input:$i){ __typename ... on ExternalAccount { id } ... on ExternalAccountError { code message } } }`
const ACCOUNTS = 'query { externalAccounts { id sendAsAddress sendAsVerified sendMode smtpHost smtpPort smtpUsername hasSmtpPassword } }'
const SENT = 'query { messages(folder:"SENT", first:50){ edges { node { subject } } } }'

// Dovecot plus the two SMTP sinks, driven over stdin: a line "mails" answers with what each
// sink has received so far.
const HELPER = `
import json, sys, tempfile, pathlib
from email import message_from_bytes
from tests.e2e.dovecot import Dovecot
from tests.e2e.smtpsink import Sink
d = Dovecot()
d.add_user(sys.argv[1], sys.argv[2])
d.start()
relay = Sink(pathlib.Path(tempfile.mkdtemp())).start()
ext = Sink(pathlib.Path(tempfile.mkdtemp()), auth=(sys.argv[3], sys.argv[4]), auth_tls=False).start()
def seen(sink):
    return [{"from": m.mail_from, "to": m.rcpt_tos, "login": m.login,
             "subject": str(message_from_bytes(m.data)["Subject"]),
             "header_from": str(message_from_bytes(m.data)["From"])} for m in sink.messages]
print(json.dumps({"imap": d.imap_port, "relay": relay.port, "ext": ext.port}), flush=True)
try:
    for line in sys.stdin:
        print(json.dumps({"relay": seen(relay), "ext": seen(ext)}), flush=True)
finally:
    relay.stop()
    ext.stop()
    d.close()
`

class Remote {
  async start() {
    this.process = spawn(path.join(ROOT, '.venv/bin/python'), ['-c', HELPER, REMOTE_USER, REMOTE_PASSWORD, SMTP_USER, SMTP_PASSWORD], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
    this.lines = createInterface({ input: this.process.stdout })[Symbol.asyncIterator]()
    Object.assign(this, JSON.parse((await this.lines.next()).value))
  }

  async mails() {
    this.process.stdin.write('mails\n')
    return JSON.parse((await this.lines.next()).value)
  }

  async stop() {
    if (!this.process || this.process.exitCode !== null) return
    const exited = new Promise((resolve) => this.process.once('exit', resolve))
    this.process.stdin.end()
    await exited
  }
}

const server = new Server()
const remote = new Remote()
let browser
let token

async function accounts() {
  return (await server.graphql(ACCOUNTS, {}, token)).externalAccounts
}

before(async () => {
  await remote.start()
  Object.assign(process.env, {
    QIYOU_FETCH_PRIVATE_HOSTS: '1', // Dovecot and the SMTP servers are on loopback
    QIYOU_RELAY_URL: `smtp://127.0.0.1:${remote.relay}`,
    QIYOU_OUTBOUND_POLL: '0.2',
  })
  await server.start()
  server.cli('domain', 'add', 'example.com')
  server.cli('user', 'add', EMAIL, '--password', PASSWORD, '--name', 'Alice')
  server.cli('user', 'alias', EMAIL, ALIAS)
  token = await server.token(EMAIL)
  const made = (await server.graphql(ADD, { i: { protocol: 'IMAP', host: '127.0.0.1', port: remote.imap, security: 'NONE', username: REMOTE_USER, password: REMOTE_PASSWORD } }, token)).addExternalAccount
  assert.equal(made.__typename, 'ExternalAccount', JSON.stringify(made))
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await server.stop()
  await remote.stop()
})

test('the address is proved with the mailed code and the SMTP login is saved in Settings', async () => {
  const { page, watch, context } = await openPage(browser, server.url)
  await signIn(page, EMAIL, PASSWORD)
  await page.goto('/settings?tab=external')
  const state = page.locator(`[data-test="external-sendas-state-${REMOTE_USER}"]`)
  await state.getByText('未设置').waitFor()
  await page.locator(`[data-test="external-sendas-open-${REMOTE_USER}"]`).click()
  const dialog = page.locator('[data-test=external-sendas-dialog] .t-dialog').filter({ visible: true })
  await dialog.locator('[data-test=external-sendas-address] input').fill(ADDRESS)
  await dialog.locator('[data-test=external-sendas-request]').click()
  await dialog.locator('[data-test=external-sendas-status]').getByText(`验证码已发送到 ${ADDRESS}`).waitFor()
  const codeMail = await until(async () => (await remote.mails()).relay.find((m) => m.to.includes(ADDRESS)), 'the code mail at the relay')
  const code = /\b(\d{6})\b/.exec(codeMail.subject)[1]

  // A wrong code is refused at its field; nothing is proved.
  await dialog.locator('[data-test=external-sendas-code] input').fill(code === '000000' ? '111111' : '000000')
  await dialog.locator('[data-test=external-sendas-confirm]').click()
  await dialog.locator('.t-form__item', { has: page.locator('[data-test=external-sendas-code]') }).filter({ hasText: '验证码错误' }).waitFor()
  assert.equal((await accounts())[0].sendAsVerified, false)

  await dialog.locator('[data-test=external-sendas-code] input').fill(code)
  await dialog.locator('[data-test=external-sendas-confirm]').click()
  await dialog.locator('[data-test=external-sendas-status]').getByText(`已验证：可以 ${ADDRESS} 的名义发信`).waitFor()
  assert.equal((await accounts())[0].sendAsVerified, true)

  // Through the external server's SMTP: a wrong password is refused, the right one saved.
  await dialog.locator('[data-test=external-sendas-mode]').getByText('经外部邮箱的 SMTP 服务器').click()
  await dialog.locator('[data-test=external-sendas-host] input').fill('127.0.0.1')
  await dialog.locator('[data-test=external-sendas-port] input').fill(String(remote.ext))
  await dialog.locator('[data-test=external-sendas-security]').click()
  await page.locator('.t-select-option').filter({ visible: true, hasText: '不加密' }).click()
  await dialog.locator('[data-test=external-sendas-username] input').fill(SMTP_USER)
  await dialog.locator('[data-test=external-sendas-password] input').fill('wrong')
  await dialog.locator('[data-test=external-sendas-save]').click()
  await dialog.locator('.t-form__item', { has: page.locator('[data-test=external-sendas-password]') }).filter({ hasText: '外部邮箱拒绝登录' }).waitFor()
  assert.equal((await accounts())[0].sendMode, 'QUEUE', 'nothing was saved')
  await dialog.locator('[data-test=external-sendas-password] input').fill(SMTP_PASSWORD)
  await dialog.locator('[data-test=external-sendas-save]').click()
  await until(async () => (await accounts())[0].sendMode === 'SMTP', 'the SMTP mode saved')
  const [account] = await accounts()
  assert.deepEqual([account.smtpHost, account.smtpPort, account.smtpUsername, account.hasSmtpPassword], ['127.0.0.1', remote.ext, SMTP_USER, true])
  await shot(page, 'sendas-settings')
  await page.keyboard.press('Escape')
  await state.getByText('经外部邮箱的 SMTP 服务器').waitFor()
  assert.deepEqual(watch.consoleErrors, [])
  await context.close()
})

async function compose(page, { from, subject }) {
  await page.goto('/compose')
  const choice = page.locator('[data-test=compose-from]')
  await choice.waitFor()
  if (from) {
    await choice.click()
    await page.locator('.t-select-option').filter({ visible: true, hasText: from }).click()
  }
  await page.locator('[data-test=to-input]').fill('friend@elsewhere.test')
  await page.locator('[data-test=to-input]').press('Enter')
  await page.locator('[data-test=subject-input] input').fill(subject)
  await page.locator('[data-test=body]').fill('hello from the browser')
  await page.locator('[data-test=send]').click()
  await page.waitForURL(/\/mail\/INBOX/)
}

test('compose offers own, alias and proved addresses; the proved one goes through the external SMTP', async () => {
  const { page, watch, context } = await openPage(browser, server.url)
  await signIn(page, EMAIL, PASSWORD)
  await page.goto('/compose')
  await page.locator('[data-test=compose-from]').click()
  // The popup opens with an animation: wait until every option shows.
  const shown = page.locator('.t-select-option').filter({ visible: true })
  const options = await until(async () => {
    const texts = (await shown.allInnerTexts()).map((o) => o.trim())
    return texts.length === 3 && texts
  }, 'the three From options')
  assert.deepEqual(options, [EMAIL, `${ALIAS} (别名)`, `${ADDRESS} (代发)`])
  await page.keyboard.press('Escape')
  await shot(page, 'sendas-compose-from')

  await compose(page, { from: ADDRESS, subject: 'sent as far' })
  const got = await until(async () => (await remote.mails()).ext.find((m) => m.subject === 'sent as far'), 'the mail at the external SMTP server', 30000)
  assert.equal(got.login, SMTP_USER)
  assert.equal(got.from, ADDRESS)
  assert.match(got.header_from, new RegExp(`<${ADDRESS.replace('.', '\\.')}>`))
  assert.deepEqual(got.to, ['friend@elsewhere.test'])

  await compose(page, { subject: 'sent as myself' })
  const own = await until(async () => (await remote.mails()).relay.find((m) => m.subject === 'sent as myself'), 'the own mail at the relay', 30000)
  assert.equal(own.from, EMAIL)
  assert.equal((await remote.mails()).ext.filter((m) => m.subject === 'sent as myself').length, 0)
  const sent = (await server.graphql(SENT, {}, token)).messages.edges.map((e) => e.node.subject)
  assert.ok(sent.includes('sent as far') && sent.includes('sent as myself'), JSON.stringify(sent))
  assert.deepEqual(watch.consoleErrors, [])
  await context.close()
})
