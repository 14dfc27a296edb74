// The reading pane in real headless Chromium against a real `qiyou serve`: links open in a new
// tab without opener, a link whose text names another site asks first, frames follow their
// content's height, quotes fold, print, view source / .eml, attachment previews, contact cards,
// and the confidential dead end without a code channel.
// Run: QIYOU_WEB_DIST=/tmp/dist node --test tests/web/reader.test.mjs
import assert from 'node:assert/strict'
import http from 'node:http'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const server = new Server()
const tag = Date.now().toString(36)
const S = {
  links: `links ${tag}`,
  long: `long newsletter ${tag}`,
  short: `short ${tag}`,
  quoted: `quoted reply ${tag}`,
  files: `files ${tag}`,
  colleague: `from a colleague ${tag}`,
  secret: `secret ${tag}`,
}
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAF0lEQVR4nGP4z8BAEmIY1TCqYfhqAACQ+f8B1UbgOQAAAABJRU5ErkJggg==', 'base64')
const PDF = Buffer.from('%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n')
let browser
let site // a loopback web server: where the links of the mails go
const pages = []
let ids = {}

async function userPage(email, options) {
  const p = await openPage(browser, server.url, options)
  pages.push(p)
  if (email) await signIn(p.page, email, PASSWORD)
  return p
}

function mail(subject, contentType, body, extra = []) {
  return [`From: News <news@remote.test>`, 'To: bob@example.com', `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '')}@remote.test>`,
    `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', ...extra, `Content-Type: ${contentType}`, '', body, ''].join('\r\n')
}

function withAttachments(subject) {
  const b = `b-${tag}`
  const part = (type, name, data) => [`--${b}`, `Content-Type: ${type}; name="${name}"`, `Content-Disposition: attachment; filename="${name}"`, 'Content-Transfer-Encoding: base64', '', data.toString('base64')].join('\r\n')
  return mail(subject, `multipart/mixed; boundary="${b}"`, [`--${b}`, 'Content-Type: text/plain; charset=utf-8', '', 'see the files', part('image/png', 'photo.png', PNG), part('application/pdf', 'report.pdf', PDF), `--${b}--`].join('\r\n'))
}

async function open(page, subject) {
  await page.goto(`/mail/INBOX/${ids[subject]}`)
  await page.locator('[data-test=subject]', { hasText: subject }).waitFor()
}

const frameHeight = (page) => page.locator('[data-test=mail-frame]').first().evaluate((el) => el.getBoundingClientRect().height)

before(async () => {
  site = { hits: [] }
  site.server = http.createServer((req, res) => {
    if (req.url === '/favicon.ico') return res.writeHead(404).end() // the new tab's own request
    site.hits.push({ url: req.url, referer: req.headers.referer || '' })
    res.writeHead(200, { 'Content-Type': 'text/html' })
    res.end(`<!doctype html><title>landing</title><p>landed ${req.url}</p>`)
  })
  await new Promise((r) => site.server.listen(0, '127.0.0.1', r))
  site.url = `http://127.0.0.1:${site.server.address().port}`

  await server.start()
  server.cli('domain', 'add', 'example.com')
  for (const [email, name] of [['alice@example.com', 'Alice 王'], ['bob@example.com', 'Bob'], ['boss@example.com', 'Boss']]) {
    server.cli('user', 'add', email, '--password', PASSWORD, '--name', name)
  }
  server.cli('admin', 'grant', 'boss@example.com', '--super')
  const boss = await server.token('boss@example.com')
  const dept = (await server.graphql('mutation { createDepartment(name:"研发部"){ __typename ... on AdminDepartment { id } } }', {}, boss)).createDepartment.id
  const updated = await server.graphql('mutation($d:[ID!]){ updateMember(email:"alice@example.com", input:{departmentIds:$d, position:"高级工程师", mobile:"13800138000"}){ __typename } }', { d: [dept] }, boss)
  assert.equal(updated.updateMember.__typename, 'AdminMember', JSON.stringify(updated))

  const paragraphs = Array.from({ length: 120 }, (_, i) => `<p>Paragraph ${i}: the newsletter goes on and on about the quarter.</p>`).join('')
  server.smtp('news@remote.test', 'bob@example.com', [
    mail(S.links, 'text/html; charset=utf-8', `<p>Read <a href="${site.url}/report">the report</a>.</p><p>Log in at <a href="${site.url}/phish">https://bank.example.cn/login</a></p><p><a href="mailto:carol@example.com">write to Carol</a></p>`),
    mail(S.long, 'text/html; charset=utf-8', paragraphs),
    mail(S.short, 'text/html; charset=utf-8', '<p>Just one line.</p>'),
    mail(S.quoted, 'text/plain; charset=utf-8', `Thanks, done. Details at ${site.url}/details\n\nOn Mon, 1 Jan 2024 at 10:00, Bob <bob@example.com> wrote:\n> the hidden quoted line\n> more`),
    withAttachments(S.files),
  ])
  const alice = await server.token('alice@example.com')
  for (const [subject, confidential] of [[S.colleague, false], [S.secret, true]]) {
    const sent = await server.graphql('mutation($i:ComposeInput!){ sendMail(input:$i){ __typename ... on MailError { message } } }', { i: { to: ['bob@example.com'], subject, text: `body of ${subject}`, confidential } }, alice)
    assert.equal(sent.sendMail.__typename, 'SendMailSuccess', JSON.stringify(sent))
  }
  const token = await server.token('bob@example.com')
  const deadline = Date.now() + 30_000
  for (;;) {
    const list = await server.graphql('{ messages(folder:"INBOX", first:50){ edges { node { id subject } } } }', {}, token)
    ids = Object.fromEntries(list.messages.edges.map((e) => [e.node.subject, e.node.id]))
    if (Object.values(S).every((s) => ids[s])) break
    if (Date.now() > deadline) throw new Error(`not delivered: ${Object.values(S).filter((s) => !ids[s])}`)
    await new Promise((r) => setTimeout(r, 300))
  }
  browser = await launch()
})

