/**
 * What the mini-program ships, measured the way WeChat builds it: start at app.json (app.js,
 * app.wxss, every page, the global and per-page usingComponents) and follow everything a
 * file reaches — `require`/`import` in .js, `<wxs src>`/`<import>`/`<include>` in .wxml,
 * `@import` in .wxss, `require` in .wxs, a component's usingComponents — with npm packages
 * resolved as the devtools' "构建 npm" lays them out in miniprogram_npm/ (a package's
 * `miniprogram` folder, else its `main` and what that requires). Prints the bytes per
 * package or folder and the total, and fails when the total is over the budget.
 *
 *   node scripts/bundle-size.js            # budget 600 KB (614400 bytes)
 *   node scripts/bundle-size.js --budget 700000 --list
 */
const fs = require('fs')
const path = require('path')

const ROOT = path.resolve(__dirname, '..')
const NODE_MODULES = path.join(ROOT, 'node_modules')
const BUDGET = 600 * 1024
// Only `dependencies` go into miniprogram_npm: code requiring a devDependency breaks in WeChat.
const SHIPPED = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies || {})
const COMPONENT_EXTS = ['.js', '.json', '.wxml', '.wxss']

function exists(file) {
  try {
    return fs.statSync(file).isFile()
  } catch (e) {
    return false
  }
}

/** The root folder of an npm package as miniprogram_npm holds it, and its entry file. */
function packageRoot(name, from) {
  // Packages shipped inside another one's miniprogram_npm (tdesign's tslib, dayjs, ...).
  for (let dir = path.dirname(from); dir.startsWith(ROOT) && dir !== ROOT; dir = path.dirname(dir)) {
    const nested = path.join(dir, 'miniprogram_npm', name)
    if (fs.existsSync(nested)) return { dir: nested, entry: path.join(nested, 'index.js') }
  }
  if (!SHIPPED.includes(name)) return null
  const dir = path.join(NODE_MODULES, name)
  const pkgFile = path.join(dir, 'package.json')
  if (!exists(pkgFile)) return null
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'))
  if (pkg.miniprogram) {
    const base = path.join(dir, pkg.miniprogram)
    return { dir: base, entry: path.join(base, 'index.js') }
  }
  return { dir, entry: path.join(dir, pkg.main || 'index.js') }
}

function splitBare(spec) {
  const parts = spec.split('/')
  const count = spec.startsWith('@') ? 2 : 1
  return { name: parts.slice(0, count).join('/'), rest: parts.slice(count).join('/') }
}

/** A module or component path as WeChat resolves it (relative, absolute from ROOT, or npm). */
function resolve(spec, from, exts) {
  const tryFile = (base) => {
    const candidates = [base].concat(exts.map((e) => base + e), exts.map((e) => path.join(base, 'index' + e)))
    return candidates.find(exists) || null
  }
  if (spec.startsWith('./') || spec.startsWith('../')) return tryFile(path.resolve(path.dirname(from), spec))
  if (spec.startsWith('/')) return tryFile(path.join(ROOT, spec))
  // WeChat also resolves a bare path against the importing file's folder first.
  const local = tryFile(path.resolve(path.dirname(from), spec))
  if (local) return local
  const { name, rest } = splitBare(spec)
  const pkg = packageRoot(name, from)
  if (!pkg) return null
  return rest ? tryFile(path.join(pkg.dir, rest)) : tryFile(pkg.entry)
}

function jsDeps(text) {
  const out = []
  const patterns = [
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
    // import/export at the start of a statement (not the word inside a string or comment)
    /(?:^|[;}\n])\s*import\s*(?:[\w$*{}\s,]+?\s*from\s*)?['"]([^'"]+)['"]/g,
    /(?:^|[;}\n])\s*export\s*(?:\*|\{[^}]*\})\s*from\s*['"]([^'"]+)['"]/g,
  ]
  patterns.forEach((re) => {
    let m
    while ((m = re.exec(text))) out.push(m[1])
  })
  return out
}

