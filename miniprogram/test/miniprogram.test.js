/**
 * The mini-program against a real Qiyou server: its pages (miniprogram-simulate) and its
 * own network module (lib/api.js, lib/live.js over wx.request / wx.connectSocket) reach the
 * server through a node-backed `wx`. WeChat itself is a loopback server.
 */
const fs = require('fs')
const path = require('path')
const h = require('./support/harness')
const { sendMail, message } = require('./support/smtp')

let wechat
let server
let simulate
let env
let api
let live

const TOM = `tom@${h.DOMAIN}`

beforeAll(async () => {
  ;({ wechat, server } = await h.startAll())
  ;({ simulate, env } = h.installWx(wechat, server.url))
  api = require('../lib/api')
  live = require('../lib/live')
}, 180000)

afterAll(async () => {
  if (live) live.stop()
  if (server) await server.stop()
  if (wechat) await wechat.stop()
  if (env) fs.rmSync(env.tmp, { recursive: true, force: true })
})

function lastNavigation() {
  return env.log.navigate[env.log.navigate.length - 1]
}

function text(page) {
  return page.dom.textContent.replace(/\s+/g, ' ')
}

describe('binding', () => {
  test('first launch asks to bind; the password binds and opens the mailbox', async () => {
    env.setOpenid('openid-tom')
    const launch = await h.openPage(simulate, 'launch')
    if (launch.data.status === 'error') {
      // What a member would do on a transient failure (a loaded CI machine): tap 重试.
      console.warn(`launch failed once: ${launch.data.error}`)
      await launch.instance.onRetry()
    }
    expect(launch.data.error).toBe('')
    const to = lastNavigation()
    expect(to).toMatch(/^redirect:\/pages\/login\/login\?ticket=/)
    const ticket = decodeURIComponent(to.split('ticket=')[1])
    h.closePage(launch)

    const login = await h.openPage(simulate, 'login', { ticket })
    login.instance.onEmail({ detail: { value: TOM } })
    login.instance.onPassword({ detail: { value: 'wrong-password' } })
    await login.instance.submit()
    expect(login.data.error).toBe('邮箱地址或密码错误')
    expect(text(login)).toContain('邮箱地址或密码错误')

    login.instance.onPassword({ detail: { value: h.PASSWORD } })
    await login.instance.submit()
    expect(login.data.error).toBe('')
    expect(lastNavigation()).toBe('tab:/pages/inbox/inbox')
    expect(api.token()).toBeTruthy()
    h.closePage(login)

    const { mySecurity } = await h.graphql(server.url, '{ mySecurity { wechatBound } }', {}, api.token())
    expect(mySecurity.wechatBound).toBe(true)
  })

  test('afterwards the mini-program opens straight into the mailbox', async () => {
    live.stop()
    api.setToken(null) // a new phone session: only the WeChat account proves who it is
    const launch = await h.openPage(simulate, 'launch')
    expect(lastNavigation()).toBe('tab:/pages/inbox/inbox')
    expect(api.token()).toBeTruthy()
    const { me } = await h.graphql(server.url, '{ me { email } }', {}, api.token())
    expect(me.email).toBe(TOM)
    h.closePage(launch)
  })
})

