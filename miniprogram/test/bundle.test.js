/**
 * The shipped code stays small: scripts/bundle-size.js walks what app.json reaches (pages,
 * components, requires, npm packages as miniprogram_npm holds them) and the total is under
 * the budget. graphql-ws is the vendored client-only build of the pinned version.
 */
const fs = require('fs')
const path = require('path')
const { measure, BUDGET } = require('../scripts/bundle-size')

const ROOT = path.resolve(__dirname, '..')

test('the code reached from app.json is under the budget and resolves completely', () => {
  const { files, missing, total } = measure()
  const shipped = [...files.keys()].map((f) => path.relative(ROOT, f))
  expect(missing).toEqual([])
  // It follows pages, their requires, components and npm packages.
  expect(shipped).toEqual(
    expect.arrayContaining([
      'app.json',
      'pages/message/message.js',
      'pages/message/message.wxml',
      'lib/live.js',
      'lib/vendor/graphql-ws.js',
      'components/mail-item/mail-item.js',
      'node_modules/tdesign-miniprogram/miniprogram_dist/button/button.js',
      'node_modules/tdesign-miniprogram/miniprogram_dist/common/utils.wxs',
    ]),
  )
  expect(shipped.filter((f) => f.startsWith('node_modules/graphql'))).toEqual([])
  expect(total).toBe([...files.values()].reduce((a, b) => a + b, 0))
  expect(total).toBeLessThan(BUDGET)
})

test('the vendored graphql-ws is the pinned package’s client-only build, unchanged', () => {
  const vendored = fs.readFileSync(path.join(ROOT, 'lib/vendor/graphql-ws.js'))
  const pinned = fs.readFileSync(require.resolve('graphql-ws/package.json').replace('package.json', 'umd/graphql-ws.js'))
  expect(vendored.equals(pinned)).toBe(true)
  expect(vendored.toString()).not.toMatch(/require\(/) // no graphql, no server part
})
