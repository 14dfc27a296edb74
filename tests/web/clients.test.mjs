// The "Mail clients" page in real headless Chromium against a real `qiyou serve`: the servers
// shown are the ones the test server was started with (and they answer), the
// .mobileconfig button downloads the member's Apple profile, and a company requirement of
// app passwords is shown.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import { after, before, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const HOST = 'mail.example.test'
process.env.QIYOU_HOSTNAME = HOST // the server's environment is built from ours
const server = new Server()
let browser

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  server.cli('user', 'add', 'alice@example.com', '--password', PASSWORD, '--name', 'Alice 王')
  server.cli('user', 'add', 'admin@example.com', '--password', PASSWORD)
  server.cli('admin', 'grant', 'admin@example.com', '--super')
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await server.stop()
})

/** The first line a server sends on connect (over TLS for an implicit-TLS port). */
function greeting(port, security) {
  return new Promise((resolve, reject) => {
    const socket = security === 'SSL' ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1')
    let text = ''
    socket.setTimeout(10_000, () => socket.destroy(new Error('no greeting')))
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

test('the page shows the servers the test server runs, and the profile downloads', async () => {
  const { context, page, watch } = await openPage(browser, server.url, { locale: 'en-US' })
  try {
    await signIn(page, 'alice@example.com', PASSWORD)
    await page.locator('[data-test=nav-clients]').click()
    await page.waitForURL(/\/clients$/)
    await page.locator('[data-test=server-row]').first().waitFor()

    const rows = await page.locator('[data-test=server-row]').evaluateAll((trs) =>
      trs.map((tr) => ({
        protocol: tr.dataset.protocol,
        security: tr.dataset.security,
        host: tr.querySelector('[data-test=host]').textContent.trim(),
        port: Number(tr.querySelector('[data-test=port]').textContent),
      })),
    )
    const ports = server.mailPorts
    assert.deepEqual(rows, [
      { protocol: 'IMAP', security: 'SSL', host: HOST, port: ports.IMAPS },
      { protocol: 'IMAP', security: 'STARTTLS', host: HOST, port: ports.IMAP },
      { protocol: 'POP3', security: 'SSL', host: HOST, port: ports.POP3S },
      { protocol: 'POP3', security: 'STARTTLS', host: HOST, port: ports.POP3 },
      { protocol: 'SMTP', security: 'SSL', host: HOST, port: ports.SUBMISSIONS },
      { protocol: 'SMTP', security: 'STARTTLS', host: HOST, port: server.submissionPort },
    ])
    // Each port shown answers as its protocol does (the test certificate is self-signed).
    const answers = { IMAP: /^\* OK/, POP3: /^\+OK/, SMTP: /^220 / }
    for (const row of rows) {
      assert.match(await greeting(row.port, row.security), answers[row.protocol], `${row.protocol} ${row.security} on ${row.port}`)
    }
    assert.equal((await page.locator('[data-test=username]').innerText()).trim(), 'alice@example.com')
    assert.equal(await page.locator('[data-test=app-passwords-link]').getAttribute('href'), '/settings?tab=security#app-passwords')
    await shot(page, 'mail-clients')

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=mobileconfig]').click()])
    assert.equal(download.suggestedFilename(), 'example.com.mobileconfig')
    const profile = readFileSync(await download.path(), 'utf8')
    const value = (key) => profile.match(new RegExp(`<key>${key}</key>\\s*<(?:string|integer)>([^<]*)<`))?.[1]
    assert.match(profile, /<string>com\.apple\.mail\.managed<\/string>/)
    assert.equal(value('EmailAddress'), 'alice@example.com')
    assert.equal(value('EmailAccountName'), 'Alice 王')
    assert.equal(value('IncomingMailServerHostName'), HOST)
    assert.equal(Number(value('IncomingMailServerPortNumber')), ports.IMAPS)
    assert.equal(Number(value('OutgoingMailServerPortNumber')), ports.SUBMISSIONS)
    assert.ok(!profile.includes(PASSWORD), 'no password in the profile')
    assert.equal(await page.locator('[data-test=password-note].required').count(), 0)

    // The company requires app passwords for mail clients: the page says so.
    const admin = await server.token('admin@example.com')
    const set = await server.graphql('mutation { setAppPasswordsRequired(required: true) { __typename } }', {}, admin)
    assert.equal(set.setAppPasswordsRequired.__typename, 'Done')
    await page.reload()
    await page.locator('[data-test=password-note].required').waitFor()
    assert.deepEqual(watch.consoleErrors, [])
  } finally {
    await context.close()
  }
})