describe('mail', () => {
  let inbox
  let subject
  let mailId

  test('the inbox lists mail with its unread count, and shows new SMTP mail live', async () => {
    await sendMail(server.smtpPort, {
      from: 'partner@outside.test',
      to: TOM,
      raw: message({ from: 'partner@outside.test', to: TOM, subject: '第一封邮件', text: '你好' }),
    })
    inbox = await h.openPage(simulate, 'inbox')
    await h.until(() => inbox.data.messages.some((m) => m.subject === '第一封邮件'), 'the first mail listed')
    expect(inbox.data.title).toBe('收件箱')
    const unreadBefore = inbox.data.unread
    expect(unreadBefore).toBeGreaterThanOrEqual(1)
    expect(text(inbox)).toContain('第一封邮件')

    await h.until(() => live.isConnected(), 'the live connection')
    subject = `季度报价 ${Date.now()}`
    await sendMail(server.smtpPort, {
      from: 'Partner <partner@outside.test>',
      to: TOM,
      raw: message({
        from: 'Partner <partner@outside.test>',
        to: TOM,
        subject,
        text: 'Please see the offer for the next quarter, with the prices we agreed on.',
        html: '<p style="color:#333;position:fixed">Please see <b>the offer</b>.</p><script>alert(1)</script><img src="https://tracker.example/p.gif">',
      }),
    })
    const row = await h.until(() => inbox.data.messages.find((m) => m.subject === subject), 'the new mail on the open page')
    expect(inbox.data.messages[0].subject).toBe(subject)
    expect(row.seen).toBe(false)
    expect(inbox.data.unread).toBe(unreadBefore + 1)
    await h.until(() => text(inbox).includes(subject), 'the new mail rendered')
    mailId = row.id
  })

  test('after the socket drops or the network changes it reconnects and stays live', async () => {
    const before = env.log.sockets.length
    env.log.sockets[before - 1].socket.terminate() // the connection dies (e.g. the phone slept)
    await h.until(() => env.log.sockets.length > before && live.isConnected(), 'a new connection')
    env.log.networkListener({ isConnected: true, networkType: 'wifi' }) // Wi-Fi → 4G
    await h.until(() => env.log.sockets.length > before + 1 && live.isConnected(), 'reconnecting on network change')
    const again = `重连之后 ${Date.now()}`
    await sendMail(server.smtpPort, {
      from: 'partner@outside.test',
      to: TOM,
      raw: message({ from: 'partner@outside.test', to: TOM, subject: again, text: '仍然实时' }),
    })
    await h.until(() => inbox.data.messages.some((m) => m.subject === again), 'live mail after reconnecting')
  })

  test('pull-to-refresh reloads; infinite scroll pages on', async () => {
    const stopped = env.log.stoppedRefresh || 0
    await inbox.instance.onPullDownRefresh()
    expect(env.log.stoppedRefresh).toBe(stopped + 1)
    expect(inbox.data.messages.map((m) => m.subject)).toContain(subject)
    for (let i = 0; i < 21; i++) {
      await sendMail(server.smtpPort, {
        from: 'bulk@outside.test',
        to: TOM,
        raw: message({ from: 'bulk@outside.test', to: TOM, subject: `批量 ${i}`, text: 'x' }),
      })
    }
    await inbox.instance.reload()
    expect(inbox.data.messages).toHaveLength(20)
    expect(inbox.data.hasMore).toBe(true)
    await inbox.instance.onReachBottom()
    expect(inbox.data.messages).toHaveLength(24) // the three mails before and these 21
    expect(inbox.data.hasMore).toBe(false)
    expect(new Set(inbox.data.messages.map((m) => m.id)).size).toBe(inbox.data.messages.length)
  })

  test('reading shows the sanitized body without scripts or remote images, and marks it read', async () => {
    h.closePage(inbox)
    const page = await h.openPage(simulate, 'message', { id: mailId })
    expect(page.data.error).toBe('')
    expect(page.data.fromText).toBe('Partner <partner@outside.test>')
    const nodes = JSON.stringify(page.data.nodes)
    expect(nodes).toContain('the offer')
    expect(nodes).not.toContain('alert')
    expect(nodes).not.toContain('position')
    expect(nodes).not.toContain('tracker.example')
    expect(page.data.blockedImages).toBe(1)
    expect(text(page)).toContain(subject)
    page.instance.onShowImages()
    expect(JSON.stringify(page.data.nodes)).toContain('tracker.example')
    const { message: read } = await h.graphql(server.url, 'query M($id: ID!) { message(id: $id) { seen } }', { id: mailId }, api.token())
    expect(read.seen).toBe(true)
    h.closePage(page)
  })

  test('reply with an attachment from a chat goes out in one multipart request', async () => {
    const file = path.join(env.tmp, 'report.txt')
    fs.writeFileSync(file, '报价明细 quarterly figures')
    env.log.chosenFiles = [{ path: file, name: '报价明细.txt', size: fs.statSync(file).size }]
    const compose = await h.openPage(simulate, 'compose', { mode: 'reply', id: mailId })
    expect(compose.data.to).toBe('partner@outside.test')
    expect(compose.data.subject).toBe(`Re: ${subject}`)
    expect(compose.data.body).toContain('原始邮件')
    await compose.instance.addFromChat()
    expect(compose.data.files).toHaveLength(1)
    compose.instance.onBody({ detail: { value: `收到，谢谢。${compose.data.body}` } })
    await compose.instance.send()
    expect(compose.data.error).toBe('')
    expect(lastNavigation()).toBe('back')
    const sent = compose.instance.sent.sent
    expect(sent.subject).toBe(`Re: ${subject}`)
    h.closePage(compose)

    const doc = `query M($id: ID!) { message(id: $id) { text to { address } attachments { filename size url } } }`
    const { message: copy } = await h.graphql(server.url, doc, { id: sent.id }, api.token())
    expect(copy.to[0].address).toBe('partner@outside.test')
    expect(copy.text).toContain('收到，谢谢。')
    expect(copy.attachments.map((a) => a.filename)).toEqual(['报价明细.txt'])

    // The attachment downloads through the authenticated route.
    const page = await h.openPage(simulate, 'message', { id: sent.id })
    expect(page.data.attachments[0].filename).toBe('报价明细.txt')
    await page.instance.onAttachment({ currentTarget: { dataset: { index: 0 } } })
    expect(env.log.toast).toContain('该类型附件请在电脑上查看')
    const downloaded = fs.readdirSync(env.tmp).filter((f) => f.startsWith('download-'))
    const bytes = fs.readFileSync(path.join(env.tmp, downloaded[downloaded.length - 1]), 'utf8')
    expect(bytes).toBe('报价明细 quarterly figures')
    h.closePage(page)
  })

  test('the conversation shows the mail and its reply', async () => {
    const { message: m } = await h.graphql(server.url, 'query M($id: ID!) { message(id: $id) { conversationId } }', { id: mailId }, api.token())
    const page = await h.openPage(simulate, 'conversation', { id: m.conversationId })
    expect(page.data.error).toBe('')
    expect(page.data.items.length).toBeGreaterThanOrEqual(2)
    expect(text(page)).toContain(subject)
    h.closePage(page)
  })

  test('folders list their unread counts; choosing one switches the mail tab', async () => {
    const folders = await h.openPage(simulate, 'folders')
    const labels = folders.data.folders.map((f) => f.label)
    expect(labels.slice(0, 3)).toEqual(['收件箱', '草稿箱', '已发送'])
    const sentIndex = labels.indexOf('已发送')
    folders.instance.onChoose({ currentTarget: { dataset: { index: sentIndex } } })
    h.closePage(folders)
    const inbox = await h.openPage(simulate, 'inbox')
    await inbox.instance.onShow()
    expect(inbox.data.title).toBe('已发送')
    expect(inbox.data.messages[0].subject).toBe(`Re: ${subject}`)
    require('../lib/store').state.folder = { id: 'INBOX', name: '收件箱', role: 'INBOX' }
    h.closePage(inbox)
  })
})

