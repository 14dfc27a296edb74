// Headless Debian Chromium through playwright-core, with watchers for console errors and dialogs.
import { createRequire } from 'node:module'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { ROOT } from './server.mjs'

const require = createRequire(path.join(ROOT, 'web/package.json'))
const { chromium } = require('playwright-core')

export const ARTIFACTS = path.join(ROOT, 'web/test-artifacts')
mkdirSync(ARTIFACTS, { recursive: true })

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  })
}

/** A page with its own context, and lists of console errors and dialogs seen on it. */
export async function openPage(browser, baseURL, { width = 1366, height = 768, locale = 'zh-CN' } = {}) {
  const context = await browser.newContext({ baseURL, viewport: { width, height }, locale })
  const page = await context.newPage()
  page.setDefaultTimeout(30_000)
  const watch = { consoleErrors: [], dialogs: [], console: [] }
  page.on('console', (m) => {
    watch.console.push(`${m.type()}: ${m.text()}`)
    if (m.type() === 'error') watch.consoleErrors.push(m.text())
  })
  page.on('pageerror', (e) => watch.consoleErrors.push(`pageerror: ${e.message}`))
  page.on('dialog', async (d) => {
    watch.dialogs.push(`${d.type()}: ${d.message()}`)
    await d.dismiss()
  })
  return { context, page, watch }
}

export async function signIn(page, email, password) {
  await page.goto('/signin')
  await page.locator('[data-test=email] input').fill(email)
  await page.locator('[data-test=password] input').fill(password)
  await page.locator('[data-test=submit]').click()
  await page.waitForURL(/\/mail\//)
  await page.locator('[data-test=message-list]').waitFor()
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) })
}
