/**
 * The calendar pages against a real Qiyou server: the edit page sends createEvent with the
 * times in the members' zone, the weekly RRULE, attendees and reminders, and the server
 * keeps them; the agenda shows the occurrences by day in the calendar's colour, with more
 * days at the bottom; the day view lays one day out and steps to the next; the invited
 * colleague answers on the event page (respondToEvent) and the organizer sees the answer;
 * one occurrence is deleted; a CalendarError comes back as text. The message page shows the
 * invitation card: a REQUEST answered from the mail, a CANCEL and a REPLY sent over MX from
 * outside. A reminder pushed over the live connection shows as a modal that opens the
 * event. The calendar documents of lib/queries.js are valid against the server's schema.
 */
const fs = require('fs')
const { buildClientSchema, getIntrospectionQuery, parse, validate } = require('graphql')
const h = require('./support/harness')
const { sendMail, message } = require('./support/smtp')
const Q = require('../lib/queries')

const TOM = `tom@${h.DOMAIN}`
const JERRY = `jerry@${h.DOMAIN}`
const SHANGHAI = { timeZone: 'Asia/Shanghai', utcOffset: 480 } // the server's default zone
let wechat
let server
let simulate
let env
let api
let cal
const tokens = {}
const sent = [] // the GraphQL requests the pages made: { query, variables }
const modals = [] // wx.showModal's { title, content }

beforeAll(async () => {
  ;({ wechat, server } = await h.startAll())
  ;({ simulate, env } = h.installWx(wechat, server.url))
  const request = global.wx.request
  global.wx.request = (options) => {
    if (options.data && typeof options.data === 'object' && options.data.query) sent.push(options.data)
    return request(options)
  }
  const showModal = global.wx.showModal
  global.wx.showModal = (options) => {
    modals.push({ title: options.title, content: options.content })
    return showModal(options)
  }
  api = require('../lib/api')
  cal = require('../lib/calendar')
  tokens.tom = (await h.webLogin(server.url, TOM)).token
  tokens.jerry = (await h.webLogin(server.url, JERRY)).token
  api.setToken(tokens.tom)
}, 180000)

afterAll(async () => {
  api.setToken(null)
  require('../lib/live').stop()
  if (server) await server.stop()
  if (wechat) await wechat.stop()
  if (env) fs.rmSync(env.tmp, { recursive: true, force: true })
})

/** Occurrences a member sees in the days [from, to) in Shanghai, straight from the server. */
async function eventsOf(token, from, to) {
  const data = await h.graphql(
    server.url,
    Q.CALENDAR_EVENTS,
    { start: cal.dayStart(from, SHANGHAI).toISOString(), end: cal.dayStart(to, SHANGHAI).toISOString() },
    token,
  )
  return data.calendarEvents
}

const tap = (dataset) => ({ currentTarget: { dataset } })
const field = (name, value) => ({ currentTarget: { dataset: { field: name } }, detail: { value } })

let today
let tomorrow
let created

test('the calendar documents are valid against the server\'s schema', async () => {
  const schema = buildClientSchema(await api.graphql(getIntrospectionQuery()))
  const names = ['CALENDARS', 'CALENDAR_EVENTS', 'CREATE_EVENT', 'UPDATE_EVENT', 'RESPOND_TO_EVENT', 'DELETE_EVENT', 'CALENDAR_REMINDER']
  const errors = names.map((name) => [name, validate(schema, parse(Q[name])).map((e) => e.message)]).filter(([, e]) => e.length)
  expect(errors).toEqual([])
})

