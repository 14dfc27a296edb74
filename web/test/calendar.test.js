import { describe, expect, it } from 'vitest'
import {
  buildRrule, dragResult, emptyRecurrence, instantToZoned, layoutDay, minutesAt, nextFree, onDay, parseRrule,
  shiftAnchor, snapMinutes, startOfWeek, viewRange, weekdayOf, zonedToInstant,
} from '../src/lib/calendar.js'

const at = (text) => new Date(text) // local wall clock (no offset in the text)
const ev = (id, start, end, extra = {}) => ({ id, start: at(start).toISOString(), end: at(end).toISOString(), allDay: false, ...extra })

describe('recurrence rules', () => {
  it('builds the rule of each form', () => {
    expect(buildRrule(emptyRecurrence())).toBe('')
    expect(buildRrule({ ...emptyRecurrence(), freq: 'DAILY' })).toBe('FREQ=DAILY')
    expect(buildRrule({ ...emptyRecurrence(), freq: 'WEEKLY', interval: 2, byDay: ['FR', 'MO'], ends: 'COUNT', count: 6 })).toBe('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;COUNT=6')
    expect(buildRrule({ ...emptyRecurrence(), freq: 'MONTHLY', ends: 'UNTIL', until: '2027-06-30' })).toBe('FREQ=MONTHLY;UNTIL=20270630')
    expect(buildRrule({ ...emptyRecurrence(), freq: 'YEARLY', interval: '0', ends: 'COUNT', count: 'x' })).toBe('FREQ=YEARLY;COUNT=1')
    expect(buildRrule({ ...emptyRecurrence(), freq: 'DAILY', ends: 'UNTIL', until: '' })).toBe('FREQ=DAILY') // no date yet: no end
  })
  it('reads rules back into the form, round trip', () => {
    for (const rule of ['FREQ=DAILY', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;COUNT=10', 'FREQ=MONTHLY;UNTIL=20271231', 'FREQ=YEARLY;INTERVAL=3']) {
      expect(buildRrule(parseRrule(rule))).toBe(rule)
    }
    expect(parseRrule('RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20270101T155959Z')).toMatchObject({ freq: 'WEEKLY', byDay: ['TU'], ends: 'UNTIL', until: '2027-01-01' })
    expect(parseRrule('')).toEqual(emptyRecurrence())
  })
  it('keeps a rule the form cannot show as it is', () => {
    for (const rule of ['FREQ=MONTHLY;BYDAY=2TU', 'FREQ=MONTHLY;BYMONTHDAY=15,30', 'FREQ=HOURLY;COUNT=3']) {
      expect(parseRrule(rule)).toMatchObject({ freq: 'CUSTOM', custom: true, rule })
    }
  })
  it('names the weekday of a date', () => {
    expect(weekdayOf(at('2027-03-01T10:00'))).toBe('MO')
    expect(weekdayOf(at('2027-03-07T10:00'))).toBe('SU')
  })
})

describe('ranges of the views', () => {
  it('weeks start on Monday; the month view is whole weeks', () => {
    expect(startOfWeek(at('2027-03-07T15:00')).getTime()).toBe(at('2027-03-01T00:00').getTime())
    const week = viewRange('week', at('2027-03-03T12:00'))
    expect([week.start.getTime(), week.end.getTime()]).toEqual([at('2027-03-01T00:00').getTime(), at('2027-03-08T00:00').getTime()])
    const month = viewRange('month', at('2027-02-14T00:00')) // Feb 2027: Monday the 1st to Sunday the 28th
    expect([month.start.getTime(), month.end.getTime()]).toEqual([at('2027-02-01T00:00').getTime(), at('2027-03-01T00:00').getTime()])
    const may = viewRange('month', at('2027-05-20T00:00'))
    expect(may.start.getTime()).toBe(at('2027-04-26T00:00').getTime())
    expect((may.end - may.start) % (7 * 86_400_000)).toBeLessThan(3_600_001) // whole weeks (a DST hour aside)
  })
  it('steps by the view', () => {
    expect(shiftAnchor('day', at('2027-03-31T00:00'), 1).getDate()).toBe(1)
    expect(shiftAnchor('week', at('2027-03-01T00:00'), -1).getTime()).toBe(at('2027-02-22T00:00').getTime())
    expect(shiftAnchor('month', at('2027-01-31T00:00'), 1).getMonth()).toBe(1) // not 3 March
  })
})

describe('week layout of overlapping events', () => {
  const day = at('2027-03-01T00:00')
  it('side by side where they overlap, full width where alone', () => {
    const boxes = layoutDay([ev('a', '2027-03-01T09:00', '2027-03-01T10:00'), ev('b', '2027-03-01T09:30', '2027-03-01T11:00'), ev('c', '2027-03-01T10:00', '2027-03-01T10:30'), ev('d', '2027-03-01T14:00', '2027-03-01T15:00')], day)
    const by = Object.fromEntries(boxes.map((b) => [b.event.id, b]))
    expect([by.a.column, by.b.column, by.c.column]).toEqual([0, 1, 0]) // c reuses a's column once a ends
    expect([by.a.columns, by.b.columns, by.c.columns]).toEqual([2, 2, 2])
    expect([by.d.column, by.d.columns]).toEqual([0, 1])
    expect(by.a.top).toBeCloseTo(9 / 24)
    expect(by.b.height).toBeCloseTo(1.5 / 24)
  })
  it('three at once take three columns; an event over midnight is cut to the day', () => {
    const boxes = layoutDay([ev('x', '2027-03-01T08:00', '2027-03-01T12:00'), ev('y', '2027-03-01T09:00', '2027-03-01T10:00'), ev('z', '2027-03-01T09:15', '2027-03-01T09:45'), ev('n', '2027-02-28T23:00', '2027-03-01T01:00')], day)
    const by = Object.fromEntries(boxes.map((b) => [b.event.id, b]))
    expect(new Set([by.x.column, by.y.column, by.z.column])).toEqual(new Set([0, 1, 2]))
    expect(by.z.columns).toBe(3)
    expect(by.n.top).toBe(0)
    expect(by.n.height).toBeCloseTo(1 / 24)
  })
  it('all-day events are on their dates, the end excluded', () => {
    const a = { allDay: true, start: '2027-03-01T00:00:00+08:00', end: '2027-03-03T00:00:00+08:00' }
    expect([onDay(a, at('2027-02-28T12:00')), onDay(a, at('2027-03-01T12:00')), onDay(a, at('2027-03-02T12:00')), onDay(a, at('2027-03-03T12:00'))]).toEqual([false, true, true, false])
  })
})

describe('dragging snaps to 15 minutes', () => {
  it('snaps minutes and positions', () => {
    expect([snapMinutes(7), snapMinutes(8), snapMinutes(-22), snapMinutes(52)]).toEqual([0, 15, -15, 45])
    expect(minutesAt(100, 1152)).toBe(120) // 48 px an hour: 100 px ≈ 2:05 → 2:00
    expect([minutesAt(-5, 1152), minutesAt(5000, 1152)]).toEqual([0, 1440])
  })
  it('a move keeps the length, a resize moves only the end', () => {
    const s = at('2027-03-01T09:00')
    const e = at('2027-03-01T10:00')
    const moved = dragResult('move', s, e, 50, 2)
    expect([moved.start.getTime(), moved.end.getTime()]).toEqual([at('2027-03-03T09:45').getTime(), at('2027-03-03T10:45').getTime()])
    const longer = dragResult('resize', s, e, 37)
    expect([longer.start.getTime(), longer.end.getTime()]).toEqual([s.getTime(), at('2027-03-01T10:30').getTime()])
    const shortest = dragResult('resize', s, e, -200)
    expect(shortest.end.getTime()).toBe(at('2027-03-01T09:15').getTime())
  })
})

describe('time zones and free time', () => {
  it('reads a wall clock in a named zone, across daylight saving', () => {
    expect(zonedToInstant('2027-03-01T09:00', 'Asia/Shanghai').toISOString()).toBe('2027-03-01T01:00:00.000Z')
    expect(zonedToInstant('2027-07-01T09:00', 'Europe/Berlin').toISOString()).toBe('2027-07-01T07:00:00.000Z')
    expect(zonedToInstant('2027-01-15T09:00', 'Europe/Berlin').toISOString()).toBe('2027-01-15T08:00:00.000Z')
    expect(instantToZoned(new Date('2027-03-28T12:30:00Z'), 'America/Los_Angeles')).toBe('2027-03-28T05:30')
    expect(zonedToInstant('nonsense', 'UTC')).toBe(null)
  })
  it('finds the first slot everyone has free', () => {
    const busy = [{ start: '2027-03-01T01:00:00Z', end: '2027-03-01T02:00:00Z' }, { start: '2027-03-01T02:10:00Z', end: '2027-03-01T03:00:00Z' }]
    const found = nextFree(busy, new Date('2027-03-01T01:00:00Z'), 30, new Date('2027-03-02T00:00:00Z'))
    expect(found.toISOString()).toBe('2027-03-01T03:00:00.000Z') // 02:00-02:10 is too short
    expect(nextFree(busy, new Date('2027-03-01T00:00:00Z'), 60, new Date('2027-03-01T03:00:00Z')).toISOString()).toBe('2027-03-01T00:00:00.000Z') // fits exactly
    expect(nextFree(busy, new Date('2027-03-01T00:00:00Z'), 90, new Date('2027-03-01T03:00:00Z'))).toBe(null)
  })
})


describe('calendar errors in words', () => {
  it('a refused recurrence lands on its field in the UI language', async () => {
    const { mapError } = await import('../src/lib/errors.js')
    const { i18n } = await import('../src/i18n/index.js')
    const r = { __typename: 'CalendarError', code: 'INVALID', field: 'recurrence', message: 'the recurrence rule gives no further date' }
    expect(mapError(r, ['summary', 'recurrence']).fieldErrors.recurrence).toMatch(/重复规则无效/)
    i18n.global.locale.value = 'en'
    try {
      expect(mapError(r, ['summary', 'recurrence']).fieldErrors.recurrence).toMatch(/repeat rule is not valid/)
      expect(mapError({ ...r, field: null, code: 'FORBIDDEN' }, ['summary']).formError).toBe('You may not change this calendar')
    } finally {
      i18n.global.locale.value = 'zh-CN'
    }
  })
})
