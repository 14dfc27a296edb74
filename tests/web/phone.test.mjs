// A phone-width pass over every screen (375×812) in real headless Chromium against a real
// `qiyou serve`: a member, an auditor and a super admin visit every route; no page scrolls
// sideways (documentElement.scrollWidth ≤ 375) and the main action of each screen is inside the
// screen once scrolled to, and takes a click (Playwright's actionability checks: visible, stable,
// enabled, not covered). The header's menu reaches every navigation entry, the language toggle
// and sign-out, and they work.
// Run: QIYOU_WEB_DIST=/tmp/dist-shell node --test tests/web/phone.test.mjs
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const WIDTH = 375
const HEIGHT = 812
const server = new Server()
const DOMAIN = 'phone.test'
const addr = (local) => `${local}@${DOMAIN}`
const tag = Date.now().toString(36)
const SUBJECT = `手机 phone ${tag}`
let browser
const pages = []
let messageId = ''

async function phonePage(email) {
  const p = await openPage(browser, server.url, { width: WIDTH, height: HEIGHT })
  pages.push(p)
  await signIn(p.page, email, PASSWORD)
  return p
}

/** How far the page is wider than the phone, and the widest elements that stick out. */
async function overflow(page) {
  return page.evaluate((width) => {
    const out = []
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect()
      if (r.width && r.right > width + 1 && getComputedStyle(el).position !== 'fixed') {
        out.push(`${el.tagName.toLowerCase()}.${String(el.className).trim().split(/\s+/).slice(0, 2).join('.')} right=${Math.round(r.right)}`)
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, bodyWidth: document.body.scrollWidth, culprits: out.slice(0, 8) }
  }, WIDTH)
}

/** The element is inside the phone's screen once scrolled to, and a click would land on it. */
async function reachable(page, locator, label) {
  const target = locator.first()
  await target.waitFor({ state: 'visible' })
  await target.scrollIntoViewIfNeeded()
  const box = await target.boundingBox()
  assert.ok(box, `${label}: no box`)
  assert.ok(box.x >= 0 && box.x + box.width <= WIDTH + 1, `${label}: x ${Math.round(box.x)}..${Math.round(box.x + box.width)} outside 0..${WIDTH}`)
  assert.ok(box.y >= 0 && box.y + Math.min(box.height, 20) <= HEIGHT, `${label}: y ${Math.round(box.y)} outside the screen`)
  await target.click({ trial: true, timeout: 5000 })
}

/** Visit a route at phone width: no sideways scroll, the main action reachable. */
async function visit(page, route, ready, action, label = route) {
  await page.goto(route)
  await page.locator(ready).first().waitFor()
  await page.waitForLoadState('networkidle')
  const o = await overflow(page)
  assert.ok(o.scrollWidth <= WIDTH && o.bodyWidth <= WIDTH, `${label}: scrollWidth ${o.scrollWidth}/${o.bodyWidth} > ${WIDTH}: ${o.culprits.join(', ')}`)
  await reachable(page, page.locator(action), `${label}: main action ${action}`)
  await shot(page, `phone${route.replace(/[/?=&]+/g, '-')}`)
}

before(async () => {
  await server.start()
  server.cli('domain', 'add', DOMAIN)
  for (const [local, name] of [['boss', 'Boss'], ['aud', '审计员'], ['mem', '成员'], ['peer', 'Peer']]) {
    server.cli('user', 'add', addr(local), '--password', PASSWORD, '--name', name)
  }
  server.cli('admin', 'grant', addr('boss'), '--super')
  const boss = await server.token(addr('boss'))
  const created = await server.graphql('mutation { createDepartment(name:"研发部"){ __typename ... on AdminDepartment { id } } }', {}, boss)
  const dept = created.createDepartment.id
  assert.ok(dept, JSON.stringify(created))
  const enabled = await server.graphql('mutation { setArchiveSettings(enabled:true, retentionDays:365){ __typename } }', {}, boss)
  assert.equal(enabled.setArchiveSettings.__typename, 'ArchiveSettings', JSON.stringify(enabled))
  server.cli('auditor', 'grant', addr('aud'), '--department-id', dept)
  const peer = await server.token(addr('peer'))
  const sent = await server.graphql('mutation($i:ComposeInput!){ sendMail(input:$i){ __typename ... on MailError { message } } }', { i: { to: [addr('mem')], subject: SUBJECT, text: `一封很长的邮件 ${'内容 '.repeat(200)}` } }, peer)
  assert.equal(sent.sendMail.__typename, 'SendMailSuccess', JSON.stringify(sent))
  const mem = await server.token(addr('mem'))
  const deadline = Date.now() + 60_000 // a loaded machine delivers slowly
  while (!messageId) {
    const d = await server.graphql('{ messages(folder:"INBOX", first:10){ edges { node { id subject } } } }', {}, mem)
    messageId = d.messages.edges.find((e) => e.node.subject === SUBJECT)?.node.id || ''
    if (!messageId && Date.now() > deadline) throw new Error('the mail did not arrive')
    if (!messageId) await new Promise((r) => setTimeout(r, 300))
  }
  browser = await launch()
})

