/**
 * Calendar reminders by WeChat and by SMS on the edit page, against a real Qiyou server with
 * a calendar subscribe-message template (QIYOU_WECHAT_CALENDAR_TEMPLATE): 微信 and 短信 are
 * channels of a reminder; saving a reminder by WeChat asks requestSubscribeMessage for the
 * calendar template synchronously in the tap, before any request, and the server records
 * the acceptance (acceptMailNotification); a refusal is told and the event saved all the
 * same. The reminder words (lib/calendartext.js) name the new channels.
 *
 * miniprogramConfig does not serve the calendar template yet (schema/miniprogram is not
 * part of this change): the page's calendarTemplate is set as that field would set it.
 */
const fs = require('fs')
const h = require('./support/harness')
const { WechatServer } = require('./support/wechat')
const { Qiyou } = require('./support/qiyou')
const form = require('../lib/calendarform')
const text = require('../lib/calendartext')
const Q = require('../lib/queries')

const TOM = `tom@${h.DOMAIN}`
const CALENDAR_TEMPLATE = 'tmpl-calendar-reminder'
const ACCEPT = `mutation A($t: String!) { acceptMailNotification(templateId: $t) {
  __typename ... on MailNotifications { remaining } ... on AuthError { code } } }`
let wechat
let server
let simulate
let env
let api

beforeAll(async () => {
  wechat = new WechatServer({ appid: h.APPID, secret: h.SECRET })
  await wechat.start()
  server = new Qiyou({
    QIYOU_WECHAT_API_URL: wechat.url,
    QIYOU_WECHAT_APPID: h.APPID,
    QIYOU_WECHAT_SECRET: h.SECRET,
    QIYOU_WECHAT_MAIL_TEMPLATE: h.TEMPLATE,
    QIYOU_WECHAT_CALENDAR_TEMPLATE: CALENDAR_TEMPLATE,
  })
  await server.ports()
  await server.cli('domain', 'add', h.DOMAIN)
  await server.cli('user', 'add', TOM, '--password', h.PASSWORD, '--name', '汤姆')
  await server.start()
  ;({ simulate, env } = h.installWx(wechat, server.url))
  api = require('../lib/api')
  env.setOpenid('openid-tom') // Tom binds WeChat: acceptances need a bound member
  const session = require('../lib/session')
  const outcome = await session.signInWithWechat()
  await session.bind(outcome.ticket, TOM, h.PASSWORD)
  await require('../lib/settings').load(true)
}, 180000)

afterAll(async () => {
  require('../lib/live').stop()
  if (server) await server.stop()
  if (wechat) await wechat.stop()
  if (env) fs.rmSync(env.tmp, { recursive: true, force: true })
})

const tap = (dataset) => ({ currentTarget: { dataset } })

/** A new event titled `summary` whose one reminder goes by push, WeChat and SMS. */
async function editing(summary) {
  const page = await h.openPage(simulate, 'eventedit', {})
  expect(page.data.error).toBe('')
  page.instance.setData({ calendarTemplate: CALENDAR_TEMPLATE }) // what miniprogramConfig would say
  page.instance.onField({ currentTarget: { dataset: { field: 'summary' } }, detail: { value: summary } })
  page.instance.onReminderChannel(tap({ index: 0, channel: 'WECHAT' }))
  page.instance.onReminderChannel(tap({ index: 0, channel: 'SMS' }))
  expect(page.data.reminders[0]).toMatchObject({ push: true, wechat: true, sms: true, mail: false })
  return page
}

async function keptReminders(summary) {
  const from = new Date(Date.now() - 86400000).toISOString()
  const to = new Date(Date.now() + 3 * 86400000).toISOString()
  const { calendarEvents } = await h.graphql(server.url, Q.CALENDAR_EVENTS, { start: from, end: to }, api.token())
  return calendarEvents.filter((e) => e.summary === summary).map((e) => e.reminders)
}

/** Tom's acceptances of the calendar template, learned by accepting one more. */
async function acceptances() {
  const { acceptMailNotification } = await h.graphql(server.url, ACCEPT, { t: CALENDAR_TEMPLATE }, api.token())
  return acceptMailNotification.remaining - 1
}

test('the words and the form know the WeChat and SMS channels', () => {
  expect(text.reminderText({ minutesBefore: 15, channels: ['WECHAT', 'SMS'] })).toContain('微信、短信')
  expect(form.wantsWechat([{ minutesBefore: 5, channels: ['PUSH'] }, { minutesBefore: 0, channels: ['SMS', 'WECHAT'] }])).toBe(true)
  expect(form.wantsWechat([{ minutesBefore: 5, channels: ['PUSH', 'SMS'] }])).toBe(false)
})

test('saving a WeChat reminder asks WeChat first, in the tap, and records the acceptance', async () => {
  env.log.subscribeAnswer = 'accept'
  const page = await editing('周报提醒')
  const from = env.log.calls.length
  const saving = page.instance.onSave()
  // Still inside the tap: the dialog has been asked for, and nothing else was called.
  expect(env.log.calls.slice(from)).toEqual(['requestSubscribeMessage'])
  await saving
  expect(page.data.error).toBe('')
  h.closePage(page)
  expect(await keptReminders('周报提醒')).toEqual([[{ minutesBefore: 15, channels: ['PUSH', 'WECHAT', 'SMS'] }]])
  expect(await acceptances()).toBe(1)
})

test('a refusal is told in a toast and the event is saved all the same', async () => {
  env.log.subscribeAnswer = 'reject'
  const before = await acceptances()
  const page = await editing('拒绝也保存')
  await page.instance.onSave()
  expect(page.data.error).toBe('')
  h.closePage(page)
  expect(env.log.toast).toContain('你没有允许微信通知')
  expect(await keptReminders('拒绝也保存')).toEqual([[{ minutesBefore: 15, channels: ['PUSH', 'WECHAT', 'SMS'] }]])
  expect(await acceptances()).toBe(before + 1) // only the one counted here
})
