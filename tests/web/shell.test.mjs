// The app shell, languages, the search screen and typed errors, in real headless Chromium
// against a real `qiyou serve`: the header search on /search, search date filters, TDesign's
// own texts in English, server errors in the UI's language, and no FORBIDDEN per page load.
// Run: QIYOU_WEB_DIST=/tmp/dist-shell node --test tests/web/shell.test.mjs
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const server = new Server()
const tag = Date.now().toString(36)
const APPLE = `apple${tag}`
const PEAR = `pear${tag}`
let browser
const pages = []

async function userPage(email, options) {
  const p = await openPage(browser, server.url, options)
  pages.push(p)
  if (email) await signIn(p.page, email, PASSWORD)
  return p
}

/** The server's whole log so far. */
function serverLog() {
  return readFileSync(path.join(server.dataDir, 'server.log'), 'utf8')
}

/** The subjects of the search results on screen, once the count line says `n`. */
async function results(page, n) {
  await page.locator('[data-test=search-count]', { hasText: new RegExp(`(共 ${n} 封|${n} found)`) }).waitFor()
  return page.locator('[data-test=search-row] .subject').allInnerTexts()
}

/** Wait (bounded) until the member's search finds `count` mails with this word. */
async function searchable(token, word, count) {
  const deadline = Date.now() + 30_000
  for (;;) {
    const d = await server.graphql('query($q:String!){ search(query:$q, first:5){ totalCount } }', { q: word }, token)
    if (d.search.totalCount >= count) return
    if (Date.now() > deadline) throw new Error(`search finds ${d.search.totalCount} of ${count} for ${word}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  for (const [local, name] of [['alice', 'Alice'], ['bob', 'Bob'], ['carol', 'Carol']]) {
    server.cli('user', 'add', `${local}@example.com`, '--password', PASSWORD, '--name', name)
  }
  const alice = await server.token('alice@example.com')
  for (const subject of [`${APPLE} one`, `${APPLE} two`, `${PEAR} one`]) {
    const r = await server.graphql('mutation($i:ComposeInput!){ sendMail(input:$i){ __typename ... on MailError { message } } }', { i: { to: ['bob@example.com'], subject, text: `about ${subject}` } }, alice)
    assert.equal(r.sendMail.__typename, 'SendMailSuccess', JSON.stringify(r))
  }
  const bob = await server.token('bob@example.com')
  await searchable(bob, APPLE, 2)
  await searchable(bob, PEAR, 1)
  browser = await launch()
})

after(async () => {
  for (const p of pages) await p.context.close().catch(() => {})
  await browser?.close()
  await server.stop()
})

describe('the header search and the search screen', () => {
  test('a new query in the header re-runs the search on /search; back and forward step through searches', async () => {
    const { page, watch } = await userPage('bob@example.com')
    await page.locator('[data-test=header-search]').fill(APPLE)
    await page.locator('[data-test=header-search]').press('Enter')
    await page.waitForURL((u) => u.pathname === '/search' && u.searchParams.get('q') === APPLE)
    assert.deepEqual((await results(page, 2)).sort(), [`${APPLE} one`, `${APPLE} two`])

    // Already on /search: the header's new words must search again (they did nothing before)
    await page.locator('[data-test=header-search]').fill(PEAR)
    await page.locator('[data-test=header-search]').press('Enter')
    await page.waitForURL((u) => u.searchParams.get('q') === PEAR)
    assert.deepEqual(await results(page, 1), [`${PEAR} one`])
    assert.equal(await page.locator('[data-test=search-input] input').inputValue(), PEAR)

    await page.goBack()
    await page.waitForURL((u) => u.searchParams.get('q') === APPLE)
    assert.deepEqual((await results(page, 2)).sort(), [`${APPLE} one`, `${APPLE} two`])
    assert.equal(await page.locator('[data-test=header-search]').inputValue(), APPLE)
    await page.goForward()
    await page.waitForURL((u) => u.searchParams.get('q') === PEAR)
    assert.deepEqual(await results(page, 1), [`${PEAR} one`])

    // The screen's own form pushes a URL too
    await page.locator('[data-test=search-input] input').fill(APPLE)
    await page.locator('[data-test=search-go]').click()
    await page.waitForURL((u) => u.searchParams.get('q') === APPLE)
    assert.equal((await results(page, 2)).length, 2)
    await page.goBack()
    await page.waitForURL((u) => u.searchParams.get('q') === PEAR)
    assert.deepEqual(await results(page, 1), [`${PEAR} one`])
    assert.deepEqual(watch.consoleErrors, [])
  })

  test('dates are picked from a calendar and sent as days; a bad date or range is refused readably', async () => {
    const { page, watch } = await userPage('bob@example.com')
    await page.goto(`/search?q=${APPLE}`)
    assert.equal((await results(page, 2)).length, 2)
    await page.locator('[data-test=search-filters]').click()

    // Pick today from the calendar: the mail was sent today, so both stay
    await page.locator('[data-test=search-since]').click()
    const panel = page.locator('.t-date-picker__panel').last()
    await panel.waitFor()
    const sent = page.waitForRequest((r) => r.url().endsWith('/graphql') && (r.postData() || '').includes('"since"'))
    await panel.locator('.t-date-picker__cell--now').first().click()
    await page.locator('[data-test=search-go]').click()
    const today = new Date()
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`
    assert.equal(JSON.parse((await sent).postData()).variables.since, day)
    await page.waitForURL((u) => u.searchParams.get('since') === day)
    assert.equal((await results(page, 2)).length, 2)

    // A start after every mail: nothing found
    await page.goto(`/search?q=${APPLE}&since=2999-01-01`)
    await results(page, 0)

    // A day that does not exist (a hand-edited URL) is refused at its field, no raw GraphQL error
    let asked = 0
    page.on('request', (r) => r.url().endsWith('/graphql') && (r.postData() || '').includes('search(') && asked++)
    await page.goto(`/search?q=${APPLE}&since=2020-13-45`)
    await page.locator('[data-test=search-since-error]', { hasText: '请选择日期' }).waitFor()
    await page.goto(`/search?q=${APPLE}&since=2026-03-02&until=2026-03-01`)
    await page.locator('[data-test=search-until-error]', { hasText: '截止日期早于起始日期' }).waitFor()
    assert.equal(asked, 0, 'no search was sent with a bad date')
    assert.equal(await page.locator('[data-test=search-error]').count(), 0)
    assert.doesNotMatch(await page.locator('[data-test=search]').innerText(), /cannot represent|Variable|GraphQL/)
    await shot(page, 'shell-search-dates')
    assert.deepEqual(watch.consoleErrors, [])
  })
})

