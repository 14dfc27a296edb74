/** Full-text mail search (the server's `search`), with highlighted snippets, paged. */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const format = require('../../lib/format')
const html = require('../../lib/html')
const store = require('../../lib/store')

const SEARCH = `query Search($query: String!, $first: Int, $after: String) {
  search(query: $query, first: $first, after: $after) {
    edges { cursor node { id subject date seen hasAttachments snippet from { name address } } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`
const PAGE = 20

Component({
  data: { query: '', results: [], total: 0, cursor: null, hasMore: false, loading: false, searched: false, error: '', supported: true },
  methods: {
    async onLoad(query) {
      const caps = await store.capabilities()
      this.setData({ supported: caps.search })
      if (query && query.q) {
        this.setData({ query: decodeURIComponent(query.q) })
        return this.run()
      }
    },
    onChange(e) {
      this.setData({ query: e.detail.value })
    },
    onSubmit() {
      return this.run()
    },
    onReachBottom() {
      if (this.data.hasMore && !this.data.loading) return this.run(true)
    },
    rows(edges) {
      return edges.map((e) => ({
        id: e.node.id,
        subject: e.node.subject || '(无主题)',
        from: format.person(e.node.from),
        date: format.shortDate(e.node.date),
        seen: e.node.seen,
        snippet: html.toNodes(e.node.snippet || '').nodes,
      }))
    },
    async run(more = false) {
      const q = this.data.query.trim()
      if (!q) return
      if (!this.data.supported) {
        this.setData({ error: '服务器暂不支持搜索', searched: true })
        return
      }
      this.setData({ loading: true, error: '' })
      try {
        const { search } = await api.graphql(SEARCH, { query: q, first: PAGE, after: more ? this.data.cursor : null })
        const rows = this.rows(search.edges)
        this.setData({
          results: more ? this.data.results.concat(rows) : rows,
          total: search.totalCount,
          cursor: search.pageInfo.endCursor,
          hasMore: search.pageInfo.hasNextPage,
          searched: true,
        })
      } catch (e) {
        this.setData({ error: e.message, searched: true })
      } finally {
        this.setData({ loading: false })
      }
    },
    onOpen(e) {
      return platform.navigate('message', { id: e.currentTarget.dataset.id })
    },
  },
})
