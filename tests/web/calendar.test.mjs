// The calendar in real headless Chromium against a real `qiyou serve`: an event made by clicking
// a slot of the week view and saving, dragged to another day and time, a recurrence made in the
// editor and one occurrence of it deleted, and a colleague's meeting invitation answered from
// the card in the mail reader, the scheduling assistant's next free time, sharing, a company
// calendar shown, and a reminder as a notification — each checked through GraphQL as the server
// stores it.
// Run: QIYOU_WEB_DIST=/tmp/dist-calendar node --test --test-concurrency=1 tests/web/calendar.test.mjs
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'
import { until } from './lib/wait.mjs'

const server = new Server()
const tag = Date.now().toString(36)
// A fixed week in the future (Monday 1 March 2027), so nothing depends on today.
const WEEK = '2027-03-01'
const RANGE = { s: '2027-02-20T00:00:00Z', e: '2027-03-20T00:00:00Z' }
const EVENTS = `query($s:DateTime!,$e:DateTime!){ calendarEvents(start:$s, end:$e){ id summary start end recurrenceId recurrence
  attendees { address status } } }`
let browser
let bob // the member whose browser this is
let tokens = {}
const pages = []

async function events(who, summary) {
  const d = await server.graphql(EVENTS, RANGE, tokens[who])
  return d.calendarEvents.filter((e) => e.summary === summary)
}

/** The instant of a wall-clock time in the browser's zone (where the grid draws it). */
function local(page, text) {
  return page.evaluate((t) => new Date(t).toISOString(), text)
}

const same = (a, b) => new Date(a).getTime() === new Date(b).getTime()

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  for (const [email, name] of [['alice@example.com', 'Alice 王'], ['bob@example.com', 'Bob'], ['boss@example.com', 'Boss']]) {
    server.cli('user', 'add', email, '--password', PASSWORD, '--name', name)
    tokens[email.split('@')[0]] = await server.token(email)
  }
  server.cli('admin', 'grant', 'boss@example.com', '--super')
  tokens.boss = await server.token('boss@example.com') // after the grant: the token carries the scope
  browser = await launch()
  bob = await openPage(browser, server.url)
  pages.push(bob)
  await signIn(bob.page, 'bob@example.com', PASSWORD)
})

after(async () => {
  for (const p of pages) await p.context.close().catch(() => {})
  await browser?.close()
  await server.stop()
})

