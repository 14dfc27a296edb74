/**
 * Shared setup: the loopback WeChat server, a provisioned `qiyou serve`, the node-backed
 * `wx`, and helpers to render pages with miniprogram-simulate.
 */
const fs = require('fs')
const path = require('path')
const { WechatServer } = require('./wechat')
const { Qiyou } = require('./qiyou')
const { createWx, httpCall } = require('./wx')

const ROOT = path.resolve(__dirname, '../..')
const APPID = 'wx-test-appid'
const SECRET = 'wx-test-secret'
const TEMPLATE = 'tmpl-new-mail'
const CODE_TEMPLATE = 'tmpl-confidential-code'
const PASSWORD = 'correct-horse-9'
const DOMAIN = 'mp.test'

async function startAll() {
  const wechat = new WechatServer({ appid: APPID, secret: SECRET })
  await wechat.start()
  const server = new Qiyou({
    QIYOU_WECHAT_API_URL: wechat.url,
    QIYOU_WECHAT_APPID: APPID,
    QIYOU_WECHAT_SECRET: SECRET,
    QIYOU_WECHAT_MAIL_TEMPLATE: TEMPLATE,
    QIYOU_WECHAT_CODE_TEMPLATE: CODE_TEMPLATE,
  })
  await server.ports()
  await server.cli('domain', 'add', DOMAIN)
  await server.cli('user', 'add', `tom@${DOMAIN}`, '--password', PASSWORD, '--name', '汤姆')
  await server.cli('user', 'add', `jerry@${DOMAIN}`, '--password', PASSWORD, '--name', '杰瑞')
  await server.cli('user', 'add', `boss@${DOMAIN}`, '--password', PASSWORD, '--name', '老板')
  await server.cli('admin', 'grant', `boss@${DOMAIN}`, '--super')
  await server.start()
  return { wechat, server }
}

/** Install the node-backed wx (after miniprogram-simulate put its own on global). */
function installWx(wechat, serverUrl) {
  const simulate = require('miniprogram-simulate')
  const env = createWx({ wechat })
  Object.assign(global.wx, env.wx)
  global.wx.setStorageSync('qiyou.server', serverUrl)
  return { simulate, env }
}

const stubs = {}
const local = {}

/**
 * The components a page uses. TDesign components stand in as slot-only components in the
 * simulator (their own code needs the WeChat runtime); the pages' own templates, data and
 * logic are what is tested. Our own components (mail-item, privacy-popup) are loaded once
 * per test file and shared by the pages: their code, like a page's, runs once (require
 * caches it), so a second load would find no Component() call.
 */
function componentsOf(simulate, jsonFile, withGlobal = true) {
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'))
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
  const used = Object.assign({}, withGlobal ? app.usingComponents : {}, json.usingComponents)
  const mapping = {}
  Object.keys(used).forEach((tag) => {
    const where = used[tag]
    if (where.startsWith('tdesign-miniprogram/')) {
      if (!stubs[tag]) stubs[tag] = simulate.load({ template: '<view class="{{tag}}"><slot/></view>', data: { tag } })
      mapping[tag] = stubs[tag]
    } else if (where.startsWith('/')) {
      if (!local[where]) {
        local[where] = simulate.load(path.join(ROOT, where), {
          rootPath: ROOT,
          compiler: 'simulate',
          usingComponents: componentsOf(simulate, path.join(ROOT, `${where}.json`), false),
        })
      }
      mapping[tag] = local[where]
    }
  })
  return mapping
}

/** Render a page (a Component) and run its onLoad with `query`. */
const pageIds = {}

async function openPage(simulate, name, query = {}) {
  // A page's code runs once per test file (require caches it), so it is loaded once.
  const id =
    pageIds[name] ||
    (pageIds[name] = simulate.load(path.join(ROOT, 'pages', name, name), {
      rootPath: ROOT,
      compiler: 'simulate',
      usingComponents: componentsOf(simulate, path.join(ROOT, 'pages', name, `${name}.json`)),
    }))
  const page = simulate.render(id)
  page.attach(document.createElement('parent-wrapper'))
  await page.instance.onLoad(query)
  return page
}

function closePage(page) {
  if (page.instance.onUnload) page.instance.onUnload()
  page.detach()
}

async function until(check, what, timeout = 20000) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** GraphQL as another client would (the web app, an admin), straight over node http. */
async function graphql(serverUrl, query, variables = {}, token = null) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await httpCall(`${serverUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) })
  const body = JSON.parse(res.body.toString('utf8'))
  if (body.errors) throw new Error(JSON.stringify(body.errors))
  return body.data
}

async function webLogin(serverUrl, email) {
  const doc = `mutation L($e: String!, $p: String!) { login(email: $e, password: $p) {
    __typename ... on LoginSuccess { token } ... on SecondFactorRequired { ticket qrText }
    ... on AuthError { code message } } }`
  return (await graphql(serverUrl, doc, { e: email, p: PASSWORD })).login
}

module.exports = { ROOT, APPID, SECRET, TEMPLATE, CODE_TEMPLATE, PASSWORD, DOMAIN, startAll, installWx, openPage, closePage, until, graphql, webLogin }