describe('languages', () => {
  test('in English, TDesign\'s own texts are English too (date picker, empty table), and back in Chinese', async () => {
    const { page } = await userPage('carol@example.com')
    await page.goto(`/search?q=${APPLE}`)
    await page.locator('[data-test=search-filters]').click()
    await page.locator('[data-test=search-since]').click()
    const panel = page.locator('.t-date-picker__panel').last()
    await panel.waitFor()
    assert.match(await panel.innerText(), /一[\s\S]*二/) // Chinese weekdays
    await page.keyboard.press('Escape')
    await page.locator('[data-test=search-input]').click()

    await page.locator('[data-test=locale]').click()
    await page.locator('[data-test=search-go]', { hasText: 'Search' }).waitFor()
    await page.locator('[data-test=search-since]').click()
    const english = page.locator('.t-date-picker__panel').last()
    await english.waitFor()
    const text = await english.innerText()
    assert.match(text, /Mo[\s\S]*Tu[\s\S]*We/, text)
    assert.doesNotMatch(text, /[一二三四五六日]/, text)
    assert.equal(await page.locator('[data-test=search-since] input').getAttribute('placeholder'), 'From date')
    await shot(page, 'shell-datepicker-en')
    await page.keyboard.press('Escape')

    // carol received no mail: her received-mail table is empty, in TDesign's words
    await page.goto('/settings')
    await page.locator('.t-tabs__nav-item', { hasText: 'My logs' }).click()
    await page.locator('.t-table__empty', { hasText: 'Empty Data' }).first().waitFor()
    assert.equal(await page.locator('.t-table__empty', { hasText: '暂无数据' }).count(), 0)
    await page.locator('[data-test=locale]').click() // back to Chinese, live
    await page.locator('.t-table__empty', { hasText: '暂无数据' }).first().waitFor()
    assert.equal(await page.evaluate(() => localStorage.getItem('qiyou.locale')), 'zh-CN')
  })

  test('server refusals are shown in the UI language, by code and reason', async () => {
    const { page } = await userPage('alice@example.com')
    await page.goto('/settings')
    await page.locator('.t-tabs__nav-item', { hasText: '安全' }).click()
    await page.locator('[data-test=pw-old] input').fill(PASSWORD)
    await page.locator('[data-test=pw-new] input').fill('abc')
    await page.locator('[data-test=pw-save]').click()
    await page.locator('.t-form__controls', { hasText: '新密码至少需要 8 个字符' }).waitFor()
    await page.locator('[data-test=pw-new] input').fill(PASSWORD)
    await page.locator('[data-test=pw-save]').click()
    await page.locator('.t-form__controls', { hasText: '新密码不能与当前密码相同' }).waitFor()
    await page.locator('[data-test=pw-old] input').fill('not-the-password')
    await page.locator('[data-test=pw-new] input').fill('a-new-password-42')
    await page.locator('[data-test=pw-save]').click()
    await page.locator('.t-form__controls', { hasText: '当前密码错误' }).waitFor()

    await page.locator('[data-test=totp-setup]').click()
    await page.locator('[data-test=totp-code] input').fill('12ab')
    await page.locator('[data-test=totp-confirm]').click()
    await page.locator('[data-test=totp-error]', { hasText: '验证码是 6 位数字' }).waitFor()
    await page.locator('[data-test=totp-code] input').fill('000000')
    await page.locator('[data-test=totp-confirm]').click()
    await page.locator('[data-test=totp-error]', { hasText: '验证码错误、已过期或已使用' }).waitFor()

    await page.locator('[data-test=locale]').click()
    await page.locator('[data-test=totp-confirm]').click()
    await page.locator('[data-test=totp-error]', { hasText: 'Wrong, expired or already used code' }).waitFor()
    await page.locator('[data-test=pw-old] input').fill(PASSWORD)
    await page.locator('[data-test=pw-new] input').fill('abc')
    await page.locator('[data-test=pw-save]').click()
    await page.locator('.t-form__controls', { hasText: 'The new password needs at least 8 characters' }).waitFor()
    await page.locator('[data-test=locale]').click()
    await shot(page, 'shell-errors-zh')
  })
})

