/** The member: new-mail WeChat notifications, scan a web login, unbind, sign out. */
const api = require('../../lib/api')
const config = require('../../lib/config')
const live = require('../../lib/live')
const platform = require('../../lib/platform')
const session = require('../../lib/session')
const Q = require('../../lib/queries')

Component({
  data: { me: null, security: null, notifications: null, templateId: '', server: '', live: false, error: '' },
  methods: {
    onLoad() {
      return this.load()
    },
    onShow() {
      if (this.data.me) return this.load()
    },
    async load() {
      try {
        const data = await api.graphql(Q.ME)
        this.setData({
          me: data.me,
          security: data.mySecurity,
          notifications: data.myMailNotifications,
          templateId: data.myMailNotifications.templateId || '',
          server: config.server(),
          live: live.isConnected(),
          error: '',
        })
      } catch (e) {
        this.setData({ error: e.message })
      }
    },
    /** WeChat's dialog shows only when asked synchronously in the tap: ask before any await. */
    onNotify() {
      const template = this.data.templateId
      if (!template) return platform.toast('服务器未开启微信提醒')
      return platform.requestSubscribe([template]).then(
        (answer) => (answer[template] === 'accept' ? this.accepted(template) : platform.toast(platform.subscribeRefusal(answer[template]))),
        (err) => platform.toast(err.message),
      )
    },
    async accepted(template) {
      try {
        const result = (await api.graphql(Q.ACCEPT_NOTIFICATION, { t: template })).acceptMailNotification
        if (result.__typename === 'AuthError') return platform.toast(result.message)
        this.setData({ 'notifications.remaining': result.remaining })
        platform.toast('下一封新邮件将通过微信提醒你', 'success')
      } catch (e) {
        platform.toast(e.message)
      }
    },
    async onScan() {
      let text
      try {
        text = await platform.scanCode()
      } catch (e) {
        return // cancelled
      }
      return platform.navigate('confirm', { q: text })
    },
    async onUnbind() {
      if (!(await platform.confirm('解除绑定', '解除后需重新输入邮箱密码才能在小程序中使用邮箱，网页安全登录也将无法扫码确认。'))) return
      try {
        await session.unbind()
        platform.toast('已解除绑定', 'success')
        return platform.relaunch('launch')
      } catch (e) {
        platform.toast(e.message)
      }
    },
    onMailClients() {
      return platform.navigate('mailclients')
    },
    onAppPasswords() {
      return platform.navigate('apppasswords')
    },
    onExternal() {
      return platform.navigate('external')
    },
    async onSignOut() {
      await session.signOut()
      return platform.relaunch('login')
    },
  },
})
