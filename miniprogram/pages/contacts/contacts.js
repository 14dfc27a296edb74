/** The member's own contacts (the address book CardDAV clients sync): search, tap for details. */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const C = require('../../lib/contacts')

const PAGE = 30

Component({
  data: { query: '', contacts: [], total: 0, cursor: null, hasMore: false, loading: false, error: '' },
  methods: {
    onLoad() {
      return this.load()
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
        const { personalContacts } = await api.graphql(C.PERSONAL_CONTACTS, {
          query: this.data.query || null,
          first: PAGE,
          after: more ? this.data.cursor : null,
        })
        const rows = personalContacts.edges.map((e) =>
          Object.assign({}, e.node, {
            initial: (e.node.name || '?').slice(0, 1).toUpperCase(),
            line: [e.node.emails[0] || e.node.phones[0] || '', e.node.organization].filter(Boolean).join(' · '),
          }),
        )
        this.setData({
          contacts: more ? this.data.contacts.concat(rows) : rows,
          total: personalContacts.totalCount,
          cursor: personalContacts.pageInfo.endCursor,
          hasMore: personalContacts.pageInfo.hasNextPage,
        })
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ loading: false })
      }
    },
    onQuery(e) {
      this.setData({ query: e.detail.value })
      clearTimeout(this.searchTimer)
      this.searchTimer = setTimeout(() => this.load(), 300)
    },
    onContact(e) {
      const c = this.data.contacts[e.currentTarget.dataset.index]
      return platform.navigate('contact', { id: c.id })
    },
  },
})
