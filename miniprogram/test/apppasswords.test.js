/**
 * The app-password page against a real Qiyou server: create one (the secret shown once,
 * copied), a mail client signs in with it (Python's smtplib with STARTTLS on the submission
 * port), the list shows that use, revoking it makes the server refuse it.
 */
const { spawnSync } = require('child_process')
const fs = require('fs')
const path = require('path')
const h = require('./support/harness')

const TOM = `tom@${h.DOMAIN}`
const PYTHON = path.resolve(h.ROOT, '../.venv/bin/python')
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

/** AUTH PLAIN after STARTTLS on the submission port: the SMTP reply code. */
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
  const r = spawnSync(PYTHON, ['-c', script, String(server.submissionPort), email, password], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`smtplib failed: ${r.stderr}`)
  return Number(r.stdout.trim())
}

function text(page) {
  return page.dom.textContent.replace(/\s+/g, ' ')
}

test('the "我的" tab opens the page', async () => {
  const me = await h.openPage(simulate, 'me')
  await me.instance.onAppPasswords()
  expect(env.log.navigate[env.log.navigate.length - 1]).toBe('/pages/apppasswords/apppasswords')
  h.closePage(me)
})

test('create, copy, sign in over SMTP, see the use, revoke', async () => {
  const page = await h.openPage(simulate, 'apppasswords')
  expect(page.data.items).toEqual([])
  expect(text(page)).toContain('暂无专用密码')

  page.instance.onName({ detail: { value: '手机邮件' } })
  await page.instance.create()
  expect(page.data.error).toBe('')
  const { secret } = page.data.created
  expect(secret).toMatch(/^[a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4}$/)
  expect(text(page)).toContain(secret)
  await page.instance.copy()
  expect(env.log.clipboard).toBe(secret)

  expect(smtpLogin(TOM, secret)).toBe(235)
  page.instance.done()
  await page.instance.load()
  expect(text(page)).not.toContain(secret)
  expect(page.data.items).toHaveLength(1)
  expect(page.data.items[0].name).toBe('手机邮件')
  expect(page.data.items[0].used).toContain('SMTP')

  const { id, name } = page.data.items[0]
  await page.instance.revoke({ currentTarget: { dataset: { id, name } } })
  expect(page.data.items).toEqual([])
  expect(smtpLogin(TOM, secret)).toBe(535)
  h.closePage(page)
})

test('an empty name is refused with the server\'s message, nothing created', async () => {
  const page = await h.openPage(simulate, 'apppasswords')
  page.instance.onName({ detail: { value: '  ' } })
  await page.instance.create()
  expect(page.data.error).toBe('give the app password a name')
  expect(page.data.created).toBeNull()
  expect(text(page)).toContain(page.data.error)
  await page.instance.load()
  expect(page.data.items).toEqual([])
  h.closePage(page)
})
