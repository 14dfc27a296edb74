/**
 * WeChat's own prompts, played by the wx simulation as WeChat runs them:
 * - requestSubscribeMessage is called synchronously in the tap handler, before any request
 *   (WeChat shows no dialog otherwise), and a refusal or failure is told in a toast;
 * - the privacy agreement: choosing an attachment while WeChat says the agreement is needed
 *   shows the page's privacy popup; 同意 (an agreePrivacyAuthorization button) lets the
 *   chooser open, 拒绝 makes it fail with a toast saying why.
 */
const fs = require('fs')
const path = require('path')
const h = require('./support/harness')

const TOM = `tom@${h.DOMAIN}`
let wechat
let server
let simulate
let env
let api
let mailId

beforeAll(async () => {
  ;({ wechat, server } = await h.startAll())
  ;({ simulate, env } = h.installWx(wechat, server.url))
  api = require('../lib/api')
  global.App = (definition) => definition.onLaunch() // app.js registers the privacy listener
  require('../app')
  // Tom binds WeChat (codes of confidential mail go to his WeChat).
  env.setOpenid('openid-tom')
  const session = require('../lib/session')
  const outcome = await session.signInWithWechat()
  await session.bind(outcome.ticket, TOM, h.PASSWORD)
  await require('../lib/settings').load(true)
  // Jerry sends him a confidential mail.
  const jerry = await h.webLogin(server.url, `jerry@${h.DOMAIN}`)
  const send = `mutation S($i: ComposeInput!) { sendMail(input: $i) { __typename } }`
  await h.graphql(server.url, send, { i: { to: [TOM], subject: '保密', text: '机密内容', confidential: true } }, jerry.token)
  mailId = await h.until(async () => {
    const { messages } = await h.graphql(server.url, '{ messages(first: 10) { edges { node { id subject } } } }', {}, api.token())
    const hit = messages.edges.find((e) => e.node.subject === '保密')
    return hit && hit.node.id
  }, 'the confidential mail')
}, 180000)

afterAll(async () => {
  require('../lib/live').stop()
  if (server) await server.stop()
  if (wechat) await wechat.stop()
  if (env) fs.rmSync(env.tmp, { recursive: true, force: true })
})

const WECHAT_TAP = { currentTarget: { dataset: { channel: 'WECHAT' } } }

describe('subscribe messages', () => {
  let page
  beforeAll(async () => {
    page = await h.openPage(simulate, 'message', { id: mailId })
    expect(page.data.locked).toBe(true)
  })
  afterAll(() => h.closePage(page))
  beforeEach(() => {
    env.log.subscribeAnswer = 'accept'
    env.log.subscribeFail = null
  })

  test('the confidential code asks WeChat first, synchronously, before any request', async () => {
    const from = env.log.calls.length
    const before = wechat.sent.length
    const tapped = page.instance.onRequestCode(WECHAT_TAP)
    // Still inside the tap: the dialog has been asked for, and nothing else was called.
    expect(env.log.calls.slice(from)).toEqual(['requestSubscribeMessage'])
    await tapped
    const calls = env.log.calls.slice(from)
    expect(calls.indexOf('request')).toBeGreaterThan(calls.indexOf('requestSubscribeMessage'))
    expect(page.data.codeSent).toBe('WeChat')
    expect(wechat.sent.slice(before).some((m) => m.template_id === h.CODE_TEMPLATE && m.touser === 'openid-tom')).toBe(true)
  })

  test('a refusal is told in a toast and no code is requested', async () => {
    env.log.subscribeAnswer = 'reject'
    const from = env.log.calls.length
    const before = wechat.sent.length
    await page.instance.onRequestCode(WECHAT_TAP)
    expect(env.log.toast[env.log.toast.length - 1]).toBe('你没有允许微信通知')
    expect(env.log.calls.slice(from)).not.toContain('request')
    expect(wechat.sent.length).toBe(before)
  })

  test('a failure (notifications switched off) is told in words a member can act on', async () => {
    env.log.subscribeFail = { errCode: 20004, errMsg: 'requestSubscribeMessage:fail the main switch is switched off' }
    const from = env.log.calls.length
    await page.instance.onRequestCode(WECHAT_TAP)
    expect(env.log.toast[env.log.toast.length - 1]).toBe('你已关闭本小程序的消息通知，请在右上角 … → 设置 → 通知管理中开启')
    expect(env.log.calls.slice(from)).not.toContain('request')
  })

  test('new-mail reminders on the 我的 page ask WeChat first as well', async () => {
    const me = await h.openPage(simulate, 'me')
    expect(me.data.templateId).toBe(h.TEMPLATE)
    const from = env.log.calls.length
    const tapped = me.instance.onNotify()
    expect(env.log.calls.slice(from)).toEqual(['requestSubscribeMessage'])
    await tapped
    expect(me.data.notifications.remaining).toBe(1)
    env.log.subscribeFail = { errCode: 10002, errMsg: 'requestSubscribeMessage:fail network error' }
    await me.instance.onNotify()
    expect(env.log.toast[env.log.toast.length - 1]).toBe('网络问题，未能请求微信通知')
    expect(me.data.notifications.remaining).toBe(1)
    h.closePage(me)
  })
})

