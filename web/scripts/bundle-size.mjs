// Prints the gzip size of the JS and CSS the first page load needs (index.html's own
// <script>/<link> and their static imports), and of all lazy chunks. Run after `npm run build`.
import { readFileSync, readdirSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist')
const html = readFileSync(path.join(dist, 'index.html'), 'utf8')
const entry = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])
const gz = (file) => gzipSync(readFileSync(path.join(dist, file))).length

// Static imports of the entry chunks are loaded up front too.
const initial = new Set()
const queue = [...entry]
while (queue.length) {
  const file = queue.pop()
  if (initial.has(file)) continue
  initial.add(file)
  if (file.endsWith('.js')) {
    const code = readFileSync(path.join(dist, file), 'utf8')
    for (const m of code.matchAll(/(?:^|[;\n])import\s*(?:[\w{},\s*$]+from\s*)?["']\.\/([^"']+\.js)["']/g)) queue.push(`assets/${m[1]}`)
  }
}
const all = readdirSync(path.join(dist, 'assets')).map((f) => `assets/${f}`)
const kb = (n) => `${(n / 1024).toFixed(1)} KB`
const sum = (files) => files.reduce((n, f) => n + gz(f), 0)
const initialJs = [...initial].filter((f) => f.endsWith('.js'))
const initialCss = [...initial].filter((f) => f.endsWith('.css'))
console.log(`initial JS  (gzip): ${kb(sum(initialJs))}  [${initialJs.join(', ')}]`)
console.log(`initial CSS (gzip): ${kb(sum(initialCss))}`)
console.log(`all JS      (gzip): ${kb(sum(all.filter((f) => f.endsWith('.js'))))} in ${all.filter((f) => f.endsWith('.js')).length} files`)
const limit = 400 * 1024
if (sum(initialJs) > limit) {
  console.error(`initial JS is over the ${kb(limit)} target`)
  process.exitCode = 1
}
