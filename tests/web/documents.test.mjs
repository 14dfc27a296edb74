// Every GraphQL document the web app (web/src: .js files and the <script> blocks of .vue files)
// and the mini-program (miniprogram/, outside node_modules and its tests) send is valid against
// the server's schema (`qiyou schema export`, Strawberry's SDL), so a renamed field, a wrong
// argument type or conflicting selections fail here rather than in a user's browser. The
// documents are found statically (tests/web/lib/documents.mjs); one the extractor cannot
// resolve fails with its file:line, and a minimum count per folder keeps a broken extractor
// from passing with nothing found.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { before, test } from 'node:test'
import { DOCUMENT_START, extractDocuments, sourceFiles } from './lib/documents.mjs'
import { ROOT } from './lib/server.mjs'

const require = createRequire(path.join(ROOT, 'web/package.json'))
const { buildSchema, parse, validate } = require('graphql')

// Per folder: the functions that send a document as their first argument, and the fewest
// documents each sub-folder must yield (about 80% of what it held when this was written).
const CLIENTS = {
  'web/src': {
    sends: ['gql', 'mutate', 'subscribe', 'uploadMutation'],
    minimum: { 'web/src': 4, 'web/src/api': 20, 'web/src/components': 8, 'web/src/views': 16, 'web/src/views/admin': 60 },
  },
  miniprogram: {
    sends: ['api.graphql', 'live.once'],
    minimum: { 'miniprogram/lib': 30, 'miniprogram/pages': 5 },
  },
}

let schema
before(() => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'qiyou-schema-'))
  const r = spawnSync(path.join(ROOT, '.venv/bin/qiyou'), ['schema', 'export'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, QIYOU_DATA_DIR: dataDir },
  })
  rmSync(dataDir, { recursive: true, force: true })
  assert.equal(r.status, 0, `qiyou schema export failed: ${r.stderr}`)
  schema = buildSchema(r.stdout)
})

/** "file:line: message" for each invalid document. */
function problems(documents) {
  const found = []
  for (const { where, text } of documents) {
    let errors
    try {
      errors = validate(schema, parse(text))
    } catch (e) {
      errors = [e] // a syntax error
    }
    for (const e of errors) found.push(`${where}: ${e.message}`)
  }
  return found
}

for (const [folder, { sends, minimum }] of Object.entries(CLIENTS)) {
  test(`every GraphQL document of ${folder} is found and valid against the server's schema`, () => {
    const { documents, unresolved } = extractDocuments(sourceFiles(path.join(ROOT, folder)), sends)
    // A document that cannot be read from the source (built at run time) counts as invalid.
    const invalid = [...unresolved.map((u) => `${u.where}: ${u.message}`), ...problems(documents)]
    if (invalid.length) console.log(invalid.join('\n'))
    assert.deepEqual(invalid, [])
    for (const [sub, least] of Object.entries(minimum)) {
      const inside = (dir) => (sub === folder ? dir === sub : dir === sub || dir.startsWith(`${sub}/`))
      const count = documents.filter((d) => inside(path.dirname(d.where.split(':')[0]))).length
      assert.ok(count >= least, `${sub}: ${count} documents found, expected at least ${least}`)
    }
  })
}

test('the extractor reads the documents the modules really export, interpolations resolved', async () => {
  const stored = new Map() // web/src/api/client.js reads the session token when imported
  globalThis.localStorage ??= {
    getItem: (key) => stored.get(key) ?? null,
    setItem: (key, value) => stored.set(key, String(value)),
    removeItem: (key) => stored.delete(key),
  }
  const exported = []
  const api = path.join(ROOT, 'web/src/api')
  for (const file of readdirSync(api).filter((f) => f.endsWith('.js'))) {
    exported.push(...Object.values(await import(pathToFileURL(path.join(api, file)).href)))
  }
  exported.push(...Object.values(require(path.join(ROOT, 'miniprogram/lib/queries.js'))))
  const runtime = exported.filter((v) => typeof v === 'string' && DOCUMENT_START.test(v))
  assert.ok(runtime.length >= 50, `${runtime.length} exported documents`)
  const found = new Set(
    Object.entries(CLIENTS).flatMap(([folder, { sends }]) => extractDocuments(sourceFiles(path.join(ROOT, folder)), sends).documents.map((d) => d.text)),
  )
  assert.deepEqual(runtime.filter((text) => !found.has(text)), [])
})

test('the extractor follows interpolations and reports what it cannot read, with file:line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qiyou-documents-'))
  try {
    writeFileSync(path.join(dir, 'errors.js'), "export const ERR = '... on AdminError { code field message }'\n")
    writeFileSync(
      path.join(dir, 'Screen.vue'),
      [
        '<template><a @click="act(\'disableMember\', row)">x</a><a @click="act(\'nosuchMutation\', row)">y</a></template>',
        '<script setup>',
        "import { ERR } from './errors.js'",
        'const ME = `{ me { email nosuchField } }`',
        'async function act(name, row) {',
        '  await mutate(`mutation($e:String!){ ${name}(email:$e){ __typename ${ERR} } }`, { e: row.email })',
        '}',
        'function built(field) {',
        '  return gql(`query { ${field.name} }`)',
        '}',
        'gql(ME)',
        '</script>',
      ].join('\n'),
    )
    const { documents, unresolved } = extractDocuments(sourceFiles(dir), ['gql', 'mutate'])
    const where = (d) => d.where.replace(/^.*\//, '')
    assert.deepEqual(unresolved.map((u) => `${where(u)}: ${u.message}`), ['Screen.vue:9: field.name, not a constant text'])
    assert.deepEqual(
      problems(documents).map((p) => p.replace(/^.*\//, '')),
      ['Screen.vue:4: Cannot query field "nosuchField" on type "Me".', 'Screen.vue:6: Cannot query field "nosuchMutation" on type "Mutation".'],
    )
    assert.ok(documents.some((d) => d.text.includes('disableMember(email:$e){ __typename ... on AdminError')))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
