// The web app in real headless Chromium against a real `qiyou serve` (fresh data dir).
// Run: node --test tests/web/  (needs web/dist built and /usr/bin/chromium; see docs/web.md)
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'
import { corpus, payloadServer, rawMail } from './lib/payload.mjs'

const server = new Server()
let browser
let payload
const pages = []

async function userPage(email, options) {
  const p = await openPage(browser, server.url, options)
  pages.push(p)
  if (email) await signIn(p.page, email, PASSWORD)
  return p
}

function noConsoleErrors(watch, label) {
  assert.deepEqual(watch.consoleErrors, [], `${label}: console errors`)
}

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  for (const [email, name] of [['alice@example.com', 'Alice 王'], ['bob@example.com', 'Bob'], ['admin@example.com', 'Admin'], ['scoped@example.com', 'Scoped']]) {
    server.cli('user', 'add', email, '--password', PASSWORD, '--name', name)
  }
  server.cli('admin', 'grant', 'admin@example.com', '--super')
  browser = await launch()
  payload = await payloadServer()
})

after(async () => {
  for (const p of pages) await p.context.close().catch(() => {})
  await browser?.close()
  await payload?.close()
  await server.stop()
})

describe('webmail', () => {
  let alice
  let bob
  const subject = `季度计划 Q3 plan ${Date.now()}`

  test('the app is served at / with a fallback for client routes, API routes untouched', async () => {
    for (const path of ['/', '/mail/INBOX', '/admin/members']) {
      const r = await fetch(server.url + path)
      assert.equal(r.status, 200, path)
      assert.match(await r.text(), /<div id="app">/)
    }
    assert.equal((await fetch(`${server.url}/health`)).status, 200)
    assert.match(await (await fetch(`${server.url}/login`)).text(), /<form id="login"/) // branded page kept
    assert.equal((await fetch(`${server.url}/graphql/nothing`)).status, 404)
    assert.equal((await fetch(`${server.url}/assets/missing.js`)).status, 404)
  })

  test('a wrong password shows a readable message at the password field', async () => {
    const { page, watch } = await userPage(null)
    await page.goto('/signin')
    await page.locator('[data-test=email] input').fill('alice@example.com')
    await page.locator('[data-test=password] input').fill('wrong-password')
    await page.locator('[data-test=submit]').click()
    const error = page.locator('[data-test=password-error]')
    await error.waitFor()
    assert.ok((await error.innerText()).trim().length > 3, 'a readable message at the password field')
    assert.ok(page.url().includes('/signin'))
    await shot(page, 'login-error')
    assert.deepEqual(watch.dialogs, [])
  })

  test('alice sends bob a mail with an attachment; it appears live in bob\'s open inbox', async () => {
    bob = await userPage('bob@example.com')
    alice = await userPage('alice@example.com')
    await shot(alice.page, 'inbox-empty')
    await bob.page.locator('[data-test=empty]').waitFor()

    await alice.page.locator('[data-test=compose]').click()
    await alice.page.locator('[data-test=to-input]').fill('bob')
    await alice.page.locator('[data-test=to-suggestions] li', { hasText: 'bob@example.com' }).waitFor()
    await alice.page.locator('[data-test=to-input]').press('Enter')
    await alice.page.locator('[data-test=subject-input] input').fill(subject)
    await alice.page.locator('[data-test=body]').click()
    await alice.page.keyboard.type('下季度的计划见附件。See the attached plan.')
    await alice.page.locator('[data-test=attach-input]').setInputFiles({ name: 'plan.txt', mimeType: 'text/plain', buffer: Buffer.from('step 1\nstep 2\n') })
    await shot(alice.page, 'compose')
    await alice.page.locator('[data-test=send]').click()
    await alice.page.waitForURL(/\/mail\/INBOX/)

    // Bob never reloads: the row arrives over the graphql-ws subscription.
    const row = bob.page.locator('[data-test=row]', { hasText: subject })
    await row.waitFor({ timeout: 30_000 })
    await bob.page.locator('[data-test=folder-INBOX] [data-test=unread]', { hasText: '1' }).waitFor()
    await shot(bob.page, 'inbox-live')
  })

  test('bob reads it with the keyboard, sees the attachment, and replies', async () => {
    const { page } = bob
    await page.locator('[data-test=message-list]').focus()
    await page.keyboard.press('j')
    await page.keyboard.press('Enter')
    await page.locator('[data-test=subject]', { hasText: subject }).waitFor()
    await page.locator('[data-test=attachments]', { hasText: 'plan.txt' }).waitFor()
    const href = await page.locator('[data-test=attachments] a', { hasText: 'plan.txt' }).getAttribute('href')
    assert.match(href, /^\/attachments\/\d+\/\d+\?ticket=[\w.-]+$/, 'a signed link, no session token in the URL')
    const file = await fetch(server.url + href)
    assert.equal(await file.text(), 'step 1\nstep 2\n', 'the signed link downloads without a session header')
    const body = page.frameLocator('[data-test=mail-frame]').first().locator('body')
    await body.getByText('See the attached plan.').waitFor()
    await page.waitForFunction(() => !document.querySelector('[data-test=folder-INBOX] [data-test=unread]'))
    await shot(page, 'reading-pane')

    await page.locator('[data-test=reply]').click()
    await page.locator('[data-test=compose-page]').waitFor()
    await page.waitForFunction(() => document.querySelector('[data-test=subject-input] input').value.startsWith('Re: '))
    await page.locator('[data-test=body]').click()
    await page.keyboard.press('Control+Home')
    await page.keyboard.type('收到，谢谢！Got it.')
    await page.locator('[data-test=send]').click()
    await page.waitForURL(/\/mail\/INBOX/)

    // The reply reaches alice live, threaded with her mail (a conversation of two).
    const row = alice.page.locator('[data-test=row]', { hasText: subject })
    await row.waitFor({ timeout: 30_000 })
    await alice.page.locator('[data-test=row]', { hasText: '(2)' }).waitFor({ timeout: 30_000 })
    await row.click()
    await alice.page.frameLocator('[data-test=mail-frame]').last().locator('body').getByText('Got it.').waitFor()
    await shot(alice.page, 'conversation')
    noConsoleErrors(alice.watch, 'alice')
    noConsoleErrors(bob.watch, 'bob')
  })

  test('alice searches her mail and sees the match highlighted', async () => {
    const { page } = alice
    await page.locator('[data-test=header-search]').fill('季度计划')
    await page.locator('[data-test=header-search]').press('Enter')
    await page.waitForURL(/\/search\?q=/)
    const hit = page.locator('[data-test=search-row]', { hasText: subject })
    const deadline = Date.now() + 30_000
    while (!(await hit.count()) && Date.now() < deadline) {
      await page.waitForTimeout(500)
      await page.locator('[data-test=search-go]').click() // the index may lag the commit a little
    }
    await hit.first().waitFor()
    assert.ok(await page.locator('[data-test=search-row] [data-test=snippet] mark').count(), 'matches are highlighted')
    await hit.first().click()
    await page.locator('[data-test=subject]', { hasText: subject }).waitFor()
    await shot(page, 'search')
  })

  test('alice recalls an unread mail: per-recipient result, gone from bob\'s inbox live', async () => {
    const { page } = alice
    const recallSubject = `recall-me ${Date.now()}`
    await page.goto('/compose')
    await page.locator('[data-test=to-input]').fill('bob@example.com')
    await page.locator('[data-test=to-input]').press('Enter')
    await page.locator('[data-test=subject-input] input').fill(recallSubject)
    await page.locator('[data-test=body]').click()
    await page.keyboard.type('Sent by mistake.')
    await page.locator('[data-test=send]').click()
    await page.waitForURL(/\/mail\/INBOX/)
    const bobRow = bob.page.locator('[data-test=row]', { hasText: recallSubject })
    await bobRow.waitFor({ timeout: 30_000 })

    await page.locator('[data-test=folder-SENT]').click()
    await page.locator('[data-test=row]', { hasText: recallSubject }).click()
    await page.locator('[data-test=recall]').click()
    const result = page.locator('[data-test=recall-result]')
    await result.waitFor()
    assert.match(await result.innerText(), /bob@example\.com: 已撤回/)
    await shot(page, 'recall')
    await bobRow.waitFor({ state: 'detached', timeout: 30_000 })
  })

  test('compose autosaves a draft that reopens from the Drafts folder', async () => {
    const { page } = alice
    const draftSubject = `draft ${Date.now()}`
    await page.goto('/compose')
    await page.locator('[data-test=subject-input] input').fill(draftSubject)
    await page.locator('[data-test=body]').click()
    await page.keyboard.type('Half-written.')
    await page.locator('[data-test=draft-status]', { hasText: /草稿已于/ }).waitFor({ timeout: 30_000 })
    await page.goto('/mail/DRAFTS')
    await page.locator('[data-test=row]', { hasText: draftSubject }).click()
    await page.waitForURL(/\/compose\?draft=/)
    await page.waitForFunction((s) => document.querySelector('[data-test=subject-input] input').value === s, draftSubject)
    assert.match(await page.locator('[data-test=body]').innerText(), /Half-written\./)
  })

  test('directory, notices and settings screens load without errors', async () => {
    const { page, watch } = alice
    await page.locator('[data-test=nav-directory]').click()
    await page.locator('[data-test=directory]', { hasText: 'bob@example.com' }).waitFor()
    await shot(page, 'directory')
    await page.locator('[data-test=nav-notices]').click()
    await page.locator('[data-test=notices]').waitFor()
    await page.locator('[data-test=nav-settings]').click()
    await page.locator('[data-test=settings]').waitFor()
    await shot(page, 'settings')
    await page.locator('.t-tabs__nav-item', { hasText: '收信规则' }).click()
    await page.locator('[data-test=filter-value] input').fill('newsletter')
    await page.locator('[data-test=add-filter]').click()
    await page.locator('[data-test=mail-rules] .t-table', { hasText: 'newsletter' }).waitFor()
    await shot(page, 'settings-rules')
    noConsoleErrors(watch, 'alice screens')
  })

  test('a 375 px phone can read and navigate mail', async () => {
    const phone = await userPage('bob@example.com', { width: 375, height: 812 })
    const { page } = phone
    await page.locator('[data-test=row]', { hasText: subject }).first().waitFor()
    await shot(page, 'phone-inbox')
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scroll')
    await page.locator('[data-test=row]', { hasText: subject }).first().click()
    await page.locator('[data-test=subject]').waitFor()
    assert.equal(await page.locator('[data-test=message-list]').isVisible(), false, 'the list gives way to the message')
    await shot(page, 'phone-reading')
    // A flag set on the phone shows up live in bob's desktop session.
    await page.locator('[data-test=flag]').click()
    await bob.page.goto('/mail/INBOX')
    await bob.page.locator('[data-test=row]', { hasText: subject }).first().waitFor()
    await page.locator('[data-test=flag]').click() // unflag, then flag again while the desktop watches
    await bob.page.waitForFunction((s) => ![...document.querySelectorAll('[data-test=row]')].some((r) => r.textContent.includes(s) && r.textContent.includes('★')), subject)
    await page.locator('[data-test=flag]').click()
    await bob.page.locator('[data-test=row]', { hasText: subject }).filter({ hasText: '★' }).first().waitFor({ timeout: 30_000 })
    noConsoleErrors(phone.watch, 'phone')
  })
})

