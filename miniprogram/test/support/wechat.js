/**
 * A loopback server speaking WeChat's server API: sns/jscode2session (login codes work
 * once), cgi-bin/token and cgi-bin/message/subscribe/send (recorded in `sent`).
 */
const crypto = require('crypto')
const http = require('http')

class WechatServer {
  constructor({ appid, secret }) {
    this.appid = appid
    this.secret = secret
    this.codes = new Map()
    this.tokens = new Set()
    this.sent = []
    this.server = http.createServer((req, res) => this.handle(req, res))
  }

  start() {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve))
  }

  stop() {
    return new Promise((resolve) => this.server.close(resolve))
  }

  get url() {
    return `http://127.0.0.1:${this.server.address().port}`
  }

  issue(openid) {
    const code = crypto.randomBytes(12).toString('hex')
    this.codes.set(code, openid)
    return code
  }

  handle(req, res) {
    const url = new URL(req.url, 'http://wechat')
    const q = Object.fromEntries(url.searchParams)
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const answer = this.answer(req.method, url.pathname, q, Buffer.concat(chunks).toString('utf8'))
      const body = JSON.stringify(answer)
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
      res.end(body)
    })
  }

  answer(method, pathname, q, body) {
    if (pathname === '/sns/jscode2session' || pathname === '/cgi-bin/token') {
      if (q.appid !== this.appid || q.secret !== this.secret) return { errcode: 40013, errmsg: 'invalid appid' }
    }
    if (pathname === '/sns/jscode2session') {
      const openid = this.codes.get(q.js_code)
      if (!openid) return { errcode: 40029, errmsg: 'invalid code' }
      this.codes.delete(q.js_code)
      return { openid, session_key: crypto.randomBytes(16).toString('base64') }
    }
    if (pathname === '/cgi-bin/token') {
      const token = crypto.randomBytes(16).toString('hex')
      this.tokens.add(token)
      return { access_token: token, expires_in: 7200 }
    }
    if (pathname === '/cgi-bin/message/subscribe/send' && method === 'POST') {
      if (!this.tokens.has(q.access_token)) return { errcode: 40001, errmsg: 'invalid credential' }
      this.sent.push(JSON.parse(body))
      return { errcode: 0, errmsg: 'ok' }
    }
    return { errcode: 404, errmsg: 'no such API' }
  }
}

module.exports = { WechatServer }
