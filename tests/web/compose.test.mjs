// Compose never loses work, in real headless Chromium against a real `qiyou serve`:
// leaving saves the draft, closing the tab asks and saves, 放弃 deletes the draft on the
// server, a file is uploaded once however often the draft autosaves, forwarded attachments can
// be removed, sending can be undone (and a closed tab during the delay loses nothing), and
// confidential mail warns when the server has no verification channel.
// Run: QIYOU_WEB_DIST=/tmp/dist-compose node --test --test-concurrency=1 tests/web/compose.test.mjs
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { until } from './lib/wait.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const server = new Server()
let browser
const pages = []
const tokens = {}

const FIND = `query($f:String!){ messages(folder:$f, first:100){ edges { node { id subject } } } }`
const MESSAGE = `query($id:ID!){ message(id:$id){ id subject text attachments { index filename size url } } }`

/** A query from outside the browser, retried once when the server closed an idle keep-alive
 * socket just as it was reused (uvicorn closes them after 5 s; these are all reads or logins). */
async function graphql(query, variables, token) {
  try {
    return await server.graphql(query, variables, token)
  } catch (e) {
    if (e.message !== 'fetch failed') throw e
    return server.graphql(query, variables, token)
  }
}

async function userPage(email, options) {
  const p = await openPage(browser, server.url, options)
  pages.push(p)
  await signIn(p.page, email, PASSWORD)
  return p
}

async function find(email, folder, subject) {
  const d = await graphql(FIND, { f: folder }, tokens[email])
  return d.messages.edges.map((e) => e.node).filter((m) => m.subject === subject)
}

async function received(email, subject) {
  const [node] = await until(async () => {
    const found = await find(email, 'INBOX', subject)
    return found.length ? found : null
  }, `${subject} in ${email}'s inbox`)
  return (await graphql(MESSAGE, { id: node.id }, tokens[email])).message
}

async function download(email, attachment) {
  const r = await fetch(server.url + attachment.url, { headers: { Authorization: `Bearer ${tokens[email]}` } })
  assert.equal(r.status, 200)
  return Buffer.from(await r.arrayBuffer())
}

async function fillForm(page, { to, subject, body }) {
  if (to) {
    await page.locator('[data-test=to-input]').fill(to)
    await page.locator('[data-test=to-input]').press('Enter')
  }
  await page.locator('[data-test=subject-input] input').fill(subject)
  await page.locator('[data-test=body]').click()
  await page.keyboard.type(body)
}

/** Count the page's saveDraft and sendMail answers, and the requests that carried a file upload
 * (multipart; a browser does not show such bodies, so saves are counted by their answers). */
function watchSaves(page) {
  const seen = { saves: 0, multipart: 0, sends: 0 }
  page.on('request', (r) => {
    if (r.url().endsWith('/graphql') && (r.headers()['content-type'] || '').startsWith('multipart/form-data')) seen.multipart++
  })
  page.on('response', async (r) => {
    if (!r.url().endsWith('/graphql') || r.request().method() !== 'POST') return
    const data = (await r.json().catch(() => null))?.data || {}
    if (data.saveDraft?.__typename === 'DraftSaved') seen.saves++
    if (data.sendMail) seen.sends++
  })
  return seen
}

const confirmButton = (page) => page.locator('.t-dialog__confirm')

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  const names = ['alice', 'bob', 'carol']
  for (const name of names) server.cli('user', 'add', `${name}@example.com`, '--password', PASSWORD, '--name', name)
  const LOGIN = 'mutation($e:String!,$p:String!){ login(email:$e, password:$p){ ... on LoginSuccess { token } } }'
  for (const name of names) tokens[`${name}@example.com`] = (await graphql(LOGIN, { e: `${name}@example.com`, p: PASSWORD })).login.token
  browser = await launch()
})

after(async () => {
  for (const p of pages) await p.context.close().catch(() => {})
  await browser?.close()
  await server.stop()
})

