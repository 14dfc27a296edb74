/**
 * Where the Qiyou server is. A company sets DEFAULT_SERVER before publishing (it must be
 * one of the mini-program's "request/socket/downloadFile legal domains" in the WeChat
 * admin console, with HTTPS/WSS); the login page can change it (kept in storage).
 */
const platform = require('./platform')

const DEFAULT_SERVER = 'https://mail.example.com'
const SERVER_KEY = 'qiyou.server'

function server() {
  return (platform.getStorage(SERVER_KEY) || DEFAULT_SERVER).replace(/\/+$/, '')
}

function setServer(url) {
  const clean = String(url || '').trim().replace(/\/+$/, '')
  if (clean && !/^https?:\/\/[^\s/]+/.test(clean)) throw new Error('服务器地址应以 https:// 开头')
  platform.setStorage(SERVER_KEY, clean || null)
}

function graphqlUrl() {
  return `${server()}/graphql`
}

function wsUrl() {
  return graphqlUrl().replace(/^http/, 'ws')
}

module.exports = { DEFAULT_SERVER, server, setServer, graphqlUrl, wsUrl }
