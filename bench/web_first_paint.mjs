// First load of the web app over a slow link: a real `qiyou serve` serving a web build, headless
// Chromium with the network throttled through the DevTools protocol (default 4 Mbit/s down,
// 1 Mbit/s up, 80 ms latency), cache off. For the build as built (brotli/gzip copies beside the
// files) and for a copy of it without those copies (what the server sent before it compressed),
// it reports bytes on the wire, first contentful paint and the time until the sign-in form is
// usable, median of several loads of /signin.
//
// Run: node bench/web_first_paint.mjs [--dist web/dist] [--runs 5] [--mbps 4] [--latency 80]
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { launch } from '../tests/web/lib/browser.mjs'
import { ROOT, Server } from '../tests/web/lib/server.mjs'

const { values: opts } = parseArgs({
  options: {
    dist: { type: 'string', default: path.join(ROOT, 'web/dist') },
    runs: { type: 'string', default: '5' },
    mbps: { type: 'string', default: '4' },
    latency: { type: 'string', default: '80' },
  },
})
const runs = Number(opts.runs)
const bitsPerSecond = Number(opts.mbps) * 1e6

function withoutCompressedCopies(dist) {
  const copy = mkdtempSync(path.join(tmpdir(), 'qiyou-dist-plain-'))
  cpSync(dist, copy, { recursive: true })
  const strip = (folder) => {
    for (const name of readdirSync(folder)) {
      const full = path.join(folder, name)
      if (statSync(full).isDirectory()) strip(full)
      else if (/\.(br|gz)$/.test(name)) rmSync(full)
    }
  }
  strip(copy)
  return copy
}

async function load(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: Number(opts.latency),
    downloadThroughput: bitsPerSecond / 8,
    uploadThroughput: bitsPerSecond / 32,
  })
  let bytes = 0
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength
  })
  const start = Date.now()
  await page.goto(`${url}/signin`, { waitUntil: 'load' })
  await page.locator('[data-test=email] input').waitFor()
  const usable = Date.now() - start
  const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN)
  await context.close()
  return { bytes, fcp, usable }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const plain = withoutCompressedCopies(opts.dist)
const browser = await launch()
const results = []
try {
  for (const [name, dist] of [['compressed (br/gzip)', opts.dist], ['uncompressed', plain]]) {
    process.env.QIYOU_WEB_DIST = dist
    const server = await new Server().start()
    try {
      await load(browser, server.url) // warm the server's file cache
      const loads = []
      for (let i = 0; i < runs; i += 1) loads.push(await load(browser, server.url))
      results.push({ name, bytes: median(loads.map((l) => l.bytes)), fcp: median(loads.map((l) => l.fcp)), usable: median(loads.map((l) => l.usable)) })
    } finally {
      await server.stop()
    }
  }
} finally {
  await browser.close()
  rmSync(plain, { recursive: true, force: true })
}
console.log(`/signin at ${opts.mbps} Mbit/s, ${opts.latency} ms, cache off, median of ${runs}`)
for (const r of results) {
  console.log(`${r.name.padEnd(22)} ${(r.bytes / 1024).toFixed(0).padStart(6)} KiB on the wire   first paint ${(r.fcp / 1000).toFixed(2)} s   sign-in form ${(r.usable / 1000).toFixed(2)} s`)
}