describe('privacy agreement', () => {
  let file
  beforeAll(() => {
    file = path.join(env.tmp, 'plan.txt')
    fs.writeFileSync(file, '计划')
    env.log.chosenFiles = [{ path: file, name: '计划.txt', size: fs.statSync(file).size }]
  })

  function popup(page) {
    return page.querySelector('#privacy')
  }

  test('choosing an attachment shows the privacy popup; 拒绝 keeps the chooser closed and says why', async () => {
    env.log.privacyNeeded = true
    const compose = await h.openPage(simulate, 'compose', {})
    const adding = compose.instance.addFromChat()
    await h.until(() => popup(compose).data.show, 'the privacy popup')
    expect(popup(compose).dom.textContent).toContain('从聊天中选择文件')
    expect(popup(compose).dom.textContent).toContain('《企邮测试隐私保护指引》')
    popup(compose).querySelector('#privacy-disagree').dispatchEvent('tap')
    await adding
    expect(compose.data.files).toEqual([])
    expect(env.log.toast[env.log.toast.length - 1]).toBe('需同意隐私保护指引后才能添加附件')
    expect(popup(compose).data.show).toBe(false)
    expect(env.log.privacyNeeded).toBe(true)
    h.closePage(compose)
  })

  test('同意 on the agreePrivacyAuthorization button lets the chooser open, once', async () => {
    const compose = await h.openPage(simulate, 'compose', {})
    const adding = compose.instance.addFromChat()
    await h.until(() => popup(compose).data.show, 'the privacy popup')
    const agree = popup(compose).querySelector('#privacy-agree')
    // WeChat takes the agreement only from its own button: the one tapped is that kind.
    const template = fs.readFileSync(path.join(h.ROOT, 'components/privacy-popup/privacy-popup.wxml'), 'utf8')
    expect(template).toMatch(/<button[^>]*id="privacy-agree"[^>]*open-type="agreePrivacyAuthorization"[^>]*bindagreeprivacyauthorization="onAgree"/)
    agree.dispatchEvent('agreeprivacyauthorization')
    await adding
    const answer = env.log.privacyAnswers[env.log.privacyAnswers.length - 1]
    expect(answer).toEqual({ referrer: 'chooseMessageFile', event: 'agree', buttonId: 'privacy-agree' })
    expect(compose.data.files.map((f) => f.name)).toEqual(['计划.txt'])
    expect(env.log.privacyNeeded).toBe(false)
    // Agreed once: the next choice opens at once.
    const asked = env.log.privacyAnswers.length
    await compose.instance.addFromChat()
    expect(compose.data.files).toHaveLength(2)
    expect(env.log.privacyAnswers).toHaveLength(asked)
    h.closePage(compose)
  })

  test('copying on the mail-client page goes through the popup too', async () => {
    env.log.privacyNeeded = true
    const page = await h.openPage(simulate, 'mailclients')
    const copying = page.instance.copy({ currentTarget: { dataset: { value: 'mail.mp.test', label: '服务器' } } })
    await h.until(() => popup(page).data.show, 'the privacy popup')
    expect(popup(page).dom.textContent).toContain('复制内容到剪贴板')
    popup(page).querySelector('#privacy-agree').dispatchEvent('agreeprivacyauthorization')
    await copying
    expect(env.log.clipboard).toBe('mail.mp.test')
    expect(env.log.toast[env.log.toast.length - 1]).toBe('已复制服务器')
    h.closePage(page)
  })
})