describe('calendar', () => {
  const planning = `planning ${tag}`

  test('clicking an empty slot of the week opens the editor there; saved, the event is in the week and on the server', async () => {
    const { page } = bob
    await page.locator('[data-test=nav-calendar]').click()
    await page.waitForURL(/\/calendar/)
    await page.goto(`/calendar?view=week&date=${WEEK}`)
    const tuesday = page.locator('[data-test=day-2027-03-02]')
    await tuesday.waitFor()
    // 48 px an hour: a click a little below 10:00 is the half hour from 10:00.
    await tuesday.click({ position: { x: 30, y: 10 * 48 + 6 } })
    const form = page.locator('[data-test=event-form]')
    await form.waitFor()
    assert.equal(await page.locator('[data-test=event-start]').inputValue(), '2027-03-02T10:00')
    assert.equal(await page.locator('[data-test=event-end]').inputValue(), '2027-03-02T11:00')
    await page.locator('[data-test=event-summary] input').fill(planning)
    await page.locator('[data-test=event-location] input').fill('Room 5')
    await page.locator('[data-test=event-save]').click()
    await form.waitFor({ state: 'detached' })

    const box = page.locator(`[data-test=day-2027-03-02] [data-test=event][data-summary="${planning}"]`)
    await box.waitFor()
    assert.match(await box.innerText(), /10:00–11:00/)
    const [stored] = await until(async () => (await events('bob', planning)).length && events('bob', planning), 'the event on the server')
    assert.ok(same(stored.start, await local(page, '2027-03-02T10:00')), `start ${stored.start}`)
    assert.ok(same(stored.end, await local(page, '2027-03-02T11:00')), `end ${stored.end}`)
    assert.equal(bob.watch.consoleErrors.length, 0, bob.watch.consoleErrors.join('\n'))
    await shot(page, 'calendar-week')
  })

  test('dragging the event to the next day two hours later moves it (snapped to 15 minutes); its lower edge resizes it', async () => {
    const { page } = bob
    const box = page.locator(`[data-test=event][data-summary="${planning}"]`)
    const from = await box.boundingBox()
    const wednesday = await page.locator('[data-test=day-2027-03-03]').boundingBox()
    const x = from.x + from.width / 2
    const y = from.y + 12
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.mouse.move(x + 20, y + 30, { steps: 3 })
    // One column right and 2 h 05 min down: snapped to 2 h.
    await page.mouse.move(wednesday.x + wednesday.width / 2, y + 2 * 48 + 4, { steps: 6 })
    await page.mouse.up()
    const wanted = await local(page, '2027-03-03T12:00')
    await until(async () => {
      const [e] = await events('bob', planning)
      return e && same(e.start, wanted)
    }, 'the moved start on the server')
    const [moved] = await events('bob', planning)
    assert.ok(same(moved.end, await local(page, '2027-03-03T13:00')), `end ${moved.end}`)
    const onWednesday = page.locator(`[data-test=day-2027-03-03] [data-test=event][data-summary="${planning}"]`)
    await onWednesday.waitFor()
    assert.equal(await page.locator(`[data-test=day-2027-03-02] [data-test=event][data-summary="${planning}"]`).count(), 0)

    // The lower edge 30 minutes down: the event ends at 13:30.
    const edge = await onWednesday.locator('[data-test=event-resize]').boundingBox()
    await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2)
    await page.mouse.down()
    await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2 + 10, { steps: 2 })
    await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2 + 24, { steps: 3 })
    await page.mouse.up()
    const longer = await local(page, '2027-03-03T13:30')
    await until(async () => {
      const [e] = await events('bob', planning)
      return e && same(e.end, longer) && same(e.start, wanted)
    }, 'the longer event on the server')
  })

  test('a recurrence made in the editor expands to its occurrences; one is deleted alone', async () => {
    const { page } = bob
    const standup = `standup ${tag}`
    await page.locator('[data-test=day-2027-03-01]').click({ position: { x: 30, y: 8 * 48 + 6 } })
    await page.locator('[data-test=event-form]').waitFor()
    await page.locator('[data-test=event-summary] input').fill(standup)
    await page.locator('[data-test=recurrence-freq]').selectOption('DAILY')
    await page.locator('[data-test=recurrence-ends]').selectOption('COUNT')
    await page.locator('[data-test=recurrence-count]').fill('4')
    await page.locator('[data-test=event-save]').click()
    await page.locator('[data-test=event-form]').waitFor({ state: 'detached' })

    const found = await until(async () => {
      const list = await events('bob', standup)
      return list.length === 4 && list
    }, 'four occurrences on the server')
    assert.deepEqual(found.map((e) => e.recurrence), Array(4).fill('FREQ=DAILY;COUNT=4'))
    for (const [i, day] of ['01', '02', '03', '04'].entries()) {
      assert.ok(same(found[i].start, await local(page, `2027-03-${day}T08:00`)), `occurrence ${i}: ${found[i].start}`)
    }
    await until(async () => (await page.locator(`[data-test=event][data-summary="${standup}"]`).count()) === 4, 'four boxes in the week')

    // The third occurrence: "this occurrence" (the default) is deleted, the others stay.
    await page.locator(`[data-test=day-2027-03-03] [data-test=event][data-summary="${standup}"]`).click()
    await page.locator('[data-test=event-scope]').waitFor()
    await page.locator('[data-test=event-delete]').click()
    await page.locator('[data-test=event-form]').waitFor({ state: 'detached' })
    const left = await until(async () => {
      const list = await events('bob', standup)
      return list.length === 3 && list
    }, 'three occurrences left')
    assert.deepEqual(left.map((e) => e.start.slice(0, 10)).length, 3)
    assert.ok(!left.some((e) => same(e.recurrenceId, found[2].recurrenceId)))
    await until(async () => (await page.locator(`[data-test=event][data-summary="${standup}"]`).count()) === 3, 'three boxes in the week')

    // The Tuesday occurrence moved to 09:00 for the whole series: every occurrence starts at 09:00.
    await page.locator(`[data-test=day-2027-03-02] [data-test=event][data-summary="${standup}"]`).click()
    await page.locator('[data-test=scope-series]').click()
    await page.locator('[data-test=event-start]').fill('2027-03-02T09:00')
    await page.locator('[data-test=event-start]').dispatchEvent('change')
    assert.equal(await page.locator('[data-test=event-end]').inputValue(), '2027-03-02T10:00')
    await page.locator('[data-test=event-save]').click()
    await page.locator('[data-test=event-form]').waitFor({ state: 'detached' })
    const nine = await Promise.all(['01', '02', '04'].map((day) => local(page, `2027-03-${day}T09:00`)))
    await until(async () => {
      const list = await events('bob', standup)
      return nine.every((t) => list.some((e) => same(e.start, t))) && list.every((e) => new Date(e.start).getMinutes() === 0 && list.length >= 3) && list.every((e) => !same(e.start, found[0].start))
    }, 'the series at 09:00')
    const moved = await events('bob', standup)
    assert.ok(same(moved[0].start, nine[0]), `the series still starts on 1 March: ${moved[0].start}`)
    // The occurrence deleted before stays deleted: its excluded date moved with the series.
    assert.equal(moved.length, 3, moved.map((e) => e.start).join(' '))
    assert.ok(!moved.some((e) => e.start.slice(0, 10) === '2027-03-03'))
    await until(async () => (await page.locator(`[data-test=event][data-summary="${standup}"]`).count()) === moved.length, 'the week redrawn')

    // The month and the agenda show the same.
    await page.locator('[data-test=view-month]').click()
    await until(async () => (await page.locator(`[data-test=month-grid] [data-test=event][data-summary="${standup}"]`).count()) === moved.length, 'the same in the month')
    await shot(page, 'calendar-month')
    await page.locator('[data-test=view-agenda]').click()
    await until(async () => (await page.locator(`[data-test=agenda] [data-test=event][data-summary="${standup}"]`).count()) === moved.length, 'the same in the agenda')
    await page.locator('[data-test=view-week]').click()
    await page.locator('[data-test=time-grid]').waitFor()
  })

  test("a colleague's invitation is answered from the card in the reader", async () => {
    const { page } = bob
    const review = `review ${tag}`
    const made = await server.graphql(
      'mutation($i:EventInput!){ createEvent(input:$i){ __typename ... on CalendarEvent { id } ... on CalendarError { code field message } } }',
      { i: { summary: review, start: '2027-03-04T06:00:00Z', end: '2027-03-04T07:00:00Z', location: 'Room 9', attendees: ['bob@example.com'] } },
      tokens.alice,
    )
    assert.equal(made.createEvent.__typename, 'CalendarEvent', JSON.stringify(made))
    const mail = await until(async () => {
      const d = await server.graphql('{ messages(folder:"INBOX", first:20){ edges { node { id subject } } } }', {}, tokens.bob)
      return d.messages.edges.map((e) => e.node).find((m) => m.subject.includes(review))
    }, 'the invitation mail')

    await page.goto(`/mail/INBOX/${mail.id}`)
    const card = page.locator('[data-test=invitation]')
    await card.waitFor()
    assert.equal(await card.getAttribute('data-method'), 'REQUEST')
    assert.equal(await card.locator('[data-test=invitation-summary]').innerText(), review)
    assert.match(await card.innerText(), /Room 9/)
    assert.match(await card.innerText(), /Alice/)
    assert.equal(await card.locator('[data-test=invitation-ACCEPTED]').getAttribute('data-current'), 'false')
    await card.locator('[data-test=invitation-ACCEPTED]').click()
    await until(async () => (await card.locator('[data-test=invitation-ACCEPTED]').getAttribute('data-current')) === 'true', 'the answer highlighted')
    await shot(page, 'calendar-invitation')

    // The organizer's event holds the answer at once; so does Bob's copy.
    for (const who of ['alice', 'bob']) {
      const [event] = await until(async () => {
        const list = await events(who, review)
        return list.length && list[0].attendees.find((a) => a.address === 'bob@example.com')?.status === 'ACCEPTED' && list
      }, `${who}: bob accepted`)
      assert.ok(event)
    }
    // Opened again, the card shows the stored answer.
    await page.reload()
    await card.locator('[data-test=invitation-ACCEPTED][data-current=true]').waitFor()

    // In Bob's calendar the meeting shows with his answer; "decline" there reaches Alice too.
    await page.goto(`/calendar?view=week&date=${WEEK}`)
    await page.locator(`[data-test=event][data-summary="${review}"]`).click()
    await page.locator('[data-test=event-respond]').waitFor()
    await page.locator('[data-test=respond-DECLINED]').click()
    await until(async () => {
      const [e] = await events('alice', review)
      return e?.attendees.find((a) => a.address === 'bob@example.com')?.status === 'DECLINED'
    }, 'alice sees bob declined')
    assert.equal(bob.watch.consoleErrors.length, 0, bob.watch.consoleErrors.join('\n'))
  })

  test('the scheduling assistant shows when an attendee is busy and finds the next free time', async () => {
    const { page } = bob
    const sync = `sync ${tag}`
    // An hour before Alice's review (06:00-07:00 UTC on 4 March, declined by Bob).
    const hour = await page.evaluate(() => new Date('2027-03-04T05:00:00Z').getHours())
    await page.goto(`/calendar?view=week&date=${WEEK}`)
    await page.locator('[data-test=day-2027-03-04]').click({ position: { x: 30, y: hour * 48 + 6 } })
    await page.locator('[data-test=event-summary] input').fill(sync)
    await page.locator('[data-test=attendees-input]').fill('alice@example.com,')
    const row = page.locator('[data-test=freebusy-row][data-address="alice@example.com"]')
    await row.locator('[data-test=busy]').first().waitFor()
    await page.locator('[data-test=next-free]').click()
    const startValue = await until(async () => {
      const v = await page.locator('[data-test=event-start]').inputValue()
      return v !== `2027-03-04T${String(hour).padStart(2, '0')}:00` && v
    }, 'a new start')
    const wanted = await page.evaluate(() => new Date('2027-03-04T07:00:00Z').toISOString())
    assert.ok(same(await local(page, startValue), wanted), `next free: ${startValue}`)
    await shot(page, 'calendar-editor')
    await page.locator('[data-test=event-save]').click()
    await page.locator('[data-test=event-form]').waitFor({ state: 'detached' })
    const [copy] = await until(async () => {
      const list = await events('alice', sync)
      return list.length && list
    }, "the meeting in Alice's calendar")
    assert.ok(same(copy.start, wanted), `alice's copy starts ${copy.start}`)
    assert.equal(copy.attendees.find((a) => a.address === 'alice@example.com')?.status, 'NEEDS_ACTION')
    assert.equal(bob.watch.consoleErrors.length, 0, bob.watch.consoleErrors.join('\n'))
  })

  test('a calendar Bob owns is shared with Alice from its menu; it is in her list at once', async () => {
    const { page } = bob
    await page.goto(`/calendar?view=week&date=${WEEK}`)
    const mine = await server.graphql('{ calendars { id name default } }', {}, tokens.bob)
    const own = mine.calendars.find((c) => c.default)
    await page.locator(`[data-test=calendar-menu-${own.id}]`).click()
    await page.locator('.t-dropdown__item', { hasText: '共享' }).click()
    await page.locator('[data-test=share-dialog]').waitFor()
    await page.locator('[data-test=share-members-input]').fill('alice@example.com,')
    await page.locator('[data-test=share-add]').click()
    await page.locator('[data-test=share-row][data-who="alice@example.com"]').waitFor()
    const shares = await server.graphql('query($id:ID!){ calendarShares(id:$id){ ... on CalendarShares { shares { access member { address } } } } }', { id: own.id }, tokens.bob)
    assert.deepEqual(shares.calendarShares.shares, [{ access: 'READ', member: { address: 'alice@example.com' } }])
    const hers = await server.graphql('{ calendars { id role } }', {}, tokens.alice)
    assert.deepEqual(hers.calendars.filter((c) => c.id === own.id), [{ id: own.id, role: 'READ' }])
    // Taken back from the dialog: gone from her list.
    await page.locator('[data-test=unshare]').click()
    await until(async () => !(await server.graphql('{ calendars { id } }', {}, tokens.alice)).calendars.some((c) => c.id === own.id), 'the share taken back')
  })

  test("a company calendar is offered in the sidebar and shown with one click", async () => {
    const { page } = bob
    const holidays = `holidays ${tag}`
    const made = await server.graphql(
      'mutation($i:CalendarInput!){ createCalendar(input:$i){ __typename ... on Calendar { id } ... on CalendarError { code field message } } }',
      { i: { name: holidays, company: true, color: '#2ba471' } },
      tokens.boss,
    )
    assert.equal(made.createCalendar.__typename, 'Calendar', JSON.stringify(made))
    const id = made.createCalendar.id
    await page.goto(`/calendar?view=week&date=${WEEK}`)
    await page.locator(`[data-test=available-calendar][data-name="${holidays}"]`).waitFor()
    await page.locator(`[data-test=subscribe-${id}]`).click()
    await page.locator(`[data-test=calendar-item][data-name="${holidays}"]`).waitFor()
    const mine = await server.graphql('{ calendars { id subscribed role company } }', {}, tokens.bob)
    assert.deepEqual(mine.calendars.filter((c) => c.id === id), [{ id, subscribed: true, role: 'READ', company: true }])
  })

  test('a reminder that falls due shows as a notification in the open app', async () => {
    const { page } = bob
    const call = `call ${tag}`
    await page.goto('/mail/INBOX')
    await page.locator('[data-test=message-list]').waitFor()
    // Starting in 3 minutes with a 15-minute reminder: the reminder is due at once.
    const start = new Date(Date.now() + 3 * 60_000)
    const made = await server.graphql(
      'mutation($i:EventInput!){ createEvent(input:$i){ __typename ... on CalendarError { code field message } } }',
      { i: { summary: call, start: start.toISOString(), location: 'Phone', reminders: [{ minutesBefore: 15, channels: ['PUSH'] }] } },
      tokens.bob,
    )
    assert.equal(made.createEvent.__typename, 'CalendarEvent', JSON.stringify(made))
    const note = page.locator('.t-notification', { hasText: call })
    await note.waitFor({ timeout: 30_000 })
    assert.match(await note.innerText(), /日程提醒/)
    assert.match(await note.innerText(), /Phone/)
  })

  test("an attendee's proposed new time (COUNTER) is taken from the card in the reader", async () => {
    const { page } = bob
    const budget = `budget ${tag}`
    const partner = 'partner@external.test'
    const made = await server.graphql(
      'mutation($i:EventInput!){ createEvent(input:$i){ __typename ... on CalendarEvent { id uid } ... on CalendarError { code field message } } }',
      { i: { summary: budget, start: '2027-03-05T02:00:00Z', end: '2027-03-05T03:00:00Z', attendees: [partner] } },
      tokens.bob,
    )
    assert.equal(made.createEvent.__typename, 'CalendarEvent', JSON.stringify(made))
    const ics = [
      'BEGIN:VCALENDAR', 'METHOD:COUNTER', 'PRODID:Microsoft Exchange Server 2010', 'VERSION:2.0', 'BEGIN:VEVENT',
      'ORGANIZER;CN=Bob:mailto:bob@example.com',
      `ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=TENTATIVE;CN=Partner Li:mailto:${partner}`,
      `SUMMARY:${budget}`, 'DTSTART:20270305T060000Z', 'DTEND:20270305T070000Z', `UID:${made.createEvent.uid}`,
      'DTSTAMP:20270301T000000Z', 'SEQUENCE:0', 'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n')
    const raw = [
      `From: Partner Li <${partner}>`, 'To: bob@example.com', `Subject: New time proposed: ${budget}`,
      `Message-ID: <counter-${tag}@external.test>`, 'MIME-Version: 1.0',
      'Content-Type: text/calendar; method=COUNTER; charset=utf-8', '', ics,
    ].join('\r\n')
    server.smtp(partner, 'bob@example.com', [raw])
    const mail = await until(async () => {
      const d = await server.graphql('{ messages(folder:"INBOX", first:20){ edges { node { id subject } } } }', {}, tokens.bob)
      return d.messages.edges.map((e) => e.node).find((m) => m.subject.includes(budget))
    }, 'the COUNTER mail')

    await page.goto(`/mail/INBOX/${mail.id}`)
    const card = page.locator('[data-test=invitation][data-method=COUNTER]')
    await card.waitFor()
    assert.match(await card.innerText(), /Partner Li/)
    await card.locator('[data-test=invitation-take-counter]').click()
    await card.locator('[data-test=invitation-counter-taken]').waitFor()
    const [moved] = await until(async () => {
      const list = await events('bob', budget)
      return list.length && same(list[0].start, '2027-03-05T06:00:00Z') && list
    }, 'the meeting at the proposed time')
    assert.ok(same(moved.end, '2027-03-05T07:00:00Z'))
  })

  test('a file added in the editor is uploaded with the event, listed with a download link, and taken off', async () => {
    const { page } = bob
    const files = `files ${tag}`
    const ATTACHED = `query($s:DateTime!,$e:DateTime!){ calendarEvents(start:$s, end:$e){ id summary attachments { id filename size url } } }`
    const stored = async () => (await server.graphql(ATTACHED, RANGE, tokens.bob)).calendarEvents.find((e) => e.summary === files)
    await page.goto(`/calendar?view=week&date=${WEEK}`)
    const thursday = page.locator('[data-test=day-2027-03-04]')
    await thursday.waitFor()
    await thursday.click({ position: { x: 30, y: 16 * 48 + 6 } })
    const form = page.locator('[data-test=event-form]')
    await form.waitFor()
    await page.locator('[data-test=event-summary] input').fill(files)
    await page.locator('[data-test=attachment-input]').setInputFiles({ name: '议程.txt', mimeType: 'text/plain', buffer: Buffer.from('agenda 议程') })
    await page.locator('[data-test=attachment-pending]').waitFor()
    await page.locator('[data-test=event-save]').click()
    await form.waitFor({ state: 'detached' })
    const saved = await until(async () => (await stored())?.attachments.length === 1 && (await stored()), 'the file on the server')
    assert.deepEqual(saved.attachments.map((a) => [a.filename, a.size]), [['议程.txt', Buffer.byteLength('agenda 议程')]])

    // Opened again, the editor lists the file with its signed download link.
    await page.locator(`[data-test=event][data-summary="${files}"]`).first().click()
    const link = page.locator('[data-test=attachment-link]')
    await link.waitFor()
    assert.equal(await link.innerText(), '议程.txt')
    const got = await page.request.get(await link.getAttribute('href'))
    assert.equal(got.status(), 200)
    assert.equal(await got.text(), 'agenda 议程')
    await shot(page, 'calendar-attachments')

    await page.locator('[data-test=attachment-remove]').click()
    await link.waitFor({ state: 'detached' })
    await until(async () => (await stored())?.attachments.length === 0, 'the file taken off on the server')
    assert.equal(bob.watch.consoleErrors.length, 0, bob.watch.consoleErrors.join('\n'))
  })
})
