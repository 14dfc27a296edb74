/**
 * The calendar tab: the agenda (the next 30 days by day, pull to refresh, 30 more days at
 * the bottom) and the day view (one day's timeline; 前一天/后一天 or a swipe). Calendar
 * colours come from `calendars`; days are the members' days (the server's time zone).
 */
const platform = require('../../lib/platform')
const cal = require('../../lib/calendar')
const data = require('../../lib/calendardata')
const watch = require('../../lib/calendarreminders')

const SPAN = 30 // days per agenda load
const MAX_DAYS = 400 // what one calendarEvents range may cover
const SWIPE = 60 // px

Component({
  data: {
    mode: 'agenda',
    todayKey: '',
    from: '',
    to: '',
    groups: [],
    hasMore: true,
    shownUntil: '',
    day: '',
    dayTitle: '',
    layout: { allDay: [], blocks: [] },
    hours: Array.from({ length: 24 }, (_, i) => `${cal.pad(i)}:00`),
    loading: false,
    error: '',
  },
  methods: {
    async onLoad() {
      watch.start() // reminders as modals while the mini-program is open
      this.zone = await data.zone()
      const todayKey = cal.today(this.zone)
      this.setData({ todayKey, from: todayKey, to: cal.addDays(todayKey, SPAN), day: todayKey })
      return this.reload()
    },
    onShow() {
      // Back from an event or the edit page: show what changed.
      if (this.loadedOnce) return this.reload()
    },
    async onPullDownRefresh() {
      try {
        await this.reload()
      } finally {
        platform.stopPullDownRefresh()
      }
    },
    onReachBottom() {
      if (this.data.mode === 'agenda' && this.data.hasMore && !this.data.loading) return this.loadMore()
    },
    async reload() {
      this.setData({ loading: true, error: '' })
      try {
        const listed = await data.calendars()
        this.calendars = listed.calendars
        if (this.data.mode === 'day') await this.loadDay()
        else {
          this.events = await data.events(this.data.from, this.data.to, this.zone)
          this.showAgenda()
        }
        this.loadedOnce = true
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ loading: false })
      }
    },
    showAgenda() {
      const { from, to, todayKey } = this.data
      this.setData({
        groups: cal.agenda(this.events, { from, to, zone: this.zone, calendars: this.calendars, todayKey }),
        hasMore: to < cal.addDays(from, MAX_DAYS),
        shownUntil: cal.dayTitle(cal.addDays(to, -1)),
      })
    },
    async loadMore() {
      const to = this.data.to
      const next = cal.addDays(to, SPAN)
      this.setData({ loading: true })
      try {
        const more = await data.events(to, next, this.zone)
        // A long event already shown starts before `to`: keep one copy of each occurrence.
        const seen = new Set(this.events.map((e) => `${e.id}|${e.start}`))
        this.events = this.events.concat(more.filter((e) => !seen.has(`${e.id}|${e.start}`)))
        this.setData({ to: next })
        this.showAgenda()
      } catch (e) {
        platform.toast(e.message)
      } finally {
        this.setData({ loading: false })
      }
    },
    async loadDay() {
      const day = this.data.day
      const events = await data.events(day, cal.addDays(day, 1), this.zone)
      if (day !== this.data.day) return // another day was asked for meanwhile
      this.setData({
        dayTitle: cal.dayTitle(day, this.data.todayKey),
        layout: cal.dayLayout(events, day, this.zone, this.calendars),
      })
    },
    async showDay(day) {
      this.setData({ day, dayTitle: cal.dayTitle(day, this.data.todayKey), loading: true, error: '' })
      try {
        if (!this.calendars) this.calendars = (await data.calendars()).calendars
        await this.loadDay()
      } catch (e) {
        this.setData({ error: e.message })
      } finally {
        this.setData({ loading: false })
      }
    },
    onMode(e) {
      const mode = e.currentTarget.dataset.mode
      if (mode === this.data.mode) return
      this.setData({ mode })
      if (mode === 'day') return this.showDay(this.data.day)
      return this.reload()
    },
    onPrevDay() {
      return this.showDay(cal.addDays(this.data.day, -1))
    },
    onNextDay() {
      return this.showDay(cal.addDays(this.data.day, 1))
    },
    onToday() {
      return this.showDay(this.data.todayKey)
    },
    /** A day heading of the agenda opens that day. */
    onOpenDay(e) {
      this.setData({ mode: 'day' })
      return this.showDay(e.currentTarget.dataset.day)
    },
    onTouchStart(e) {
      const t = e.touches && e.touches[0]
      this.touchX = t ? t.clientX : null
    },
    onTouchEnd(e) {
      const t = e.changedTouches && e.changedTouches[0]
      if (this.touchX === null || this.touchX === undefined || !t) return
      const dx = t.clientX - this.touchX
      this.touchX = null
      if (dx <= -SWIPE) return this.onNextDay()
      if (dx >= SWIPE) return this.onPrevDay()
    },
    onOpen(e) {
      const { id, start } = e.currentTarget.dataset
      return platform.navigate('event', { id, start })
    },
    onCreate() {
      return platform.navigate('eventedit', this.data.mode === 'day' ? { day: this.data.day } : {})
    },
  },
})
