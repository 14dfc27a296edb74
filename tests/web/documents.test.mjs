// Every GraphQL document the web app exports from web/src/api/ is valid against the schema of
// a real `qiyou serve` (introspected), so a renamed or removed field fails here rather than
// in a user's browser. (Documents written inline in .vue files are not covered yet.)
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { after, before, test } from 'node:test'
import { ROOT, Server } from './lib/server.mjs'

const require = createRequire(path.join(ROOT, 'web/package.json'))
const { buildClientSchema, getIntrospectionQuery, parse, validate } = require('graphql')
const server = new Server()
// web/src/api/client.js reads the session token from the browser's storage when imported.
const stored = new Map()
globalThis.localStorage ??= {
  getItem: (key) => stored.get(key) ?? null,
  setItem: (key, value) => stored.set(key, String(value)),
  removeItem: (key) => stored.delete(key),
}

before(async () => {
  await server.start()
})

after(async () => {
  await server.stop()
})

test('every exported document of web/src/api is valid against the server\'s schema', async () => {
  const data = await server.graphql(getIntrospectionQuery())
  const schema = buildClientSchema(data)
  const folder = path.join(ROOT, 'web/src/api')
  const documents = []
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.js'))) {
    const module = await import(pathToFileURL(path.join(folder, file)).href)
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === 'string' && /^\s*(query|mutation|subscription)\b/.test(value)) {
        documents.push([`${file}:${name}`, value])
      }
    }
  }
  assert.ok(documents.some(([name]) => name === 'clients.js:MAIL_CLIENT_SETUP'), 'found them')
  const errors = documents
    .map(([name, text]) => [name, validate(schema, parse(text)).map((e) => e.message)])
    .filter(([, found]) => found.length)
  assert.deepEqual(errors, [])
})