test('the edit page sends createEvent with zone times, a weekly rule, attendees and reminders', async () => {
  today = cal.today(SHANGHAI)
  tomorrow = cal.addDays(today, 1)
  const page = await h.openPage(simulate, 'eventedit', { day: tomorrow })
  expect(page.data.error).toBe('')
  expect(page.data.form).toMatchObject({ startDate: tomorrow, startTime: '09:00', endTime: '10:00', repeat: 'NONE' })
  const i = page.instance
  i.onField(field('summary', '项目周会'))
  i.onField(field('startTime', '10:00'))
  i.onField(field('endTime', '11:30'))
  i.onField(field('location', '3 号会议室'))
  i.onRepeat({ detail: { value: 2 } }) // 每周
  i.onField(field('attendees', JERRY))
  i.onReminderTime({ currentTarget: { dataset: { index: 0 } }, detail: { value: 4 } }) // 30 分钟前
  i.onReminderChannel(tap({ index: 0, channel: 'MAIL' }))
  sent.length = 0
  await i.onSave()
  expect(page.data.error).toBe('')
  const request = sent.find((r) => /createEvent/.test(r.query))
  expect(request.variables.input).toMatchObject({
    summary: '项目周会',
    start: `${tomorrow}T10:00:00+08:00`,
    end: `${tomorrow}T11:30:00+08:00`,
    timeZone: 'Asia/Shanghai',
    allDay: false,
    location: '3 号会议室',
    recurrence: 'FREQ=WEEKLY',
    attendees: [JERRY],
    reminders: [{ minutesBefore: 30, channels: ['PUSH', 'MAIL'] }],
  })
  expect(env.log.navigate[env.log.navigate.length - 1]).toBe('back')
  h.closePage(page)
  // What the server keeps: a weekly series from tomorrow with Jerry invited.
  const found = (await eventsOf(tokens.tom, today, cal.addDays(today, 30))).filter((e) => e.summary === '项目周会')
  expect(found.length).toBeGreaterThanOrEqual(4)
  created = found[0]
  expect(created).toMatchObject({ start: `${tomorrow}T10:00:00+08:00`, recurrence: 'FREQ=WEEKLY', location: '3 号会议室' })
  expect(created.attendees.map((a) => [a.address, a.status])).toEqual([[JERRY, 'NEEDS_ACTION']])
  expect(created.reminders).toEqual([{ minutesBefore: 30, channels: ['PUSH', 'MAIL'] }])
})

test('the agenda shows the occurrences by day in the calendar colour, and loads more days', async () => {
  const page = await h.openPage(simulate, 'calendar')
  expect(page.data.error).toBe('')
  const { calendars } = await h.graphql(server.url, Q.CALENDARS, {}, tokens.tom)
  const color = calendars.find((c) => c.default).color
  const groups = page.data.groups.filter((g) => g.items.some((item) => item.summary === '项目周会'))
  expect(groups[0]).toMatchObject({ key: tomorrow, title: expect.stringContaining('明天') })
  expect(groups.map((g) => g.key)).toEqual([0, 7, 14, 21, 28].map((n) => cal.addDays(tomorrow, n)).filter((k) => k < cal.addDays(today, 30)))
  expect(groups[0].items.find((item) => item.summary === '项目周会')).toMatchObject({ timeText: '10:00–11:30', color })
  const shown = page.querySelector(`#day-${tomorrow}`).dom.textContent
  expect(shown).toContain('项目周会')
  expect(shown).toContain('10:00–11:30')
  expect(shown).toContain('3 号会议室')
  // Scrolled to the bottom: 30 more days, the series goes on in them.
  const before = page.data.groups.length
  await page.instance.onReachBottom()
  expect(page.data.to).toBe(cal.addDays(today, 60))
  expect(page.data.groups.length).toBeGreaterThan(before)
  expect(page.data.groups[page.data.groups.length - 1].key >= cal.addDays(today, 30)).toBe(true)
  // Pull to refresh asks again and stops the spinner.
  const stopped = env.log.stoppedRefresh || 0
  await page.instance.onPullDownRefresh()
  expect(env.log.stoppedRefresh).toBe(stopped + 1)
  // Tapping an occurrence opens its event page.
  page.instance.onOpen(tap({ id: created.id, start: created.start }))
  expect(env.log.navigate[env.log.navigate.length - 1]).toBe(`/pages/event/event?id=${created.id}&start=${encodeURIComponent(created.start)}`)
  h.closePage(page)
})