after(async () => {
  for (const p of pages) await p.context.close().catch(() => {})
  await browser?.close()
  await server.stop()
  await new Promise((r) => site?.server.close(r))
})

describe('reading pane', () => {
  let bob

  test('a link opens in a new tab without opener or referrer; a link naming another site asks first', async () => {
    bob = await userPage('bob@example.com')
    const { page, context } = bob
    await open(page, S.links)
    const frame = page.frameLocator('[data-test=mail-frame]').first()
    const [tab] = await Promise.all([context.waitForEvent('page'), frame.getByText('the report').click()])
    await tab.waitForLoadState()
    assert.equal(tab.url(), `${site.url}/report`)
    assert.equal(await tab.evaluate(() => window.opener), null, 'no window.opener in the new tab')
    assert.deepEqual(site.hits, [{ url: '/report', referer: '' }], 'no Referer sent')
    await tab.close()

    // The text says bank.example.cn, the link goes to 127.0.0.1: a warning, nothing opened yet.
    await frame.getByText('https://bank.example.cn/login').click()
    const warning = page.locator('[data-test=link-destination]')
    await warning.waitFor()
    assert.equal(await warning.innerText(), `${site.url}/phish`)
    assert.equal(context.pages().length, 1, 'nothing opened before the reader confirms')
    assert.deepEqual(site.hits.map((h) => h.url), ['/report'])
    await shot(page, 'reader-link-warning')
    const [phish] = await Promise.all([context.waitForEvent('page'), page.locator('.t-dialog__footer button', { hasText: '仍然打开' }).click()])
    await phish.waitForLoadState()
    assert.equal(phish.url(), `${site.url}/phish`)
    assert.equal(await phish.evaluate(() => window.opener), null)
    await phish.close()
    const sandbox = await page.locator('[data-test=mail-frame]').first().getAttribute('sandbox')
    assert.ok(!sandbox.includes('allow-scripts'), `no scripts in the mail frame: ${sandbox}`)

    // mailto: writes a mail here rather than opening a tab.
    await frame.getByText('write to Carol').click()
    await page.waitForURL(/\/compose\?to=carol(%40|@)example\.com/)
    assert.equal(context.pages().length, 1)
  })

  test('each frame is as tall as its mail', async () => {
    const { page } = bob
    await open(page, S.long)
    await page.frameLocator('[data-test=mail-frame]').first().getByText('Paragraph 119').waitFor({ state: 'attached' })
    await page.waitForFunction(() => document.querySelector('[data-test=mail-frame]').getBoundingClientRect().height > 1500)
    const long = await frameHeight(page)
    const inner = await page.locator('[data-test=mail-frame]').first().evaluate((el) => el.contentDocument.documentElement.scrollHeight - el.clientHeight)
    assert.ok(inner <= 1, `the long mail does not scroll inside its frame (${inner} px more)`)
    await open(page, S.short)
    await page.frameLocator('[data-test=mail-frame]').first().getByText('Just one line.').waitFor()
    await page.waitForFunction(() => document.querySelector('[data-test=mail-frame]').getBoundingClientRect().height < 300)
    const short = await frameHeight(page)
    assert.ok(long > 1500 && short < 300, `long ${long} px, short ${short} px`)
  })

  test('quoted text of a plain mail is folded and shown on click; URLs are links; proportional font', async () => {
    const { page } = bob
    await open(page, S.quoted)
    const frame = page.frameLocator('[data-test=mail-frame]').first()
    await frame.getByText('Thanks, done.').waitFor()
    const quoted = frame.getByText('the hidden quoted line')
    assert.equal(await quoted.isVisible(), false, 'folded at first')
    assert.equal(await frame.locator('a', { hasText: `${site.url}/details` }).getAttribute('href'), `${site.url}/details`)
    const font = await frame.locator('.qy-text').evaluate((el) => getComputedStyle(el).fontFamily)
    assert.doesNotMatch(font, /mono/i)
    const before = await frameHeight(page)
    await frame.locator('[data-test=show-quoted]').click()
    await quoted.waitFor()
    await page.waitForFunction((h) => document.querySelector('[data-test=mail-frame]').getBoundingClientRect().height > h, before)
  })

  test('print prints the message with its headers', async () => {
    const { page } = bob
    await page.addInitScript(() => {
      // Record print() of the print frame instead of opening the dialog.
      window.printed = []
      const get = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, 'contentWindow').get
      Object.defineProperty(HTMLIFrameElement.prototype, 'contentWindow', {
        get() {
          const w = get.call(this)
          if (w && this.dataset.test === 'print-frame') w.print = () => window.printed.push(w.document.body.innerText)
          return w
        },
      })
    })
    await open(page, S.quoted)
    await page.locator('[data-test=print]').click()
    await page.waitForFunction(() => window.printed.length === 1)
    const text = await page.evaluate(() => window.printed[0])
    assert.match(text, new RegExp(S.quoted))
    assert.match(text, /发件人: News <news@remote\.test>/)
    assert.match(text, /收件人: bob@example\.com/)
    assert.match(text, /the hidden quoted line/, 'quotes printed unfolded')
    const sandbox = await page.locator('[data-test=print-frame]').getAttribute('sandbox')
    assert.ok(!sandbox.includes('allow-scripts'), sandbox)
  })

  test('view source shows the message and downloads the .eml', async () => {
    const { page } = bob
    await open(page, S.links)
    await page.locator('[data-test=view-source]').click()
    await page.locator('[data-test=source-text]', { hasText: `Subject: ${S.links}` }).waitFor()
    const [file] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=download-eml]').click()])
    assert.match(file.suggestedFilename(), /\.eml$/)
    const eml = readFileSync(await file.path(), 'utf8')
    assert.match(eml, /^[\w-]+: /, 'starts with a header')
    assert.match(eml, new RegExp(`\\r?\\nSubject: ${S.links}\\r?\\n`))
    assert.match(eml, /\r?\n\r?\n<p>Read <a href=/, 'the body after the headers')
  })

  test('an image attachment has a thumbnail and a lightbox; a PDF opens in the browser viewer', async () => {
    const { page } = bob
    await open(page, S.files)
    const thumb = page.locator('[data-test=attachment-thumb] img')
    await page.waitForFunction(() => document.querySelector('[data-test=attachment-thumb] img')?.naturalWidth === 16)
    await thumb.click()
    const big = page.locator('[data-test=lightbox-image]')
    await big.waitFor()
    assert.equal(await big.evaluate((img) => img.naturalWidth), 16, 'the picture loaded in the lightbox')
    await shot(page, 'reader-lightbox')
    await page.keyboard.press('Escape')
    await page.locator('[data-test=preview-pdf]').click()
    const pdf = page.locator('[data-test=pdf-frame]')
    await pdf.waitFor()
    const src = await pdf.getAttribute('src')
    assert.match(src, /^blob:/)
    const deadline = Date.now() + 10_000
    while (!page.frames().some((f) => f.url().startsWith('chrome-extension://')) && Date.now() < deadline) await page.waitForTimeout(100)
    assert.ok(page.frames().some((f) => f.url().startsWith('chrome-extension://')), 'the browser PDF viewer took the frame')
    await shot(page, 'reader-pdf')
    await page.keyboard.press('Escape')
  })

  test('a click on a colleague shows their contact card; the directory shows the same card', async () => {
    const { page } = bob
    await open(page, S.colleague)
    await page.locator('.head [data-test=person]', { hasText: 'Alice 王' }).first().click()
    const card = page.locator('[data-test=contact-card]')
    await card.locator('[data-test=contact-department]', { hasText: '研发部' }).waitFor()
    assert.equal(await card.locator('[data-test=contact-position]').innerText(), '高级工程师')
    assert.match(await card.innerText(), /13800138000/)
    await shot(page, 'reader-contact-card')
    await card.locator('[data-test=contact-write]').click()
    await page.waitForURL(/\/compose\?to=alice%40example\.com|\/compose\?to=alice@example\.com/)

    // An outside sender: just the address.
    await open(page, S.short)
    await page.locator('.head [data-test=person]', { hasText: 'News' }).first().click()
    await page.locator('[data-test=contact-external]').waitFor()
    assert.equal(await page.locator('[data-test=contact-card] [data-test=contact-email]').innerText(), 'news@remote.test')

    await page.goto('/directory')
    await page.locator('[data-test=directory-person]', { hasText: 'Alice 王' }).click()
    const dcard = page.locator('[data-test=directory-card] [data-test=contact-card]')
    await dcard.locator('[data-test=contact-position]', { hasText: '高级工程师' }).waitFor()
    assert.match(await dcard.locator('[data-test=contact-department]').innerText(), /研发部/)
  })

  test('confidential mail without a code channel says so, with no broken button', async () => {
    const { page, watch } = await userPage('bob@example.com')
    await page.goto(`/mail/INBOX/${ids[S.secret]}`)
    await page.locator('[data-test=confidential]').waitFor()
    await page.locator('[data-test=no-channel]').waitFor()
    assert.match(await page.locator('[data-test=no-channel]').innerText(), /管理员/)
    assert.equal(await page.locator('[data-test=send-code]').count(), 0)
    assert.equal(await page.locator('[data-test=print]').count(), 0)
    await shot(page, 'reader-confidential-no-channel')
    assert.deepEqual(watch.consoleErrors, [])
    // The print test's init script is refused in every sandboxed srcdoc frame: that is the test's own.
    const errors = bob.watch.consoleErrors.filter((m) => !/^Blocked script execution in 'about:srcdoc'/.test(m))
    assert.deepEqual(errors, [], 'no console errors in the reading pane')
  })
})