function walk() {
  const files = new Map() // absolute path -> bytes
  const missing = []
  const queue = []
  const add = (file) => {
    if (!file || files.has(file)) return
    files.set(file, fs.statSync(file).size)
    queue.push(file)
  }
  const need = (spec, from, exts) => {
    const file = resolve(spec, from, exts)
    if (file) add(file)
    else missing.push(`${path.relative(ROOT, from)} → ${spec}`)
  }
  const component = (spec, from) => {
    const js = resolve(spec, from, ['.js'])
    if (!js) return missing.push(`${path.relative(ROOT, from)} → component ${spec}`)
    const base = js.replace(/\.js$/, '')
    COMPONENT_EXTS.forEach((ext) => exists(base + ext) && add(base + ext))
  }

  const appJson = path.join(ROOT, 'app.json')
  add(appJson)
  ;['app.js', 'app.wxss', 'sitemap.json'].forEach((f) => exists(path.join(ROOT, f)) && add(path.join(ROOT, f)))
  const app = JSON.parse(fs.readFileSync(appJson, 'utf8'))
  app.pages.forEach((page) => component(`/${page}`, appJson))

  while (queue.length) {
    const file = queue.shift()
    const text = fs.readFileSync(file, 'utf8')
    const ext = path.extname(file)
    if (ext === '.js' || ext === '.wxs') {
      jsDeps(text).forEach((spec) => need(spec, file, ext === '.wxs' ? ['.wxs'] : ['.js']))
    } else if (ext === '.json') {
      let json = {}
      try {
        json = JSON.parse(text)
      } catch (e) {
        // not a page/component description
      }
      Object.values(json.usingComponents || {}).forEach((spec) => component(spec, file))
    } else if (ext === '.wxml') {
      const re = /<(?:wxs|import|include)\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/g
      let m
      while ((m = re.exec(text))) need(m[1], file, [path.extname(m[1]) ? '' : '.wxml'])
    } else if (ext === '.wxss') {
      const re = /@import\s+(?:url\()?\s*['"]([^'"]+)['"]/g
      let m
      while ((m = re.exec(text))) need(m[1], file, [''])
    }
  }
  return { files, missing }
}

/** "tdesign-miniprogram", "graphql", "lib", "pages/inbox", ... */
function group(file) {
  const rel = path.relative(ROOT, file)
  const parts = rel.split(path.sep)
  if (parts[0] === 'node_modules') {
    const nested = parts.lastIndexOf('miniprogram_npm')
    if (nested >= 0) return parts[nested + 1]
    return parts[1].startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1]
  }
  if (parts[0] === 'pages' || parts[0] === 'components') return parts.slice(0, 2).join('/')
  return parts.length > 1 ? parts[0] : '(app)'
}

function measure() {
  const { files, missing } = walk()
  const groups = {}
  let total = 0
  files.forEach((bytes, file) => {
    const g = group(file)
    groups[g] = (groups[g] || 0) + bytes
    total += bytes
  })
  return { files, missing, groups, total }
}

function kb(n) {
  return `${(n / 1024).toFixed(1)} KB`
}

function main(argv) {
  const at = argv.indexOf('--budget')
  const budget = at >= 0 ? Number(argv[at + 1]) : BUDGET
  const { files, missing, groups, total } = measure()
  Object.entries(groups)
    .sort((a, b) => b[1] - a[1])
    .forEach(([g, bytes]) => console.log(`${String(bytes).padStart(9)}  ${kb(bytes).padStart(9)}  ${g}`))
  if (argv.includes('--list')) {
    ;[...files.entries()].sort((a, b) => b[1] - a[1]).forEach(([f, b]) => console.log(`${String(b).padStart(9)}  ${path.relative(ROOT, f)}`))
  }
  missing.forEach((m) => console.error(`unresolved: ${m}`))
  console.log(`bundle: ${total} bytes (${kb(total)}) in ${files.size} files; budget ${budget} bytes (${kb(budget)})`)
  if (missing.length) {
    console.error('bundle: some references could not be resolved (not in package.json dependencies, or run npm ci)')
    return 1
  }
  if (total > budget) {
    console.error(`bundle: over budget by ${total - budget} bytes`)
    return 1
  }
  return 0
}

if (require.main === module) process.exit(main(process.argv.slice(2)))
module.exports = { measure, resolve, jsDeps, BUDGET }
