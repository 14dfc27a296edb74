// The admin console's member and department editing, in real headless Chromium against a real
// `qiyou serve`: an admin edits a member (name, position) and sees it after a reload and through
// GraphQL; resets a password (the member signs in with the new one and not the old); adds an
// alias and a mail sent over SMTP to it lands in the member's inbox; renames a department,
// moves it under another (the parent picker offers neither the department nor what is below
// it), deletes an empty one and is told in Chinese why a non-empty one stays; the root
// department has a name in pickers; the logs, the import report and the DNS records speak
// words, not codes; and at 375 px every admin screen fits the width with the edit in reach.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const server = new Server()
let browser
let admin // the super administrator's token
const ids = {} // department name → id
const NEW_PASSWORD = 'fresh-start-2026'

const DEPARTMENTS = 'query { adminDepartments { id name parentId path } }'
const MEMBER = 'query($e:String!){ member(email:$e){ name position aliases } }'
const SCREENS = ['dashboard', 'members', 'groups', 'domains', 'dmarc', 'migration', 'admins', 'security', 'policies', 'rooms', 'branding', 'notices', 'logs', 'apps']

async function departments() {
  return (await server.graphql(DEPARTMENTS, {}, admin)).adminDepartments
}

async function adminPage(options) {
  const p = await openPage(browser, server.url, options)
  await signIn(p.page, 'admin@example.com', PASSWORD)
  return p
}

async function confirmButton(page) {
  return page.locator('.t-popconfirm__confirm').filter({ visible: true }).last()
}

/** Open a TDesign select and read its options' texts once all of `shown` are listed. */
async function openOptions(page, select, shown) {
  await page.locator(`[data-test=${select}]`).click()
  const options = page.locator('.t-select-option').filter({ visible: true })
  const deadline = Date.now() + 10_000
  for (;;) {
    const texts = await options.allInnerTexts()
    if (shown.every((s) => texts.includes(s)) || Date.now() > deadline) return texts
    await page.waitForTimeout(100)
  }
}

/** Pick the option whose whole text is `text` in the open TDesign select. */
async function pickOption(page, select, text) {
  await page.locator(`[data-test=${select}]`).click()
  await page.locator('.t-select-option').filter({ visible: true, hasText: new RegExp(`^${text}$`) }).click()
}

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  for (const [email, name] of [['admin@example.com', 'Admin'], ['ann@example.com', 'Ann'], ['bob@example.com', 'Bob']]) {
    server.cli('user', 'add', email, '--password', PASSWORD, '--name', name)
  }
  server.cli('admin', 'grant', 'admin@example.com', '--super')
  admin = await server.token('admin@example.com')
  for (const name of ['研发部', '测试组', '市场部']) {
    const r = await server.graphql('mutation($n:String!){ createDepartment(name:$n){ __typename ... on AdminDepartment { id } } }', { n: name }, admin)
    ids[name] = r.createDepartment.id
  }
  const r = await server.graphql('mutation($d:[ID!]){ updateMember(email:"ann@example.com", input:{departmentIds:$d}){ __typename } }', { d: [ids['研发部']] }, admin)
  assert.equal(r.updateMember.__typename, 'AdminMember')
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await server.stop()
})

test('an admin edits a member\'s name and position: shown after a reload and through GraphQL', async () => {
  const { page, watch, context } = await adminPage()
  await page.goto('/admin/members')
  await page.locator('[data-test="member-edit-ann@example.com"]').click()
  const editor = page.locator('[data-test=member-editor]')
  await editor.locator('[data-test=edit-name] input').fill('安妮')
  await editor.locator('[data-test=edit-position] input').fill('后端工程师')
  await editor.locator('[data-test=edit-save]').click()
  await editor.waitFor({ state: 'hidden' })

  const m = (await server.graphql(MEMBER, { e: 'ann@example.com' }, admin)).member
  assert.deepEqual([m.name, m.position], ['安妮', '后端工程师'])
  await page.reload()
  await page.locator('[data-test=member-table]', { hasText: '安妮' }).waitFor()
  await page.locator('[data-test="member-edit-ann@example.com"]').click()
  assert.equal(await editor.locator('[data-test=edit-position] input').inputValue(), '后端工程师')

  // A typed error comes back in Chinese at its field, not in the server's English.
  await editor.locator('[data-test=edit-quota] input').fill('lots')
  await editor.locator('[data-test=edit-save]').click()
  const quotaError = editor.locator('[data-test=edit-quota-error]')
  await quotaError.waitFor()
  assert.match(await quotaError.innerText(), /容量格式/)
  assert.deepEqual(watch.consoleErrors, [])
  await context.close()
})