test('the day view lays out one day and steps to the next by button and by swipe', async () => {
  const page = await h.openPage(simulate, 'calendar')
  await page.instance.onMode(tap({ mode: 'day' }))
  expect(page.data.day).toBe(today)
  await page.instance.onNextDay()
  expect(page.data.day).toBe(tomorrow)
  const block = page.data.layout.blocks.find((b) => b.summary === '项目周会')
  expect(block).toMatchObject({ top: 600, height: 90, left: 0, width: 100 })
  expect(page.dom.textContent).toContain('项目周会')
  // A swipe to the left shows the next day, to the right the one before.
  page.instance.onTouchStart({ touches: [{ clientX: 300 }] })
  await page.instance.onTouchEnd({ changedTouches: [{ clientX: 100 }] })
  expect(page.data.day).toBe(cal.addDays(tomorrow, 1))
  expect(page.data.layout.blocks.some((b) => b.summary === '项目周会')).toBe(false)
  page.instance.onTouchStart({ touches: [{ clientX: 100 }] })
  await page.instance.onTouchEnd({ changedTouches: [{ clientX: 300 }] })
  expect(page.data.day).toBe(tomorrow)
  h.closePage(page)
})

test('the invited colleague answers on the event page and the organizer sees it', async () => {
  api.setToken(tokens.jerry)
  try {
    const copy = (await eventsOf(tokens.jerry, tomorrow, cal.addDays(tomorrow, 1))).find((e) => e.summary === '项目周会')
    const page = await h.openPage(simulate, 'event', { id: copy.id, start: encodeURIComponent(copy.start) })
    expect(page.data.error).toBe('')
    expect(page.data.invited).toBe(true)
    expect(page.data.recurrenceText).toBe('每周')
    expect(page.data.timeLines[0]).toContain('10:00–11:30（Asia/Shanghai）')
    const text = page.dom.textContent
    expect(text).toContain(TOM) // the organizer
    expect(text).toContain('未回复')
    expect(text).toContain('提前 30 分钟（推送、邮件）')
    expect(page.querySelector('#answer')).toBeTruthy()
    await page.instance.onRespond(tap({ status: 'TENTATIVE' }))
    expect(page.data.myStatus).toBe('TENTATIVE')
    const request = sent.filter((r) => /respondToEvent/.test(r.query)).pop()
    expect(request.variables).toEqual({ id: copy.id, status: 'TENTATIVE' })
    const seen = (await eventsOf(tokens.tom, tomorrow, cal.addDays(tomorrow, 1))).find((e) => e.id === created.id)
    expect(seen.attendees.map((a) => a.status)).toEqual(['TENTATIVE'])
    await page.instance.onRespond(tap({ status: 'ACCEPTED' }))
    expect(page.dom.textContent).toContain('已接受')
    h.closePage(page)
  } finally {
    api.setToken(tokens.tom)
  }
  const seen = (await eventsOf(tokens.tom, tomorrow, cal.addDays(tomorrow, 1))).find((e) => e.id === created.id)
  expect(seen.attendees.map((a) => a.status)).toEqual(['ACCEPTED'])
})

test('the organizer sees the answers and deletes one occurrence of the series', async () => {
  const week = cal.addDays(tomorrow, 7)
  const second = (await eventsOf(tokens.tom, week, cal.addDays(week, 1))).find((e) => e.id === created.id)
  const page = await h.openPage(simulate, 'event', { id: created.id, start: encodeURIComponent(second.start) })
  expect(page.data.invited).toBe(false)
  expect(page.data.attendees.map((a) => a.statusText)).toEqual(['已接受'])
  env.log.actionSheet = 0 // 删除此次
  await page.instance.onDelete()
  expect(env.log.navigate[env.log.navigate.length - 1]).toBe('back')
  h.closePage(page)
  const left = (await eventsOf(tokens.tom, today, cal.addDays(today, 30))).filter((e) => e.id === created.id)
  expect(left.map((e) => e.start)).not.toContain(second.start)
  expect(left.map((e) => e.start)).toContain(created.start)
})

