/** The enterprise directory: departments, members, groups; tap someone to write to them. */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const Q = require('../../lib/queries')

const PAGE = 30

Component({
  data: {
    tab: 'people',
    query: '',
    trail: [],
    departments: [],
    children: [],
    contacts: [],
    total: 0,
    cursor: null,
    hasMore: false,
    groups: [],
    loading: false,
    error: '',
  },
  methods: {
    async onLoad() {
      try {
        const { directoryDepartments } = await api.graphql(Q.DEPARTMENTS)
        this.setData({ departments: directoryDepartments })
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.showChildren()
      return this.loadContacts()
    },
    async onPullDownRefresh() {
      try {
        await (this.data.tab === 'people' ? this.loadContacts() : this.loadGroups())
      } finally {
        platform.stopPullDownRefresh()
      }
    },
    onReachBottom() {
      if (this.data.tab === 'people' && this.data.hasMore && !this.data.loading) return this.loadContacts(true)
    },
    current() {
      const trail = this.data.trail
      return trail.length ? trail[trail.length - 1].id : null
    },
    showChildren() {
      const parent = this.current()
      this.setData({ children: this.data.departments.filter((d) => (d.parentId || null) === parent) })
    },
    async loadContacts(more = false) {
      this.setData({ loading: true, error: '' })
      try {
        const { directory } = await api.graphql(Q.DIRECTORY, {
          departmentId: this.current(),
          query: this.data.query || null,
          first: PAGE,
          after: more ? this.data.cursor : null,
        })
        const rows = directory.edges.map((e) =>
          Object.assign({}, e.node, {
            initial: (e.node.name || e.node.email).slice(0, 1).toUpperCase(),
            dept: e.node.departments.map((d) => d.name).join('、'),
          }),
        )
        this.setData({
          contacts: more ? this.data.contacts.concat(rows) : rows,
          total: directory.totalCount,
          cursor: directory.pageInfo.endCursor,
          hasMore: directory.pageInfo.hasNextPage,
        })
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ loading: false })
      }
    },
    async loadGroups() {
      this.setData({ loading: true, error: '' })
      try {
        const { groups } = await api.graphql(Q.GROUPS, { query: this.data.query || '' })
        this.setData({ groups: groups.filter((g) => g.address || g.addresses.length) })
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ loading: false })
      }
    },
    onTab(e) {
      const tab = e.currentTarget.dataset.tab
      this.setData({ tab })
      return tab === 'people' ? this.loadContacts() : this.loadGroups()
    },
    onQuery(e) {
      this.setData({ query: e.detail.value })
      clearTimeout(this.searchTimer)
      this.searchTimer = setTimeout(() => (this.data.tab === 'people' ? this.loadContacts() : this.loadGroups()), 300)
    },
    onDepartment(e) {
      const d = this.data.children[e.currentTarget.dataset.index]
      this.setData({ trail: this.data.trail.concat([{ id: d.id, name: d.name }]) })
      this.showChildren()
      return this.loadContacts()
    },
    onTrail(e) {
      this.setData({ trail: this.data.trail.slice(0, Number(e.currentTarget.dataset.depth)) })
      this.showChildren()
      return this.loadContacts()
    },
    async onContact(e) {
      const c = this.data.contacts[e.currentTarget.dataset.index]
      const items = ['写邮件', '复制邮箱地址']
      const phone = c.mobile || c.tel
      if (phone) items.push(`拨打 ${phone}`)
      let choice
      try {
        choice = await platform.actionSheet(items)
      } catch (err) {
        return // cancelled
      }
      if (choice === 0) return platform.navigate('compose', { to: c.email })
      if (choice === 1) return platform.copy(c.email).catch(() => platform.toast('复制失败'))
      if (choice === 2) return platform.call(phone)
    },
    onMyContacts() {
      return platform.navigate('contacts')
    },
    onGroup(e) {
      const g = this.data.groups[e.currentTarget.dataset.index]
      return platform.navigate('compose', { to: g.address || g.addresses.join(',') })
    },
  },
})
