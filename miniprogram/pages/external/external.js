/**
 * External mailboxes (邮件代收): each account the member fetches mail from, with its state
 * (last success, last error, next fetch, messages fetched) and its send-as state (代发: the
 * address, proved or not, and how its mail leaves), and "立即收取". Adding and changing
 * accounts, and proving a send-as address, is done in the web app (设置 → 邮件代收). Opened
 * from the "我的" tab.
 */
const api = require('../../lib/api')
const format = require('../../lib/format')
const platform = require('../../lib/platform')
const Q = require('../../lib/queries')

// ExternalAccountErrorCode in words (lastError is "CODE: the server's words").
const CODES = {
  NOT_FOUND: '找不到该外部邮箱',
  INVALID: '设置不符合要求',
  LIMIT_REACHED: '外部邮箱数量已达上限',
  LOGIN_FAILED: '外部邮箱拒绝登录：请检查用户名和密码（或授权码）',
  CONNECT_FAILED: '无法连接外部邮箱服务器',
  TLS_FAILED: '与外部邮箱服务器的加密连接失败',
  TIMEOUT: '外部邮箱服务器响应超时',
  PROTOCOL: '外部邮箱服务器的回应无法识别',
  KEY_MISSING: '保存的密码已无法读取，请在网页版重新输入密码',
}

/** Words for a typed error or a lastError string ("CODE: words"). */
function errorWords(code, message) {
  return CODES[code] || message || code
}

function lastError(text) {
  if (!text) return ''
  const m = /^([A-Z_]+):\s*([\s\S]*)$/.exec(text)
  return m ? errorWords(m[1], m[2]) : text
}

const SEND_MODES = { QUEUE: '由本系统投递', SMTP: '经外部邮箱的 SMTP 服务器' }

/** The send-as state in words. */
function sendAs(a) {
  if (!a.sendAsAddress) return '未设置代发'
  if (!a.sendAsVerified) return `代发 ${a.sendAsAddress}：未验证（请在网页版输入验证码）`
  return `代发 ${a.sendAsAddress}：已验证 · ${SEND_MODES[a.sendMode] || a.sendMode}`
}

function row(a) {
  const state = [`已收取 ${a.fetchedCount} 封`]
  if (a.enabled && a.nextFetchAt) state.push(`下次收取 ${format.fullDate(a.nextFetchAt)}`)
  if (a.failures) state.push(`连续失败 ${a.failures} 次`)
  return {
    id: a.id,
    username: a.username,
    server: `${a.protocol} · ${a.host}:${a.port}`,
    enabled: a.enabled,
    lastSuccess: a.lastSuccessAt ? `上次成功 ${format.fullDate(a.lastSuccessAt)}` : '尚未成功收取',
    error: lastError(a.lastError),
    state: a.enabled ? state.join(' · ') : `已停用 · ${state[0]}`,
    sendAs: sendAs(a),
    sendAsVerified: !!a.sendAsVerified,
  }
}

Component({
  data: { items: [], error: '', loaded: false, busy: '' },
  methods: {
    onLoad() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      try {
        const data = await api.graphql(Q.EXTERNAL_ACCOUNTS)
        this.setData({ items: data.externalAccounts.map(row), error: '', loaded: true })
      } catch (e) {
        this.setData({ error: e.message, loaded: true })
      }
    },
    async fetchNow(e) {
      const { id } = e.currentTarget.dataset
      if (this.data.busy) return
      this.setData({ busy: id })
      try {
        const result = (await api.graphql(Q.FETCH_EXTERNAL_ACCOUNT, { id })).fetchExternalAccount
        if (result.__typename === 'ExternalAccountError') return platform.toast(errorWords(result.code, result.message))
        platform.toast('已开始收取，稍后下拉刷新查看', 'none')
        await this.load()
      } catch (err) {
        platform.toast(err.message)
      } finally {
        this.setData({ busy: '' })
      }
    },
  },
})