test('editing shows the event and a CalendarError comes back as text', async () => {
  const page = await h.openPage(simulate, 'eventedit', { id: created.id, start: encodeURIComponent(created.start) })
  expect(page.data.form).toMatchObject({ summary: '项目周会', startDate: tomorrow, startTime: '10:00', repeat: 'WEEKLY', attendees: JERRY })
  // A rule the server refuses (finer than hourly) is shown as the server says it, by field.
  page.instance.change({ repeat: 'CUSTOM', customRule: 'FREQ=MINUTELY' })
  await page.instance.onSave()
  expect(page.data.error).toMatch(/^重复：/)
  expect(page.querySelector('#error').dom.textContent).toBe(page.data.error)
  // Bad input never reaches the server.
  const count = sent.length
  page.instance.change({ repeat: 'NONE', summary: '  ' })
  await page.instance.onSave()
  expect(page.data.error).toBe('请填写标题')
  expect(sent.length).toBe(count)
  // A change of the title only: the series keeps its rule and attendees.
  page.instance.change({ repeat: 'WEEKLY', summary: '项目周会（改）' })
  await page.instance.onSave()
  expect(page.data.error).toBe('')
  const request = sent.filter((r) => /updateEvent/.test(r.query)).pop()
  expect(request.variables.input.attendees).toBeUndefined()
  h.closePage(page)
  const after = (await eventsOf(tokens.tom, tomorrow, cal.addDays(tomorrow, 1))).find((e) => e.id === created.id)
  expect(after).toMatchObject({ summary: '项目周会（改）', recurrence: 'FREQ=WEEKLY' })
  expect(after.attendees.map((a) => a.address)).toEqual([JERRY])
})

/** The id of the newest mail in a member's inbox whose subject contains `subject`. */
async function mailId(token, subject) {
  const doc = '{ messages(folder: "INBOX", first: 30) { edges { node { id subject } } } }'
  return h.until(async () => {
    const found = (await h.graphql(server.url, doc, {}, token)).messages.edges.find((e) =>
      subject instanceof RegExp ? subject.test(e.node.subject) : e.node.subject.includes(subject),
    )
    return found && found.node.id
  }, `a mail "${subject}"`)
}

/** A mail from outside carrying a text/calendar part with `method`. */
function itipMail({ from, to, subject, method, uid, attendee }) {
  const ics = [
    'BEGIN:VCALENDAR',
    'PRODID:-//Outside Test//EN',
    'VERSION:2.0',
    `METHOD:${method}`,
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20261207T000000Z',
    'DTSTART:20370302T020000Z',
    'DTEND:20370302T030000Z',
    'SEQUENCE:1',
    'SUMMARY:Quarterly review',
    'LOCATION:Online',
    `ORGANIZER;CN=Organizer:mailto:${method === 'REPLY' ? to : from}`,
    `ATTENDEE;CN=Partner;PARTSTAT=${attendee}:mailto:${method === 'REPLY' ? from : to}`,
    method === 'CANCEL' ? 'STATUS:CANCELLED' : 'STATUS:CONFIRMED',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n')
  const boundary = `b${Math.random().toString(16).slice(2)}`
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: <${uid}.${method}@outside.test>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    subject,
    `--${boundary}`,
    `Content-Type: text/calendar; charset=utf-8; method=${method}`,
    '',
    ics,
    `--${boundary}--`,
    '',
  ].join('\r\n')
}