test('leaving compose with unsaved text saves the draft first and says so', async () => {
  const { page } = await userPage('alice@example.com')
  const subject = `leave ${Date.now()}`
  await page.goto('/compose')
  await fillForm(page, { subject, body: 'Do not lose me.' })
  await page.locator('[data-test=nav-mail]').click() // long before the 8 s autosave
  await page.waitForURL(/\/mail\//)
  await page.locator('.t-message', { hasText: '草稿已保存' }).waitFor()
  const [draft] = await find('alice@example.com', 'DRAFTS', subject)
  assert.ok(draft, 'the draft is on the server')
  const saved = (await graphql(MESSAGE, { id: draft.id }, tokens['alice@example.com'])).message
  assert.match(saved.text, /Do not lose me\./)
})

test('reloading the tab with unsaved text asks, and the text is saved as the page goes', async () => {
  const context = await browser.newContext({ baseURL: server.url, locale: 'zh-CN' })
  const page = await context.newPage()
  pages.push({ context })
  const dialogs = []
  page.on('dialog', async (d) => {
    dialogs.push(d.type())
    await d.accept()
  })
  await signIn(page, 'alice@example.com', PASSWORD)
  const subject = `reload ${Date.now()}`
  await page.goto('/compose')
  await fillForm(page, { subject, body: 'Typed just before a reload.' })
  await page.reload()
  assert.deepEqual(dialogs, ['beforeunload'], 'the browser asked before leaving')
  await until(async () => (await find('alice@example.com', 'DRAFTS', subject)).length, 'the draft saved on reload')
})

test('放弃 asks, then deletes the autosaved draft on the server', async () => {
  const { page } = await userPage('alice@example.com')
  const subject = `discard ${Date.now()}`
  await page.goto('/compose')
  await fillForm(page, { subject, body: 'Never mind.' })
  await page.locator('[data-test=draft-status]', { hasText: /草稿已于/ }).waitFor()
  assert.equal((await find('alice@example.com', 'DRAFTS', subject)).length, 1, 'autosaved')
  await page.locator('[data-test=discard]').click()
  await page.locator('.t-dialog', { hasText: '已自动保存的草稿也将被删除' }).waitFor()
  await confirmButton(page).click()
  await page.waitForURL(/\/mail\//)
  await page.locator('.t-message', { hasText: '草稿已删除' }).waitFor()
  assert.deepEqual(await find('alice@example.com', 'DRAFTS', subject), [], 'the draft is gone')
  assert.deepEqual(await find('alice@example.com', 'TRASH', subject), [], 'for good, not in Trash')
})

test('a 3 MB attachment is uploaded once across autosaves and the send, and arrives intact', async () => {
  const { page } = await userPage('alice@example.com')
  const seen = watchSaves(page)
  const subject = `upload once ${Date.now()}`
  const bytes = randomBytes(3 * 1024 * 1024)
  await page.goto('/compose')
  await fillForm(page, { to: 'bob@example.com', subject, body: 'The big file.' })
  await page.locator('[data-test=attach-input]').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: bytes })
  await until(() => seen.saves >= 1, "the first autosave")
  await page.locator('[data-test=attachment-chip][data-kind=draft]').waitFor() // now a part of the draft
  await page.locator('[data-test=body]').click()
  await page.keyboard.type(' More text.')
  await until(() => seen.saves >= 2, 'the second autosave')
  await page.locator('[data-test=draft-status]', { hasText: /草稿已于/ }).waitFor()
  await page.locator('[data-test=send]').click()
  await page.waitForURL(/\/mail\/INBOX/)
  const mail = await received('bob@example.com', subject)
  assert.equal(seen.multipart, 1, `one upload (saves: ${seen.saves}, sends: ${seen.sends})`)
  assert.equal(seen.sends, 1)
  assert.deepEqual(mail.attachments.map((a) => [a.filename, a.size]), [['big.bin', bytes.length]])
  assert.ok((await download('bob@example.com', mail.attachments[0])).equals(bytes), 'the same bytes')
  assert.match(mail.text, /More text\./)
  await until(async () => !(await find('alice@example.com', 'DRAFTS', subject)).length, 'the draft removed once sent')
})

test('forwarded attachments are shown as chips; a removed one does not go along', async () => {
  const subject = `two files ${Date.now()}`
  const raw = [
    'From: someone@outside.test', 'To: alice@example.com', `Subject: ${subject}`, `Message-ID: <${Date.now()}@outside.test>`,
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
    '--b1', 'Content-Type: text/plain; charset=utf-8', '', 'Two files attached.',
    '--b1', 'Content-Type: text/plain; name="a.txt"', 'Content-Disposition: attachment; filename="a.txt"', '', 'first file',
    '--b1', 'Content-Type: text/plain; name="b.txt"', 'Content-Disposition: attachment; filename="b.txt"', '', 'second file',
    '--b1--', '',
  ].join('\r\n')
  server.smtp('someone@outside.test', 'alice@example.com', [raw])
  const original = await received('alice@example.com', subject)
  const { page } = await userPage('alice@example.com')
  await page.goto(`/compose?forward=${original.id}`)
  const chips = page.locator('[data-test=attachment-chip][data-kind=forward]')
  await chips.nth(1).waitFor()
  assert.deepEqual((await chips.allInnerTexts()).map((s) => s.split(/\s/)[0]), ['a.txt', 'b.txt'])
  await chips.filter({ hasText: 'a.txt' }).locator('[data-test=remove-attachment]').click()
  assert.equal(await chips.count(), 1)
  await page.locator('[data-test=to-input]').fill('bob@example.com')
  await page.locator('[data-test=to-input]').press('Enter')
  await page.locator('[data-test=send]').click()
  await page.waitForURL(/\/mail\/INBOX/)
  const forwarded = await received('bob@example.com', `Fwd: ${subject}`)
  assert.deepEqual(forwarded.attachments.map((a) => a.filename), ['b.txt'])
  assert.equal((await download('bob@example.com', forwarded.attachments[0])).toString().trim(), 'second file')
})

