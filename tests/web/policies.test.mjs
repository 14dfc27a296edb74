// The mail policies screen (/admin/policies) does what it shows: an administrator in real
// headless Chromium against a real `qiyou serve` adds and removes a block-list entry, changes
// the spam policy, sets the unknown-address transfer, adds and removes a sending restriction,
// sets the recall policy, recalls a member's mail by its Message-ID, creates and deletes a backup rule, sets the archive retention and
// grants and revokes an auditor, creates an approval rule, approves the mail it held (sent by a
// member through GraphQL), and retries and cancels that mail in the outbound queue (the relay
// is a local one that answers 421, so it waits there). Each effect is read back through GraphQL or after
// a reload; the server's codes are shown as words in Chinese and in English.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import net from 'node:net'
import { PASSWORD, Server } from './lib/server.mjs'
import { until } from './lib/wait.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const server = new Server()
const ADMIN = 'admin@example.com'
const ALICE = 'alice@example.com'
const BOB = 'bob@example.com'
const CAROL = 'carol@example.com'
const DAVE = 'dave@example.com'
const OUTSIDE = 'partner@elsewhere.test'
let browser
let relay
let admin // { page, watch, context }
let adminToken
let finance // a department's id

/** A GraphQL query as the administrator (the checks read the server's state this way). */
const asAdmin = (query, variables) => server.graphql(query, variables, adminToken)

async function openTab(label) {
  await admin.page.locator('.t-tabs__nav-item', { hasText: label }).first().click()
}

/** Reload the screen and open a tab. */
async function reload(label) {
  await admin.page.goto('/admin/policies')
  await admin.page.locator('[data-test=admin-policies][data-loaded=true]').waitFor()
  if (label) await openTab(label)
}

async function fill(testId, value) {
  const input = admin.page.locator(`[data-test=${testId}] input`)
  await input.fill(String(value))
  await input.blur() // t-input-number takes the value on blur
}

/** Pick an option of a TDesign select by the words it shows. */
async function choose(testId, label) {
  await admin.page.locator(`[data-test=${testId}]`).click()
  await admin.page.locator('.t-select-option', { hasText: label }).first().click()
  await admin.page.keyboard.press('Escape') // a multiple select stays open
}

/** Click a button of an action and wait until it is done (the screen counts them) with no error. */
async function act(locator) {
  const root = admin.page.locator('[data-test=admin-policies]')
  const done = Number(await root.getAttribute('data-saves'))
  await locator.click()
  await admin.page.waitForFunction(
    (n) => Number(document.querySelector('[data-test=admin-policies]').dataset.saves) > n || document.querySelector('[data-test=policy-error]').textContent.trim(),
    done,
  )
  assert.equal((await admin.page.locator('[data-test=policy-error]').innerText()).trim(), '', 'no error shown')
  await admin.page.locator('.t-message', { hasText: '已保存' }).last().waitFor()
}

const button = (testId) => admin.page.locator(`[data-test=${testId}]`)

before(async () => {
  // Outbound mail goes to a local smarthost that is not available now (421 at the greeting):
  // it waits in the queue.
  relay = net.createServer((socket) => socket.end('421 4.3.2 relay.test not available now\r\n'))
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve))
  process.env.QIYOU_RELAY_URL = `smtp://127.0.0.1:${relay.address().port}`
  await server.start()
  delete process.env.QIYOU_RELAY_URL
  server.cli('domain', 'add', 'example.com')
  server.cli('user', 'add', ADMIN, '--password', PASSWORD, '--name', 'Admin')
  server.cli('admin', 'grant', ADMIN, '--super')
  adminToken = await server.token(ADMIN)
  for (const email of [ALICE, BOB, CAROL, DAVE]) {
    const made = await asAdmin('mutation($i:CreateMemberInput!){ createMember(input:$i){ __typename ... on AdminError { message } } }', { i: { email, password: PASSWORD, name: email.split('@')[0] } })
    assert.equal(made.createMember.__typename, 'AdminMember', JSON.stringify(made))
  }
  const created = await asAdmin('mutation { createDepartment(name:"财务部"){ __typename ... on AdminDepartment { id } } }')
  finance = created.createDepartment.id
  browser = await launch()
  admin = await openPage(browser, server.url)
  await signIn(admin.page, ADMIN, PASSWORD)
  await reload()
})