test('the invitation mail shows a card whose buttons answer the meeting', async () => {
  // The first invitation, since updated (an occurrence deleted, the title changed): a note, no buttons.
  const first = await mailId(tokens.jerry, /^邀请: 项目周会$/)
  const id = await mailId(tokens.jerry, '项目周会（改）')
  api.setToken(tokens.jerry)
  try {
    const old = await h.openPage(simulate, 'message', { id: first })
    expect(old.data.invitation).toMatchObject({ method: 'REQUEST', answerable: false, note: '此邀请已更新，请以日历中的最新版本为准' })
    h.closePage(old)
    const page = await h.openPage(simulate, 'message', { id })
    expect(page.data.error).toBe('')
    const card = page.data.invitation
    expect(card).toMatchObject({ method: 'REQUEST', title: '会议邀请', answerable: true, myStatus: 'ACCEPTED' })
    expect(card.summary).toBe('项目周会（改）')
    expect(card.lines).toEqual(expect.arrayContaining([`组织者：汤姆 <${TOM}>`, '重复：每周']))
    const shown = page.querySelector('#invitation').dom.textContent
    expect(shown).toContain('会议邀请')
    expect(shown).toContain('我的答复：已接受')
    await page.instance.onInvitationRespond(tap({ status: 'DECLINED' }))
    const request = sent.filter((r) => /respondToEvent/.test(r.query)).pop()
    expect(request.variables).toEqual({ id: card.eventId, status: 'DECLINED' })
    expect(page.data.invitation.myStatus).toBe('DECLINED')
    expect(env.log.toast[env.log.toast.length - 1]).toBe('已拒绝')
    page.instance.onInvitationOpen()
    expect(env.log.navigate[env.log.navigate.length - 1]).toBe(`/pages/event/event?id=${card.eventId}&start=${encodeURIComponent(card.eventStart)}`)
    h.closePage(page)
  } finally {
    api.setToken(tokens.tom)
  }
  const seen = (await eventsOf(tokens.tom, tomorrow, cal.addDays(tomorrow, 1))).find((e) => e.id === created.id)
  expect(seen.attendees.map((a) => a.status)).toEqual(['DECLINED'])
})

test('a cancellation and an answer from outside show as 已取消 and who answered', async () => {
  const partner = 'partner@outside.test'
  await sendMail(server.smtpPort, {
    from: partner,
    to: JERRY,
    raw: itipMail({ from: partner, to: JERRY, subject: 'Cancelled: Quarterly review', method: 'CANCEL', uid: 'q-review-1', attendee: 'NEEDS-ACTION' }),
  })
  await sendMail(server.smtpPort, {
    from: partner,
    to: TOM,
    raw: itipMail({ from: partner, to: TOM, subject: 'Accepted: Quarterly review', method: 'REPLY', uid: 'q-review-2', attendee: 'ACCEPTED' }),
  })
  api.setToken(tokens.jerry)
  try {
    const page = await h.openPage(simulate, 'message', { id: await mailId(tokens.jerry, 'Cancelled: Quarterly review') })
    expect(page.data.invitation).toMatchObject({ method: 'CANCEL', cancelled: true, answerable: false, summary: 'Quarterly review' })
    const shown = page.querySelector('#invitation').dom.textContent
    expect(shown).toContain('已取消')
    expect(shown).toContain('地点：Online')
    h.closePage(page)
  } finally {
    api.setToken(tokens.tom)
  }
  const page = await h.openPage(simulate, 'message', { id: await mailId(tokens.tom, 'Accepted: Quarterly review') })
  expect(page.data.invitation).toMatchObject({ method: 'REPLY', title: '会议答复', answerable: false, replies: ['Partner 已接受'] })
  expect(page.querySelector('#invitation').dom.textContent).toContain('Partner 已接受')
  h.closePage(page)
  // Ordinary mail has no card.
  await sendMail(server.smtpPort, { from: partner, to: TOM, raw: message({ from: partner, to: TOM, subject: 'Plain hello', text: 'no meeting here' }) })
  const plain = await h.openPage(simulate, 'message', { id: await mailId(tokens.tom, 'Plain hello') })
  expect(plain.data.error).toBe('')
  expect(plain.data.invitation).toBeNull()
  h.closePage(plain)
})