describe('security in the reading pane', () => {
  test('no script of a malicious mail runs and nothing it points at is loaded', async () => {
    const cases = corpus(payload.url)
    const names = Object.keys(cases)
    const remoteSubject = 'remote-image'
    server.smtp('mallory@evil.test', 'bob@example.com', [
      ...names.map((n) => rawMail('mallory@evil.test', 'bob@example.com', `xss-${n}`, cases[n])),
      rawMail('mallory@evil.test', 'bob@example.com', remoteSubject, `<p>tracking</p><img src="${payload.url}/remote.png">`),
    ])
    const token = await server.token('bob@example.com')
    const list = await server.graphql('{ messages(folder:"INBOX", first:50){ edges { node { id subject } } } }', {}, token)
    const ids = Object.fromEntries(list.messages.edges.map((e) => [e.node.subject, e.node.id]))
    for (const n of names) assert.ok(ids[`xss-${n}`], `xss-${n} was delivered`)

    const { page, watch } = await userPage('bob@example.com')
    const requests = []
    page.on('request', (r) => r.url().startsWith(payload.url) && requests.push(r.url()))
    for (const n of names) {
      await page.goto(`/mail/INBOX/${ids[`xss-${n}`]}`)
      await page.locator('[data-test=subject]', { hasText: `xss-${n}` }).waitFor()
      const frame = page.frameLocator('[data-test=mail-frame]').first()
      await frame.locator('body').waitFor({ state: 'attached' })
      const links = frame.locator('a')
      if (await links.count()) await links.first().click({ timeout: 2000 }).catch(() => {})
      await page.waitForTimeout(300)
    }
    await page.waitForTimeout(1000)
    assert.deepEqual(watch.dialogs, [], 'no dialog opened')
    assert.deepEqual(payload.hits, [], 'the payload server got no request')
    assert.deepEqual(requests, [], 'the browser made no request to the payload URL')
    assert.deepEqual(watch.console.filter((m) => !/Content Security Policy|Blocked script execution|sandboxed/i.test(m)), [], 'no console output from mail content')

    // The watchers do see loads: the remote image is blocked until bob allows it.
    await page.goto(`/mail/INBOX/${ids[remoteSubject]}`)
    await page.locator('[data-test=remote-blocked]').waitFor()
    await shot(page, 'remote-images-blocked')
    assert.deepEqual(payload.hits, [])
    await page.locator('[data-test=show-images]').click()
    const deadline = Date.now() + 10_000
    while (!payload.hits.includes('/remote.png') && Date.now() < deadline) await page.waitForTimeout(100)
    assert.deepEqual(payload.hits, ['/remote.png'], 'an allowed image loads (the watcher works)')
  })

  test('signing the session out elsewhere sends the open tab to the sign-in screen', async () => {
    const { page, watch } = await userPage('alice@example.com')
    const token = await page.evaluate(() => localStorage.getItem('qiyou.token'))
    assert.ok(token, 'the tab holds a session token')
    // The live socket is up once the inbox is shown; wait for a push to be sure it is.
    const ping = `ping ${Date.now()}`
    server.smtp('partner@remote.test', 'alice@example.com', [rawMail('partner@remote.test', 'alice@example.com', ping, '<p>ping</p>')])
    await page.locator('[data-test=message-list]', { hasText: ping }).waitFor({ timeout: 15_000 })
    const out = await server.graphql('mutation { logout }', {}, token)
    assert.equal(out.logout, true)
    await page.waitForURL(/\/signin/, { timeout: 5_000 })
    assert.equal(await page.evaluate(() => localStorage.getItem('qiyou.token')), null, 'the revoked token is forgotten')
    noConsoleErrors(watch, 'revoked session')
  })

  test('a mail from outside forging a colleague is kept in Spam with a warning the reader shows', async () => {
    const admin = await server.token('admin@example.com')
    const set = await server.graphql('mutation { setSpoofPolicy(action: SPAM) { __typename ... on SpoofPolicy { action } } }', {}, admin)
    assert.equal(set.setSpoofPolicy.action, 'SPAM')
    const forged = `urgent wire transfer ${Date.now()}`
    const genuine = `partner news ${Date.now()}`
    server.smtp('alice@example.com', 'bob@example.com', [rawMail('alice@example.com', 'bob@example.com', forged, '<p>Pay this invoice today.</p>')])
    server.smtp('news@partner.test', 'bob@example.com', [rawMail('news@partner.test', 'bob@example.com', genuine, '<p>Hello</p>')])
    const token = await server.token('bob@example.com')
    const ids = {}
    for (const folder of ['SPAM', 'INBOX']) {
      const list = await server.graphql('query($f:String!){ messages(folder:$f, first:50){ edges { node { id subject } } } }', { f: folder }, token)
      for (const e of list.messages.edges) ids[e.node.subject] = [folder, e.node.id]
    }
    assert.equal(ids[forged]?.[0], 'SPAM', 'the forged mail is in Spam')
    assert.equal(ids[genuine]?.[0], 'INBOX', 'mail from a foreign domain is not touched')

    const { page, watch } = await userPage('bob@example.com')
    await page.goto(`/mail/SPAM/${ids[forged][1]}`)
    await page.locator('[data-test=subject]', { hasText: forged }).waitFor()
    const warning = page.locator('[data-test=spoof-warning]')
    await warning.waitFor()
    assert.match(await warning.innerText(), /example\.com/)
    await shot(page, 'spoof-warning')
    await page.goto(`/mail/INBOX/${ids[genuine][1]}`)
    await page.locator('[data-test=subject]', { hasText: genuine }).waitFor()
    assert.equal(await page.locator('[data-test=spoof-warning]').count(), 0, 'no warning on ordinary mail')
    noConsoleErrors(watch, 'spoof warning')
  })
})

