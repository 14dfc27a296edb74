// App passwords in the web app, in real headless Chromium against a real `qiyou serve`:
// create one in Settings → Security, see and copy the secret once, sign in with it over
// SMTP (Python's smtplib with STARTTLS on the submission port), revoke it, see SMTP refuse it.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { PASSWORD, ROOT, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const server = new Server()
const EMAIL = 'alice@example.com'
const ADMIN = 'admin@example.com'
let browser

/** AUTH PLAIN after STARTTLS on the submission port: the reply code. */
function smtpLogin(email, password) {
  const script = [
    'import smtplib, ssl, sys',
    'ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE',
    'with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as s:',
    '    s.starttls(context=ctx)',
    '    try:',
    '        print(s.login(sys.argv[2], sys.argv[3])[0])',
    '    except smtplib.SMTPResponseException as e:',
    '        print(e.smtp_code)',
  ].join('\n')
  const python = path.join(ROOT, '.venv/bin/python')
  const r = spawnSync(python, ['-c', script, String(server.submissionPort), email, password], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`smtplib failed: ${r.stderr}`)
  return Number(r.stdout.trim())
}

/** GraphQL from outside the browser; once more if node's pooled connection had gone idle
 * past the server's keep-alive (5 s) and was closed under it ("fetch failed"). */
async function outside(query, token) {
  try {
    return await server.graphql(query, {}, token)
  } catch (e) {
    if (e.message !== 'fetch failed') throw e
    return server.graphql(query, {}, token)
  }
}

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  server.cli('user', 'add', EMAIL, '--password', PASSWORD, '--name', 'Alice')
  server.cli('user', 'add', ADMIN, '--password', PASSWORD, '--name', 'Admin')
  server.cli('admin', 'grant', ADMIN, '--super')
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await server.stop()
})

test('a member creates an app password, copies it, a mail client signs in with it, revoking it stops the client', async () => {
  const { context, page, watch } = await openPage(browser, server.url)
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
  await signIn(page, EMAIL, PASSWORD)
  await page.goto('/settings?tab=security#app-passwords')
  const section = page.locator('[data-test=app-passwords]')
  await section.waitFor()

  await section.locator('[data-test=app-password-name] input').fill('Thunderbird 笔记本')
  await section.locator('[data-test=create-app-password]').click()
  const shown = section.locator('[data-test=app-password-secret]')
  await shown.waitFor()
  const secret = (await shown.innerText()).trim()
  assert.match(secret, /^[a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4}$/)
  await shot(page, 'app-password-created')

  await section.locator('[data-test=copy-app-password]').click()
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret)

  assert.equal(smtpLogin(EMAIL, secret), 235, 'the mail client signs in with the app password')

  // Once dismissed the secret is gone for good; the list shows the last use by SMTP.
  await section.locator('[data-test=app-password-done]').click()
  await page.reload()
  const list = page.locator('[data-test=app-password-list]')
  await list.getByText('Thunderbird 笔记本').waitFor()
  await list.getByText('SMTP').waitFor()
  assert.equal(await page.locator('[data-test=app-password-secret]').count(), 0)
  assert.ok(!(await page.content()).includes(secret), 'the secret is never shown again')

  await list.locator('[data-test=revoke-app-password]').click()
  await page.locator('.t-popconfirm .t-button--theme-primary, .t-popup .t-button--theme-primary').first().click()
  await list.getByText('Thunderbird 笔记本').waitFor({ state: 'detached' })
  assert.equal(smtpLogin(EMAIL, secret), 535, 'a revoked app password no longer signs in')
  assert.deepEqual(watch.consoleErrors, [])
  await context.close()
})

test('an empty name is answered at the form, nothing is created', async () => {
  const { context, page } = await openPage(browser, server.url)
  await signIn(page, EMAIL, PASSWORD)
  await page.goto('/settings?tab=security')
  const section = page.locator('[data-test=app-passwords]')
  await section.locator('[data-test=app-password-name] input').fill('   ')
  await section.locator('[data-test=create-app-password]').click()
  await section.locator('[data-test=app-password-error]').waitFor()
  assert.equal(await section.locator('[data-test=app-password-secret]').count(), 0)
  await context.close()
})

test('an administrator requires app passwords: mail clients lose the main password, keep app passwords', async () => {
  const token = await server.token(EMAIL)
  const made = await outside('mutation { createAppPassword(name: "mutt") { ... on AppPasswordCreated { secret } } }', token)
  const secret = made.createAppPassword.secret
  assert.equal(smtpLogin(EMAIL, PASSWORD), 235, 'before: the main password works for mail clients')

  const { context, page, watch } = await openPage(browser, server.url)
  await signIn(page, ADMIN, PASSWORD)
  await page.goto('/admin/security')
  const toggle = page.locator('[data-test=app-passwords-required]')
  await toggle.waitFor()
  await toggle.click()
  await page.locator('.t-message').first().waitFor()
  assert.equal(await page.locator('[data-test=app-passwords-required].t-is-checked').count(), 1)
  assert.equal(smtpLogin(EMAIL, PASSWORD), 535, 'the main password is refused to mail clients')
  assert.equal(smtpLogin(EMAIL, secret), 235, 'the app password still works')

  const me = await outside('{ mySecurity { appPasswordsRequired } }', token)
  assert.equal(me.mySecurity.appPasswordsRequired, true)
  await toggle.click()
  await page.locator('[data-test=app-passwords-required]:not(.t-is-checked)').waitFor()
  assert.equal(smtpLogin(EMAIL, PASSWORD), 235, 'switched off again')
  assert.deepEqual(watch.consoleErrors, [])
  await context.close()
})
