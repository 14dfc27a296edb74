/** Company notices: unread first marked, new ones arrive live. */
const api = require('../../lib/api')
const live = require('../../lib/live')
const platform = require('../../lib/platform')
const format = require('../../lib/format')
const Q = require('../../lib/queries')

const PAGE = 20

function row(n) {
  return {
    id: n.id,
    title: n.title,
    author: format.person(n.author),
    date: format.shortDate(n.createdAt),
    read: n.read !== false,
  }
}

Component({
  data: { notices: [], unread: 0, cursor: null, hasMore: false, loading: false, error: '' },
  methods: {
    onLoad() {
      this.stop = live.on('noticePosted', (n) => this.onPosted(n))
      return this.load()
    },
    onUnload() {
      if (this.stop) this.stop()
    },
    onShow() {
      if (this.loadedOnce) return this.load()
    },
    async onPullDownRefresh() {
      try {
        await this.load()
      } finally {
        platform.stopPullDownRefresh()
      }
    },
    onReachBottom() {
      if (this.data.hasMore && !this.data.loading) return this.load(true)
    },
    async load(more = false) {
      this.setData({ loading: true, error: '' })
      try {
        const data = await api.graphql(Q.NOTICES, { first: PAGE, after: more ? this.data.cursor : null })
        const rows = data.notices.edges.map((e) => row(e.node))
        this.setData({
          notices: more ? this.data.notices.concat(rows) : rows,
          cursor: data.notices.pageInfo.endCursor,
          hasMore: data.notices.pageInfo.hasNextPage,
          unread: data.unreadNoticeCount,
        })
        this.loadedOnce = true
        platform.setTabBadge(1, data.unreadNoticeCount)
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ loading: false })
      }
    },
    onPosted(n) {
      if (this.data.notices.some((x) => x.id === n.id)) return
      const fresh = row(Object.assign({}, n, { read: false }))
      this.setData({ notices: [fresh].concat(this.data.notices), unread: this.data.unread + 1 })
      platform.setTabBadge(1, this.data.unread)
    },
    onOpen(e) {
      const id = e.currentTarget.dataset.id
      this.setData({ notices: this.data.notices.map((n) => (n.id === id ? Object.assign({}, n, { read: true }) : n)) })
      return platform.navigate('notice', { id })
    },
  },
})
