// The admin meeting-room screen, in real headless Chromium against a real `qiyou serve`: an
// administrator with the `calendar` permission adds a room through the dialog and sees it in
// the table and through GraphQL, is told at the address field (in Chinese) why an address in
// another domain is refused, edits the capacity, makes it not bookable (members stop seeing
// it), deletes it; a plain member has no admin entry at all and is sent away from
// /admin/rooms; an administrator without the permission has no rooms entry.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'
import { until } from './lib/wait.mjs'

const server = new Server()
const SUPER = 'admin@example.com'
const ROOMS_ADMIN = 'facilities@example.com' // the calendar permission only
const MEMBERS_ADMIN = 'hr@example.com' // the members permission only
const MEMBER = 'ann@example.com'
const ROOMS = 'query { meetingRooms { id name address kind capacity location active } }'
let browser
let tokens = {}

async function roomsAs(email) {
  return (await server.graphql(ROOMS, {}, tokens[email])).meetingRooms
}

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  for (const email of [SUPER, ROOMS_ADMIN, MEMBERS_ADMIN, MEMBER]) server.cli('user', 'add', email, '--password', PASSWORD)
  server.cli('admin', 'grant', SUPER, '--super')
  tokens = Object.fromEntries(await Promise.all([SUPER, ROOMS_ADMIN, MEMBERS_ADMIN, MEMBER].map(async (e) => [e, await server.token(e)])))
  // Scoped administrators over the whole company (its root department).
  const root = (await server.graphql('query { adminDepartments { id parentId } }', {}, tokens[SUPER])).adminDepartments.find((d) => d.parentId === null)
  const grant = 'mutation($e:String!,$p:[String!],$d:[ID!]){ grantAdmin(email:$e, isSuper:false, permissions:$p, departmentIds:$d){ __typename ... on AdminError { message } } }'
  for (const [email, perm] of [[ROOMS_ADMIN, 'calendar'], [MEMBERS_ADMIN, 'members']]) {
    const r = await server.graphql(grant, { e: email, p: [perm], d: [root.id] }, tokens[SUPER])
    assert.equal(r.grantAdmin.__typename, 'AdminRoleType', r.grantAdmin.message)
  }
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await server.stop()
})

test('a rooms administrator adds a room in the dialog, edits its capacity, deactivates and deletes it', async () => {
  const { page, watch, context } = await openPage(browser, server.url)
  await signIn(page, ROOMS_ADMIN, PASSWORD)
  await page.locator('[data-test=nav-admin]').click()
  await page.locator('[data-test=admin-nav-rooms]').click()
  await page.waitForURL(/\/admin\/rooms$/)
  const table = page.locator('[data-test=room-table]')
  await table.getByText('暂无会议室').waitFor()

  // Create: an address outside the company's domains is refused at the address field.
  await page.locator('[data-test=room-add]').click()
  const dialog = page.locator('.t-dialog').filter({ visible: true })
  await dialog.locator('[data-test=room-name] input').fill('301 大会议室')
  await dialog.locator('[data-test=room-address] input').fill('room-301@elsewhere.test')
  await dialog.locator('[data-test=room-location] input').fill('3 楼东侧')
  await dialog.locator('[data-test=room-capacity] input').fill('20')
  await dialog.locator('.t-dialog__confirm').click()
  await dialog.locator('[data-test=room-address-item]', { hasText: '不在企业主域名下' }).waitFor()
  assert.equal(await dialog.locator('[data-test=room-error]').innerText(), '', 'the error is on the field, not under the form')
  assert.deepEqual(await roomsAs(SUPER), [], 'nothing was created')

  await dialog.locator('[data-test=room-address] input').fill('room-301@example.com')
  await dialog.locator('.t-dialog__confirm').click()
  await dialog.waitFor({ state: 'hidden' })
  const row = table.locator('tr', { hasText: 'room-301@example.com' })
  await row.getByText('301 大会议室').waitFor()
  assert.match(await row.innerText(), /会议室[\s\S]*20[\s\S]*3 楼东侧/)
  let [room] = await roomsAs(SUPER)
  assert.deepEqual({ ...room, id: undefined }, { id: undefined, name: '301 大会议室', address: 'room-301@example.com', kind: 'ROOM', capacity: 20, location: '3 楼东侧', active: true })
  assert.equal((await roomsAs(MEMBER)).length, 1, 'members see the bookable room')
  await shot(page, 'admin-rooms')

  // Edit the capacity.
  await page.locator('[data-test="room-edit-room-301@example.com"]').click()
  assert.equal(await dialog.locator('[data-test=room-name] input').inputValue(), '301 大会议室')
  await dialog.locator('[data-test=room-capacity] input').fill('12')
  await dialog.locator('.t-dialog__confirm').click()
  await dialog.waitFor({ state: 'hidden' })
  await until(async () => (await roomsAs(SUPER))[0].capacity === 12, 'the capacity saved')
  await row.locator('td', { hasText: /^12$/ }).waitFor()

  // Deactivate: members no longer see it, administrators still do.
  await page.locator('[data-test="room-active-room-301@example.com"]').click()
  await until(async () => (await roomsAs(SUPER))[0].active === false, 'the room deactivated')
  assert.deepEqual(await roomsAs(MEMBER), [])
  await page.reload()
  await page.locator('[data-test="room-active-room-301@example.com"].t-switch:not(.t-is-checked)').waitFor()

  // Delete, confirmed.
  ;[room] = await roomsAs(SUPER)
  await page.locator('[data-test="room-delete-room-301@example.com"]').click()
  await page.locator('.t-popconfirm__confirm').filter({ visible: true }).last().click()
  await row.waitFor({ state: 'detached' })
  assert.deepEqual(await roomsAs(SUPER), [])
  assert.deepEqual(watch.consoleErrors, [])
  await context.close()
})

test('a plain member has no admin entry and is sent away from /admin/rooms', async () => {
  const { page, context } = await openPage(browser, server.url)
  await signIn(page, MEMBER, PASSWORD)
  await page.locator('[data-test=nav-settings]').waitFor()
  assert.equal(await page.locator('[data-test=nav-admin]').count(), 0)
  await page.goto('/admin/rooms')
  await page.waitForURL(/\/mail\/INBOX/)
  assert.equal(await page.locator('[data-test=admin-nav-rooms]').count(), 0)
  // And the server refuses the mutation whatever the screen shows.
  const r = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens[MEMBER]}` },
    body: JSON.stringify({ query: 'mutation { createMeetingRoom(input:{name:"x", address:"x@example.com"}){ __typename } }' }),
  })
  assert.ok((await r.json()).errors, 'a member cannot create rooms')
  await context.close()
})

test('an administrator without the calendar permission has no rooms entry', async () => {
  const { page, context } = await openPage(browser, server.url)
  await signIn(page, MEMBERS_ADMIN, PASSWORD)
  await page.goto('/admin/members')
  await page.locator('[data-test=admin-nav-members]').waitFor()
  assert.equal(await page.locator('[data-test=admin-nav-rooms]').count(), 0)
  await context.close()
})
