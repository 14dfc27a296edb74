/** One personal contact: addresses to write to or copy, numbers to call, and the rest. */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const C = require('../../lib/contacts')

Component({
  data: { contact: null, error: '' },
  methods: {
    async onLoad(query) {
      try {
        const { personalContact } = await api.graphql(C.PERSONAL_CONTACT, { id: query.id })
        if (!personalContact) return this.setData({ error: '找不到该联系人，可能已被删除' })
        this.setData({ contact: personalContact })
        platform.setTitle(personalContact.name)
      } catch (e) {
        this.setData({ error: e.message })
      }
    },
    async onEmail(e) {
      const email = this.data.contact.emails[e.currentTarget.dataset.index]
      let choice
      try {
        choice = await platform.actionSheet(['写邮件', '复制邮箱地址'])
      } catch (err) {
        return // cancelled
      }
      if (choice === 0) return platform.navigate('compose', { to: email })
      return platform.copy(email).catch(() => platform.toast('复制失败'))
    },
    onPhone(e) {
      return platform.call(this.data.contact.phones[e.currentTarget.dataset.index])
    },
  },
})