describe('admin console', () => {
  test('an admin creates a department and a member; the member signs in', async () => {
    const { page, watch } = await userPage('admin@example.com')
    await page.locator('[data-test=nav-admin]').click()
    await page.locator('[data-test=admin-dashboard]').waitFor()
    await page.locator('[data-test=stat-members]', { hasText: '4' }).waitFor()
    await page.waitForTimeout(500)
    await shot(page, 'admin-dashboard')

    await page.locator('[data-test=admin-nav-members]').click()
    await page.locator('[data-test=add-department]').click()
    await page.locator('[data-test=department-name] input').fill('研发部')
    await page.locator('.t-dialog__confirm').filter({ visible: true }).click()
    await page.locator('[data-test="dept-研发部"]').click()
    await page.locator('[data-test=add-member]').click()
    await page.locator('[data-test=member-email] input').fill('dev@example.com')
    await page.locator('[data-test=member-name] input').fill('开发者')
    await page.locator('[data-test=member-password] input').fill('dev-password-123')
    await page.locator('.t-dialog__confirm').filter({ visible: true }).click()
    await page.locator('[data-test=member-table]', { hasText: 'dev@example.com' }).waitFor()
    await shot(page, 'admin-members')

    // Bulk import: each row succeeds or fails alone, and the report says which.
    const csv = 'email,name,password,department\nqa1@example.com,测试一,qa-password-1,研发部/测试组\nnot-an-address,坏行,qa-password-2,研发部\n'
    await page.locator('[data-test=import-input]').setInputFiles({ name: 'members.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    const report = page.locator('[data-test=import-report]')
    await report.waitFor()
    const reportText = await report.innerText()
    assert.match(reportText, /qa1@example\.com/)
    assert.match(reportText, /已新建/) // the row statuses and errors in words (CREATED, ERROR and English before)
    assert.match(reportText, /邮箱地址无效/)
    await page.locator('[data-test="dept-测试组"]').waitFor()
    await shot(page, 'admin-import')

    // A typed error lands at the field it names.
    await page.locator('[data-test=add-member]').click()
    await page.locator('[data-test=member-email] input').fill('dev@example.com')
    await page.locator('[data-test=member-password] input').fill('dev-password-123')
    await page.locator('.t-dialog__confirm').filter({ visible: true }).click()
    const emailError = page.locator('[data-test=member-email-error], [data-test=member-error]').filter({ hasText: /\S/ })
    await emailError.first().waitFor()
    await shot(page, 'admin-member-error')
    await page.keyboard.press('Escape')

    for (const screen of ['groups', 'domains', 'admins', 'security', 'policies', 'branding', 'notices', 'logs', 'apps']) {
      await page.locator(`[data-test=admin-nav-${screen}]`).click()
      await page.locator(`[data-test=admin-${screen}]`).waitFor()
      await page.waitForTimeout(300)
      await shot(page, `admin-${screen}`)
    }
    noConsoleErrors(watch, 'admin screens')

    const dev = await userPage(null)
    await signIn(dev.page, 'dev@example.com', 'dev-password-123')
    assert.match(await dev.page.locator('.who').innerText(), /开发者/)
  })

  test('a scoped admin sees only the members of their department', async () => {
    const token = await server.token('admin@example.com')
    const created = await server.graphql('mutation { createDepartment(name:"市场部"){ __typename ... on AdminDepartment { id } } }', {}, token)
    const marketing = created.createDepartment.id
    const depts = await server.graphql('{ adminDepartments { id name } }', {}, token)
    const rd = depts.adminDepartments.find((d) => d.name === '研发部').id
    await server.graphql('mutation($d:[ID!]){ createMember(input:{email:"sales@example.com", password:"sales-password-1", departmentIds:$d}){ __typename } }', { d: [marketing] }, token)
    await server.graphql('mutation($d:[ID!]){ updateMember(email:"scoped@example.com", input:{departmentIds:$d}){ __typename } }', { d: [rd] }, token)
    server.cli('admin', 'grant', 'scoped@example.com', '--permission', 'members', '--department-id', rd)

    const { page, watch } = await userPage('scoped@example.com')
    await page.goto('/admin/members')
    await page.locator('[data-test=member-table]', { hasText: 'dev@example.com' }).waitFor()
    const text = await page.locator('[data-test=admin-members]').innerText()
    assert.ok(!text.includes('sales@example.com'), 'another department\'s member is hidden')
    assert.ok(!text.includes('alice@example.com'), 'members outside the scope are hidden')
    assert.ok(!text.includes('市场部'), 'other departments are hidden')
    assert.equal(await page.locator('[data-test=admin-nav-domains]').count(), 0, 'no super-admin screens')
    await shot(page, 'admin-scoped')
    noConsoleErrors(watch, 'scoped admin')
  })
})
