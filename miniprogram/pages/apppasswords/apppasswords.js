/**
 * App passwords (客户端专用密码) for mail clients (IMAP/POP3/SMTP): the list with each one's
 * last use, create one (the secret is shown once, with a copy button), revoke one.
 * Opened from the "我的" tab.
 */
const api = require('../../lib/api')
const format = require('../../lib/format')
const platform = require('../../lib/platform')
const Q = require('../../lib/queries')

function row(p) {
  const used = p.lastUsedAt
    ? `最近使用 ${format.fullDate(p.lastUsedAt)} · ${(p.lastUsedProtocol || '').toUpperCase()} · ${p.lastUsedIp || ''}`
    : '从未使用'
  return { id: p.id, name: p.name, created: `创建于 ${format.fullDate(p.createdAt)}`, used }
}

Component({
  data: { items: [], required: false, name: '', created: null, error: '', busy: false, loaded: false },
  methods: {
    onLoad() {
      return this.load()
    },
    async load() {
      try {
        const data = await api.graphql(Q.APP_PASSWORDS)
        this.setData({
          items: data.appPasswords.map(row),
          required: data.mySecurity.appPasswordsRequired,
          loaded: true,
        })
      } catch (e) {
        this.setData({ error: e.message, loaded: true })
      }
    },
    onName(e) {
      this.setData({ name: e.detail.value })
    },
    async create() {
      if (this.data.busy) return
      this.setData({ busy: true, error: '' })
      try {
        const result = (await api.graphql(Q.CREATE_APP_PASSWORD, { name: this.data.name })).createAppPassword
        if (result.__typename === 'AuthError') return this.setData({ error: result.message })
        this.setData({ created: { name: result.appPassword.name, secret: result.secret }, name: '' })
        await this.load()
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ busy: false })
      }
    },
    async copy() {
      try {
        await platform.copy(this.data.created.secret)
        platform.toast('已复制', 'success')
      } catch (err) {
        platform.toast('复制失败，请长按文字复制')
      }
    },
    done() {
      this.setData({ created: null })
    },
    async revoke(e) {
      const { id, name } = e.currentTarget.dataset
      if (!(await platform.confirm('删除专用密码', `删除“${name}”后，使用它的客户端将无法登录。`))) return
      try {
        const result = (await api.graphql(Q.REVOKE_APP_PASSWORD, { id })).revokeAppPassword
        if (result.__typename === 'AuthError') return platform.toast(result.message)
        platform.toast('已删除', 'success')
        await this.load()
      } catch (err) {
        platform.toast(err.message)
      }
    },
  },
})
