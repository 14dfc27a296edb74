/**
 * Compile every .wxml and .wxss of the mini-program with WeChat's own compilers (wcc and
 * wcsc, shipped in the npm package miniprogram-compiler). Fails listing file:line:column
 * for each template or style error.
 */
const { spawnSync } = require('child_process')
const fs = require('fs')
const path = require('path')

const ROOT = path.resolve(__dirname, '..')
const SKIP = new Set(['node_modules', 'miniprogram_npm', 'test', '.git'])
const BIN = path.join(path.dirname(require.resolve('miniprogram-compiler/package.json')), 'bin')
const PLATFORM = { linux: 'linux', darwin: 'mac', win32: 'windows' }[process.platform]
const EXE = process.platform === 'win32' ? '.exe' : ''

function files(dir, ext, out = []) {
  for (const name of fs.readdirSync(dir)) {
    if (SKIP.has(name)) continue
    const full = path.join(dir, name)
    if (fs.statSync(full).isDirectory()) files(full, ext, out)
    else if (name.endsWith(ext)) out.push(path.relative(ROOT, full))
  }
  return out
}

function tool(name) {
  const file = path.join(BIN, PLATFORM, name + EXE)
  try {
    fs.chmodSync(file, 0o755)
  } catch (e) {
    // read-only install: it may already be executable
  }
  return file
}

/** "pages/a/a.wxml:4:1: unexpected end" or "ERR: a.wxss(4:12): …" → file:line:col: message */
function located(file, output) {
  const text = output.trim()
  const wxml = /([\w./-]+\.wxml):(\d+):(\d+):\s*(.*)/.exec(text)
  if (wxml) return `${file}:${wxml[2]}:${wxml[3]}: ${wxml[4]}`
  const wxss = /([\w./-]+\.wxss)\((\d+):(\d+)\):\s*(.*)/.exec(text)
  if (wxss) return `${file}:${wxss[2]}:${wxss[3]}: ${wxss[4]}`
  return `${file}:1:1: ${text.split('\n')[0] || 'compile error'}`
}

function compile(kind, file) {
  const args = kind === 'wxml' ? ['-d', '-cc', '0', file, '-gn', '$gwx'] : ['-db', '-pc', '0', file]
  const run = spawnSync(tool(kind === 'wxml' ? 'wcc' : 'wcsc'), args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })
  if (run.error) throw run.error
  const stderr = run.stderr.toString()
  if (run.status !== 0 || /\bERR:|error/i.test(stderr)) return located(file, stderr || run.stdout.toString())
  return null
}

function main() {
  const wxml = files(ROOT, '.wxml')
  const wxss = files(ROOT, '.wxss')
  const errors = []
  wxml.forEach((f) => {
    const e = compile('wxml', f)
    if (e) errors.push(e)
  })
  wxss.forEach((f) => {
    const e = compile('wxss', f)
    if (e) errors.push(e)
  })
  errors.forEach((e) => console.error(e))
  const total = wxml.length + wxss.length
  console.log(`compiled ${wxml.length} .wxml and ${wxss.length} .wxss files`)
  console.log(`wxml-wxss: ${total - errors.length} passed, ${errors.length} failed`)
  process.exit(errors.length ? 1 : 0)
}

if (require.main === module) main()
module.exports = { compile, files, located }
