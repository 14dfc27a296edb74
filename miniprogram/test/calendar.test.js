/**
 * The calendar logic of lib/calendar.js, lib/calendartext.js and lib/calendarform.js: days in
 * the members' zone, the agenda grouped by day, one day's timeline with overlapping events
 * side by side, recurrence and reminders in words, and the EventInput the edit form makes
 * (times with the zone's offset, the RRULE, attendees, reminders), bad input refused in words.
 */
const cal = require('../lib/calendar')
const text = require('../lib/calendartext')
const form = require('../lib/calendarform')

const SHANGHAI = { timeZone: 'Asia/Shanghai', utcOffset: 480 }
const BERLIN = { timeZone: 'Europe/Berlin', utcOffset: 60 }
const CALENDARS = [
  { id: '1', color: '#ff0000' },
  { id: '2', color: '#00ff00' },
]

function ev(id, start, end, extra = {}) {
  return Object.assign({ id, calendarId: '1', summary: `E${id}`, location: '', start, end, allDay: false, busyOnly: false, recurrenceId: null }, extra)
}

test('wall clocks, instants and offsets follow the zone, summer time included', () => {
  const at = new Date('2027-03-28T08:30:00Z')
  expect(cal.clock(at, SHANGHAI)).toMatchObject({ year: 2027, month: 3, day: 28, hour: 16, minute: 30, weekday: 0 })
  expect(cal.iso(at, BERLIN)).toBe('2027-03-28T10:30:00+02:00') // summer time from that morning
  expect(cal.iso(new Date('2027-03-27T08:30:00Z'), BERLIN)).toBe('2027-03-27T09:30:00+01:00')
  expect(cal.instant({ year: 2027, month: 3, day: 1, hour: 10, minute: 0 }, SHANGHAI).toISOString()).toBe('2027-03-01T02:00:00.000Z')
  expect(cal.instant({ year: 2027, month: 7, day: 1, hour: 9, minute: 0 }, BERLIN).toISOString()).toBe('2027-07-01T07:00:00.000Z')
  // Without zone data the offset stands in.
  expect(cal.clock(at, { timeZone: 'No/Such_Zone', utcOffset: 480 }).hour).toBe(16)
  expect(cal.addDays('2026-12-31', 1)).toBe('2027-01-01')
  expect(cal.addDays('2027-03-01', -1)).toBe('2027-02-28')
  expect(cal.parseDay('2027-02-30')).toBeNull()
  expect(cal.dayTitle('2026-12-08', '2026-12-07')).toBe('明天 · 12月8日 周二')
})

test('the agenda groups occurrences by the members\' day, all-day first, long events on each day', () => {
  const events = [
    ev('a', '2026-12-08T10:00:00+08:00', '2026-12-08T11:00:00+08:00'),
    // 23:30 UTC on the 7th is the 8th in Shanghai
    ev('b', '2026-12-07T23:30:00Z', '2026-12-08T00:15:00Z', { calendarId: '2' }),
    ev('c', '2026-12-08T00:00:00+08:00', '2026-12-09T00:00:00+08:00', { allDay: true }),
    ev('d', '2026-12-09T22:00:00+08:00', '2026-12-10T02:00:00+08:00'),
    ev('e', '2026-12-20T09:00:00+08:00', '2026-12-20T10:00:00+08:00'), // outside [from, to)
  ]
  const groups = cal.agenda(events, { from: '2026-12-07', to: '2026-12-11', zone: SHANGHAI, calendars: CALENDARS, todayKey: '2026-12-08' })
  expect(groups.map((g) => g.key)).toEqual(['2026-12-08', '2026-12-09', '2026-12-10'])
  expect(groups[0].title).toBe('今天 · 12月8日 周二')
  expect(groups[0].items.map((i) => [i.id, i.timeText])).toEqual([
    ['c', '全天'],
    ['b', '07:30–08:15'],
    ['a', '10:00–11:00'],
  ])
  expect(groups[0].items[1].color).toBe('#00ff00')
  expect(groups[1].items.map((i) => [i.id, i.timeText])).toEqual([['d', '22:00 开始']])
  expect(groups[2].items.map((i) => [i.id, i.timeText])).toEqual([['d', '至 02:00']])
  // The same events in Berlin: b is on the 8th 00:30, a is on the 8th 03:00.
  const berlin = cal.agenda(events.slice(0, 2), { from: '2026-12-07', to: '2026-12-11', zone: BERLIN, calendars: CALENDARS })
  expect(berlin.map((g) => [g.key, g.items.map((i) => i.timeText)])).toEqual([['2026-12-08', ['00:30–01:15', '03:00–04:00']]])
})

