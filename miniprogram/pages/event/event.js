/**
 * One occurrence of an event: its time in its own zone (and the members' zone when that
 * differs), place, description, organizer, attendees and their answers, reminders and the
 * recurrence in words; its attachments (opened as mail attachments are); Accept / Tentative /
 * Decline for a meeting one is invited to (respondToEvent), edit, and delete (this occurrence
 * or the whole series).
 */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const data = require('../../lib/calendardata')
const watch = require('../../lib/calendarreminders')
const text = require('../../lib/calendartext')
const Q = require('../../lib/queries')
const format = require('../../lib/format')

const ANSWERS = { ACCEPTED: '已接受', TENTATIVE: '已暂定', DECLINED: '已拒绝' }
const IMAGE = /^image\//
const DOC_TYPES = ['doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'pdf']

Component({
  data: {
    id: '',
    start: '',
    loading: true,
    error: '',
    event: null,
    calendarName: '',
    color: '',
    timeLines: [],
    recurrenceText: '',
    reminderLines: [],
    attendees: [],
    attachments: [],
    organizerText: '',
    invited: false,
    myStatus: '',
    myStatusText: '',
    recurring: false,
    answering: '',
  },
  methods: {
    async onLoad(query) {
      watch.start() // reminders as modals while the mini-program is open
      this.setData({ id: query.id || '', start: decodeURIComponent(query.start || '') })
      return this.load()
    },
    onShow() {
      if (this.loadedOnce) return this.load()
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        this.zone = await data.zone()
        const [listed, event] = await Promise.all([data.calendars(), data.occurrence(this.data.id, this.data.start)])
        if (!event) throw new Error('日程不存在或已被删除')
        this.me = listed.me
        this.show(event, listed.calendars)
        this.loadedOnce = true
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ loading: false })
      }
    },
    show(event, calendars) {
      const calendar = (calendars || []).find((c) => c.id === event.calendarId) || {}
      const organizer = event.organizer
      const isOrganizer = !!organizer && organizer.address.toLowerCase() === this.me
      const mine = event.attendees.find((a) => a.address.toLowerCase() === this.me)
      this.setData({
        event,
        calendarName: calendar.name || '',
        color: calendar.color || '#0052d9',
        timeLines: text.timeLines(event, this.zone),
        recurrenceText: text.recurrenceText(event.recurrence),
        reminderLines: event.reminders.map(text.reminderText),
        attendees: event.attendees.map((a) =>
          Object.assign({}, a, { statusText: text.statusText(a.status), label: a.name ? `${a.name} <${a.address}>` : a.address }),
        ),
        attachments: (event.attachments || []).map((a) => Object.assign({}, a, { sizeText: format.size(a.size) })),
        organizerText: organizer ? (organizer.name ? `${organizer.name} <${organizer.address}>` : organizer.address) : '',
        invited: !!mine && !isOrganizer && !event.busyOnly,
        myStatus: mine ? mine.status : '',
        myStatusText: mine ? text.statusText(mine.status) : '',
        recurring: !!(event.recurrence || event.recurrenceId),
      })
      platform.setTitle(event.summary || '日程')
    },
    /** Accept / Tentative / Decline (data-status). */
    async onRespond(e) {
      const status = e.currentTarget.dataset.status
      if (!ANSWERS[status] || this.data.answering) return
      this.setData({ answering: status })
      try {
        await data.respond(this.data.id, status)
        this.setData({ myStatus: status, myStatusText: text.statusText(status) })
        platform.toast(ANSWERS[status], 'success')
        const event = await data.occurrence(this.data.id, this.data.start)
        if (event) this.show(event, [{ id: event.calendarId, name: this.data.calendarName, color: this.data.color }])
      } catch (err) {
        platform.toast(err.message)
      } finally {
        this.setData({ answering: '' })
      }
    },
    /** Open an attachment (data-index) as the mail reader opens one. */
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
    /** Which part of a series a change is for: { occurrence } or {} (null when cancelled). */
    async which(verb) {
      if (!this.data.recurring) return {}
      let choice
      try {
        choice = await platform.actionSheet([`${verb}此次`, `${verb}整个系列`])
      } catch (e) {
        return null // cancelled
      }
      return choice === 0 ? { occurrence: this.data.event.recurrenceId || this.data.event.start } : {}
    },
    async onEdit() {
      const part = await this.which('修改')
      if (!part) return
      return platform.navigate('eventedit', {
        id: this.data.id,
        start: this.data.start,
        occurrence: part.occurrence ? '1' : '',
      })
    },
    async onDelete() {
      const part = await this.which('删除')
      if (!part) return
      const event = this.data.event
      let warning = '确定删除这个日程吗？'
      if (this.data.invited) warning = '删除后将拒绝该会议邀请。'
      else if (event.attendees.length) warning = '参会人将收到会议取消通知。'
      if (!this.data.recurring && !(await platform.confirm('删除日程', warning))) return
      try {
        const done = (await api.graphql(Q.DELETE_EVENT, { id: this.data.id, occurrence: part.occurrence || null })).deleteEvent
        data.result(done)
        platform.toast('已删除', 'success')
        return platform.back()
      } catch (err) {
        platform.toast(err.message)
      }
    },
  },
})
