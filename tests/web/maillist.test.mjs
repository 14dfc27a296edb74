// The mail list's daily work in real headless Chromium against a real `qiyou serve`: errors that
// do not turn into request storms, multi-select and bulk moves, delete with undo, spam / not spam,
// drag to a folder, the unread count in the tab title and opt-in desktop notifications.
// Each action is checked on the server (GraphQL as the member) or in the UI after the fact.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { until } from './lib/wait.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const server = new Server()
const CAROL = 'carol@example.com'
const SENDER = 'partner@remote.test'
const JUNK = 'junk@bulk.test'
let browser
let token
let projectsId
const contexts = []

let seq = 0
function plainMail(subject, from = SENDER) {
  seq += 1
  return [
    `From: Partner <${from}>`,
    `To: ${CAROL}`,
    `Subject: ${subject}`,
    `Message-ID: <maillist.${seq}.${Date.now()}@remote.test>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of ${subject}`,
    '',
  ].join('\r\n')
}

const FOLDERS = 'query { folders { id name role unread total } }'
const SUBJECTS = 'query($f:String!){ messages(folder:$f, first:100){ edges { node { id subject seen } } } }'

async function subjectsIn(folder) {
  const d = await server.graphql(SUBJECTS, { f: folder }, token)
  return d.messages.edges.map((e) => e.node.subject)
}

async function inboxUnread() {
  const d = await server.graphql(FOLDERS, {}, token)
  return d.folders.find((f) => f.role === 'INBOX').unread
}

async function page(options = {}, init = null) {
  const p = await openPage(browser, server.url, options)
  contexts.push(p.context)
  if (init) await p.context.addInitScript(init)
  return p
}

function graphqlCounter(pg) {
  const c = { n: 0 }
  pg.on('request', (r) => {
    if (r.url().includes('/graphql')) c.n += 1
  })
  return c
}

const row = (pg, subject) => pg.locator('[data-test=row]', { hasText: subject })

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  server.cli('user', 'add', CAROL, '--password', PASSWORD, '--name', 'Carol')
  token = await server.token(CAROL)
  const f = await server.graphql('mutation{ createFolder(name:"Projects"){ __typename ... on FolderPayload { folder { id } } } }', {}, token)
  projectsId = f.createFolder.folder.id
  server.smtp(SENDER, CAROL, ['Bulk one', 'Bulk two', 'Bulk three', 'Undo me'].map((s) => plainMail(s)))
  server.smtp(JUNK, CAROL, [plainMail('Spam me', JUNK)])
  server.smtp(SENDER, CAROL, ['Drag me', 'Read me'].map((s) => plainMail(s)))
  await until(async () => (await subjectsIn('INBOX')).length === 7, 'seven mails in the Inbox')
  browser = await launch()
})

after(async () => {
  for (const c of contexts) await c.close().catch(() => {})
  await browser?.close()
  await server.stop()
})

