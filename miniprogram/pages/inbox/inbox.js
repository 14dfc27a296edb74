/** A folder's mail (Inbox first): live new mail, pull-to-refresh, infinite scroll. */
const api = require('../../lib/api')
const live = require('../../lib/live')
const platform = require('../../lib/platform')
const format = require('../../lib/format')
const store = require('../../lib/store')
const Q = require('../../lib/queries')

const PAGE = 20

Component({
  data: {
    folder: { id: 'INBOX', name: '收件箱', role: 'INBOX' },
    title: '收件箱',
    unread: 0,
    messages: [],
    cursor: null,
    hasMore: false,
    loading: false,
    error: '',
    live: false,
    showRecipients: false,
  },
  methods: {
    onLoad() {
      this.stops = [
        live.on('newMail', (mail) => this.onNewMail(mail)),
        live.on('mailboxChanged', () => this.refreshSoon()),
        live.on('reconnected', () => this.refreshSoon()),
        live.on('connected', () => this.setData({ live: true })),
      ]
      this.setData({ live: live.isConnected() })
      return this.reload()
    },
    onUnload() {
      ;(this.stops || []).forEach((stop) => stop())
      this.stops = []
    },
    onShow() {
      const chosen = store.state.folder
      if (chosen && chosen.id !== this.data.folder.id) {
        this.setData({ folder: chosen, messages: [], cursor: null })
        return this.reload()
      }
      if (this.loadedOnce) return this.refreshCounts()
    },
    async onPullDownRefresh() {
      try {
        await this.reload()
      } finally {
        platform.stopPullDownRefresh()
      }
    },
    onReachBottom() {
      if (this.data.hasMore && !this.data.loading) return this.loadMore()
    },
    folderKey() {
      const f = this.data.folder
      return f.role || f.id
    },
    async reload() {
      this.setData({ loading: true, error: '' })
      try {
        const data = await api.graphql(Q.MESSAGES, { folder: this.folderKey(), first: PAGE })
        const conn = data.messages
        this.setData({
          messages: conn.edges.map((e) => e.node),
          cursor: conn.pageInfo.endCursor,
          hasMore: conn.pageInfo.hasNextPage,
          showRecipients: ['SENT', 'DRAFTS'].includes(this.data.folder.role),
        })
        this.loadedOnce = true
        await this.refreshCounts()
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ loading: false })
      }
    },
    async loadMore() {
      this.setData({ loading: true })
      try {
        const data = await api.graphql(Q.MESSAGES, {
          folder: this.folderKey(),
          first: PAGE,
          after: this.data.cursor,
        })
        const conn = data.messages
        const known = new Set(this.data.messages.map((m) => m.id))
        this.setData({
          messages: this.data.messages.concat(conn.edges.map((e) => e.node).filter((m) => !known.has(m.id))),
          cursor: conn.pageInfo.endCursor,
          hasMore: conn.pageInfo.hasNextPage,
        })
      } catch (e) {
        platform.toast(e.message)
      } finally {
        this.setData({ loading: false })
      }
    },
    async refreshCounts() {
      const { folders } = await api.graphql(Q.FOLDERS)
      const current = folders.find(
        (f) => f.id === this.data.folder.id || (f.role && f.role === this.data.folder.role),
      )
      const inbox = folders.find((f) => f.role === 'INBOX')
      if (current) {
        this.setData({
          folder: { id: current.id, name: current.name, role: current.role },
          title: format.folderName(current),
          unread: current.unread,
        })
      }
      platform.setTabBadge(0, inbox ? inbox.unread : 0)
    },
    refreshSoon() {
      clearTimeout(this.refreshTimer)
      this.refreshTimer = setTimeout(() => this.reload(), 300)
    },
    async onNewMail(mail) {
      if (!mail || mail.folder !== this.data.folder.role) return
      if (this.data.messages.some((m) => m.id === mail.id)) return
      let row = {
        id: mail.id,
        subject: mail.subject,
        from: mail.from,
        to: [],
        date: mail.date,
        seen: false,
        flagged: false,
        hasAttachments: false,
        preview: '',
      }
      try {
        row = (await api.graphql(Q.MESSAGE_ROW, { id: mail.id })).message
      } catch (e) {
        // show what the push said; the next refresh fills the rest
      }
      if (this.data.messages.some((m) => m.id === row.id)) return
      this.setData({ messages: [row].concat(this.data.messages), unread: this.data.unread + 1 })
      platform.toast(`新邮件：${format.person(mail.from)}`)
    },
    onOpen(e) {
      const id = e.detail.id
      const folder = this.data.folder
      if (folder.role === 'DRAFTS') return platform.navigate('compose', { draft: id })
      const messages = this.data.messages.map((m) => (m.id === id ? Object.assign({}, m, { seen: true }) : m))
      const was = this.data.messages.find((m) => m.id === id)
      this.setData({ messages, unread: Math.max(0, this.data.unread - (was && !was.seen ? 1 : 0)) })
      return platform.navigate('message', { id })
    },
    onFolders() {
      return platform.navigate('folders')
    },
    onSearch() {
      return platform.navigate('search')
    },
    onCompose() {
      return platform.navigate('compose')
    },
  },
})
