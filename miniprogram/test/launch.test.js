/**
 * First run and the server address: a build without a server asks for it on the launch
 * page; an address is checked (https, GET /health answering as Qiyou, miniprogramConfig)
 * before it is kept and used; an unreachable server offers to change it besides 重试; the
 * login page changes it the same way. Then dates are shown in the server's time zone
 * (QIYOU_TIME_ZONE), not the phone's.
 */
const fs = require('fs')
const h = require('./support/harness')
const { freePort } = require('./support/qiyou')
const { sendMail, message } = require('./support/smtp')

// A server zone other than this machine's (the phone's), so the test tells them apart.
const LOCAL_OFFSET = -new Date('2026-12-07T10:00:00Z').getTimezoneOffset()
const ZONE = LOCAL_OFFSET === 540 ? { name: 'America/New_York', shown: '2026年12月7日 05:00' } : { name: 'Asia/Tokyo', shown: '2026年12月7日 19:00' }
process.env.QIYOU_TIME_ZONE = ZONE.name // the server's environment is built from ours

const TOM = `tom@${h.DOMAIN}`
let wechat
let server
let simulate
let env
let format

beforeAll(async () => {
  ;({ wechat, server } = await h.startAll())
  ;({ simulate, env } = h.installWx(wechat, server.url))
  format = require('../lib/format')
}, 180000)

afterAll(async () => {
  require('../lib/live').stop()
  if (server) await server.stop()
  if (wechat) await wechat.stop()
  if (env) fs.rmSync(env.tmp, { recursive: true, force: true })
  delete process.env.QIYOU_TIME_ZONE
})

function lastNavigation() {
  return env.log.navigate[env.log.navigate.length - 1]
}

function text(page) {
  return page.dom.textContent.replace(/\s+/g, ' ')
}

async function typeServer(page, value) {
  page.instance.onServerInput({ detail: { value } })
  await page.instance.onSaveServer()
}

test('a first run without a server asks for it, and only a working Qiyou server is kept', async () => {
  env.storage.delete('qiyou.server') // a build that still has the placeholder address
  env.setOpenid('openid-tom')
  const calls = env.log.calls.length
  const launch = await h.openPage(simulate, 'launch')
  expect(launch.data.status).toBe('server')
  expect(text(launch)).toContain('设置服务器')
  expect(env.log.calls.slice(calls)).not.toContain('request') // nothing asked of the placeholder

  await typeServer(launch, 'http://mail.example.org')
  expect(launch.data.serverError).toBe('服务器地址应以 https:// 开头')
  expect(text(launch)).toContain('服务器地址应以 https:// 开头')

  const closed = `http://127.0.0.1:${await freePort()}`
  await typeServer(launch, closed)
  expect(launch.data.serverError).toContain(`无法连接 ${closed}`)

  await typeServer(launch, wechat.url) // answers HTTP, but is not a Qiyou server
  expect(launch.data.serverError).toContain('不是可用的企邮服务器')
  expect(env.storage.has('qiyou.server')).toBe(false)
  expect(launch.data.status).toBe('server')

  await typeServer(launch, `${server.url}/`)
  expect(launch.data.serverError).toBe('')
  expect(env.storage.get('qiyou.server')).toBe(server.url)
  expect(env.log.toast).toContain('服务器已连接')
  // It went on: the server knows no binding for this WeChat account yet.
  await h.until(() => /^redirect:\/pages\/login\/login\?ticket=/.test(lastNavigation() || ''), 'the bind page')
  expect(format.zoneName()).toBe(ZONE.name)
  expect(env.storage.get('qiyou.serverConfig').config.timeZone).toBe(ZONE.name)
  h.closePage(launch)
})

test('an unreachable server leaves 重试 and a way to change the address', async () => {
  const closed = `http://127.0.0.1:${await freePort()}`
  env.storage.set('qiyou.server', closed)
  const launch = await h.openPage(simulate, 'launch')
  expect(launch.data.status).toBe('error')
  expect(launch.data.error).toContain('无法连接服务器')
  expect(text(launch)).toContain('重试')
  expect(text(launch)).toContain(`服务器：${closed}`)

  launch.instance.onEditServer()
  expect(launch.data.status).toBe('server')
  expect(launch.data.serverInput).toBe(closed)
  await typeServer(launch, server.url)
  expect(env.storage.get('qiyou.server')).toBe(server.url)
  await h.until(() => /^redirect:\/pages\/login\/login\?ticket=/.test(lastNavigation() || ''), 'the bind page')
  h.closePage(launch)
})

test('the login page changes the server only to one that answers, then binds there', async () => {
  const ticket = decodeURIComponent(lastNavigation().split('ticket=')[1])
  const login = await h.openPage(simulate, 'login', { ticket })
  login.instance.toggleServer()
  expect(login.data.server).toBe(server.url)
  login.instance.onEmail({ detail: { value: TOM } })
  login.instance.onPassword({ detail: { value: h.PASSWORD } })

  const closed = `http://127.0.0.1:${await freePort()}`
  login.instance.onServer({ detail: { value: closed } })
  const requests = env.log.calls.length
  await login.instance.submit()
  expect(login.data.serverError).toContain(`无法连接 ${closed}`)
  expect(text(login)).toContain('无法连接')
  expect(env.storage.get('qiyou.server')).toBe(server.url)
  expect(env.log.calls.slice(requests).filter((c) => c === 'request')).toHaveLength(1) // /health only: no bind attempt
  expect(require('../lib/api').token()).toBeFalsy()

  login.instance.onServer({ detail: { value: server.url.replace('http://127.0.0.1', 'http://localhost') } })
  await login.instance.submit()
  expect(login.data.serverError).toBe('')
  expect(login.data.error).toBe('')
  expect(env.storage.get('qiyou.server')).toBe(server.url.replace('http://127.0.0.1', 'http://localhost'))
  expect(lastNavigation()).toBe('tab:/pages/inbox/inbox')
  expect(require('../lib/api').token()).toBeTruthy()
  h.closePage(login)
})

test('dates are shown in the server’s time zone, not the phone’s', async () => {
  const raw = message({ from: 'partner@outside.test', to: TOM, subject: '时区', text: '18:00 北京时间' }).replace(
    /^Date: .*$/m,
    'Date: Mon, 07 Dec 2026 18:00:00 +0800',
  )
  await sendMail(server.smtpPort, { from: 'partner@outside.test', to: TOM, raw })
  const api = require('../lib/api')
  const id = await h.until(async () => {
    const { messages } = await h.graphql(server.url, '{ messages(first: 10) { edges { node { id subject } } } }', {}, api.token())
    const hit = messages.edges.find((e) => e.node.subject === '时区')
    return hit && hit.node.id
  }, 'the mail delivered')
  const page = await h.openPage(simulate, 'message', { id })
  expect(page.data.error).toBe('')
  expect(page.data.dateText).toBe(ZONE.shown)
  const d = new Date('2026-12-07T10:00:00Z')
  expect(page.data.dateText).not.toBe(`2026年12月7日 ${String(d.getHours()).padStart(2, '0')}:00`) // the phone's
  expect(text(page)).toContain(ZONE.shown)
  h.closePage(page)
})
