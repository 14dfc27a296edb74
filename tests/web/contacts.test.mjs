// Personal contacts (联系人) in real headless Chromium against a real `qiyou serve`: a member
// adds a contact in the dialog (a bad address is refused at its field first), finds it offered
// in compose's address autocomplete by its pinyin and picks it, imports a .vcf with one card
// refused (and told why), edits and deletes a contact, and exports the book; each effect is
// checked through GraphQL with the member's own token, and another member sees none of it.
// Run: QIYOU_WEB_DIST=/tmp/dist-contacts node --test --test-concurrency=1 tests/web/contacts.test.mjs
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const server = new Server()
const ME = 'dora@example.com'
const OTHER = 'eve@example.com'
const LIST = 'query { personalContacts(first: 100) { totalCount edges { node { id name emails title } } } }'
const tokens = {}
let browser

async function contactsOf(email) {
  return (await server.graphql(LIST, {}, tokens[email])).personalContacts
}

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  for (const email of [ME, OTHER]) {
    server.cli('user', 'add', email, '--password', PASSWORD)
    tokens[email] = await server.token(email)
  }
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await server.stop()
})

test('a contact made in the contacts view is offered in compose, imported, edited, deleted and exported', async () => {
  const { page, watch, context } = await openPage(browser, server.url)
  await signIn(page, ME, PASSWORD)
  await page.locator('[data-test=nav-contacts]').click()
  await page.waitForURL(/\/contacts$/)
  await page.locator('[data-test=contacts-table]').getByText('还没有联系人').waitFor()

  // Create: a bad address is refused at its field, then the contact is saved.
  await page.locator('[data-test=contact-add]').click()
  const dialog = page.locator('.t-dialog').filter({ visible: true })
  await dialog.locator('[data-test=contact-name] input').fill('张伟')
  await dialog.locator('[data-test=contact-emails] textarea').fill('not-an-address')
  await dialog.locator('[data-test=contact-organization] input').fill('合作伙伴公司')
  await dialog.locator('.t-dialog__confirm').click()
  await dialog.locator('[data-test=contact-emails-item]', { hasText: '邮箱地址格式不正确' }).waitFor()
  assert.equal((await contactsOf(ME)).totalCount, 0, 'nothing was saved')
  await dialog.locator('[data-test=contact-emails] textarea').fill('zhang.wei@partner.test')
  await dialog.locator('.t-dialog__confirm').click()
  await dialog.waitFor({ state: 'hidden' })
  await page.locator('[data-test="contact-张伟"]').waitFor()
  let book = await contactsOf(ME)
  assert.deepEqual(book.edges.map((e) => [e.node.name, e.node.emails]), [['张伟', ['zhang.wei@partner.test']]])
  assert.equal((await contactsOf(OTHER)).totalCount, 0, 'nobody else sees it')
  await shot(page, 'contacts')

  // Compose: typing the pinyin offers the contact; picking it makes a recipient chip.
  await page.goto('/compose')
  await page.locator('[data-test=to-input]').fill('zhangw')
  const offered = page.locator('[data-test=to-suggestions] li', { hasText: 'zhang.wei@partner.test' })
  await offered.waitFor()
  assert.match(await offered.innerText(), /张伟[\s\S]*个人联系人/)
  await offered.dispatchEvent('mousedown')
  const chip = page.locator('.address-field .chip', { hasText: '张伟' }).first()
  await chip.waitFor()
  assert.equal(await chip.getAttribute('title'), 'zhang.wei@partner.test')

  // Import: one good card, one refused with its reason.
  await page.locator('[data-test=nav-contacts]').click() // compose keeps the draft on the way out
  await page.waitForURL(/\/contacts$/)
  await page.locator('[data-test="contact-张伟"]').waitFor()
  const vcf =
    'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:imported-li\r\nFN:李娜\r\nN:李;娜;;;\r\nEMAIL:li.na@partner.test\r\nX-KEPT:yes\r\nEND:VCARD\r\n' +
    'BEGIN:VCARD\r\nVERSION:9.9\r\nFN:Future Person\r\nEND:VCARD\r\n'
  await page.locator('[data-test=contacts-file]').setInputFiles({ name: 'phone.vcf', mimeType: 'text/vcard', buffer: Buffer.from(vcf) })
  const report = page.locator('[data-test=contacts-report]')
  await report.getByText('导入 1 个，更新 0 个').waitFor()
  assert.match(await report.innerText(), /第 2 张名片（Future Person）未导入/)
  await page.locator('[data-test="contact-李娜"]').waitFor()

  // Edit the title of 李娜; the card keeps its other properties.
  await page.locator('[data-test="contact-edit-李娜"]').click()
  await dialog.locator('[data-test=contact-title] input').fill('采购经理')
  await dialog.locator('.t-dialog__confirm').click()
  await dialog.waitFor({ state: 'hidden' })
  await page.locator('[data-test=contacts-table] tr', { hasText: '采购经理' }).waitFor()
  book = await contactsOf(ME)
  assert.equal(book.edges.find((e) => e.node.name === '李娜').node.title, '采购经理')

  // Export downloads every card.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=contacts-export]').click()])
  const exported = readFileSync(await download.path(), 'utf8')
  assert.equal(exported.match(/BEGIN:VCARD/g).length, 2)
  assert.match(exported, /X-KEPT:yes/)
  assert.match(exported, /TITLE:采购经理/)

  // Delete 张伟.
  await page.locator('[data-test="contact-delete-张伟"]').click()
  await page.locator('.t-popconfirm .t-button--theme-primary, .t-popup .t-button--theme-primary').filter({ visible: true }).first().click()
  await page.locator('[data-test="contact-张伟"]').waitFor({ state: 'detached' })
  book = await contactsOf(ME)
  assert.deepEqual(book.edges.map((e) => e.node.name), ['李娜'])
  assert.deepEqual(watch.consoleErrors, [])
  await context.close()
})
