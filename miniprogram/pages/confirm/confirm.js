/**
 * Confirm a web login (secure login, A16): opened by scanning the web login QR code
 * (from the "我的" tab, or WeChat's scanner with a QR-link rule). Shows where the login
 * comes from; the member approves or refuses it.
 */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const format = require('../../lib/format')
const Q = require('../../lib/queries')

const PREFIX = 'qiyou-login:'
const MESSAGES = {
  TICKET_EXPIRED: '二维码已过期或不属于当前账号，请在网页上刷新二维码',
  WECHAT_NOT_BOUND: '请先绑定微信',
  MINIPROGRAM_REQUIRED: '请在小程序中确认',
}

/** The ticket from ?ticket=, or a scanned text / QR-link URL carrying "qiyou-login:…". */
function ticketOf(query) {
  if (query.ticket) return decodeURIComponent(query.ticket)
  const text = decodeURIComponent(query.q || query.scene || '')
  const at = text.indexOf(PREFIX)
  if (at >= 0) return text.slice(at + PREFIX.length).split(/[&#\s]/)[0]
  const match = /[?&]t(?:icket)?=([^&#]+)/.exec(text)
  return match ? decodeURIComponent(match[1]) : ''
}

Component({
  data: { ticket: '', state: 'loading', info: null, error: '', busy: false },
  methods: {
    async onLoad(query) {
      const ticket = ticketOf(query || {})
      this.setData({ ticket })
      if (!ticket) return this.setData({ state: 'error', error: '无法识别的二维码' })
      if (!api.token()) return platform.relaunch('launch', { next: `confirm:${ticket}` })
      try {
        const result = (await api.graphql(Q.SCAN_QR, { ticket })).scanQrLogin
        if (result.__typename === 'AuthError') {
          return this.setData({ state: 'error', error: MESSAGES[result.code] || result.message })
        }
        this.setData({
          state: 'ask',
          info: { ip: result.ip, userAgent: result.userAgent, when: format.fullDate(result.createdAt) },
        })
      } catch (e) {
        this.setData({ state: 'error', error: e.message })
      }
    },
    approve() {
      return this.answer(true)
    },
    deny() {
      return this.answer(false)
    },
    async answer(approve) {
      this.setData({ busy: true })
      try {
        const result = (await api.graphql(Q.CONFIRM_QR, { ticket: this.data.ticket, approve })).confirmQrLogin
        if (result.__typename === 'AuthError') {
          return this.setData({ state: 'error', error: MESSAGES[result.code] || result.message })
        }
        this.setData({ state: result.status === 'APPROVED' ? 'approved' : 'denied' })
      } catch (e) {
        this.setData({ state: 'error', error: e.message })
      } finally {
        this.setData({ busy: false })
      }
    },
    done() {
      return platform.switchTab('inbox')
    },
  },
})
