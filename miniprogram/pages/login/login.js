/** Bind this WeChat account to a mailbox: address + password (+ authenticator code). */
const session = require('../../lib/session')
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
      this.setData({ server: e.detail.value })
    },
    toggleServer() {
      this.setData({ showServer: !this.data.showServer })
    },
    async submit() {
      const { email, password, code } = this.data
      if (!email || !password) {
        this.setData({ error: '请输入邮箱地址和密码' })
        return
      }
      this.setData({ busy: true, error: '' })
      try {
        if (this.data.server !== config.server()) config.setServer(this.data.server)
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