test('a password reset: the member signs in with the new password and not the old one', async () => {
  const { page, context } = await adminPage()
  await page.goto('/admin/members')
  await page.locator('[data-test="member-edit-ann@example.com"]').click()
  const editor = page.locator('[data-test=member-editor]')
  await editor.locator('.t-tabs__nav-item', { hasText: '重置密码' }).click()
  await editor.locator('[data-test=reset-password-input] input').fill('short')
  await editor.locator('[data-test=reset-submit]').click()
  await editor.locator('[data-test=reset-password-error]', { hasText: /8/ }).waitFor()

  await editor.locator('[data-test=reset-password-input] input').fill(NEW_PASSWORD)
  await editor.locator('[data-test=reset-submit]').click()
  await editor.locator('[data-test=reset-shown-password]', { hasText: NEW_PASSWORD }).waitFor()
  await shot(page, 'admin-reset-password')

  const login = 'mutation($e:String!,$p:String!){ login(email:$e, password:$p){ __typename ... on LoginSuccess { mustChangePassword } } }'
  const fresh = (await server.graphql(login, { e: 'ann@example.com', p: NEW_PASSWORD })).login
  assert.deepEqual(fresh, { __typename: 'LoginSuccess', mustChangePassword: true }, 'signs in, must choose a new password')
  const old = (await server.graphql(login, { e: 'ann@example.com', p: PASSWORD })).login
  assert.equal(old.__typename, 'AuthError', 'the old password no longer works')
  await context.close()
})

test('an alias added in the editor receives mail over SMTP into the member\'s inbox', async () => {
  const { page, context } = await adminPage()
  await page.goto('/admin/members')
  await page.locator('[data-test="member-edit-bob@example.com"]').click()
  const editor = page.locator('[data-test=member-editor]')
  await editor.locator('.t-tabs__nav-item', { hasText: '别名' }).click()
  await editor.locator('[data-test=alias-input] input').fill('robert@example.com')
  await editor.locator('[data-test=alias-add]').click()
  await editor.locator('[data-test="alias-robert@example.com"]').waitFor()
  // An address in use is refused in Chinese.
  await editor.locator('[data-test=alias-input] input').fill('ann@example.com')
  await editor.locator('[data-test=alias-add]').click()
  await editor.locator('[data-test=alias-error]', { hasText: '已被使用' }).waitFor()

  assert.deepEqual((await server.graphql(MEMBER, { e: 'bob@example.com' }, admin)).member.aliases, ['robert@example.com'])
  const subject = `to the alias ${Date.now()}`
  server.smtp('partner@remote.test', 'robert@example.com', [`From: partner@remote.test\r\nTo: robert@example.com\r\nSubject: ${subject}\r\n\r\nhello\r\n`])
  const bob = await server.token('bob@example.com')
  const deadline = Date.now() + 20_000
  for (;;) {
    const list = await server.graphql('query { messages(folder:"INBOX", first:20){ edges { node { subject } } } }', {}, bob)
    if (list.messages.edges.some((e) => e.node.subject === subject)) break
    assert.ok(Date.now() < deadline, 'the mail to the alias did not arrive')
    await new Promise((r) => setTimeout(r, 200))
  }

  // Removing it takes it off the member.
  await editor.locator('[data-test="alias-remove-robert@example.com"]').click()
  await (await confirmButton(page)).click()
  await editor.locator('[data-test="alias-robert@example.com"]').waitFor({ state: 'detached' })
  assert.deepEqual((await server.graphql(MEMBER, { e: 'bob@example.com' }, admin)).member.aliases, [])
  await context.close()
})

