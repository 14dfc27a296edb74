/**
 * Mail-client set-up (邮件客户端设置): the servers, ports, security and user name to type by
 * hand into a phone mail app (iOS 邮件, Outlook, Foxmail, 网易邮箱大师), each with a copy
 * button, from `mailClientSetup` (only the protocols the member may use). Says when mail
 * clients must use an app password and links to that page. Opened from the "我的" tab.
 */
const api = require('../../lib/api')
const platform = require('../../lib/platform')
const Q = require('../../lib/queries')

const PROTOCOLS = [
  { protocol: 'IMAP', title: '收信服务器 · IMAP', hint: '推荐：手机和电脑上的邮件保持同步' },
  { protocol: 'POP3', title: '收信服务器 · POP3', hint: '仅下载收件箱，不同步已读和文件夹' },
  { protocol: 'SMTP', title: '发信服务器 · SMTP', hint: '用户名和密码与收信服务器相同' },
]
const SECURITY = { SSL: 'SSL/TLS', STARTTLS: 'STARTTLS' }

/** One card per protocol the member may use: the host, then its ports (implicit TLS first). */
function groups(setup) {
  return PROTOCOLS.map((p) => {
    const key = p.protocol.toLowerCase()
    const servers = setup.servers
      .filter((s) => s.protocol === p.protocol)
      .map((s, i) => ({
        id: `${key}-${s.security.toLowerCase()}`,
        protocol: s.protocol,
        securityCode: s.security,
        security: SECURITY[s.security] || s.security,
        port: String(s.port),
        preferred: i === 0,
      }))
    return Object.assign({ key, host: setup.host, servers }, p)
  }).filter((g) => g.servers.length)
}

Component({
  data: { loaded: false, error: '', username: '', groups: [], appPasswordRequired: false },
  methods: {
    onLoad() {
      return this.load()
    },
    async load() {
      try {
        const data = await api.graphql(Q.MAIL_CLIENT_SETUP)
        const security = data.mySecurity
        this.setData({
          username: data.mailClientSetup.username,
          groups: groups(data.mailClientSetup),
          appPasswordRequired: security.appPasswordsRequired || security.secureLogin,
          error: '',
          loaded: true,
        })
      } catch (e) {
        this.setData({ error: e.message, loaded: true })
      }
    },
    async copy(e) {
      const { value, label } = e.currentTarget.dataset
      try {
        await platform.copy(String(value))
        platform.toast(`已复制${label}`, 'success')
      } catch (err) {
        platform.toast('复制失败，请长按文字复制')
      }
    },
    onAppPasswords() {
      return platform.navigate('apppasswords')
    },
  },
})
