/**
 * Start: the server answers (its config: time zone, templates), then a stored session opens
 * the mailbox, else sign in with WeChat (binding if new). Without a server address (a build
 * that still has the placeholder) or when the server cannot be reached, the member can set
 * or change the address here: it is checked (https, GET /health, miniprogramConfig) before
 * it is kept.
 */
const session = require('../../lib/session')
const settings = require('../../lib/settings')
const config = require('../../lib/config')
const platform = require('../../lib/platform')

Component({
  data: {
    status: 'loading', // loading | error | server | bind | done
    error: '',
    server: '',
    serverInput: '',
    serverError: '',
    checking: false,
    canCancel: false,
  },
  methods: {
    onLoad(query) {
      this.redirectAfter = query && query.next ? decodeURIComponent(query.next) : ''
      if (!config.configured()) return this.askServer(false)
      return this.start()
    },
    async start() {
      this.setData({ status: 'loading', error: '', server: config.server() })
      try {
        await settings.load(true)
        if (await session.restore()) return this.enter()
        const outcome = await session.signInWithWechat()
        if (outcome.status === 'signedIn') return this.enter()
        await platform.redirect('login', { ticket: outcome.ticket })
        this.setData({ status: 'bind' })
      } catch (e) {
        this.setData({ status: 'error', error: e.message })
      }
    },
    async enter() {
      this.setData({ status: 'done' })
      if (this.redirectAfter.startsWith('confirm:')) {
        return platform.redirect('confirm', { ticket: this.redirectAfter.slice(8) })
      }
      return platform.switchTab('inbox')
    },
    onRetry() {
      return this.start()
    },
    askServer(canCancel) {
      this.setData({
        status: 'server',
        serverInput: config.configured() ? config.server() : '',
        serverError: '',
        canCancel,
      })
    },
    onEditServer() {
      this.askServer(true)
    },
    onCancelServer() {
      return this.start()
    },
    onServerInput(e) {
      this.setData({ serverInput: e.detail.value, serverError: '' })
    },
    async onSaveServer() {
      this.setData({ checking: true, serverError: '' })
      try {
        await settings.connect(this.data.serverInput)
      } catch (e) {
        this.setData({ serverError: e.message, checking: false })
        return
      }
      this.setData({ checking: false })
      platform.toast('服务器已连接', 'success')
      return this.start()
    },
  },
})