test('departments: the root has a name, rename, move under another, delete an empty one, a non-empty one is refused', async () => {
  const { page, watch, context } = await adminPage()
  await page.goto('/admin/members')
  const root = (await departments()).find((d) => d.parentId === null)
  assert.ok(root.name, 'the root department has a name')

  // The root is a named option in the new-department parent picker (it was blank).
  await page.locator('[data-test=add-department]').click()
  const options = await openOptions(page, 'department-parent', [root.name])
  assert.ok(options.includes(root.name), `root offered by name: ${JSON.stringify(options)}`)
  assert.ok(options.every((o) => o.trim()), 'no blank option')
  await page.keyboard.press('Escape')
  await page.locator('.t-dialog__close').filter({ visible: true }).click()

  // Rename 测试组 → QA组 and move it under 研发部.
  await page.locator('[data-test="dept-测试组"]').hover()
  await page.locator('[data-test="dept-edit-测试组"]').click()
  const editor = page.locator('[data-test=department-editor]')
  await editor.locator('[data-test=dept-edit-name] input').fill('QA组')
  await pickOption(page, 'dept-edit-parent', '研发部')
  await editor.locator('[data-test=dept-edit-save]').click()
  await editor.waitFor({ state: 'hidden' })
  const moved = (await departments()).find((d) => d.id === ids['测试组'])
  assert.deepEqual([moved.name, moved.parentId, moved.path], ['QA组', ids['研发部'], '研发部/QA组'])
  await page.locator('[data-test="dept-QA组"]', { hasText: /^\s*QA组/ }).waitFor()

  // 研发部 cannot move under itself nor under QA组.
  await page.locator('[data-test="dept-研发部"]').hover()
  await page.locator('[data-test="dept-edit-研发部"]').click()
  const parents = await openOptions(page, 'dept-edit-parent', [root.name, '市场部'])
  assert.ok(parents.includes(root.name) && parents.includes('市场部'), JSON.stringify(parents))
  assert.ok(!parents.some((p) => p.startsWith('研发部')), `neither itself nor below it: ${JSON.stringify(parents)}`)
  await page.keyboard.press('Escape')

  // Deleting 研发部 (a sub-department, a member) is refused with the typed error in Chinese.
  await editor.locator('[data-test=dept-delete]').click()
  await (await confirmButton(page)).click()
  const refusal = editor.locator('[data-test=dept-edit-error]')
  await refusal.filter({ hasText: /\S/ }).waitFor()
  assert.match(await refusal.innerText(), /还有子部门/)
  await shot(page, 'admin-department-refused')
  assert.ok((await departments()).some((d) => d.id === ids['研发部']), 'still there')
  await editor.locator('.t-dialog__close').click()
  await editor.waitFor({ state: 'hidden' })

  // The empty QA组 and 市场部 go; then 研发部 is refused for its member.
  for (const name of ['QA组', '市场部']) {
    await page.locator(`[data-test="dept-${name}"]`).hover()
    await page.locator(`[data-test="dept-edit-${name}"]`).click()
    await editor.locator('[data-test=dept-delete]').click()
    await (await confirmButton(page)).click()
    await page.locator(`[data-test="dept-${name}"]`).waitFor({ state: 'detached' })
  }
  const left = (await departments()).map((d) => d.id)
  assert.ok(!left.includes(ids['测试组']) && !left.includes(ids['市场部']), 'deleted on the server')
  await page.locator('[data-test="dept-研发部"]').hover()
  await page.locator('[data-test="dept-edit-研发部"]').click()
  await editor.locator('[data-test=dept-delete]').click()
  await (await confirmButton(page)).click()
  await refusal.filter({ hasText: '该部门还有成员' }).waitFor()
  assert.ok((await departments()).some((d) => d.id === ids['研发部']), 'a department with a member stays')
  assert.deepEqual(watch.consoleErrors, [])
  await context.close()
})