after(async () => {
  for (const p of pages) await p.context.close().catch(() => {})
  await browser?.close()
  await server.stop()
})

describe('phone width (375×812)', () => {
  test('the header fits; its menu reaches every entry, the language toggle and sign-out', async () => {
    const { page, watch } = await phonePage(addr('boss'))
    const o = await overflow(page)
    assert.ok(o.scrollWidth <= WIDTH, `header: ${o.culprits.join(', ')}`)
    for (const sel of ['[data-test=menu]', '[data-test=header-search]']) await reachable(page, page.locator(sel), sel)
    await page.locator('[data-test=menu]').click()
    const drawer = page.locator('[data-test=menu-drawer]')
    await drawer.waitFor()
    for (const key of ['mail', 'directory', 'notices', 'settings', 'clients', 'admin']) {
      await reachable(page, page.locator(`[data-test=menu-${key}]`), `menu ${key}`)
    }
    assert.equal(await page.locator('[data-test=menu-audit]').count(), 0, 'no audit entry for a non-auditor')
    await shot(page, 'phone-menu')
    // navigation from the drawer closes it
    await page.locator('[data-test=menu-directory]').click()
    await page.waitForURL(/\/directory/)
    await drawer.waitFor({ state: 'hidden' })
    // the language toggle works from the drawer
    await page.locator('[data-test=menu]').click()
    await reachable(page, page.locator('[data-test=menu-locale]'), 'language')
    await page.locator('[data-test=menu-locale]').click()
    await page.locator('[data-test=menu-settings]', { hasText: 'Settings' }).waitFor()
    assert.equal(await page.evaluate(() => localStorage.getItem('qiyou.locale')), 'en')
    await page.locator('[data-test=menu-locale]').click()
    await page.locator('[data-test=menu-settings]', { hasText: '设置' }).waitFor()
    // sign-out from the drawer
    await reachable(page, page.locator('[data-test=menu-logout]'), 'sign out')
    await page.locator('[data-test=menu-logout]').click()
    await page.waitForURL(/\/signin/)
    assert.equal(await page.evaluate(() => localStorage.getItem('qiyou.token')), null)
    assert.deepEqual(watch.consoleErrors, [])
  })

  test('tablet widths: the header shows every entry, nothing scrolls sideways', async () => {
    for (const width of [768, 1024]) {
      const p = await openPage(browser, server.url, { width, height: 900 })
      pages.push(p)
      await signIn(p.page, addr('aud'), PASSWORD)
      await p.page.goto('/audit')
      await p.page.locator('[data-test=audit]').waitFor()
      const scrollWidth = await p.page.evaluate(() => document.documentElement.scrollWidth)
      assert.ok(scrollWidth <= width, `${width}: scrollWidth ${scrollWidth}`)
      for (const key of ['mail', 'directory', 'notices', 'settings', 'clients', 'audit']) {
        const box = await p.page.locator(`[data-test=nav-${key}]`).boundingBox()
        assert.ok(box && box.x >= 0 && box.x + box.width <= width, `${width}: nav ${key} at ${JSON.stringify(box)}`)
      }
      for (const key of ['header-search', 'locale', 'logout']) {
        const box = await p.page.locator(`[data-test=${key}]`).boundingBox()
        assert.ok(box && box.x + box.width <= width, `${width}: ${key} at ${JSON.stringify(box)}`)
      }
      await p.context.close()
    }
  })

  test('a member: mail, a message, compose, search, directory, notices, settings, clients', async () => {
    const { page, watch } = await phonePage(addr('mem'))
    await visit(page, '/mail/INBOX', '[data-test=message-list]', '[data-test=row]', 'mail list')
    // the folder list is a drawer on a phone: its toggle opens it, compose and the folders are in it
    if (!(await page.locator('[data-test=compose]').isVisible())) await page.locator('main button', { hasText: '☰' }).first().click()
    await reachable(page, page.locator('[data-test=folder-INBOX]'), 'folders drawer')
    await reachable(page, page.locator('[data-test=compose]'), 'compose from the mail list')
    await visit(page, `/mail/INBOX/${messageId}`, '[data-test=reader]', '[data-test=reply]', 'a message')
    await visit(page, '/compose', '[data-test=compose-page]', '[data-test=send]', 'compose')
    await visit(page, `/search?q=${tag}`, '[data-test=search-row]', '[data-test=search-go]', 'search')
    await page.locator('[data-test=search-filters]').click()
    await reachable(page, page.locator('[data-test=search-since]'), 'search date filter')
    assert.ok((await overflow(page)).scrollWidth <= WIDTH, 'search filters open')
    await page.locator('[data-test=search-filters]').click()
    await reachable(page, page.locator('[data-test=search-row]'), 'search result')
    await page.locator('[data-test=search-row]').first().click()
    await reachable(page, page.locator('[data-test=reader] [data-test=reply]'), 'search: the opened message')
    assert.ok((await overflow(page)).scrollWidth <= WIDTH, 'search: reading')
    await visit(page, '/directory', '[data-test=directory]', '[data-test=directory-search]', 'directory')
    await visit(page, '/notices', '[data-test=notices]', '[data-test=notices] .t-button', 'notices')
    await visit(page, '/settings', '.t-tabs', '.t-tabs__nav-item', 'settings')
    for (const tab of ['安全', '邮件规则', '我的日志']) {
      const item = page.locator('.t-tabs__nav-item', { hasText: tab })
      if (!(await item.count())) continue
      await reachable(page, item, `settings tab ${tab}`)
      await item.click()
      await page.waitForLoadState('networkidle')
      const o = await overflow(page)
      assert.ok(o.scrollWidth <= WIDTH, `settings ${tab}: ${o.culprits.join(', ')}`)
    }
    await reachable(page, page.locator('[data-test=pw-save]').or(page.locator('.t-tabs__panel:visible .t-button')), 'settings save')
    await visit(page, '/clients', '[data-test=mail-clients]', '[data-test=server-row], [data-test=no-servers]', 'clients')
    assert.deepEqual(watch.consoleErrors, [])
  })

  test('an auditor: the audit screen searches', async () => {
    const { page, watch } = await phonePage(addr('aud'))
    await visit(page, '/audit', '[data-test=audit]', '[data-test=audit-search]', 'audit')
    await page.locator('[data-test=audit-search]').click()
    await page.locator('[data-test=audit-total], [data-test=audit-none], [data-test=audit-error]').first().waitFor()
    const o = await overflow(page)
    assert.ok(o.scrollWidth <= WIDTH, `audit results: ${o.culprits.join(', ')}`)
    assert.deepEqual(watch.consoleErrors, [])
  })

  test('an admin: every admin screen', async () => {
    const { page, watch } = await phonePage(addr('boss'))
    const screens = [
      ['dashboard', '[data-test=stat-members]'],
      ['domains', '[data-test=domain-table]'],
      ['dmarc', '[data-test=dmarc-domain], [data-test=dmarc-empty]'],
      ['members', '[data-test=add-member]'],
      ['groups', '[data-test=admin-groups] .t-button--theme-primary'],
      ['admins', '[data-test=admin-admins] .t-button--theme-primary'],
      ['security', '[data-test=admin-security] .t-button, [data-test=admin-security] .t-switch'],
      ['branding', '[data-test=admin-branding] .t-button--theme-primary'],
      ['notices', '[data-test=admin-notices] .t-checkbox, [data-test=admin-notices] .t-table'],
      ['logs', '[data-test=log-table]'],
      ['apps', '[data-test=admin-apps] .t-button--theme-primary'],
      ['policies', '[data-test=admin-policies] .t-button, [data-test=approval-queue]'],
    ]
    const failures = []
    for (const [name, action] of screens) {
      try {
        await visit(page, `/admin/${name}`, `[data-test=admin-${name}]`, action, `admin ${name}`)
      } catch (e) {
        failures.push(`${name}: ${e.message.split('\n')[0]}`)
      }
    }
    assert.deepEqual(failures, [])
    assert.deepEqual(watch.consoleErrors, [])
  })
})