describe('mail list', () => {
  let carol

  test('an unknown folder: a readable error, a way back, and no request storm', async () => {
    carol = await page()
    await signIn(carol.page, CAROL, PASSWORD)
    const count = graphqlCounter(carol.page)
    await carol.page.goto('/mail/999')
    await carol.page.locator('[data-test=list-error]').waitFor()
    count.n = 0
    await carol.page.waitForTimeout(5000)
    assert.ok(count.n <= 3, `at most a few /graphql requests in 5 s on /mail/999, saw ${count.n}`)
    assert.match(await carol.page.locator('[data-test=list-error]').innerText(), /文件夹不存在/)
    assert.equal(await carol.page.getByText('加载中…').count(), 0, 'not stuck on loading')
    await carol.page.locator('[data-test=back-inbox]').click()
    await carol.page.waitForURL(/\/mail\/INBOX$/)
    await row(carol.page, 'Bulk one').waitFor()
  })

  test('offline: switching folder shows the error once, and the list comes back online by itself', async () => {
    const { page: pg, context } = carol
    const count = graphqlCounter(pg)
    await context.setOffline(true)
    count.n = 0
    await pg.locator('[data-test=folder-SENT]').click()
    await pg.locator('[data-test=list-error]').waitFor()
    await pg.waitForTimeout(5000)
    assert.ok(count.n <= 3, `at most a few /graphql requests in 5 s offline, saw ${count.n}`)
    assert.match(await pg.locator('[data-test=list-error]').innerText(), /网络已断开/)
    assert.equal(await pg.locator('[data-test=retry]').count(), 1, 'a retry button')
    await context.setOffline(false)
    await pg.locator('[data-test=list-error]').waitFor({ state: 'detached' })
    await pg.locator('[data-test=empty]').waitFor() // Sent is empty, and loaded
    await pg.locator('[data-test=folder-INBOX]').click()
    await row(pg, 'Bulk one').waitFor()
  })

  test('three mails selected (click, shift-click) move to a custom folder', async () => {
    const pg = carol.page
    await row(pg, 'Bulk three').locator('[data-test=row-check]').click()
    await row(pg, 'Bulk one').locator('[data-test=row-check]').click({ modifiers: ['Shift'] })
    await pg.locator('[data-test=selected-count]').filter({ hasText: '已选 3 封' }).waitFor()
    await pg.locator('[data-test=act-move]').click()
    await pg.locator(`[data-test=move-to-${projectsId}]`).click()
    await pg.locator('[data-test=undo-toast]').filter({ hasText: 'Projects' }).waitFor()
    await row(pg, 'Bulk two').waitFor({ state: 'detached' })
    assert.deepEqual((await subjectsIn(projectsId)).sort(), ['Bulk one', 'Bulk three', 'Bulk two'])
    assert.ok(!(await subjectsIn('INBOX')).some((s) => s.startsWith('Bulk')), 'none left in the Inbox')
    await shot(pg, 'maillist-moved')
  })

  test('delete then undo puts the mail back in the Inbox', async () => {
    const pg = carol.page
    await row(pg, 'Undo me').locator('[data-test=row-check]').click()
    await pg.locator('[data-test=act-delete]').click()
    await row(pg, 'Undo me').waitFor({ state: 'detached' })
    await until(async () => (await subjectsIn('TRASH')).includes('Undo me'), 'in Trash')
    await pg.locator('[data-test=undo]').click()
    await until(async () => (await subjectsIn('INBOX')).includes('Undo me'), 'back in the Inbox')
    assert.ok(!(await subjectsIn('TRASH')).includes('Undo me'), 'no longer in Trash')
    await row(pg, 'Undo me').waitFor()
    // The reading pane's own delete button gets the same undo.
    await row(pg, 'Undo me').click()
    await pg.locator('[data-test=reader] [data-test=subject]').filter({ hasText: 'Undo me' }).waitFor()
    await pg.locator('[data-test=reader] [data-test=delete]').click()
    await row(pg, 'Undo me').waitFor({ state: 'detached' })
    await until(async () => (await subjectsIn('TRASH')).includes('Undo me'), 'in Trash again')
    await pg.locator('[data-test=undo]').click()
    await until(async () => (await subjectsIn('INBOX')).includes('Undo me'), 'back in the Inbox again')
    await row(pg, 'Undo me').waitFor()
  })

  test('report spam by keyboard (x then !) and block the sender, then "not spam" from the Spam folder', async () => {
    const pg = carol.page
    await row(pg, 'Spam me').click() // opens it; the cursor is on it
    await pg.locator('[data-test=reader]').waitFor()
    await pg.locator('[data-test=message-list]').focus()
    await pg.keyboard.press('x')
    await pg.locator('[data-test=selected-count]').filter({ hasText: '已选 1 封' }).waitFor()
    await pg.keyboard.press('!')
    await row(pg, 'Spam me').waitFor({ state: 'detached' })
    await until(async () => (await subjectsIn('SPAM')).includes('Spam me'), 'in Spam')
    await pg.locator('[data-test=toast-extra]').filter({ hasText: '拦截发件人' }).click()
    await pg.locator('[data-test=undo-toast]').filter({ hasText: JUNK }).waitFor()
    const lists = await server.graphql('query { mySenderLists { kind pattern action } }', {}, token)
    assert.deepEqual(lists.mySenderLists.map((e) => [e.kind, e.pattern, e.action]), [['BLOCK', JUNK, 'SPAM']])
    server.smtp(JUNK, CAROL, [plainMail('More junk', JUNK)]) // the block works: straight to Spam
    await until(async () => (await subjectsIn('SPAM')).includes('More junk'), 'the next one in Spam')
    assert.ok(!(await subjectsIn('INBOX')).includes('More junk'))
    await pg.locator('[data-test=folder-SPAM]').click()
    await row(pg, 'Spam me').locator('[data-test=row-check]').click()
    assert.equal(await pg.locator('[data-test=act-spam]').count(), 0, 'no "report spam" inside Spam')
    await pg.locator('[data-test=act-notspam]').click()
    await row(pg, 'Spam me').waitFor({ state: 'detached' })
    await until(async () => (await subjectsIn('INBOX')).includes('Spam me'), 'back in the Inbox')
    assert.deepEqual(await subjectsIn('SPAM'), ['More junk'])
    await pg.locator('[data-test=folder-INBOX]').click()
    await row(pg, 'Spam me').waitFor()
  })

  test('drag one mail onto a folder in the folder list', async () => {
    const pg = carol.page
    await row(pg, 'Drag me').dragTo(pg.locator(`[data-test=folder-${projectsId}]`))
    await row(pg, 'Drag me').waitFor({ state: 'detached' })
    await until(async () => (await subjectsIn(projectsId)).includes('Drag me'), 'in Projects')
    assert.ok(!(await subjectsIn('INBOX')).includes('Drag me'))
  })

  test('by keyboard: v opens the move menu, Enter moves, z undoes', async () => {
    const pg = carol.page
    const subject = (await subjectsIn('INBOX'))[0]
    await row(pg, subject).click()
    await pg.locator('[data-test=reader]').waitFor()
    await pg.locator('[data-test=message-list]').focus()
    await pg.keyboard.press('v')
    await pg.locator('[data-test=move-menu]').waitFor()
    await pg.locator(`[data-test=move-to-${projectsId}]`).focus()
    await pg.keyboard.press('Enter')
    await row(pg, subject).waitFor({ state: 'detached' })
    await until(async () => (await subjectsIn(projectsId)).includes(subject), 'moved to Projects')
    await pg.keyboard.press('z') // the list has the focus back
    await until(async () => (await subjectsIn('INBOX')).includes(subject), 'back in the Inbox')
    await row(pg, subject).waitFor()
  })

  test('the tab title carries the Inbox unread count, live on read/unread and new mail', async () => {
    const pg = carol.page
    const titleCount = () => pg.evaluate(() => Number((document.title.match(/^\((\d+)\)/) || [0, 0])[1]))
    const waitCount = (n) => pg.waitForFunction((want) => document.title === want, n ? `(${n}) 收件箱 - 企邮` : '收件箱 - 企邮')
    server.smtp(SENDER, CAROL, [plainMail('Count me')])
    await row(pg, 'Count me').waitFor() // arrived live
    const start = await inboxUnread()
    assert.ok(start > 0)
    await waitCount(start)
    await row(pg, 'Count me').locator('[data-test=row-check]').click()
    await pg.locator('[data-test=act-read]').click()
    await waitCount(start - 1)
    assert.equal(await inboxUnread(), start - 1, 'marked read on the server')
    await pg.locator('[data-test=act-unread]').click()
    await waitCount(start)
    assert.equal(await inboxUnread(), start)
    server.smtp(SENDER, CAROL, [plainMail('Arrives live')])
    await waitCount(start + 1)
    assert.equal(await titleCount(), await inboxUnread())
  })

  test('on a 375 px phone: check a mail and star it from the toolbar', async () => {
    const p = await page({ width: 375, height: 740 })
    await signIn(p.page, CAROL, PASSWORD)
    const subject = (await subjectsIn('INBOX'))[0]
    await row(p.page, subject).locator('[data-test=row-check]').click()
    await p.page.locator('[data-test=act-star]').click()
    await row(p.page, subject).locator('[data-test=star]').waitFor()
    await p.page.locator('[data-test=act-unstar]').waitFor() // the toolbar now offers the opposite
    const flagged = 'query($f:String!){ messages(folder:$f, first:100){ edges { node { subject flagged } } } }'
    const edges = (await server.graphql(flagged, { f: 'INBOX' }, token)).messages.edges
    assert.equal(edges.find((e) => e.node.subject === subject).node.flagged, true, 'flagged on the server')
    const box = await p.page.locator('[data-test=list-toolbar]').boundingBox()
    assert.ok(box.x >= 0 && box.x + box.width <= 375, 'the toolbar fits the screen')
    await shot(p.page, 'maillist-phone')
  })

  test('desktop notifications: opt in, a new mail makes one, clicking it opens the mail', async () => {
    // Record notifications; and the tab is "in the background" (no focus), as when they matter.
    const init = () => {
      window.__notes = []
      const Real = window.Notification
      class Recorded extends Real {
        constructor(title, options) {
          super(title, options)
          window.__notes.push({ title, body: options?.body, note: this })
        }
      }
      Object.defineProperty(Recorded, 'permission', { get: () => Real.permission })
      Recorded.requestPermission = (...a) => Real.requestPermission(...a)
      window.Notification = Recorded
      document.hasFocus = () => false
    }
    const p = await page({}, init)
    await p.context.grantPermissions(['notifications'], { origin: server.url })
    await signIn(p.page, CAROL, PASSWORD)
    const toggle = p.page.locator('[data-test=notify-toggle]')
    assert.match(await toggle.innerText(), /开启桌面通知/)
    await toggle.click()
    await toggle.filter({ hasText: '桌面通知：开' }).waitFor()
    assert.equal(await p.page.evaluate(() => window.__notes.length), 0, 'none before mail arrives')
    server.smtp(SENDER, CAROL, [plainMail('Notify me')])
    await p.page.waitForFunction(() => window.__notes.length > 0)
    const note = await p.page.evaluate(() => ({ title: window.__notes[0].title, body: window.__notes[0].body }))
    assert.equal(note.body, 'Notify me')
    assert.match(note.title, /Partner/)
    const id = (await server.graphql(SUBJECTS, { f: 'INBOX' }, token)).messages.edges.find((e) => e.node.subject === 'Notify me').node.id
    await p.page.evaluate(() => window.__notes[0].note.onclick())
    await p.page.waitForURL(new RegExp(`/mail/INBOX/${id}$`))
    await p.page.locator('[data-test=reader] [data-test=subject]').filter({ hasText: 'Notify me' }).waitFor()
    // Still on after a reload (kept in localStorage, the permission granted).
    await p.page.reload()
    await toggle.filter({ hasText: '桌面通知：开' }).waitFor()
  })
})
