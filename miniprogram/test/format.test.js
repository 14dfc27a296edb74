/**
 * lib/format.js: dates in the members' zone as the server says it (setZone), whatever the
 * phone's zone is; the server's UTC offset where the engine has no zone data.
 */
const format = require('../lib/format')

const SENT = '2026-12-07T10:00:00Z' // 18:00 in Shanghai, 19:00 in Tokyo, 05:00 in New York

afterEach(() => format.setZone(null))

function phone(value) {
  const d = new Date(value)
  const pad = (n) => (n < 10 ? `0${n}` : String(n))
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

test('before the server has told its zone, the phone’s zone is used', () => {
  expect(format.fullDate(SENT)).toBe(phone(SENT))
  expect(format.zoneName()).toBe('')
})

test('with the server’s zone, full dates are in it', () => {
  format.setZone({ timeZone: 'Asia/Shanghai', utcOffset: 480 })
  expect(format.fullDate(SENT)).toBe('2026年12月7日 18:00')
  expect(format.zoneName()).toBe('Asia/Shanghai')
  format.setZone({ timeZone: 'America/New_York', utcOffset: -300 })
  expect(format.fullDate(SENT)).toBe('2026年12月7日 05:00')
  // Summer time comes from the zone data, not from today's offset.
  expect(format.fullDate('2026-07-07T10:00:00Z')).toBe('2026年7月7日 06:00')
  format.setZone({ timeZone: 'Asia/Shanghai', utcOffset: 480 })
  expect(format.fullDate('2026-12-06T16:00:00Z')).toBe('2026年12月7日 00:00') // midnight is 00, not 24
})

test('without zone data in the engine, the server’s offset stands in', () => {
  format.setZone({ timeZone: 'Not/AZone', utcOffset: 480 })
  expect(format.fullDate(SENT)).toBe('2026年12月7日 18:00')
  expect(format.zoneName()).toBe('UTC+08:00')
  format.setZone({ utcOffset: -330 })
  expect(format.fullDate(SENT)).toBe('2026年12月7日 04:30')
  expect(format.zoneName()).toBe('UTC-05:30')
})

test('short dates decide today and yesterday in the members’ zone', () => {
  format.setZone({ timeZone: 'Asia/Shanghai', utcOffset: 480 })
  const now = new Date('2026-12-07T15:30:00Z') // 23:30 on 7 December in Shanghai
  expect(format.shortDate('2026-12-06T17:00:00Z', now)).toBe('01:00') // 01:00 on the 7th there
  expect(format.shortDate('2026-12-06T15:00:00Z', now)).toBe('昨天') // 23:00 on the 6th there
  expect(format.shortDate('2026-03-05T04:00:00Z', now)).toBe('3月5日')
  expect(format.shortDate('2025-03-05T04:00:00Z', now)).toBe('2025/3/5')
  format.setZone({ timeZone: 'America/Los_Angeles', utcOffset: -480 })
  expect(format.shortDate('2026-12-06T17:00:00Z', now)).toBe('昨天') // 09:00 on the 6th in LA, now 07:30 on the 7th
  expect(format.shortDate('', now)).toBe('')
  expect(format.shortDate('not a date', now)).toBe('')
})