test('the day timeline places events by minute and puts overlapping ones side by side', () => {
  const events = [
    ev('a', '2026-12-08T09:00:00+08:00', '2026-12-08T10:30:00+08:00'),
    ev('b', '2026-12-08T10:00:00+08:00', '2026-12-08T11:00:00+08:00'),
    ev('c', '2026-12-08T10:45:00+08:00', '2026-12-08T11:30:00+08:00'),
    ev('d', '2026-12-08T14:00:00+08:00', '2026-12-08T14:05:00+08:00'),
    ev('e', '2026-12-07T22:00:00+08:00', '2026-12-08T01:00:00+08:00'),
    ev('f', '2026-12-08T00:00:00+08:00', '2026-12-09T00:00:00+08:00', { allDay: true }),
    ev('g', '2026-12-09T09:00:00+08:00', '2026-12-09T10:00:00+08:00'),
  ]
  const day = cal.dayLayout(events, '2026-12-08', SHANGHAI, CALENDARS)
  expect(day.allDay.map((i) => i.id)).toEqual(['f'])
  const blocks = Object.fromEntries(day.blocks.map((b) => [b.id, b]))
  expect(Object.keys(blocks).sort()).toEqual(['a', 'b', 'c', 'd', 'e'])
  expect(blocks.e).toMatchObject({ top: 0, height: 60, left: 0, width: 100 }) // cut at midnight
  expect(blocks.a).toMatchObject({ top: 540, height: 90, left: 0, width: 50 })
  expect(blocks.b).toMatchObject({ top: 600, height: 60, left: 50, width: 50 })
  expect(blocks.c).toMatchObject({ top: 645, left: 0, width: 50 }) // a's column is free again
  expect(blocks.d).toMatchObject({ top: 840, height: 20, left: 0, width: 100 }) // at least 20 minutes tall
  expect(day.minutes).toBe(1440)
  // A day of 23 hours (Berlin, summer time starts)
  expect(cal.dayLayout([], '2027-03-28', BERLIN, []).minutes).toBe(1380)
})

test('recurrence rules, reminders and answers in words', () => {
  expect(text.recurrenceText('')).toBe('')
  expect(text.recurrenceText('FREQ=DAILY')).toBe('每天')
  expect(text.recurrenceText('FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10')).toBe('每周（周一、周三），共 10 次')
  expect(text.recurrenceText('FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR;UNTIL=20271231T155959Z')).toBe('每 2 个月（最后一个周五），至 2027年12月31日')
  expect(text.recurrenceText('FREQ=SECONDLY')).toBe('自定义重复（FREQ=SECONDLY）')
  expect(text.reminderText({ minutesBefore: 15, channels: ['PUSH', 'MAIL'] })).toBe('提前 15 分钟（推送、邮件）')
  expect(text.reminderText({ minutesBefore: 1440, channels: ['MAIL'] })).toBe('提前 1 天（邮件）')
  expect(text.reminderText({ minutesBefore: 0, channels: ['PUSH'] })).toBe('开始时（推送）')
  expect(text.statusText('TENTATIVE')).toBe('暂定')
  const event = ev('a', '2027-03-01T09:00:00+01:00', '2027-03-01T10:00:00+01:00', { timeZone: 'Europe/Berlin' })
  expect(text.timeLines(event, SHANGHAI)).toEqual([
    '2027年3月1日 周一 09:00–10:00（Europe/Berlin）',
    '2027年3月1日 周一 16:00–17:00（Asia/Shanghai）',
  ])
  const allDay = ev('b', '2027-05-20T00:00:00+08:00', '2027-05-22T00:00:00+08:00', { allDay: true, timeZone: 'Asia/Shanghai' })
  expect(text.timeLines(allDay, BERLIN)).toEqual(['2027年5月20日 周四 – 2027年5月21日 周五 全天（Asia/Shanghai）'])
})

