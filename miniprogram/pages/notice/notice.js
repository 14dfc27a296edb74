/** One notice (sanitized HTML through rich-text); opening it marks it read. */
const api = require('../../lib/api')
const format = require('../../lib/format')
const html = require('../../lib/html')
const Q = require('../../lib/queries')

Component({
  data: { notice: null, nodes: [], author: '', date: '', error: '' },
  methods: {
    async onLoad(query) {
      try {
        const { notice } = await api.graphql(Q.NOTICE, { id: query.id })
        this.setData({
          notice,
          nodes: html.toNodes(notice.body).nodes,
          author: format.person(notice.author),
          date: format.fullDate(notice.createdAt),
        })
        if (notice.read === false) await api.graphql(Q.MARK_NOTICE_READ, { id: notice.id })
      } catch (e) {
        this.setData({ error: e.message })
      }
    },
  },
})