describe('secure login', () => {
  test('a web login QR code scanned in the mini-program is approved there', async () => {
    const boss = await h.webLogin(server.url, `boss@${h.DOMAIN}`)
    const secure = `mutation S($e: String) { setSecureLogin(enabled: true, email: $e) { __typename } }`
    await h.graphql(server.url, secure, { e: TOM }, boss.token)
    const challenge = await h.webLogin(server.url, TOM)
    expect(challenge.__typename).toBe('SecondFactorRequired')

    // The browser waits on the ticket over its own websocket.
    const { createClient } = require('graphql-ws')
    const WebSocket = require('ws')
    const browser = createClient({ url: server.url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { purpose: 'qrLogin' } })
    const statuses = []
    const finished = new Promise((resolve, reject) => {
      browser.subscribe(
        { query: 'subscription W($t: String!) { qrLoginStatus(ticket: $t) { status token } }', variables: { t: challenge.ticket } },
        { next: (r) => statuses.push(r.data.qrLoginStatus), error: reject, complete: resolve },
      )
    })

    env.log.scanResult = challenge.qrText
    const me = await h.openPage(simulate, 'me')
    await me.instance.onScan()
    expect(lastNavigation()).toMatch(/^\/pages\/confirm\/confirm\?q=/)
    const q = decodeURIComponent(lastNavigation().split('q=')[1])
    h.closePage(me)

    const confirm = await h.openPage(simulate, 'confirm', { q })
    expect(confirm.data.state).toBe('ask')
    expect(confirm.data.info.ip).toBe('127.0.0.1')
    expect(text(confirm)).toContain('127.0.0.1')
    await h.until(() => statuses.some((s) => s.status === 'SCANNED'), 'the browser seeing SCANNED')
    await confirm.instance.approve()
    expect(confirm.data.state).toBe('approved')
    await finished
    const final = statuses[statuses.length - 1]
    expect(final.status).toBe('APPROVED')
    const { me: web } = await h.graphql(server.url, '{ me { email } }', {}, final.token)
    expect(web.email).toBe(TOM)
    await browser.dispose()
    h.closePage(confirm)

    // A second look at the same code is refused.
    const again = await h.openPage(simulate, 'confirm', { ticket: challenge.ticket })
    expect(again.data.state).toBe('error')
    expect(again.data.error).toContain('二维码已过期')
    h.closePage(again)
    await h.graphql(server.url, 'mutation S($e: String) { setSecureLogin(enabled: false, email: $e) { __typename } }', { e: TOM }, boss.token)
  })
})

