/** The Qiyou mini-program: live push starts once a session exists (lib/session.js). */
const api = require('./lib/api')
const live = require('./lib/live')
const platform = require('./lib/platform')

App({
  onLaunch() {
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
