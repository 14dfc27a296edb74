/** Start: a stored session opens the mailbox; else sign in with WeChat (binding if new). */
const session = require('../../lib/session')
const platform = require('../../lib/platform')

Component({
  data: { status: 'loading', error: '' },
  methods: {
    onLoad(query) {
      this.redirectAfter = query && query.next ? decodeURIComponent(query.next) : ''
      return this.start()
    },
    async start() {
      this.setData({ status: 'loading', error: '' })
      try {
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
  },
})