describe('notices and directory', () => {
  test('a notice posted while the page is open arrives live and opens', async () => {
    const page = await h.openPage(simulate, 'notices')
    const boss = await h.webLogin(server.url, `boss@${h.DOMAIN}`)
    const title = `国庆放假通知 ${Date.now()}`
    const post = `mutation P($i: NoticeInput!) { postNotice(input: $i) { __typename ... on PostedNotice { notice { id } } } }`
    const posted = (await h.graphql(server.url, post, { i: { title, body: '<p>十月一日至七日<b>放假</b></p>', html: true } }, boss.token)).postNotice
    expect(posted.__typename).toBe('PostedNotice')
    await h.until(() => page.data.notices.some((n) => n.title === title), 'the notice pushed live')
    expect(page.data.notices[0].read).toBe(false)
    expect(page.data.unread).toBeGreaterThanOrEqual(1)
    h.closePage(page)

    const notice = await h.openPage(simulate, 'notice', { id: posted.notice.id })
    expect(notice.data.notice.title).toBe(title)
    expect(JSON.stringify(notice.data.nodes)).toContain('放假')
    const { notice: read } = await h.graphql(server.url, 'query N($id: ID!) { notice(id: $id) { read } }', { id: posted.notice.id }, api.token())
    expect(read.read).toBe(true)
    h.closePage(notice)
  })

  test('the directory lists colleagues; tapping one writes to them', async () => {
    const page = await h.openPage(simulate, 'directory')
    const emails = page.data.contacts.map((c) => c.email)
    expect(emails).toEqual(expect.arrayContaining([`jerry@${h.DOMAIN}`, `boss@${h.DOMAIN}`]))
    expect(text(page)).toContain('杰瑞')
    page.instance.onQuery({ detail: { value: '杰瑞' } })
    await h.until(() => page.data.contacts.length === 1 && page.data.contacts[0].email === `jerry@${h.DOMAIN}`, 'the search result')
    env.log.actionSheet = 0
    await page.instance.onContact({ currentTarget: { dataset: { index: 0 } } })
    expect(lastNavigation()).toBe(`/pages/compose/compose?to=${encodeURIComponent(`jerry@${h.DOMAIN}`)}`)
    h.closePage(page)

    const compose = await h.openPage(simulate, 'compose', { to: encodeURIComponent(`jerry@${h.DOMAIN}`) })
    expect(compose.data.to).toBe(`jerry@${h.DOMAIN}`)
    compose.instance.onSubject({ detail: { value: '午饭' } })
    compose.instance.onBody({ detail: { value: '一起吃午饭吗？' } })
    await compose.instance.send()
    expect(compose.data.error).toBe('')
    h.closePage(compose)
    const jerry = await h.webLogin(server.url, `jerry@${h.DOMAIN}`)
    const { messages } = await h.graphql(server.url, '{ messages(first: 5) { edges { node { subject from { address } } } } }', {}, jerry.token)
    expect(messages.edges[0].node).toEqual({ subject: '午饭', from: { address: TOM } })
  })
})

