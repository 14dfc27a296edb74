/**
 * Where the Qiyou server is. A company sets DEFAULT_SERVER before publishing (it must be
 * one of the mini-program's "request/socket/downloadFile legal domains" in the WeChat
 * admin console, with HTTPS/WSS). Members can set or change it on the launch and login
 * pages (lib/settings.js checks it answers first); it is kept in storage.
 */
const platform = require('./platform')

// The placeholder: a build that still has it asks for the server on first launch.
const PLACEHOLDER = 'https://mail.example.com'
const DEFAULT_SERVER = PLACEHOLDER
const SERVER_KEY = 'qiyou.server'

// Plain http only for a server on this machine or the local network (devtools with
// "不校验合法域名" for trials); WeChat itself accepts nothing but https.
const LOCAL_HOST = /^(localhost|127(\.\d{1,3}){3}|10(\.\d{1,3}){3}|192\.168(\.\d{1,3}){2}|172\.(1[6-9]|2\d|3[01])(\.\d{1,3}){2}|\[::1\])(:\d+)?$/i

/**
 * The base URL a member typed, cleaned ("mail.company.com/" → "https://mail.company.com"),
 * or an Error saying what is wrong with it.
 */
function normalize(input) {
  let url = String(input || '').trim()
  if (!url) throw new Error('请输入服务器地址')
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `https://${url}`
  url = url.replace(/\/+$/, '').replace(/\/graphql$/i, '').replace(/\/+$/, '')
  const m = /^(https?):\/\/([^/?#\s@]+)(\/[^?#\s]*)?$/i.exec(url)
  if (!m) throw new Error('服务器地址格式不正确，例如 https://mail.company.com')
  const scheme = m[1].toLowerCase()
  const host = m[2].toLowerCase()
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host) || /^[.-]|\.\./.test(host)) {
    throw new Error('服务器地址格式不正确，例如 https://mail.company.com')
  }
  if (scheme !== 'https' && !LOCAL_HOST.test(host)) throw new Error('服务器地址应以 https:// 开头')
  return `${scheme}://${host}${m[3] || ''}`
}

function stored() {
  return platform.getStorage(SERVER_KEY)
}

function server() {
  return (stored() || DEFAULT_SERVER).replace(/\/+$/, '')
}

/** Has a server been set (stored, or built in by the company)? */
function configured() {
  return !!stored() || DEFAULT_SERVER !== PLACEHOLDER
}

/** Keep a server address (normalized; throws on a bad one). Empty: back to the default. */
function setServer(url) {
  const clean = String(url || '').trim() ? normalize(url) : null
  platform.setStorage(SERVER_KEY, clean)
  return clean
}

function graphqlUrl() {
  return `${server()}/graphql`
}

function wsUrl() {
  return graphqlUrl().replace(/^http/, 'ws')
}

module.exports = { DEFAULT_SERVER, PLACEHOLDER, normalize, server, configured, setServer, graphqlUrl, wsUrl }