describe('the server log', () => {
  test('a member who is no auditor loads pages without a FORBIDDEN or a traceback in the log', async () => {
    const before = serverLog().length
    const { page, watch } = await userPage('bob@example.com')
    const asked = []
    page.on('request', (r) => r.url().endsWith('/graphql') && asked.push(r.postData() || ''))
    for (const route of ['/mail/INBOX', '/directory', '/notices', '/settings', `/search?q=${APPLE}`]) {
      await page.goto(route)
      await page.locator('[data-test=nav-mail]').waitFor()
      await page.waitForLoadState('networkidle')
    }
    assert.ok(asked.some((q) => q.includes('auditScope')), 'the session asks auditScope')
    assert.ok(!asked.some((q) => q.includes('myAuditScope')), 'no myAuditScope for a member who is no auditor')
    assert.equal(await page.locator('[data-test=nav-audit]').count(), 0)
    const written = serverLog().slice(before)
    assert.doesNotMatch(written, /Traceback/, written.slice(0, 3000))
    assert.doesNotMatch(written, /refused FORBIDDEN/, written.slice(0, 3000))
    assert.deepEqual(watch.consoleErrors, [])
  })

  test("the member's own sign-in and received-mail logs name clients, reasons and folders in words", async () => {
    const wrong = await server.graphql('mutation{ login(email:"carol@example.com", password:"not-the-password"){ __typename } }')
    assert.equal(wrong.login.__typename, 'AuthError')
    const { page } = await userPage('carol@example.com')
    await page.goto('/settings')
    await page.locator('.t-tabs__nav-item', { hasText: '自助查询' }).click()
    const logins = page.locator('[data-test=my-logins]')
    await logins.getByText('密码错误').waitFor()
    const loginText = await logins.innerText()
    assert.match(loginText, /网页/)
    assert.doesNotMatch(loginText, /bad_password|\bWEB\b/)
    const bob = await server.token('bob@example.com')
    const sent = await server.graphql('mutation($i:ComposeInput!){ sendMail(input:$i){ __typename } }', { i: { to: ['carol@example.com'], subject: `log ${tag}`, text: 'x' } }, bob)
    assert.equal(sent.sendMail.__typename, 'SendMailSuccess')
    await page.reload()
    await page.locator('.t-tabs__nav-item', { hasText: '自助查询' }).click()
    const received = page.locator('[data-test=received-log]')
    await received.getByText(`log ${tag}`).waitFor()
    const row = await received.locator('tr', { hasText: `log ${tag}` }).innerText()
    assert.match(row, /收件箱/)
    assert.doesNotMatch(row, /\bInbox\b|INBOX/)
  })
})
