// The DMARC reports screen of the admin console, in real headless Chromium against a real
// `qiyou serve`: a gzipped aggregate report mailed (smtplib, the MX port) to the address the
// domain's DMARC record names shows up as rows per source IP; choosing another domain of the
// enterprise empties the table; an administrator without the domains permission has no entry.
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { after, before, test } from 'node:test'
import { PASSWORD, Server } from './lib/server.mjs'
import { launch, openPage, shot, signIn } from './lib/browser.mjs'

const server = new Server()
let browser

const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>google.com</org_name><email>noreply-dmarc-support@google.com</email>
    <report_id>web-1</report_id><date_range><begin>1764979200</begin><end>1765065599</end></date_range></report_metadata>
  <policy_published><domain>example.com</domain><p>quarantine</p></policy_published>
  <record><row><source_ip>192.0.2.10</source_ip><count>12</count>
    <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers></record>
  <record><row><source_ip>203.0.113.66</source_ip><count>3</count>
    <policy_evaluated><disposition>quarantine</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers></record>
</feedback>`

function reportMail(rua) {
  const attachment = gzipSync(Buffer.from(REPORT)).toString('base64').replace(/.{76}/g, '$&\r\n')
  return [
    'From: noreply-dmarc-support@google.com',
    `To: ${rua}`,
    'Subject: Report Domain: example.com Submitter: google.com Report-ID: web-1',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'This is an aggregate report from google.com.',
    '--b1',
    'Content-Type: application/gzip; name="google.com!example.com!1764979200!1765065599.xml.gz"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="google.com!example.com!1764979200!1765065599.xml.gz"',
    '',
    attachment,
    '--b1--',
    '',
  ].join('\r\n')
}

before(async () => {
  await server.start()
  server.cli('domain', 'add', 'example.com')
  server.cli('domain', 'add', 'example.net', '--enterprise', 'example.com')
  server.cli('user', 'add', 'admin@example.com', '--password', PASSWORD, '--name', 'Admin')
  server.cli('admin', 'grant', 'admin@example.com', '--super')
  server.cli('user', 'add', 'clerk@example.com', '--password', PASSWORD, '--name', 'Clerk')
  server.cli('admin', 'grant', 'clerk@example.com', '--permission', 'members', '--department-id', '1')
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await server.stop()
})

test('an admin sees a mailed DMARC report as rows per source IP, per domain', async () => {
  const token = await server.token('admin@example.com')
  const records = (await server.graphql('query { dnsRecords(domain: "example.com") { name value } }', {}, token)).dnsRecords
  const rua = records.find((r) => r.name === '_dmarc.example.com').value.match(/rua=mailto:([^;\s]+)/)[1]
  server.smtp('noreply-dmarc-support@google.com', rua, [reportMail(rua)])
  const deadline = Date.now() + 30_000
  while ((await server.graphql('query { dmarcReports { sourceIp } }', {}, token)).dmarcReports.length < 2) {
    assert.ok(Date.now() < deadline, 'the report was not recorded')
    await new Promise((r) => setTimeout(r, 200))
  }

  const { page, watch } = await openPage(browser, server.url, { locale: 'en-US' })
  await signIn(page, 'admin@example.com', PASSWORD)
  await page.locator('[data-test=nav-admin]').click()
  await page.locator('[data-test=admin-nav-dmarc]').click()
  await page.waitForURL(/\/admin\/dmarc$/)
  const rows = page.locator('[data-test=dmarc-table] tbody tr')
  await rows.nth(1).waitFor()
  const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())))
  assert.deepEqual(
    cells.map((c) => c.slice(0, 6)),
    [
      ['192.0.2.10', '12', '不处理', 'DKIM 通过SPF 通过', 'example.com', 'google.com'],
      ['203.0.113.66', '3', '隔离', 'DKIM 未通过SPF 未通过', 'example.com', 'google.com'],
    ],
  )
  assert.equal(cells[0][6], '2025-12-06 – 2025-12-06')
  await shot(page, 'admin-dmarc')

  // Another domain of the enterprise has no reports: the table empties.
  await page.locator('[data-test=dmarc-domain]').click()
  await page.locator('.t-select-option', { hasText: 'example.net' }).click()
  await page.locator('[data-test=dmarc-empty]').waitFor()
  assert.equal(await page.locator('[data-test=dmarc-table] tbody tr', { hasText: '192.0.2.10' }).count(), 0)
  assert.deepEqual(watch.consoleErrors, [])
})

test('an administrator without the domains permission has no DMARC entry and no rows', async () => {
  const token = await server.token('clerk@example.com')
  const r = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'query { dmarcReports { sourceIp } }' }),
  })
  const body = await r.json()
  assert.equal(body.data, null)
  assert.match(body.errors[0].message, /permission|not allowed|domains/i)

  const { page } = await openPage(browser, server.url, { locale: 'en-US' })
  await signIn(page, 'clerk@example.com', PASSWORD)
  await page.locator('[data-test=nav-admin]').click()
  await page.locator('[data-test=admin-nav-members]').waitFor()
  assert.equal(await page.locator('[data-test=admin-nav-dmarc]').count(), 0)
})