after(async () => {
  await admin?.context.close().catch(() => {})
  await browser?.close()
  await server.stop()
  await new Promise((resolve) => (relay ? relay.close(resolve) : resolve()))
})

describe('mail policies', () => {
  test('a block-list entry is added, shown with its action in words, and removed', async () => {
    await openTab('黑白名单')
    await fill('sl-pattern', 'junk.example.net')
    await act(button('sl-add'))
    const entry = await until(async () => (await asAdmin('{ senderLists { id kind pattern action } }')).senderLists.find((e) => e.pattern === 'junk.example.net'), 'the entry')
    assert.equal(entry.kind, 'BLOCK')
    await reload('黑白名单')
    const row = admin.page.locator('[data-test=sender-lists] tr', { hasText: 'junk.example.net' })
    await row.waitFor()
    assert.match(await row.innerText(), /黑名单[\s\S]*拒收/)
    assert.doesNotMatch(await row.innerText(), /REFUSE|BLOCK/)
    await act(row.locator('[data-test=sl-remove]'))
    await until(async () => !(await asAdmin('{ senderLists { pattern } }')).senderLists.some((e) => e.pattern === 'junk.example.net'), 'the entry removed')
  })

  test('the spam policy and the unknown-address transfer are saved', async () => {
    await reload('黑白名单')
    const enabled = (await asAdmin('{ spamPolicy { enabled } }')).spamPolicy.enabled
    await admin.page.locator('[data-test=spam-enabled]').click()
    await fill('spam-threshold', 7.5)
    await act(button('spam-save'))
    assert.deepEqual((await asAdmin('{ spamPolicy { enabled threshold } }')).spamPolicy, { enabled: !enabled, threshold: 7.5 })

    await fill('tr-domain', 'example.com')
    await fill('tr-target', BOB)
    await act(button('tr-save'))
    const transfers = (await asAdmin('{ domainTransfers { domain target } }')).domainTransfers
    assert.deepEqual(transfers.find((d) => d.domain === 'example.com'), { domain: 'example.com', target: BOB })
    await reload('黑白名单')
    await admin.page.locator('[data-test=transfer]', { hasText: `example.com → ${BOB}` }).waitFor()
  })

  test('a sending restriction is added and removed; the recall policy is saved', async () => {
    await reload('发信限制')
    await fill('rs-email', DAVE)
    await act(button('rs-add'))
    await until(async () => (await asAdmin('{ sendRestrictions { memberEmail } }')).sendRestrictions.some((r) => r.memberEmail === DAVE), 'the restriction')
    const row = admin.page.locator('[data-test=restrictions] tr', { hasText: DAVE })
    await act(row.locator('[data-test=rs-remove]'))
    await until(async () => !(await asAdmin('{ sendRestrictions { memberEmail } }')).sendRestrictions.some((r) => r.memberEmail === DAVE), 'the restriction removed')

    const before = (await asAdmin('{ mailPolicy { recallRead } }')).mailPolicy.recallRead
    await fill('recall-window', 45)
    await admin.page.locator('[data-test=recall-read]').click()
    await act(button('recall-save'))
    assert.deepEqual((await asAdmin('{ mailPolicy { recallWindowMinutes recallRead } }')).mailPolicy, { recallWindowMinutes: 45, recallRead: !before })
    await reload('发信限制')
    assert.equal(await admin.page.locator('[data-test=recall-window] input').inputValue(), '45')
  })

  test('an administrator recalls a member\'s internal mail by its Message-ID', async () => {
    const alice = await server.token(ALICE)
    const recallSubject = `误发的通知 ${Date.now()}`
    const sent = await server.graphql('mutation($i:ComposeInput!){ sendMail(input:$i){ __typename ... on SendMailSuccess { sent { messageId } } ... on MailError { message } } }', { i: { to: [BOB], subject: recallSubject, text: '请忽略。' } }, alice)
    const messageId = sent.sendMail.sent.messageId
    const bob = await server.token(BOB)
    const inbox = async () => (await server.graphql('{ messages(folder:"INBOX", first:50){ edges { node { subject } } } }', {}, bob)).messages.edges.map((e) => e.node.subject)
    await until(async () => (await inbox()).includes(recallSubject), 'the mail in bob\'s inbox')
    await reload('发信限制')
    await fill('recall-id', messageId)
    await act(button('recall-admin'))
    assert.equal((await admin.page.locator('[data-test=recall-result]').innerText()).trim(), '已撤回 1 位收件人的邮件')
    assert.ok(!(await inbox()).includes(recallSubject), 'gone from bob\'s inbox')
  })

  test('a backup rule is created with a direction chosen by its words, and deleted', async () => {
    await reload('邮件备份')
    await fill('br-name', '销售备份')
    await fill('br-target', BOB)
    await fill('br-members', ALICE)
    await choose('br-direction', '发信')
    await act(button('br-add'))
    const rule = await until(async () => (await asAdmin('{ backupRules { id name target direction members } }')).backupRules.find((r) => r.name === '销售备份'), 'the rule')
    assert.deepEqual({ ...rule, id: undefined }, { id: undefined, name: '销售备份', target: BOB, direction: 'OUT', members: [ALICE] })
    await reload('邮件备份')
    const row = admin.page.locator('[data-test=backup-rules] tr', { hasText: '销售备份' })
    assert.match(await row.innerText(), /发信/)
    assert.doesNotMatch(await row.innerText(), /\bOUT\b/)
    await act(row.locator('[data-test=br-delete]'))
    await until(async () => (await asAdmin('{ backupRules { id } }')).backupRules.length === 0, 'the rule deleted')
  })

  test('the archive retention is saved; an auditor is granted and revoked', async () => {
    await reload('归档与审计')
    const enabled = (await asAdmin('{ archiveSettings { enabled } }')).archiveSettings.enabled
    if (!enabled) await admin.page.locator('[data-test=archive-enabled]').click()
    await fill('archive-days', 400)
    await act(button('archive-save'))
    assert.deepEqual((await asAdmin('{ archiveSettings { enabled retentionDays } }')).archiveSettings, { enabled: true, retentionDays: 400 })

    await fill('auditor-email', CAROL)
    await admin.page.locator('[data-test=auditor-add]').click() // no department: refused, said in words
    await admin.page.locator('[data-test=policy-error]', { hasText: '填写有误 · 部门' }).waitFor()
    assert.deepEqual((await asAdmin('{ auditors { email } }')).auditors, [])
    await admin.page.locator('[data-test=auditor-departments]').click()
    await admin.page.locator('.t-select-option', { hasText: '财务部' }).first().waitFor()
    const labels = await admin.page.locator('.t-select-option').allInnerTexts()
    assert.ok(labels.length > 1 && labels.every((l) => l.trim()), `every department has a name, the root too: ${JSON.stringify(labels)}`)
    await admin.page.keyboard.press('Escape')
    await choose('auditor-departments', '财务部')
    await act(button('auditor-add'))
    const auditor = await until(async () => (await asAdmin('{ auditors { email departmentIds } }')).auditors.find((a) => a.email === CAROL), 'the auditor')
    assert.deepEqual(auditor.departmentIds, [finance])
    await reload('归档与审计')
    assert.equal(await admin.page.locator('[data-test=archive-days] input').inputValue(), '400')
    await act(admin.page.locator('[data-test=auditors] tr', { hasText: CAROL }).locator('[data-test=auditor-revoke]'))
    await until(async () => !(await asAdmin('{ auditors { email } }')).auditors.some((a) => a.email === CAROL), 'the auditor revoked')
  })

  const subject = `合同草案 ${Date.now()}`

  test('an approval rule holds a member\'s external mail, and the administrator approves it', async () => {
    await reload('审批')
    await fill('ar-name', '外发审批')
    await fill('ar-approvers', ADMIN)
    assert.equal(await admin.page.locator('[data-test=ar-scope] input').inputValue(), '外部收件人') // the default, in words
    await act(button('ar-add'))
    const rules = (await asAdmin('{ approvalRules { name approvers recipientScope } }')).approvalRules
    assert.deepEqual(rules, [{ name: '外发审批', approvers: [ADMIN], recipientScope: 'EXTERNAL' }])
    await reload('审批')
    const ruleRow = admin.page.locator('[data-test=approval-rules] tr', { hasText: '外发审批' })
    assert.match(await ruleRow.innerText(), /外部收件人/)
    assert.doesNotMatch(await ruleRow.innerText(), /EXTERNAL/)

    const alice = await server.token(ALICE)
    const sent = await server.graphql('mutation($i:ComposeInput!){ sendMail(input:$i){ __typename ... on MailError { message } } }', { i: { to: [OUTSIDE], subject, text: '请审阅附件中的合同。' } }, alice)
    assert.equal(sent.sendMail.__typename, 'SendMailSuccess', JSON.stringify(sent))
    const held = await until(async () => (await asAdmin('{ approvalQueue { id subject status } }')).approvalQueue.find((h) => h.subject === subject), 'the held mail')
    assert.equal(held.status, 'PENDING')

    await reload('审批')
    const row = admin.page.locator('[data-test=approval-queue] tr', { hasText: subject })
    assert.match(await row.innerText(), /待审批/)
    await act(row.locator('[data-test=approve]'))
    const decided = (await asAdmin('{ approvalQueue(includeDecided:true) { subject status decidedBy } }')).approvalQueue.find((h) => h.subject === subject)
    assert.deepEqual(decided, { subject, status: 'APPROVED', decidedBy: ADMIN })
    await reload('审批')
    assert.match(await admin.page.locator('[data-test=approval-queue] tr', { hasText: subject }).innerText(), /已通过/)
    await shot(admin.page, 'policies-approval')
  })

  test('the approved mail waits in the outbound queue; retry tries it again, cancel fails it', async () => {
    const entry = async () => (await asAdmin('{ outboundQueue(first:100) { id recipient subject status attempts } }')).outboundQueue.find((e) => e.subject === subject)
    const first = await until(async () => {
      const e = await entry()
      return e?.status === 'QUEUED' && e.attempts >= 1 && e
    }, 'a failed first attempt', 60_000)
    assert.equal(first.recipient, OUTSIDE)
    await reload('外发队列')
    const row = admin.page.locator('[data-test=outbound] tr', { hasText: OUTSIDE })
    assert.match(await row.innerText(), /排队中/)
    await act(row.locator('[data-test=outbound-retry]'))
    await until(async () => (await entry()).attempts > first.attempts, 'another attempt after retry', 60_000)

    await reload('外发队列')
    await act(admin.page.locator('[data-test=outbound] tr', { hasText: OUTSIDE }).locator('[data-test=outbound-cancel]'))
    await until(async () => (await entry()).status === 'FAILED', 'the entry cancelled')
    await reload('外发队列')
    assert.match(await admin.page.locator('[data-test=outbound] tr', { hasText: OUTSIDE }).innerText(), /失败/)
  })

  test('in English the codes are English words, not raw codes', async () => {
    await admin.page.evaluate(() => localStorage.setItem('qiyou.locale', 'en'))
    await reload('Approval')
    const ruleRow = admin.page.locator('[data-test=approval-rules] tr', { hasText: '外发审批' })
    assert.match(await ruleRow.innerText(), /External recipients/)
    assert.match(await admin.page.locator('[data-test=approval-queue] tr', { hasText: subject }).innerText(), /Approved/)
    await openTab('Outbound queue')
    assert.match(await admin.page.locator('[data-test=outbound] tr', { hasText: OUTSIDE }).innerText(), /Failed/)
    await admin.page.evaluate(() => localStorage.setItem('qiyou.locale', 'zh'))
  })

  test('no console errors on the screen', () => {
    assert.deepEqual(admin.watch.consoleErrors, [])
    assert.deepEqual(admin.watch.dialogs, [])
  })
})