describe('search, recall, translation, confidential mail', () => {
  async function inboxOf(token, subject) {
    return h.until(async () => {
      const { messages } = await h.graphql(server.url, '{ messages(first: 50) { edges { node { id subject } } } }', {}, token)
      const hit = messages.edges.find((e) => e.node.subject === subject)
      return hit && hit.node
    }, `"${subject}" delivered`)
  }

  test('search finds mail by words in its subject', async () => {
    const page = await h.openPage(simulate, 'search')
    expect(page.data.supported).toBe(true)
    page.instance.onChange({ detail: { value: '季度报价' } })
    await h.until(async () => {
      await page.instance.onSubmit()
      return page.data.results.some((r) => r.subject.startsWith('季度报价'))
    }, 'a search hit')
    expect(page.data.error).toBe('')
    expect(page.data.total).toBeGreaterThanOrEqual(1)
    h.closePage(page)
  })

  test('a sent message is recalled from a colleague who has not read it', async () => {
    const { messages } = await h.graphql(server.url, '{ messages(folder: "SENT", first: 10) { edges { node { id subject } } } }', {}, api.token())
    const lunch = messages.edges.find((e) => e.node.subject === '午饭').node
    const page = await h.openPage(simulate, 'message', { id: lunch.id })
    expect(page.data.isSent).toBe(true)
    expect(page.data.caps.recall).toBe(true)
    env.log.modal = true
    await page.instance.onRecall()
    expect(page.data.recallText).toBe('已撤回 1/1 位收件人')
    h.closePage(page)
    const jerry = await h.webLogin(server.url, `jerry@${h.DOMAIN}`)
    const left = await h.graphql(server.url, '{ messages(first: 20) { edges { node { subject } } } }', {}, jerry.token)
    expect(left.messages.edges.map((e) => e.node.subject)).not.toContain('午饭')
  })

  test('English mail offers a translation; without a model installed it says why', async () => {
    const { messages } = await h.graphql(server.url, '{ messages(first: 50) { edges { node { id subject } } } }', {}, api.token())
    const english = messages.edges.find((e) => e.node.subject.startsWith('季度报价')).node
    const page = await h.openPage(simulate, 'message', { id: english.id })
    expect(page.data.english).toBe(true)
    expect(page.data.caps.translate).toBe(true)
    const toasts = env.log.toast.length
    await page.instance.onTranslate()
    if (page.data.translated) {
      expect(page.data.translated.subject).toBeTruthy()
    } else {
      expect(env.log.toast.length).toBe(toasts + 1) // the server's reason, e.g. no EN→ZH model
    }
    expect(page.data.translating).toBe(false)
    h.closePage(page)
  })

  test('confidential mail opens after a one-time code sent by WeChat', async () => {
    const jerry = await h.webLogin(server.url, `jerry@${h.DOMAIN}`)
    const subject = `薪资调整 ${Date.now()}`
    const send = `mutation S($i: ComposeInput!) { sendMail(input: $i) { __typename ... on MailError { message } } }`
    const sent = await h.graphql(server.url, send, { i: { to: [TOM], subject, text: '机密内容：十月起调整', confidential: true } }, jerry.token)
    expect(sent.sendMail.__typename).toBe('SendMailSuccess')
    const mail = await inboxOf(api.token(), subject)

    const page = await h.openPage(simulate, 'message', { id: mail.id })
    expect(page.data.locked).toBe(true)
    expect(JSON.stringify(page.data.nodes)).not.toContain('机密内容')
    expect(page.data.message.confidential.channels).toContain('WECHAT')
    const before = wechat.sent.length
    await page.instance.onRequestCode({ currentTarget: { dataset: { channel: 'WECHAT' } } })
    expect(page.data.codeSent).toBe('WeChat')
    const note = wechat.sent.slice(before).find((m) => m.template_id === h.CODE_TEMPLATE)
    expect(note.touser).toBe('openid-tom')
    page.instance.onCode({ detail: { value: note.data.character_string1.value } })
    await page.instance.onVerify()
    expect(page.data.locked).toBe(false)
    expect(JSON.stringify(page.data.nodes)).toContain('机密内容')
    h.closePage(page)
  })
})

