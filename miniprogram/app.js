/**
 * The Qiyou mini-program: live push starts once a session exists (lib/session.js); the
 * server's config (time zone) from the last run applies at once; the privacy agreement
 * listener and the calendar reminders' (lib/calendarreminders.js) are registered.
 */
const api = require('./lib/api')
const live = require('./lib/live')
const reminders = require('./lib/calendarreminders')
const platform = require('./lib/platform')
const privacy = require('./lib/privacy')
const settings = require('./lib/settings')

App({
  onLaunch() {
    settings.restore()
    privacy.start()
    reminders.start() // calendar reminders as modals whenever the mini-program is open
    api.onSignedOut(() => {
      live.stop()
      platform.relaunch('launch')
    })
  },
  onShow() {
    // Back from the background: reconnect at once if the socket died meanwhile.
    if (api.token()) live.start()
  },
})
