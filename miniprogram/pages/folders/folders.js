/** Folders with unread counts; choosing one shows it on the mail tab. */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const format = require('../../lib/format')
const store = require('../../lib/store')
const Q = require('../../lib/queries')

const ORDER = ['INBOX', 'DRAFTS', 'SENT', 'ARCHIVE', 'SPAM', 'TRASH']

Component({
  data: { folders: [], error: '' },
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
    async load() {
      try {
        const { folders } = await api.graphql(Q.FOLDERS)
        const rank = (f) => (f.role && ORDER.includes(f.role) ? ORDER.indexOf(f.role) : ORDER.length)
        const sorted = folders.slice().sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
        this.setData({
          folders: sorted.map((f) => Object.assign({}, f, { label: format.folderName(f), indent: f.parentId ? 1 : 0 })),
          error: '',
        })
      } catch (e) {
        this.setData({ error: e.message })
      }
    },
    onChoose(e) {
      const f = this.data.folders[e.currentTarget.dataset.index]
      store.state.folder = { id: f.id, name: f.label, role: f.role }
      return platform.back()
    },
  },
})