describe('WeChat notifications and unbinding', () => {
  test('an accepted subscribe message announces mail arriving while the mini-program is closed', async () => {
    const me = await h.openPage(simulate, 'me')
    expect(me.data.templateId).toBe(h.TEMPLATE)
    await me.instance.onNotify()
    expect(me.data.notifications.remaining).toBe(1)
    h.closePage(me)

    live.stop() // the mini-program is closed
    const before = wechat.sent.length
    await sendMail(server.smtpPort, {
      from: 'partner@outside.test',
      to: TOM,
      // Sent at a known time: the reminder says it in the server's zone (Asia/Shanghai), not UTC.
      raw: message({ from: 'partner@outside.test', to: TOM, subject: '合同已盖章', text: '请查收' }).replace(
        /^Date: .*$/m,
        'Date: Mon, 07 Dec 2026 18:00:00 +0800',
      ),
    })
    const sent = await h.until(() => wechat.sent[before], 'the subscribe message')
    expect(sent.data.time3.value).toBe('2026-12-07 18:00')
    expect(sent.touser).toBe('openid-tom')
    expect(sent.template_id).toBe(h.TEMPLATE)
    expect(sent.data.thing2.value).toBe('合同已盖章')
    expect(sent.page).toMatch(/^pages\/message\/message\?id=\d+$/)
  })

  test('signed out elsewhere: the server closes the live socket and the app returns to its start', async () => {
    global.App = (definition) => definition.onLaunch() // the app's own sign-out handling
    require('../app')
    live.start()
    await h.until(() => live.isConnected(), 'the live socket is up')
    const sockets = env.log.sockets.length
    const { logout } = await h.graphql(server.url, 'mutation { logout }', {}, api.token())
    expect(logout).toBe(true)
    await h.until(() => lastNavigation() === 'relaunch:/pages/launch/launch', 'back to the start page', 5000)
    expect(api.token()).toBeFalsy()
    expect(live.isConnected()).toBe(false)
    expect(env.log.sockets.length).toBe(sockets) // no reconnecting with the revoked token
    const launch = await h.openPage(simulate, 'launch') // WeChat still proves who it is
    expect(lastNavigation()).toBe('tab:/pages/inbox/inbox')
    expect(api.token()).toBeTruthy()
    h.closePage(launch)
  })

  test('unbinding in the mini-program signs out; the next start asks to bind again', async () => {
    const me = await h.openPage(simulate, 'me')
    await me.instance.onUnbind()
    expect(lastNavigation()).toBe('relaunch:/pages/launch/launch')
    expect(api.token()).toBeFalsy()
    h.closePage(me)
    const launch = await h.openPage(simulate, 'launch')
    expect(lastNavigation()).toMatch(/^redirect:\/pages\/login\/login\?ticket=/)
    h.closePage(launch)
  })
})
