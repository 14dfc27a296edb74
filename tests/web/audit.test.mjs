// The auditors' archive screen (/audit) in real headless Chromium against a real `qiyou serve`.
// Run: node --test tests/web/audit.test.mjs  (needs web/dist built and /usr/bin/chromium)
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const server = new Server()
const DOMAIN = 'corp.test'
const addr = (local) => `${local}@${DOMAIN}`
const tag = `t${Date.now().toString(36)}`
const INBOUND = `季度合同 contract ${tag}`
const INTERNAL = `内部周报 weekly ${tag}`
const bulk = `b${Date.now().toString(36)}x` // 31 more mails: more than one page of results
const BULK = 31
let browser
const pages = []

const SEARCH = `query($w:ArchiveSearchInput,$n:Int!){ archiveSearch(where:$w, first:$n){ total items { id subject } } }`

async function userPage(email, options) {
  const p = await openPage(browser, server.url, options)
  pages.push(p)
  if (email) await signIn(p.page, email, PASSWORD)
  return p
}

function noConsoleErrors(watch, label) {
  assert.deepEqual(watch.consoleErrors, [], `${label}: console errors`)
}

const b64 = (text) => Buffer.from(text, 'utf8').toString('base64')

/** An inbound mail with a Chinese subject, an HTML body and a PDF attachment with a Chinese name. */
function inboundMail(from, to) {
  const boundary = `b-${tag}`
  return [
    `From: Partner <${from}>`,
    `To: ${to}`,
    `Subject: =?UTF-8?B?${b64(INBOUND)}?=`,
    `Message-ID: <${tag}.in@remote.test>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    b64('<p>请审阅合同条款，<b>预算</b>为一百万元。Please review the terms.</p><img src="http://203.0.113.9/track.png">'),
    `--${boundary}`,
    'Content-Type: application/pdf',
    "Content-Disposition: attachment; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf",
    'Content-Transfer-Encoding: base64',
    '',
    b64('%PDF-1.4 archived contract'),
    `--${boundary}--`,
    '',
  ].join('\r\n')
}

/** Wait (bounded) until the search index answers the auditor with `count` records with this word. */
async function indexed(token, word, count) {
  const deadline = Date.now() + 60_000
  for (;;) {
    const d = await server.graphql(SEARCH, { w: { text: word }, n: 50 }, token)
    if (d.archiveSearch.total >= count) return d.archiveSearch.items
    if (Date.now() > deadline) throw new Error(`archive index has ${d.archiveSearch.items.length} of ${count} records`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

async function inbox(email, subject, wait = 20_000) {
  const token = await server.token(email)
  const deadline = Date.now() + wait
  for (;;) {
    const d = await server.graphql('{ messages(folder:"INBOX", first:50){ edges { node { subject } } } }', {}, token)
    if (d.messages.edges.some((e) => e.node.subject === subject)) return true
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 300))
  }
}

async function search(page, fields) {
  for (const [name, value] of Object.entries(fields)) await page.locator(`[data-test=audit-${name}] input`).fill(value)
  const answered = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() || '').includes('archiveSearch'))
  await page.locator('[data-test=audit-search]').click()
  assert.equal((await answered).status(), 200)
  await page.locator('[data-test=audit-total]', { hasText: /共 \d+ 封/ }).waitFor()
}

/** The file a click downloads: its suggested name and bytes, and the HTTP response behind it. */
async function download(page, click, urlPart) {
  const response = urlPart ? page.waitForResponse((r) => r.url().includes(urlPart)) : null
  const [file] = await Promise.all([page.waitForEvent('download'), click()])
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()), response: await response }
}

before(async () => {
  await server.start()
  server.cli('domain', 'add', DOMAIN)
  for (const [local, name] of [['boss', 'Boss'], ['aud', '审计员'], ['a1', '张三'], ['a2', '李四'], ['out', 'Outsider']]) {
    server.cli('user', 'add', addr(local), '--password', PASSWORD, '--name', name)
  }
  server.cli('admin', 'grant', addr('boss'), '--super')
  const boss = await server.token(addr('boss'))
  const created = await server.graphql('mutation { createDepartment(name:"财务部"){ __typename ... on AdminDepartment { id } } }', {}, boss)
  const finance = created.createDepartment.id
  assert.ok(finance, JSON.stringify(created))
  for (const local of ['a1', 'a2']) {
    const r = await server.graphql('mutation($e:String!,$d:[ID!]){ updateMember(email:$e, input:{departmentIds:$d}){ __typename } }', { e: addr(local), d: [finance] }, boss)
    assert.equal(r.updateMember.__typename, 'AdminMember', JSON.stringify(r))
  }
  const enabled = await server.graphql('mutation { setArchiveSettings(enabled:true, retentionDays:365){ __typename ... on PolicyError { message } } }', {}, boss)
  assert.equal(enabled.setArchiveSettings.__typename, 'ArchiveSettings', JSON.stringify(enabled))
  server.cli('auditor', 'grant', addr('aud'), '--department-id', finance)

  // Inbound over MX to a1, and internal mail from a1 to a2 through sendMail.
  server.smtp('partner@remote.test', addr('a1'), [inboundMail('partner@remote.test', addr('a1'))])
  const a1 = await server.token(addr('a1'))
  const sent = await server.graphql('mutation($i:ComposeInput!){ sendMail(input:$i){ __typename ... on MailError { message } } }', { i: { to: [addr('a2')], subject: INTERNAL, text: `本周进展顺利，下周继续推进。 ${tag}` } }, a1)
  assert.equal(sent.sendMail.__typename, 'SendMailSuccess', JSON.stringify(sent))
  const plain = (i) => [`From: <news@remote.test>`, `To: ${addr('a2')}`, `Subject: ${bulk} notice ${i}`, `Message-ID: <${bulk}.${i}@remote.test>`, `Date: ${new Date().toUTCString()}`, '', `bulk ${i}`, ''].join('\r\n')
  server.smtp('news@remote.test', addr('a2'), Array.from({ length: BULK }, (_, i) => plain(i)))
  const aud = await server.token(addr('aud'))
  await indexed(aud, tag, 2)
  await indexed(aud, bulk, BULK)
  browser = await launch()
})

after(async () => {
  for (const p of pages) await p.context.close().catch(() => {})
  await browser?.close()
  await server.stop()
})

describe('auditors\' archive screen', () => {
  let auditor

  test('an auditor searches by subject and by a Chinese word of the body, with highlights', async () => {
    auditor = await userPage(addr('aud'))
    const { page } = auditor
    await page.locator('[data-test=nav-audit]').click()
    await page.waitForURL(/\/audit/)
    await page.locator('[data-test=audit-scope]', { hasText: '1 个部门' }).waitFor()

    // A bad date is refused at its field, before any request.
    await page.locator('[data-test=audit-dateFrom] input').fill('2026-02-30')
    await page.locator('[data-test=audit-search]').click()
    await page.locator('[data-test=audit-dateFrom-error]', { hasText: '请输入日期' }).waitFor()
    await page.locator('[data-test=audit-dateFrom] input').fill('')

    await search(page, { subject: `contract ${tag}` })
    const rows = page.locator('[data-test=audit-row]')
    await rows.first().waitFor()
    assert.equal(await rows.count(), 1, 'the subject search finds the inbound mail only')
    assert.match(await rows.first().innerText(), new RegExp(INBOUND))
    assert.match(await rows.first().locator('[data-test=audit-direction]').innerText(), /外部来信/)
    assert.match(await rows.first().locator('[data-test=audit-attachments]').innerText(), /合同\.pdf/)

    // A Chinese word of the body, from today on (the date filter goes to the server as DateTime).
    const today = new Date()
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`
    await page.locator('[data-test=audit-subject] input').fill('')
    await search(page, { body: '预算', dateFrom: day })
    await rows.filter({ hasText: INBOUND }).first().waitFor()
    const marks = page.locator('[data-test=audit-snippet] mark')
    assert.ok(await marks.count(), 'the snippet highlights the match')
    assert.match(await marks.first().innerText(), /预算/)
    assert.equal(await page.locator('[data-test=audit-snippet] b, [data-test=audit-snippet] script').count(), 0, 'no other markup in snippets')
    await shot(page, 'audit-search')

    // Everything of this run, newest first: the internal mail was archived after the inbound one.
    await page.locator('[data-test=audit-clear]').click()
    await search(page, { text: tag })
    await rows.nth(1).waitFor()
    const subjects = await rows.locator('.subject').allInnerTexts()
    assert.deepEqual(subjects.slice(0, 2), [INTERNAL, INBOUND])
    assert.match(await rows.first().locator('[data-test=audit-direction]').innerText(), /内部/)
    assert.match(await page.locator('[data-test=audit-total]').innerText(), /共 2 封/)

    // More than a page: "load more" fetches the rest with the end cursor.
    await page.locator('[data-test=audit-clear]').click()
    await search(page, { text: bulk })
    await page.locator('[data-test=audit-total]', { hasText: `共 ${BULK} 封` }).waitFor()
    assert.equal(await rows.count(), 30)
    await page.locator('[data-test=audit-load-more]').click()
    await rows.nth(BULK - 1).waitFor()
    assert.equal(await rows.count(), BULK)
    assert.equal(await page.locator('[data-test=audit-load-more]').count(), 0, 'no more pages')
    const numbers = (await rows.locator('.subject').allInnerTexts()).map((x) => Number(x.split(' ').pop()))
    assert.deepEqual(numbers, [...numbers].sort((a, b) => b - a), 'newest first')
    await page.locator('[data-test=audit-clear]').click()
    await search(page, { text: tag })
    await rows.nth(1).waitFor()
  })

  test('the auditor opens an archived mail: sandboxed HTML, remote images blocked, the attachment downloads', async () => {
    const { page } = auditor
    await page.locator('[data-test=audit-row]', { hasText: INBOUND }).click()
    await page.waitForURL(/\/audit\?id=/)
    await page.locator('[data-test=archived-subject]', { hasText: INBOUND }).waitFor()
    const frame = page.locator('[data-test=mail-frame]')
    const sandbox = await frame.getAttribute('sandbox')
    assert.ok(sandbox !== null && !sandbox.includes('allow-scripts'), `the mail is shown in a sandboxed frame without scripts: ${sandbox}`)
    assert.ok((await frame.evaluate((f) => f.getBoundingClientRect().height)) < 400, 'a short mail gets a short frame, not a fixed one')
    await page.frameLocator('[data-test=mail-frame]').locator('body').getByText('为一百万元').waitFor()
    await page.locator('[data-test=remote-blocked]').waitFor()
    assert.equal(await page.frameLocator('[data-test=mail-frame]').locator('img[src]').count(), 0, 'the remote image is held back')

    const link = page.locator('[data-test=archived-attachment]', { hasText: '合同.pdf' })
    const href = await link.getAttribute('href')
    assert.match(href, /^\/archive\/\d+\/attachments\/\d+\?ticket=[\w.-]+$/)
    assert.equal((await fetch(server.url + href)).status, 200, 'the link carries a signed ticket, not the session token')
    assert.equal((await fetch(server.url + href.replace(/\?.*/, ''))).status, 401, 'and needs it')
    const other = href.replace(/attachments\/\d+/, 'attachments/99')
    assert.equal((await fetch(server.url + other)).status, 401, 'the ticket opens that one path only')
    const file = await download(page, () => link.click())
    assert.equal(file.name, '合同.pdf')
    assert.equal(file.bytes.toString(), '%PDF-1.4 archived contract')
    await shot(page, 'audit-mail')
  })

  test('the auditor exports the selection as mbox and as zip', async () => {
    const { page } = auditor
    await page.locator('[data-test=audit-select-all]').click()
    await page.locator('[data-test=audit-selected]', { hasText: '已选 2 封' }).waitFor()
    const mbox = await download(page, () => page.locator('[data-test=audit-export]').click(), '/archive/export')
    assert.equal(mbox.response.status(), 200)
    assert.match(mbox.response.headers()['content-type'], /application\/mbox/)
    assert.match(mbox.name, /^archive-.*\.mbox$/)
    const text = mbox.bytes.toString('utf8')
    assert.ok(text.startsWith('From '), 'an mbox')
    assert.equal((text.match(/^From /gm) || []).length, 2, 'two messages')
    assert.match(text, /Message-ID: <[^>]*\.in@remote\.test>/i)

    // One of them, as a zip of .eml files.
    await page.locator('[data-test=audit-check]').nth(0).click()
    await page.locator('[data-test=audit-selected]', { hasText: '已选 1 封' }).waitFor()
    await page.locator('[data-test=audit-format]').click()
    await page.locator('.t-select-option', { hasText: 'zip' }).click()
    const zip = await download(page, () => page.locator('[data-test=audit-export]').click(), '/archive/export')
    assert.equal(zip.response.status(), 200)
    assert.match(zip.name, /^archive-.*\.zip$/)
    assert.equal(zip.bytes.subarray(0, 2).toString(), 'PK', 'a zip')
    assert.match(zip.bytes.toString('latin1'), /\d+\.eml/)
    await shot(page, 'audit-export')
  })

  test('the auditor redelivers into a member\'s mailbox; a target outside the scope gets a readable error', async () => {
    const { page, watch } = auditor
    await page.locator('[data-test=redeliver-to] input').fill(addr('a2'))
    await page.locator('[data-test=redeliver-go]').click()
    await page.locator('[data-test=redeliver-done]', { hasText: addr('a2') }).waitFor()
    assert.ok(await inbox(addr('a2'), INBOUND), 'the archived mail is in a2\'s inbox')

    await page.locator('[data-test=redeliver-to] input').fill(addr('out'))
    await page.locator('[data-test=redeliver-go]').click()
    const error = page.locator('[data-test=redeliver-to-error]')
    await error.waitFor()
    assert.equal(await error.innerText(), `${addr('out')} 不在你的审计范围内，不能投递`)
    assert.equal(await page.locator('[data-test=redeliver-done]').count(), 0)
    await shot(page, 'audit-redeliver-error')
    assert.equal(await inbox(addr('out'), INBOUND, 0), false, 'nothing reached the member outside the scope')

    // English is the second language.
    await page.locator('[data-test=locale]').click()
    await page.locator('[data-test=nav-audit]', { hasText: 'Audit' }).waitFor()
    await page.locator('[data-test=audit-total]', { hasText: '2 found' }).waitFor()
    await page.locator('[data-test=redeliver-go]', { hasText: 'Redeliver' }).waitFor()
    await shot(page, 'audit-en')
    await page.locator('[data-test=locale]').click()
    noConsoleErrors(watch, 'auditor')
    assert.deepEqual(watch.dialogs, [])
  })

  test('the screen works at 375 px: list, then the mail with a way back', async () => {
    const phone = await userPage(addr('aud'), { width: 375, height: 812 })
    const { page, watch } = phone
    await page.goto('/audit')
    await search(page, { text: tag })
    await page.locator('[data-test=audit-row]').nth(1).waitFor()
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scroll')
    await shot(page, 'audit-phone-list')
    await page.locator('[data-test=audit-row]', { hasText: INTERNAL }).click()
    await page.locator('[data-test=archived-subject]', { hasText: INTERNAL }).waitFor()
    assert.equal(await page.locator('[data-test=audit-results]').isVisible(), false, 'the list gives way to the mail')
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scroll')
    await page.frameLocator('[data-test=mail-frame]').locator('body').getByText('本周进展顺利').waitFor()
    await shot(page, 'audit-phone-mail')
    await page.locator('[data-test=audit-back]').click()
    await page.locator('[data-test=audit-row]', { hasText: INBOUND }).waitFor()
    noConsoleErrors(watch, 'phone')
  })

  test('a plain member sees no audit entry and /audit shows no archived mail', async () => {
    const forbidden = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await server.token(addr('a1'))}` },
      body: JSON.stringify({ query: '{ myAuditScope { departmentIds } }' }),
    }).then((r) => r.json())
    assert.equal(forbidden.errors?.[0]?.extensions?.code, 'FORBIDDEN')

    const { page, watch } = await userPage(addr('a1'))
    await page.locator('[data-test=nav-mail]').waitFor()
    assert.equal(await page.locator('[data-test=nav-audit]').count(), 0, 'no audit entry')
    await page.goto('/audit')
    await page.waitForURL(/\/mail\//)
    await page.locator('[data-test=message-list]').waitFor()
    assert.equal(await page.locator('[data-test=audit]').count(), 0)
    assert.equal(await page.locator('[data-test=audit-row]').count(), 0)
    assert.equal(await page.locator('.t-message--error, .t-notification').count(), 0, 'no error toast')
    await shot(page, 'audit-plain-member')
    noConsoleErrors(watch, 'plain member')
  })
})
