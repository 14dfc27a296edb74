// Read receipts in real headless Chromium against a real `qiyou serve`: alice ticks
// "request a read receipt" in compose, bob (choice: ask) is asked as he opens the mail and
// clicks "send receipt", and alice sees "read by bob" on her sent mail.
// Run: node --test tests/web/receipts.test.mjs  (needs web/dist built and /usr/bin/chromium)
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const server = new Server()
let browser
const pages = []

async function userPage(email) {
  const p = await openPage(browser, server.url)
  pages.push(p)
  await signIn(p.page, email, PASSWORD)
  return p
}

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  for (const [email, name] of [['alice@example.com', 'Alice 王'], ['bob@example.com', 'Bob']]) {
    server.cli('user', 'add', email, '--password', PASSWORD, '--name', name)
  }
  browser = await launch()
})

after(async () => {
  for (const p of pages) await p.context.close().catch(() => {})
  await browser?.close()
  await server.stop()
})

test('a receipt requested in compose is asked for, sent, and shown on the sent mail', async () => {
  const subject = `回执 receipt ${Date.now()}`
  const alice = await userPage('alice@example.com')
  const bob = await userPage('bob@example.com')

  // alice asks for a read receipt
  await alice.page.locator('[data-test=compose]').click()
  await alice.page.locator('[data-test=to-input]').fill('bob@example.com')
  await alice.page.locator('[data-test=to-input]').press('Enter')
  await alice.page.locator('[data-test=subject-input] input').fill(subject)
  await alice.page.locator('[data-test=body]').click()
  await alice.page.keyboard.type('Please confirm you read this.')
  await alice.page.locator('[data-test=request-receipt]').click()
  await shot(alice.page, 'receipt-compose')
  await alice.page.locator('[data-test=send]').click()
  await alice.page.waitForURL(/\/mail\/INBOX/)

  // bob opens it and is asked (his choice is the default, "ask"): he sends it
  const row = bob.page.locator('[data-test=row]', { hasText: subject })
  await row.waitFor({ timeout: 30_000 })
  await row.click()
  const prompt = bob.page.locator('[data-test=receipt-prompt]')
  await prompt.waitFor()
  assert.match(await prompt.innerText(), /alice@example\.com/)
  await shot(bob.page, 'receipt-prompt')
  await bob.page.locator('[data-test=receipt-send]').click()
  await prompt.waitFor({ state: 'detached' })

  // alice sees it on her sent mail (recorded by the server's worker as the receipt arrives)
  await alice.page.locator('[data-test=folder-SENT]').click()
  const receipt = alice.page.locator('[data-test=read-receipt]')
  for (let tries = 0; ; tries++) {
    await alice.page.locator('[data-test=row]', { hasText: subject }).first().click()
    try {
      await receipt.waitFor({ timeout: 2_000 })
      break
    } catch (e) {
      if (tries > 15) throw e
      await alice.page.reload()
    }
  }
  assert.match(await receipt.innerText(), /bob@example\.com/)
  await shot(alice.page, 'receipt-shown')

  // bob is not asked again for the same mail
  await bob.page.reload()
  await bob.page.locator('[data-test=subject]', { hasText: subject }).waitFor()
  assert.equal(await bob.page.locator('[data-test=receipt-prompt]').count(), 0)
  for (const p of [alice, bob]) assert.deepEqual(p.watch.consoleErrors, [])
})