test('undo send brings the compose back intact; sending again delivers after the delay', async () => {
  const { page } = await userPage('alice@example.com')
  const subject = `undo ${Date.now()}`
  await page.goto('/compose')
  await fillForm(page, { to: 'bob@example.com', subject, body: 'Wait, one more thing.' })
  await page.locator('[data-test=attach-input]').setInputFiles({ name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('a note') })
  await page.locator('[data-test=send]').click()
  await page.waitForURL(/\/mail\/INBOX/)
  await page.locator('[data-test=send-toast]').waitFor()
  await shot(page, 'compose-undo-toast')
  await page.locator('[data-test=undo-send]').click()
  await page.waitForURL(/\/compose\?draft=/)
  await page.waitForFunction((s) => document.querySelector('[data-test=subject-input] input')?.value === s, subject)
  assert.match(await page.locator('[data-test=body]').innerText(), /Wait, one more thing\./)
  assert.deepEqual(await page.locator('[data-test=attachment-chip]').allInnerTexts().then((l) => l.map((s) => s.split(/\s/)[0])), ['note.txt'])
  assert.match(await page.locator('[data-test=compose-page]').innerText(), /bob@example\.com/)
  await new Promise((r) => setTimeout(r, 7_000)) // past the delay: an absence needs a wait
  assert.deepEqual(await find('bob@example.com', 'INBOX', subject), [], 'nothing reached bob')
  assert.equal((await find('alice@example.com', 'DRAFTS', subject)).length, 1, 'kept as a draft')

  await page.locator('[data-test=body]').click()
  await page.keyboard.press('Control+End')
  await page.keyboard.type(' P.S. the note.')
  const clicked = Date.now()
  await page.locator('[data-test=send]').click()
  await page.waitForURL(/\/mail\/INBOX/)
  await new Promise((r) => setTimeout(r, 2_000))
  assert.deepEqual(await find('bob@example.com', 'INBOX', subject), [], 'held during the delay')
  const mail = await received('bob@example.com', subject)
  assert.ok(Date.now() - clicked >= 4_000)
  assert.match(mail.text, /P\.S\. the note\./)
  assert.deepEqual(mail.attachments.map((a) => a.filename), ['note.txt'])
  assert.equal((await download('bob@example.com', mail.attachments[0])).toString(), 'a note')
  await until(async () => !(await find('alice@example.com', 'DRAFTS', subject)).length, 'the draft removed once sent')
})

test('a tab closed during the undo delay loses nothing: the mail is sent (or kept as a draft)', async () => {
  const p = await userPage('alice@example.com')
  const subject = `closed ${Date.now()}`
  await p.page.goto('/compose')
  await fillForm(p.page, { to: 'bob@example.com', subject, body: 'Sent as the tab closed.' })
  await p.page.locator('[data-test=send]').click()
  await p.page.locator('[data-test=send-toast]').waitFor()
  await p.page.close()
  const where = await until(async () => {
    if ((await find('bob@example.com', 'INBOX', subject)).length) return 'sent'
    return null
  }, 'the mail sent as the tab closed', 10_000).catch(async () => ((await find('alice@example.com', 'DRAFTS', subject)).length ? 'draft' : 'lost'))
  assert.notEqual(where, 'lost')
  console.log(`# closed during the delay: ${where}`)
})

test('confidential mail warns when the server has no SMS or WeChat channel', async () => {
  const channels = await graphql('query { confidentialChannels }', {}, tokens['alice@example.com'])
  assert.deepEqual(channels.confidentialChannels, [], 'this test server has none')
  const { page } = await userPage('alice@example.com')
  const subject = `confidential ${Date.now()}`
  await page.goto('/compose')
  await fillForm(page, { to: 'bob@example.com', subject, body: 'Secret.' })
  assert.equal(await page.locator('[data-test=confidential-warning]').count(), 0)
  await page.locator('[data-test=confidential]').click()
  await page.locator('[data-test=confidential-warning]', { hasText: '无法打开' }).waitFor()
  await page.locator('[data-test=send]').click()
  await page.locator('.t-dialog', { hasText: '仍要发送吗' }).waitFor()
  await shot(page, 'compose-confidential-warning')
  await page.locator('.t-dialog__cancel').click()
  await page.waitForTimeout(500)
  assert.match(page.url(), /\/compose/, 'still composing')
  assert.equal(await page.locator('[data-test=send-toast]').count(), 0, 'nothing held for sending')
})
