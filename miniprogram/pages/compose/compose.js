/**
 * Write, reply, reply-all and forward; attachments from a chat or the album go up in one
 * GraphQL multipart request with the mail; a read receipt may be requested. Address suggestions come from the directory, your contacts
 * and groups.
 */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const privacy = require('../../lib/privacy')
const format = require('../../lib/format')
const Q = require('../../lib/queries')
const C = require('../../lib/contacts')
const store = require('../../lib/store')

const MAX_FILES = 9
const SPLIT = /[,;，；\s]+/

function addresses(text) {
  return String(text || '')
    .split(SPLIT)
    .map((a) => a.trim())
    .filter(Boolean)
}

function join(list) {
  return list.filter(Boolean).join(', ')
}

Component({
  data: {
    mode: 'new',
    sourceId: '',
    draftId: '',
    to: '',
    cc: '',
    showCc: false,
    subject: '',
    body: '',
    files: [],
    forwardedAttachments: [],
    suggestions: [],
    suggestFor: '',
    sending: false,
    receipts: false,
    requestReceipt: false,
    error: '',
    me: '',
  },
  methods: {
    async onLoad(query) {
      const mode = query.mode || (query.draft ? 'draft' : 'new')
      this.setData({ mode, sourceId: query.id || query.draft || '', to: query.to ? decodeURIComponent(query.to) : '' })
      platform.setTitle({ reply: '回复', replyAll: '回复全部', forward: '转发', draft: '草稿' }[mode] || '写信')
      try {
        const { me } = await api.graphql('{ me { email } }')
        const caps = await store.capabilities()
        this.setData({ me: me.email, receipts: !!caps.receipts })
        if (mode !== 'new') await this.prefill(mode, this.data.sourceId, me.email)
      } catch (e) {
        this.setData({ error: e.message })
      }
    },
    async prefill(mode, id, myself) {
      const { message } = await api.graphql(Q.MESSAGE, { id })
      const mine = (a) => a && a.address && a.address.toLowerCase() === myself.toLowerCase()
      if (mode === 'draft') {
        this.setData({
          draftId: id,
          to: join(message.to.map((a) => a.address)),
          cc: join(message.cc.map((a) => a.address)),
          showCc: message.cc.length > 0,
          subject: message.subject,
          body: message.text,
        })
        return
      }
      if (mode === 'forward') {
        this.setData({
          subject: format.prefixed('Fwd', message.subject),
          body: format.quote(message),
          forwardedAttachments: message.attachments.map((a) => a.filename),
        })
        return
      }
      const to = message.from && !mine(message.from) ? [message.from.address] : message.to.map((a) => a.address)
      const cc =
        mode === 'replyAll'
          ? message.to
              .concat(message.cc)
              .filter((a) => !mine(a) && !to.includes(a.address))
              .map((a) => a.address)
          : []
      this.setData({
        to: join(to),
        cc: join(cc),
        showCc: cc.length > 0,
        subject: format.prefixed('Re', message.subject),
        body: format.quote(message),
      })
    },
    onTo(e) {
      this.setData({ to: e.detail.value })
      this.suggest('to', e.detail.value)
    },
    onCc(e) {
      this.setData({ cc: e.detail.value })
      this.suggest('cc', e.detail.value)
    },
    onSubject(e) {
      this.setData({ subject: e.detail.value })
    },
    onBody(e) {
      this.setData({ body: e.detail.value })
    },
    onReceipt(e) {
      this.setData({ requestReceipt: !!e.detail.value })
    },
    toggleCc() {
      this.setData({ showCc: !this.data.showCc })
    },
    suggest(field, text) {
      clearTimeout(this.suggestTimer)
      const parts = String(text || '').split(SPLIT)
      const word = parts[parts.length - 1].trim()
      if (word.length < 1 || word.includes('@')) {
        this.setData({ suggestions: [] })
        return
      }
      this.suggestTimer = setTimeout(async () => {
        try {
          const [dir, groups, mine] = await Promise.all([
            api.graphql(Q.DIRECTORY, { query: word, first: 5 }),
            api.graphql(Q.GROUPS, { query: word }),
            api.graphql(C.PERSONAL_CONTACTS, { query: word, first: 5 }),
          ])
          const people = dir.directory.edges.map((e) => ({ label: `${e.node.name} <${e.node.email}>`, value: e.node.email }))
          const known = new Set(people.map((p) => p.value.toLowerCase()))
          const contacts = []
          mine.personalContacts.edges.forEach((e) =>
            e.node.emails.filter((a) => !known.has(a.toLowerCase())).forEach((a) => contacts.push({ label: `${e.node.name} <${a}>（联系人）`, value: a })),
          )
          const lists = groups.groups
            .filter((g) => g.address || g.addresses.length)
            .slice(0, 5)
            .map((g) => ({ label: `${g.name}（群组）`, value: g.address || g.addresses.join(', ') }))
          this.setData({ suggestions: people.concat(contacts, lists), suggestFor: field })
        } catch (e) {
          this.setData({ suggestions: [] })
        }
      }, 250)
    },
    onPick(e) {
      const value = e.currentTarget.dataset.value
      const field = this.data.suggestFor || 'to'
      const parts = String(this.data[field] || '').split(SPLIT).filter(Boolean)
      parts[parts.length ? parts.length - 1 : 0] = value
      this.setData({ [field]: `${join(parts)}, `, suggestions: [] })
    },
    async addFromChat() {
      try {
        this.addFiles(await platform.chooseChatFiles(MAX_FILES - this.data.files.length))
      } catch (e) {
        this.notChosen(e)
      }
    },
    async addFromAlbum() {
      try {
        this.addFiles(await platform.chooseMedia(MAX_FILES - this.data.files.length))
      } catch (e) {
        this.notChosen(e)
      }
    },
    notChosen(err) {
      // Cancelled: nothing to say. Declined the privacy guide: say why nothing opened.
      if (privacy.refused(err)) platform.toast('需同意隐私保护指引后才能添加附件')
    },
    addFiles(list) {
      const files = this.data.files.concat(list.map((f) => Object.assign({}, f, { sizeText: format.size(f.size) })))
      this.setData({ files: files.slice(0, MAX_FILES) })
    },
    removeFile(e) {
      const files = this.data.files.slice()
      files.splice(e.currentTarget.dataset.index, 1)
      this.setData({ files })
    },
    input() {
      const d = this.data
      const input = {
        to: addresses(d.to),
        cc: addresses(d.cc),
        subject: d.subject,
        text: d.body,
        replyTo: d.mode === 'reply' || d.mode === 'replyAll' ? d.sourceId : null,
        forward: d.mode === 'forward' ? d.sourceId : null,
        draftId: d.draftId || null,
        attachments: d.files.map(() => null),
      }
      if (d.requestReceipt) input.requestReadReceipt = true // only to servers that know it
      return input
    },
    async run(doc, field) {
      const input = this.input()
      const files = this.data.files.map((f, i) => Object.assign({}, f, { variable: `variables.input.attachments.${i}` }))
      const data = files.length ? await api.upload(doc, { input }, files) : await api.graphql(doc, { input })
      return data[field]
    },
    async send() {
      if (!addresses(this.data.to).length) {
        this.setData({ error: '请填写收件人' })
        return
      }
      this.setData({ sending: true, error: '' })
      try {
        const result = await this.run(Q.SEND, 'sendMail')
        if (result.__typename === 'MailError') throw new Error(result.message)
        platform.toast('已发送', 'success')
        this.sent = result
        await platform.back()
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ sending: false })
      }
    },
    async saveDraft() {
      try {
        const result = await this.run(Q.SAVE_DRAFT, 'saveDraft')
        if (result.__typename === 'MailError') throw new Error(result.message)
        this.setData({ draftId: result.draft.id })
        platform.toast('已存草稿', 'success')
      } catch (e) {
        this.setData({ error: e.message })
      }
    },
  },
})
