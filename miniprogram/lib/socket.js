/**
 * A WebSocket (the browser interface graphql-ws expects) around wx.connectSocket.
 */
const platform = require('./platform')

const CONNECTING = 0
const OPEN = 1
const CLOSING = 2
const CLOSED = 3

class WxWebSocket {
  constructor(url, protocols) {
    this.url = url
    this.protocol = Array.isArray(protocols) ? protocols[0] || '' : protocols || ''
    this.readyState = CONNECTING
    this.onopen = null
    this.onmessage = null
    this.onclose = null
    this.onerror = null
    const list = protocols ? [].concat(protocols) : []
    this.task = platform.connectSocket({ url, protocols: list })
    this.task.onOpen(() => {
      this.readyState = OPEN
      if (this.onopen) this.onopen({ type: 'open' })
    })
    this.task.onMessage((res) => {
      if (this.onmessage) this.onmessage({ type: 'message', data: res.data })
    })
    this.task.onError((err) => {
      if (this.onerror) this.onerror({ type: 'error', message: (err && err.errMsg) || 'socket error' })
      // Some clients report an error without a close: close it so reconnecting starts.
      if (this.readyState !== CLOSED) this._closed(1006, 'socket error')
    })
    this.task.onClose((res) => this._closed((res && res.code) || 1006, (res && res.reason) || ''))
  }

  _closed(code, reason) {
    if (this.readyState === CLOSED) return
    this.readyState = CLOSED
    if (this.onclose) this.onclose({ type: 'close', code, reason, wasClean: code === 1000 })
  }

  send(data) {
    if (this.readyState !== OPEN) throw new Error('WebSocket is not open')
    this.task.send({ data })
  }

  close(code = 1000, reason = '') {
    if (this.readyState === CLOSED || this.readyState === CLOSING) return
    this.readyState = CLOSING
    // WeChat accepts 1000 and 3000-4999 only.
    const allowed = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000
    this.task.close({ code: allowed, reason: String(reason).slice(0, 120) })
  }
}

Object.assign(WxWebSocket, { CONNECTING, OPEN, CLOSING, CLOSED })
Object.assign(WxWebSocket.prototype, { CONNECTING, OPEN, CLOSING, CLOSED })

module.exports = { WxWebSocket }
