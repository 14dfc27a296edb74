/**
 * Bind this WeChat account to a mailbox: address + password (+ authenticator code). The
 * server address can be changed here too (checked by lib/settings.js before it is kept).
 */
const session = require('../../lib/session')
const settings = require('../../lib/settings')
const config = require('../../lib/config')
const platform = require('../../lib/platform')

Component({
  data: {
    ticket: '',
    email: '',
    password: '',
    code: '',
    needCode: false,
    server: '',
    showServer: false,
    serverError: '',
    checking: false,
    busy: false,
    error: '',
  },
  methods: {
    onLoad(query) {
      this.setData({ ticket: (query && query.ticket) || '', server: config.server() })
    },
    onEmail(e) {
      this.setData({ email: e.detail.value })
    },
    onPassword(e) {
      this.setData({ password: e.detail.value })
    },
    onCode(e) {
      this.setData({ code: e.detail.value })
    },
    onServer(e) {
      this.setData({ server: e.detail.value, serverError: '' })
    },
    toggleServer() {
      this.setData({ showServer: !this.data.showServer, server: config.server(), serverError: '' })
    },
    /** Check and keep the address typed; a bind ticket of the previous server is dropped. */
    async onSaveServer() {
      this.setData({ checking: true, serverError: '' })
      try {
        const before = config.server()
        const url = await settings.connect(this.data.server)
        const update = { server: url, showServer: false }
        if (url !== before) update.ticket = ''
        this.setData(update)
        platform.toast('服务器已连接', 'success')
        return true
      } catch (e) {
        this.setData({ serverError: e.message })
        return false
      } finally {
        this.setData({ checking: false })
      }
    },
    async submit() {
      const { email, password, code } = this.data
      if (!email || !password) {
        this.setData({ error: '请输入邮箱地址和密码' })
        return
      }
      this.setData({ busy: true, error: '' })
      try {
        if (this.data.showServer && this.data.server !== config.server() && !(await this.onSaveServer())) {
          return
        }
        let ticket = this.data.ticket
        if (!ticket) {
          const outcome = await session.signInWithWechat()
          if (outcome.status === 'signedIn') return platform.switchTab('inbox')
          ticket = outcome.ticket
          this.setData({ ticket })
        }
        await session.bind(ticket, email, password, code)
        platform.toast('绑定成功', 'success')
        await platform.switchTab('inbox')
      } catch (e) {
        const update = { error: e.message }
        if (e.code === 'INVALID_CODE' && e.field === 'code') update.needCode = true
        if (e.code === 'TICKET_EXPIRED') update.ticket = ''
        this.setData(update)
      } finally {
        this.setData({ busy: false })
      }
    },
  },
})
