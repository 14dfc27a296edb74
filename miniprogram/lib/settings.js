/**
 * What the server tells the mini-program before anyone signs in (miniprogramConfig): the
 * WeChat subscribe-message templates and the members' time zone (lib/format.js shows dates
 * in it). Kept in storage per server, so dates are right before the network answers.
 *
 * connect(url) is how a member sets or changes the server: the address is checked
 * (lib/config.js), GET /health must answer {"status":"ok"} and miniprogramConfig must
 * answer, and only then is it stored (a session of another server is forgotten).
 */
const platform = require('./platform')
const config = require('./config')
const api = require('./api')
const format = require('./format')
const Q = require('./queries')

const KEY = 'qiyou.serverConfig'
let cached = null

function apply(value) {
  cached = value
  format.setZone(value)
}

/** The last config stored for the current server (at launch, before any request). */
function restore() {
  const saved = platform.getStorage(KEY)
  if (saved && saved.server === config.server() && saved.config) apply(saved.config)
  return cached
}

/** Ask the server (once per run unless `fresh`); resolves with the config. */
async function load(fresh = false) {
  if (cached && !fresh) return cached
  let miniprogramConfig
  try {
    ;({ miniprogramConfig } = await api.graphql(Q.CONFIG))
  } catch (e) {
    // A server older than this mini-program has no time zone fields yet: ask without them.
    if (!/timeZone|utcOffset/.test(e.message)) throw e
    ;({ miniprogramConfig } = await api.graphql(Q.CONFIG_BASIC))
  }
  platform.setStorage(KEY, { server: config.server(), config: miniprogramConfig })
  apply(miniprogramConfig)
  return miniprogramConfig
}

/** The config if loaded (no request): for tap handlers that must not wait. */
function current() {
  return cached
}

/** Check a server address answers as a Qiyou server, then use it. Throws with a reason. */
async function connect(input) {
  const url = config.normalize(input)
  let res
  try {
    res = await platform.request({ url: `${url}/health`, timeout: 10000 })
  } catch (e) {
    throw new Error(`无法连接 ${url}：${e.message}`)
  }
  const body = typeof res.data === 'string' ? safeJson(res.data) : res.data
  if (res.statusCode !== 200 || !body || body.status !== 'ok') {
    throw new Error(`${url} 不是可用的企邮服务器（HTTP ${res.statusCode}）`)
  }
  const previous = config.server()
  config.setServer(url)
  try {
    await load(true)
  } catch (e) {
    config.setServer(previous === config.PLACEHOLDER ? null : previous)
    throw new Error(`${url} 不是可用的企邮服务器：${e.message}`)
  }
  if (previous !== url) api.setToken(null) // a session belongs to the server that made it
  return url
}

function safeJson(text) {
  try {
    return JSON.parse(text)
  } catch (e) {
    return null
  }
}

module.exports = { restore, load, current, connect }
