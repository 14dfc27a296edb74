/**
 * The privacy agreement popup (lib/privacy.js): the guide's name and a link to it, 拒绝,
 * and 同意 as WeChat's own open-type="agreePrivacyAuthorization" button (WeChat accepts the
 * agreement only from that button, named by its id).
 */
const privacy = require('../../lib/privacy')
const platform = require('../../lib/platform')

const WHAT = {
  chooseMessageFile: '从聊天中选择文件',
  chooseMedia: '从相册选择图片或视频',
  setClipboardData: '复制内容到剪贴板',
}

Component({
  options: { addGlobalClass: true },
  data: { show: false, what: '', contractName: '《企邮小程序隐私保护指引》' },
  lifetimes: {
    attached() {
      privacy.attach(this)
      platform.privacySetting().then((s) => {
        if (s && s.privacyContractName) this.setData({ contractName: s.privacyContractName })
      })
    },
    detached() {
      privacy.detach(this)
    },
  },
  methods: {
    showPrivacy(referrer) {
      this.setData({ show: true, what: WHAT[referrer] || '' })
    },
    hidePrivacy() {
      this.setData({ show: false })
    },
    onContract() {
      platform.openPrivacyContract()
    },
    onAgree(e) {
      privacy.answer({ event: 'agree', buttonId: e.currentTarget.id })
    },
    onDisagree() {
      privacy.answer({ event: 'disagree' })
    },
  },
})
