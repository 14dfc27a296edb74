/**
 * Create or change an event: title, start/end (date and time pickers), all-day, place,
 * description, calendar, reminders (minutes before; by push, mail, WeChat and/or SMS), a
 * simple repeat (none, daily, weekly, monthly; another rule is kept as it is) and attendees
 * by address → createEvent / updateEvent (the series, or one occurrence with
 * `occurrence=1`). Bad input and a CalendarError are shown as text above the buttons.
 *
 * 微信 is offered when the server has a calendar subscribe-message template
 * (miniprogramConfig.calendarTemplateId). Saving a reminder by WeChat asks
 * requestSubscribeMessage for that template — synchronously in the tap on 保存, before any
 * request, or WeChat shows no dialog — and records an acceptance with
 * acceptMailNotification, as the new-mail notices do; each reminder sent spends one.
 */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const settings = require('../../lib/settings')
const data = require('../../lib/calendardata')
const watch = require('../../lib/calendarreminders')
const form = require('../../lib/calendarform')
const Q = require('../../lib/queries')

const REMINDER_MINUTES = [0, 5, 10, 15, 30, 60, 120, 1440, 2880, 10080]
const REMINDER_NAMES = ['开始时', '5 分钟前', '10 分钟前', '15 分钟前', '30 分钟前', '1 小时前', '2 小时前', '1 天前', '2 天前', '1 周前']

function reminderRows(reminders) {
  return reminders.map((r, k) => {
    const i = REMINDER_MINUTES.indexOf(r.minutesBefore)
    return {
      key: k,
      minutesBefore: r.minutesBefore,
      channels: r.channels,
      index: i < 0 ? 0 : i,
      name: i < 0 ? `${r.minutesBefore} 分钟前` : REMINDER_NAMES[i],
      push: r.channels.includes('PUSH'),
      mail: r.channels.includes('MAIL'),
      wechat: r.channels.includes('WECHAT'),
      sms: r.channels.includes('SMS'),
    }
  })
}

