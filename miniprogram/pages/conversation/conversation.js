/** A conversation: its messages oldest first, the latest one open; tap one to read it. */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const format = require('../../lib/format')
const html = require('../../lib/html')
const Q = require('../../lib/queries')

Component({
  data: { id: '', subject: '', items: [], loading: true, error: '' },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      return this.load()
    },
    async onPullDownRefresh() {
      try {
        await this.load()
      } finally {
        platform.stopPullDownRefresh()
      }
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const { conversation } = await api.graphql(Q.CONVERSATION, { id: this.data.id })
        const last = conversation.messages.length - 1
        const items = conversation.messages.map((m, i) => ({
          id: m.id,
          from: format.person(m.from),
          date: format.shortDate(m.date),
          preview: m.preview,
          seen: m.seen,
          open: i === last,
          nodes: i === last ? (m.html ? html.toNodes(m.html).nodes : html.textNodes(m.text)) : [],
          attachments: m.attachments.length,
        }))
        this.setData({ subject: conversation.subject, items })
        platform.setTitle(conversation.subject || '会话')
        const unread = conversation.messages.filter((m) => !m.seen).map((m) => m.id)
        if (unread.length) await api.graphql(Q.MARK_READ, { ids: unread, read: true })
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ loading: false })
      }
    },
    onOpen(e) {
      return platform.navigate('message', { id: e.currentTarget.dataset.id })
    },
    onReply() {
      const items = this.data.items
      if (!items.length) return
      return platform.navigate('compose', { mode: 'replyAll', id: items[items.length - 1].id })
    },
  },
})
