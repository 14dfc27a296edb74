/**
 * A `wx` for tests, backed by node: wx.request / wx.downloadFile over node's http,
 * wx.connectSocket over `ws`, storage in memory, wx.login codes from the loopback WeChat
 * server, and navigation / toast / pickers recorded for assertions. The mini-program's
 * own modules run unchanged on top of it.
 *
 * `log.calls` lists every wx API called, in order (e.g. requestSubscribeMessage before any
 * request). WeChat's privacy agreement is played as WeChat does it: while
 * `log.privacyNeeded` is set, an API touching personal data (chooseMessageFile,
 * chooseMedia, set/getClipboardData) first calls the onNeedPrivacyAuthorization listener
 * and waits for its resolve: 'agree' (with the id of an agreePrivacyAuthorization button)
 * lets the call through, 'disagree' makes it fail with errno 104.
 */
const fs = require('fs')
const http = require('http')
const os = require('os')
const path = require('path')
const WebSocket = require('ws')

function httpCall(url, { method = 'GET', headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    if (body) req.write(body)
    req.end()
  })
}

function createWx({ wechat }) {
  const storage = new Map()
  const log = {
    navigate: [],
    toast: [],
    badges: {},
    subscribeAnswer: 'accept',
    subscribeFail: null, // { errCode, errMsg }: requestSubscribeMessage fails
    scanResult: '',
    actionSheet: 0,
    modal: true,
    chosenFiles: [],
    sockets: [],
    calls: [],
    privacyNeeded: false,
    privacyListener: null,
    privacyAnswers: [],
    privacyContractName: '《企邮测试隐私保护指引》',
  }
  let openid = ''
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qiyou-wx-'))
  let tmpCount = 0

  const done = (options, result) => {
    Promise.resolve().then(() => {
      if (options.success) options.success(result)
      if (options.complete) options.complete(result)
    })
  }
  const failed = (options, errMsg) => failedWith(options, { errMsg })
  const failedWith = (options, err) => {
    Promise.resolve().then(() => {
      if (options.fail) options.fail(Object.assign({}, err))
      if (options.complete) options.complete(Object.assign({}, err))
    })
  }

  /** An API that needs the privacy agreement: ask the listener first while it is needed. */
  const needsPrivacy = (name, run) => (options) => {
    if (!log.privacyNeeded) return run(options)
    if (!log.privacyListener) return failedWith(options, { errMsg: `${name}:fail privacy permission is not authorized`, errno: 104 })
    let answered = false
    log.privacyListener(
      (result) => {
        if (answered) return
        answered = true
        log.privacyAnswers.push(Object.assign({ referrer: name }, result))
        if (result && result.event === 'agree' && result.buttonId) {
          log.privacyNeeded = false
          return run(options)
        }
        return failedWith(options, { errMsg: `${name}:fail privacy permission is not authorized`, errno: 104 })
      },
      { referrer: name },
    )
  }

  const wx = {
    request(options) {
      const headers = Object.assign({}, options.header || {})
      let body
      const data = options.data
      if (data instanceof ArrayBuffer) body = Buffer.from(data)
      else if (ArrayBuffer.isView(data)) body = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      else if (typeof data === 'string') body = Buffer.from(data)
      else if (data !== undefined) body = Buffer.from(JSON.stringify(data))
      if (body) headers['Content-Length'] = body.length
      httpCall(options.url, { method: options.method || 'GET', headers, body }).then(
        (res) => {
          let out = res.body.toString('utf8')
          if (options.responseType === 'arraybuffer') out = res.body.buffer.slice(res.body.byteOffset, res.body.byteOffset + res.body.length)
          else if (options.dataType !== '其他') {
            try {
              out = JSON.parse(out)
            } catch (e) {
              // WeChat hands back the text when it is not JSON
            }
          }
          done(options, { statusCode: res.statusCode, data: out, header: res.headers })
        },
        (err) => failed(options, `request:fail ${err.message}`),
      )
      return { abort() {} }
    },

    downloadFile(options) {
      httpCall(options.url, { headers: options.header || {} }).then(
        (res) => {
          const file = path.join(tmp, `download-${++tmpCount}`)
          fs.writeFileSync(file, res.body)
          done(options, { statusCode: res.statusCode, tempFilePath: file })
        },
        (err) => failed(options, `downloadFile:fail ${err.message}`),
      )
    },

    getFileSystemManager() {
      return {
        readFile(options) {
          fs.readFile(options.filePath, (err, buf) => {
            if (err) return failed(options, `readFile:fail ${err.message}`)
            done(options, { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) })
          })
        },
      }
    },

    connectSocket(options) {
      const socket = new WebSocket(options.url, options.protocols || [], { headers: options.header })
      const handlers = { open: [], message: [], close: [], error: [] }
      const fire = (kind, arg) => handlers[kind].forEach((h) => h(arg))
      socket.on('open', () => fire('open', {}))
      socket.on('message', (data) => fire('message', { data: data.toString('utf8') }))
      socket.on('close', (code, reason) => fire('close', { code, reason: reason.toString() }))
      socket.on('error', (err) => fire('error', { errMsg: err.message }))
      const task = {
        socket,
        onOpen: (h) => handlers.open.push(h),
        onMessage: (h) => handlers.message.push(h),
        onClose: (h) => handlers.close.push(h),
        onError: (h) => handlers.error.push(h),
        send: ({ data }) => socket.send(data),
        close: ({ code, reason } = {}) => socket.close(code || 1000, reason || ''),
      }
      log.sockets.push(task)
      return task
    },

    onNetworkStatusChange(listener) {
      log.networkListener = listener
    },

    login(options) {
      if (!openid) return failed(options, 'login:fail no WeChat user')
      done(options, { code: wechat.issue(openid), errMsg: 'login:ok' })
    },
    requestSubscribeMessage(options) {
      if (log.subscribeFail) return failedWith(options, log.subscribeFail)
      const answer = {}
      options.tmplIds.forEach((t) => {
        answer[t] = log.subscribeAnswer
      })
      done(options, Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, answer))
    },
    scanCode(options) {
      done(options, { result: log.scanResult })
    },

    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: (key) => storage.delete(key),

    chooseMessageFile: needsPrivacy('chooseMessageFile', (options) => done(options, { tempFiles: log.chosenFiles })),
    chooseMedia: needsPrivacy('chooseMedia', (options) => done(options, { tempFiles: [] })),
    onNeedPrivacyAuthorization(listener) {
      log.privacyListener = listener
    },
    getPrivacySetting(options) {
      done(options, { needAuthorization: log.privacyNeeded, privacyContractName: log.privacyContractName })
    },
    openPrivacyContract(options) {
      log.openedContract = true
      done(options, {})
    },
    previewImage(options) {
      log.preview = options.urls
      done(options, {})
    },
    openDocument(options) {
      log.opened = options.filePath
      done(options, {})
    },

    navigateTo(options) {
      log.navigate.push(options.url)
      done(options, {})
    },
    redirectTo(options) {
      log.navigate.push(`redirect:${options.url}`)
      done(options, {})
    },
    reLaunch(options) {
      log.navigate.push(`relaunch:${options.url}`)
      done(options, {})
    },
    switchTab(options) {
      log.navigate.push(`tab:${options.url}`)
      done(options, {})
    },
    navigateBack(options) {
      log.navigate.push('back')
      done(options, {})
    },
    setNavigationBarTitle(options) {
      log.title = options.title
    },
    stopPullDownRefresh() {
      log.stoppedRefresh = (log.stoppedRefresh || 0) + 1
    },
    setTabBarBadge(options) {
      log.badges[options.index] = options.text
    },
    removeTabBarBadge(options) {
      delete log.badges[options.index]
    },
    showToast(options) {
      log.toast.push(options.title)
    },
    showModal(options) {
      done(options, { confirm: log.modal, cancel: !log.modal })
    },
    showActionSheet(options) {
      done(options, { tapIndex: log.actionSheet })
    },
    setClipboardData: needsPrivacy('setClipboardData', (options) => {
      log.clipboard = options.data
      done(options, {})
    }),
    makePhoneCall(options) {
      log.called = options.phoneNumber
      done(options, {})
    },
  }

  // Every call recorded by name, in order.
  Object.keys(wx).forEach((name) => {
    const fn = wx[name]
    wx[name] = function recorded(...args) {
      log.calls.push(name)
      return fn.apply(this, args)
    }
  })

  return {
    wx,
    log,
    storage,
    tmp,
    setOpenid(value) {
      openid = value
    },
  }
}

module.exports = { createWx, httpCall }