Component({
  data: {
    id: '',
    occurrence: '',
    loading: true,
    saving: false,
    error: '',
    form: null,
    calendars: [],
    calendarNames: [],
    calendarIndex: 0,
    repeatNames: form.REPEAT_NAMES,
    repeatIndex: 0,
    reminderNames: REMINDER_NAMES,
    reminders: [],
    organizerOnly: false,
    calendarTemplate: '', // the server's calendar subscribe-message template ('' : no 微信)
  },
  methods: {
    async onLoad(query) {
      watch.start() // reminders as modals while the mini-program is open
      this.setData({ id: query.id || '', loading: true, error: '' })
      try {
        const known = settings.current() || (await settings.load().catch(() => null))
        this.setData({ calendarTemplate: (known && known.calendarTemplateId) || '' })
        this.zone = await data.zone()
        const listed = await data.calendars()
        const writable = listed.calendars.filter((c) => ['OWNER', 'EDIT'].includes(c.role))
        let value
        if (query.id) {
          const start = decodeURIComponent(query.start || '')
          this.event = await data.occurrence(query.id, start)
          if (!this.event) throw new Error('日程不存在或已被删除')
          this.zone = Object.assign({}, this.zone, this.event.timeZone ? { timeZone: this.event.timeZone } : {})
          this.occurrenceAt = query.occurrence ? this.event.recurrenceId || this.event.start : null
          value = form.fromEvent(this.event, this.zone)
          const organizer = this.event.organizer
          // Only the organizer changes who is invited.
          this.setData({ organizerOnly: !!organizer && organizer.address.toLowerCase() !== listed.me })
          platform.setTitle('编辑日程')
        } else {
          const own = writable.find((c) => c.default) || writable[0]
          value = form.blank(this.zone, own ? own.id : '', new Date(), query.day || '')
          platform.setTitle('新建日程')
        }
        this.setData({
          occurrence: this.occurrenceAt ? '1' : '',
          calendars: writable,
          calendarNames: writable.map((c) => c.name),
          calendarIndex: Math.max(0, writable.findIndex((c) => c.id === value.calendarId)),
        })
        this.setForm(value)
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ loading: false })
      }
    },
    setForm(value) {
      this.setData({
        form: value,
        repeatIndex: Math.max(0, form.REPEATS.indexOf(value.repeat)),
        reminders: reminderRows(value.reminders),
        error: '',
      })
    },
    change(changes) {
      this.setForm(Object.assign({}, this.data.form, changes))
    },
    /** Inputs, pickers and the all-day switch: data-field names the form field. */
    onField(e) {
      const field = e.currentTarget.dataset.field
      const value = e.detail.value
      const changes = { [field]: value }
      const f = this.data.form
      // Moving the start moves the end with it (keeps the length when the end would be before).
      if (field === 'startDate' && f.endDate < value) changes.endDate = value
      this.change(changes)
    },
    onCalendar(e) {
      const index = Number(e.detail.value)
      const calendar = this.data.calendars[index]
      if (!calendar) return
      this.setData({ calendarIndex: index })
      this.change({ calendarId: calendar.id })
    },
    onRepeat(e) {
      this.change({ repeat: form.REPEATS[Number(e.detail.value)] || 'NONE' })
    },
    onAddReminder() {
      if (this.data.form.reminders.length >= 5) return platform.toast('最多 5 个提醒')
      this.change({ reminders: this.data.form.reminders.concat([{ minutesBefore: 15, channels: ['PUSH'] }]) })
    },
    onRemoveReminder(e) {
      const i = Number(e.currentTarget.dataset.index)
      this.change({ reminders: this.data.form.reminders.filter((_, k) => k !== i) })
    },
    onReminderTime(e) {
      const i = Number(e.currentTarget.dataset.index)
      const minutes = REMINDER_MINUTES[Number(e.detail.value)]
      this.change({
        reminders: this.data.form.reminders.map((r, k) => (k === i ? { minutesBefore: minutes, channels: r.channels } : r)),
      })
    },
    /** Tap 推送, 邮件, 微信 or 短信 on a reminder (data-index, data-channel) to switch it. */
    onReminderChannel(e) {
      const i = Number(e.currentTarget.dataset.index)
      const channel = e.currentTarget.dataset.channel
      this.change({
        reminders: this.data.form.reminders.map((r, k) => {
          if (k !== i) return r
          const on = r.channels.includes(channel)
          return { minutesBefore: r.minutesBefore, channels: on ? r.channels.filter((c) => c !== channel) : r.channels.concat([channel]) }
        }),
      })
    },
    async onSave() {
      if (this.data.saving) return
      let input
      try {
        input = form.toInput(this.data.form, this.zone, { occurrence: !!this.occurrenceAt, editing: !!this.data.id })
      } catch (e) {
        this.setData({ error: e.message })
        return
      }
      this.setData({ saving: true, error: '' })
      const asked = this.askWechat(input.reminders) // in the tap, before any await
      try {
        await asked
        let result
        if (this.data.id) {
          const variables = { id: this.data.id, input, occurrence: this.occurrenceAt || null }
          result = (await api.graphql(Q.UPDATE_EVENT, variables)).updateEvent
        } else {
          result = (await api.graphql(Q.CREATE_EVENT, { input })).createEvent
        }
        if (result.__typename === 'CalendarError') {
          this.setData({ error: form.serverError(result) })
          return
        }
        this.saved = result
        platform.toast('已保存', 'success')
        await platform.back().catch(() => null)
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ saving: false })
      }
    },
    /**
     * A reminder by WeChat: ask for one subscribe message of the calendar template and record
     * the acceptance. Resolves either way (a refusal is told; the event is saved all the same).
     */
    askWechat(reminders) {
      const template = this.data.calendarTemplate
      if (!template || !form.wantsWechat(reminders)) return Promise.resolve()
      return platform.requestSubscribe([template]).then(
        async (answer) => {
          if (answer[template] !== 'accept') return platform.toast(platform.subscribeRefusal(answer[template]))
          const result = (await api.graphql(Q.ACCEPT_NOTIFICATION, { t: template })).acceptMailNotification
          if (result.__typename === 'AuthError') platform.toast(result.message)
        },
        (err) => platform.toast(err.message),
      ).catch((err) => platform.toast(err.message))
    },
  },
})
