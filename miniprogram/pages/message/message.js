/**
 * Reading one message: sanitized HTML through rich-text, attachments (preview/download
 * through the authenticated route), reply/forward, flag, delete, recall (sent mail),
 * translation, confidential-mail verification and read receipts (asked for, and those
 * received on sent mail) where the server offers them. A meeting invitation carried by the
 * mail shows as a card (lib/calendarinvitation.js) with Accept / Tentative / Decline.
 */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const config = require('../../lib/config')
const format = require('../../lib/format')
const html = require('../../lib/html')
const store = require('../../lib/store')
const settings = require('../../lib/settings')
const live = require('../../lib/live')
const Q = require('../../lib/queries')
const calendardata = require('../../lib/calendardata')
const invitations = require('../../lib/calendarinvitation')

const IMAGE = /^image\//
const ANSWERED = { ACCEPTED: '已接受', TENTATIVE: '已暂定', DECLINED: '已拒绝' }

/** Mostly Latin letters: worth offering a translation into Chinese. */
function looksEnglish(text) {
  const sample = String(text || '').slice(0, 2000)
  const latin = (sample.match(/[A-Za-z]/g) || []).length
  const cjk = (sample.match(/[\u4e00-\u9fff]/g) || []).length
  return latin > 20 && latin > cjk * 4
}
const DOC_TYPES = ['doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'pdf']

Component({
  data: {
    id: '',
    loading: true,
    error: '',
    message: null,
    fromText: '',
    toText: '',
    ccText: '',
    dateText: '',
    nodes: [],
    blockedImages: 0,
    showImages: false,
    attachments: [],
    caps: {},
    isSent: false,
    english: false,
    locked: false,
    codeSent: '',
    code: '',
    translated: null,
    translating: false,
    recallText: '',
    receiptAsk: '',
    receiptLines: [],
    invitation: null,
    answering: '',
  },
  methods: {
    async onLoad(query) {
      this.setData({ id: query.id })
      return this.load()
    },
    async load() {
      this.setData({ loading: true, error: '' })
      const invitation = this.loadInvitation() // beside the mail; never fails the page
      try {
        // The server's config (the WeChat code template) is at hand before any tap needs it.
        const [caps] = await Promise.all([store.capabilities(), settings.load().catch(() => null)])
        const { message } = await api.graphql(Q.MESSAGE_PAGE, { id: this.data.id })
        const { folders } = await api.graphql(Q.FOLDERS)
        const folder = folders.find((f) => f.id === message.folderId) || {}
        const conf = message.confidential
        this.setData({
          caps,
          message,
          fromText: message.from ? `${format.person(message.from)} <${message.from.address}>` : '',
          toText: format.people(message.to),
          ccText: format.people(message.cc),
          dateText: format.fullDate(message.date),
          isSent: folder.role === 'SENT',
          english: looksEnglish(`${message.subject} ${message.text}`),
          locked: !!(conf && !conf.verified && !conf.sender),
          attachments: (message.attachments || [])
            .filter((a) => !a.inline || !a.contentId)
            .map((a) => Object.assign({}, a, { sizeText: format.size(a.size) })),
          recallText: this.recallSummary(message.recall),
          receiptAsk: this.receiptQuestion(message.readReceiptRequest),
          receiptLines: (message.readReceipts || []).map(
            (r) => `${r.recipient} 已于 ${format.fullDate(r.at)} ${r.disposition === 'deleted' ? '未读删除' : '阅读'}`,
          ),
        })
        this.render()
        platform.setTitle(message.subject || '(无主题)')
        if (!message.seen) await api.graphql(Q.MARK_READ, { ids: [message.id], read: true })
        await invitation
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ loading: false })
      }
    },
    render() {
      const m = this.data.message
      if (!m) return
      if (!m.html) {
        this.setData({ nodes: html.textNodes(m.text), blockedImages: 0 })
        return
      }
      const cidUrls = {}
      ;(m.attachments || []).forEach((a) => {
        // a.url comes signed for this session (?ticket=…): no session token in the URL
        if (a.contentId) cidUrls[a.contentId] = `${config.server()}${a.url}${a.url.includes('?') ? '&' : '?'}inline=1`
      })
      const out = html.toNodes(m.html, { images: this.data.showImages, cidUrls })
      this.setData({ nodes: out.nodes, blockedImages: out.blockedImages })
    },
    receiptQuestion(request) {
      if (!request || !request.ask) return ''
      return `${request.notifyTo.join(', ')} 请求已读回执`
    },
    async onReceipt(e) {
      const send = e.currentTarget.dataset.send === 'yes'
      try {
        const data = await api.graphql(send ? Q.SEND_RECEIPT : Q.DECLINE_RECEIPT, { id: this.data.id })
        const result = send ? data.sendReadReceipt : data.declineReadReceipt
        if (result.__typename === 'ReceiptError') platform.toast(result.message)
        else if (send) platform.toast('已发送回执', 'success')
        this.setData({ receiptAsk: '' })
      } catch (err) {
        platform.toast(err.message)
      }
    },
    recallSummary(recall) {
      if (!recall) return ''
      const total = recall.results.length
      return `已撤回 ${recall.recalled}/${total} 位收件人`
    },
    /** The mail's invitation card (null for other mail, or when the server cannot say). */
    async loadInvitation() {
      try {
        const [{ message }, zone] = await Promise.all([
          api.graphql(Q.MESSAGE_INVITATION, { id: this.data.id }),
          calendardata.zone(),
        ])
        this.setData({ invitation: invitations.card(message.invitation, zone) })
      } catch (e) {
        this.setData({ invitation: null })
      }
    },
    /** Accept / Tentative / Decline on the card (data-status): respondToEvent on the event. */
    async onInvitationRespond(e) {
      const status = e.currentTarget.dataset.status
      const card = this.data.invitation
      if (!card || !card.eventId || this.data.answering) return
      this.setData({ answering: status })
      try {
        await calendardata.respond(card.eventId, status)
        await this.loadInvitation()
        platform.toast(ANSWERED[status] || '已答复', 'success')
      } catch (err) {
        platform.toast(err.message)
      } finally {
        this.setData({ answering: '' })
      }
    },
    onInvitationOpen() {
      const card = this.data.invitation
      if (!card || !card.eventId) return
      return platform.navigate('event', { id: card.eventId, start: card.eventStart })
    },
    onShowImages() {
      this.setData({ showImages: true })
      this.render()
    },
    async onAttachment(e) {
      const a = this.data.attachments[e.currentTarget.dataset.index]
      if (!a) return
      try {
        platform.toast('正在下载…')
        const path = await api.download(a.url)
        if (IMAGE.test(a.contentType)) return platform.previewImage([path], path)
        const ext = (a.filename.split('.').pop() || '').toLowerCase()
        if (DOC_TYPES.includes(ext)) return platform.openDocument(path, ext)
        return platform.toast('该类型附件请在电脑上查看')
      } catch (err) {
        platform.toast(err.message)
      }
    },
    onReply() {
      return platform.navigate('compose', { mode: 'reply', id: this.data.id })
    },
    onReplyAll() {
      return platform.navigate('compose', { mode: 'replyAll', id: this.data.id })
    },
    onForward() {
      const conf = this.data.message && this.data.message.confidential
      if (conf && conf.noForward) return platform.toast('保密邮件不能转发')
      return platform.navigate('compose', { mode: 'forward', id: this.data.id })
    },
    onConversation() {
      return platform.navigate('conversation', { id: this.data.message.conversationId })
    },
    async onFlag() {
      const flagged = !this.data.message.flagged
      await api.graphql(Q.FLAG, { ids: [this.data.id], flagged })
      this.setData({ 'message.flagged': flagged })
    },
    async onUnread() {
      await api.graphql(Q.MARK_READ, { ids: [this.data.id], read: false })
      platform.toast('已标为未读')
      return platform.back()
    },
    async onDelete() {
      if (!(await platform.confirm('删除邮件', '确定删除这封邮件吗？'))) return
      const result = (await api.graphql(Q.DELETE, { ids: [this.data.id] })).delete
      if (result.__typename === 'MailError') return platform.toast(result.message)
      platform.toast('已删除', 'success')
      return platform.back()
    },
    async onRecall() {
      if (!(await platform.confirm('撤回邮件', '将尝试从企业内尚未阅读的收件人邮箱中撤回这封邮件。'))) return
      const doc = `mutation Recall($id: ID!) { recallMessage(id: $id) {
        __typename ... on Recall { recalled results { address status } } ... on MailError { code message } } }`
      try {
        const result = (await api.graphql(doc, { id: this.data.id })).recallMessage
        if (result.__typename === 'MailError') return platform.toast(result.message)
        this.setData({ recallText: this.recallSummary(result) })
      } catch (e) {
        platform.toast(e.message)
      }
    },
    async onTranslate() {
      if (this.data.translated) {
        this.setData({ translated: null })
        return
      }
      this.setData({ translating: true })
      try {
        const fields = '__typename ... on Translation { subject text } ... on TranslateError { code message }'
        const ask = `query Translate($id: ID!) { translateMessage(id: $id, to: "zh") { ${fields} } }`
        let result = (await api.graphql(ask, { id: this.data.id })).translateMessage
        if (result.__typename === 'TranslationPending') {
          // A long mail: the server pushes the translation when it is done.
          const wait = `subscription Ready($id: ID!) { translationReady(id: $id, to: "zh") { ${fields} } }`
          result = (await live.once(wait, { id: this.data.id })).translationReady
        }
        if (result.__typename !== 'Translation') throw new Error(result.message || '翻译失败')
        this.setData({ translated: { subject: result.subject, nodes: html.textNodes(result.text) } })
      } catch (e) {
        platform.toast(e.message)
      } finally {
        this.setData({ translating: false })
      }
    },
    onCode(e) {
      this.setData({ code: e.detail.value })
    },
    /**
     * A tap on "send the code to WeChat / by SMS". WeChat shows its subscribe dialog only
     * when requestSubscribeMessage is called synchronously in the tap handler, so it is
     * asked first, before any request; the code is requested once the member allowed it.
     */
    onRequestCode(e) {
      const channel = e.currentTarget.dataset.channel
      if (channel !== 'WECHAT') return this.requestCode(channel)
      const known = settings.current()
      if (!known) {
        // The config is not loaded yet (a slow network): load it for the next tap.
        settings.load().catch(() => null)
        platform.toast('正在连接服务器，请稍后再试')
        return Promise.resolve()
      }
      const template = known.codeTemplateId
      if (!template) return this.requestCode(channel) // no template: the server says what it can do
      const asked = platform.requestSubscribe([template])
      return asked.then(
        (answer) => {
          if (answer[template] !== 'accept') return platform.toast(platform.subscribeRefusal(answer[template]))
          return this.requestCode(channel)
        },
        (err) => platform.toast(err.message),
      )
    },
    async requestCode(channel) {
      const doc = `mutation Code($id: ID!, $channel: ConfidentialChannel!) {
        requestConfidentialCode(id: $id, channel: $channel) {
          __typename ... on ConfidentialCodeSent { destination } ... on ConfidentialError { code message } } }`
      try {
        const result = (await api.graphql(doc, { id: this.data.id, channel })).requestConfidentialCode
        if (result.__typename === 'ConfidentialError') return platform.toast(result.message)
        this.setData({ codeSent: result.destination })
      } catch (err) {
        platform.toast(err.message)
      }
    },
    async onVerify() {
      const doc = `mutation Verify($id: ID!, $code: String!) {
        verifyConfidentialCode(id: $id, code: $code) {
          __typename ... on ConfidentialError { code message } } }`
      try {
        const result = (await api.graphql(doc, { id: this.data.id, code: this.data.code })).verifyConfidentialCode
        if (result.__typename === 'ConfidentialError') return platform.toast(result.message)
        return this.load()
      } catch (err) {
        platform.toast(err.message)
      }
    },
  },
})