test('the form makes the createEvent input: times with the zone offset, RRULE, attendees, reminders', () => {
  const f = form.blank(SHANGHAI, '7', new Date('2026-12-07T08:20:00Z'))
  expect(f).toMatchObject({ startDate: '2026-12-07', startTime: '17:00', endDate: '2026-12-07', endTime: '18:00', calendarId: '7' })
  Object.assign(f, {
    summary: '  周会 ',
    repeat: 'WEEKLY',
    attendees: 'Jerry@mp.test，boss@mp.test jerry@mp.test',
    reminders: [{ minutesBefore: 10, channels: ['PUSH', 'MAIL'] }],
  })
  expect(form.toInput(f, SHANGHAI)).toEqual({
    summary: '周会',
    allDay: false,
    location: '',
    description: '',
    reminders: [{ minutesBefore: 10, channels: ['PUSH', 'MAIL'] }],
    timeZone: 'Asia/Shanghai',
    calendarId: '7',
    start: '2026-12-07T17:00:00+08:00',
    end: '2026-12-07T18:00:00+08:00',
    recurrence: 'FREQ=WEEKLY',
    attendees: ['jerry@mp.test', 'boss@mp.test'],
  })
  // All day: whole dates, the end exclusive; one occurrence: no rule.
  const day = Object.assign(form.blank(SHANGHAI, '', new Date(), '2027-01-31'), { summary: 'x', allDay: true, endDate: '2027-02-01' })
  const input = form.toInput(day, SHANGHAI, { occurrence: true })
  expect([input.start, input.end, 'recurrence' in input]).toEqual(['2027-01-31T00:00:00+08:00', '2027-02-02T00:00:00+08:00', false])
  // A 23:00 start at the day's last hour ends the next day.
  expect(form.blank(SHANGHAI, '', new Date('2026-12-07T14:10:00Z'))).toMatchObject({ startTime: '23:00', endDate: '2026-12-08', endTime: '00:00' })
})

test('editing keeps what it cannot show and sends attendees only when changed', () => {
  const event = ev('a', '2027-03-01T09:00:00+01:00', '2027-03-01T10:00:00+01:00', {
    timeZone: 'Europe/Berlin',
    summary: 'Sync',
    description: 'd',
    location: 'Room 1',
    recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
    attendees: [{ name: '', address: 'ann@mp.test', status: 'ACCEPTED' }],
    reminders: [{ minutesBefore: 30, channels: ['MAIL'] }],
  })
  const f = form.fromEvent(event, SHANGHAI)
  expect(f).toMatchObject({ startDate: '2027-03-01', startTime: '09:00', endTime: '10:00', repeat: 'CUSTOM', attendees: 'ann@mp.test' })
  const input = form.toInput(f, { timeZone: 'Europe/Berlin' }, { editing: true })
  expect(input).toMatchObject({ start: '2027-03-01T09:00:00+01:00', recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10', reminders: [{ minutesBefore: 30, channels: ['MAIL'] }] })
  expect('attendees' in input).toBe(false)
  f.attendees = ''
  expect(form.toInput(f, { timeZone: 'Europe/Berlin' }, { editing: true }).attendees).toEqual([])
  expect(form.repeatOf('FREQ=MONTHLY')).toBe('MONTHLY')
})

test('bad input is refused with a reason naming the field', () => {
  const f = form.blank(SHANGHAI, '', new Date('2026-12-07T08:20:00Z'))
  const refused = (changes) => {
    try {
      form.toInput(Object.assign({}, f, { summary: 'x' }, changes), SHANGHAI)
    } catch (e) {
      return [e.field, e.message]
    }
    return null
  }
  expect(refused({ summary: '   ' })).toEqual(['summary', '请填写标题'])
  expect(refused({ endTime: '16:00' })).toEqual(['end', '结束时间须晚于开始时间'])
  expect(refused({ startDate: '2026-02-30' })).toEqual(['start', '请选择日期'])
  expect(refused({ startTime: '25:00' })).toEqual(['start', '请选择时间'])
  expect(refused({ attendees: 'ann@mp.test, not-an-address' })).toEqual(['attendees', '邮箱地址不正确：not-an-address'])
  expect(refused({ reminders: [{ minutesBefore: 50000, channels: ['PUSH'] }] })[0]).toBe('reminders')
  expect(refused({ reminders: [{ minutesBefore: 5, channels: [] }] })[0]).toBe('reminders')
  expect(refused({ allDay: true, endDate: '2026-12-06' })).toEqual(['end', '结束日期不能早于开始日期'])
  expect(refused({})).toBeNull()
  expect(form.serverError({ field: 'recurrence', message: 'bad rule' })).toBe('重复：bad rule')
})