test('a reminder pushed while the mini-program is open shows as a modal that opens the event', async () => {
  api.setToken(tokens.tom)
  const page = await h.openPage(simulate, 'calendar') // starts the reminder watcher
  const soon = new Date(Date.now() + 5 * 60000)
  const input = {
    summary: '马上开会',
    location: '前台',
    start: cal.iso(soon, SHANGHAI),
    end: cal.iso(new Date(soon.getTime() + 1800000), SHANGHAI),
    reminders: [{ minutesBefore: 15, channels: ['PUSH'] }], // already due: it goes at once
  }
  const made = (await h.graphql(server.url, Q.CREATE_EVENT, { input }, tokens.tom)).createEvent
  expect(made.__typename).toBe('CalendarEvent')
  env.log.modal = true
  const shown = await h.until(() => modals.find((m) => m.title === '日程提醒：马上开会'), 'the reminder modal', 30000)
  expect(shown.content).toMatch(/开始（\d+ 分钟后） · 前台$/)
  await h.until(() => env.log.navigate.some((n) => n.startsWith(`/pages/event/event?id=${made.id}&`)), 'the event page opened')
  h.closePage(page)
}, 60000)

test('a bad link says so, and deleting a single event asks first and removes it', async () => {
  api.setToken(tokens.tom)
  const bad = await h.openPage(simulate, 'event', { id: '999999', start: 'not-a-time' })
  expect(bad.data.error).toBe('日程不存在或已被删除')
  expect(bad.data.event).toBeNull()
  h.closePage(bad)
  const badEdit = await h.openPage(simulate, 'eventedit', { id: '999999' })
  expect(badEdit.data.error).toBe('日程不存在或已被删除')
  expect(badEdit.data.form).toBeNull()
  h.closePage(badEdit)
  const [single] = (await eventsOf(tokens.tom, today, cal.addDays(today, 2))).filter((e) => e.summary === '马上开会')
  const page = await h.openPage(simulate, 'event', { id: single.id, start: encodeURIComponent(single.start) })
  expect(page.data.recurring).toBe(false)
  env.log.modal = false // 取消: nothing happens
  await page.instance.onDelete()
  expect((await eventsOf(tokens.tom, today, cal.addDays(today, 2))).some((e) => e.id === single.id)).toBe(true)
  env.log.modal = true
  await page.instance.onDelete()
  expect(env.log.toast[env.log.toast.length - 1]).toBe('已删除')
  h.closePage(page)
  expect((await eventsOf(tokens.tom, today, cal.addDays(today, 2))).some((e) => e.id === single.id)).toBe(false)
})

test('the event page lists a meeting\'s attachments and opens one as a mail attachment', async () => {
  api.setToken(tokens.tom)
  const start = `${cal.addDays(today, 3)}T09:00:00+08:00`
  const made = (await api.graphql(Q.CREATE_EVENT, { input: { summary: '带附件的会', start, attendees: [JERRY] } })).createEvent
  expect(made.__typename).toBe('CalendarEvent')
  const file = require('path').join(env.tmp, 'agenda-upload.pdf')
  fs.writeFileSync(file, '%PDF-1.4 议程 agenda')
  const doc = `mutation A($id: ID!, $files: [Upload!]!) { addEventAttachments(id: $id, files: $files) {
    __typename ... on CalendarEvent { id attachments { filename } } } }`
  const added = (await api.upload(doc, { id: made.id, files: [null] }, [{ variable: 'variables.files.0', path: file, name: '议程.pdf', type: 'application/pdf' }])).addEventAttachments
  expect(added.attachments.map((a) => a.filename)).toEqual(['议程.pdf'])

  api.setToken(tokens.jerry) // the invited colleague's copy shows the file too
  try {
    const copy = (await eventsOf(tokens.jerry, cal.addDays(today, 3), cal.addDays(today, 4))).find((e) => e.summary === '带附件的会')
    const page = await h.openPage(simulate, 'event', { id: copy.id, start: encodeURIComponent(copy.start) })
    expect(page.querySelector('#attachments')).toBeTruthy()
    expect(page.dom.textContent).toContain('附件（1）')
    expect(page.dom.textContent).toContain('议程.pdf')
    await page.instance.onAttachment(tap({ index: 0 }))
    expect(fs.readFileSync(env.log.opened, 'utf8')).toBe('%PDF-1.4 议程 agenda')
    h.closePage(page)
  } finally {
    api.setToken(tokens.tom)
  }
})
