/** One row of a mail list: sender, subject, preview, date, unread dot, attachment, star. */
const format = require('../../lib/format')

Component({
  options: { addGlobalClass: true },
  properties: {
    mail: { type: Object, value: {} },
    showRecipients: { type: Boolean, value: false },
  },
  data: { who: '', initial: '', when: '' },
  observers: {
    'mail, showRecipients': function (mail, showRecipients) {
      const who = showRecipients ? format.people(mail.to) : format.person(mail.from)
      this.setData({
        who: who || '(无发件人)',
        initial: (who || '?').slice(0, 1).toUpperCase(),
        when: format.shortDate(mail.date),
      })
    },
  },
  methods: {
    onTap() {
      this.triggerEvent('open', { id: this.data.mail.id })
    },
  },
})