test('logs, the import report and DNS records show words, not codes', async () => {
  // A failed sign-in, an operation and a delivered mail to show.
  const bad = await server.graphql('mutation { login(email:"bob@example.com", password:"wrong-password"){ __typename } }')
  assert.equal(bad.login.__typename, 'AuthError')
  const { page, context } = await adminPage()

  await page.goto('/admin/logs')
  const table = page.locator('[data-test=log-table]')
  await table.locator('tbody tr').first().waitFor()
  const logins = await table.innerText()
  assert.match(logins, /密码错误/)
  assert.doesNotMatch(logins, /bad_password|\bWEB\b/)

  await page.locator('.t-tabs__nav-item', { hasText: '操作日志' }).click()
  await table.filter({ hasText: '修改成员' }).waitFor()
  assert.doesNotMatch(await table.innerText(), /department\.|member\./)

  await page.locator('.t-tabs__nav-item', { hasText: '邮件日志' }).click()
  await table.filter({ hasText: '已投递' }).waitFor()
  const mail = await table.innerText()
  assert.match(mail, /收信（外部发来）/)
  assert.doesNotMatch(mail, /DELIVERED|\bIN\b|INTERNAL/)

  // The same words in English once the UI is switched.
  await page.evaluate(() => localStorage.setItem('qiyou.locale', 'en'))
  await page.reload()
  await table.locator('tbody tr').first().waitFor()
  assert.match(await table.innerText(), /Wrong password/)
  await page.evaluate(() => localStorage.setItem('qiyou.locale', 'zh-CN'))

  // The import report: statuses and row errors in Chinese.
  await page.goto('/admin/members')
  const csv = 'email,name,password\nqa1@example.com,QA One,qa-password-1\nqa2@example.com,QA Two,short\n'
  await page.locator('[data-test=import-input]').setInputFiles({ name: 'members.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
  const report = page.locator('[data-test=import-report]')
  await report.filter({ hasText: 'qa2@example.com' }).waitFor()
  const reportText = await report.innerText()
  assert.match(reportText, /已新建/)
  assert.match(reportText, /失败/)
  assert.match(reportText, /密码需 8 至 128 个字符/)
  assert.doesNotMatch(reportText, /CREATED|ERROR|a password needs/)

  // DNS records: status and reason in words (not checked yet), purposes too.
  await page.goto('/admin/domains')
  await page.locator('[data-test=domain-table] .t-link', { hasText: 'DNS 记录' }).first().click()
  const records = page.locator('[data-test=dns-records]')
  await records.locator('[data-test=dns-reason-MX]').waitFor()
  assert.equal(await records.locator('[data-test=dns-reason-MX]').innerText(), '尚未检查')
  assert.equal(await records.locator('[data-test=dns-status-MX]').innerText(), '未知')
  assert.doesNotMatch(await records.innerText(), /not checked yet|UNKNOWN|Deliver mail for/)
  await context.close()
})

test('at 375 px every admin screen fits the width and the member edit is in reach', async () => {
  const { page, watch, context } = await adminPage({ width: 375, height: 812 })
  for (const screen of SCREENS) {
    await page.goto(`/admin/${screen}`)
    await page.locator(`[data-test=admin-${screen}]`).waitFor()
    await page.waitForTimeout(300) // tables and charts lay out
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    await shot(page, `admin-phone-${screen}`)
    assert.ok(width <= 375, `${screen}: the page is ${width} px wide at 375`)
  }
  // The menu is a select at this width: choosing an entry opens that screen.
  await page.locator('[data-test=admin-menu-select]').selectOption('members')
  await page.locator('[data-test=admin-members]').waitFor()
  const edit = page.locator('[data-test="member-edit-bob@example.com"]')
  await edit.scrollIntoViewIfNeeded()
  await edit.click()
  const editor = page.locator('[data-test=member-editor]')
  await editor.locator('[data-test=edit-name] input').waitFor()
  assert.equal(await editor.locator('[data-test=edit-name] input').inputValue(), 'Bob')
  const box = await editor.locator('.t-dialog').boundingBox()
  assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `the editor fits: ${JSON.stringify(box)}`)
  await editor.locator('[data-test=edit-position] input').fill('移动端')
  await editor.locator('[data-test=edit-save]').click()
  await editor.waitFor({ state: 'hidden' })
  assert.equal((await server.graphql(MEMBER, { e: 'bob@example.com' }, admin)).member.position, '移动端')
  await shot(page, 'admin-phone-members')
  assert.deepEqual(watch.consoleErrors, [])
  await context.close()
})
