/**
 * The one module that calls WeChat's `wx.*` APIs: network, storage, navigation, media and
 * UI feedback. Pages and the other lib modules go through it, so the tests can give the
 * mini-program a `wx` backed by node's http/ws and everything above it runs unchanged.
 */

/* global wx */

function promisify(fn, options) {
  return new Promise((resolve, reject) => {
    fn(Object.assign({}, options, { success: resolve, fail: reject }))
  })
}

function failMessage(err) {
  if (!err) return '网络错误'
  return err.errMsg || err.message || String(err)
}

// --- network ---------------------------------------------------------------------------

/** An HTTP request; resolves with { statusCode, data, header } (data parsed when JSON). */
function request({ url, method = 'GET', data, header = {}, responseType, timeout = 30000 }) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method,
      data,
      header,
      timeout,
      responseType: responseType || 'text',
      dataType: responseType === 'arraybuffer' ? '其他' : 'json',
      success: (res) => resolve(res),
      fail: (err) => reject(new Error(failMessage(err))),
    })
  })
}

/** A SocketTask from wx.connectSocket (see lib/socket.js for the WebSocket adapter). */
function connectSocket({ url, protocols, header }) {
  return wx.connectSocket({ url, protocols, header, success() {}, fail() {} })
}

/** Download a file to a temporary path (with headers, e.g. the bearer token). */
function downloadFile({ url, header }) {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url,
      header,
      success: (res) =>
        res.statusCode === 200
          ? resolve(res.tempFilePath)
          : reject(new Error(`下载失败（HTTP ${res.statusCode}）`)),
      fail: (err) => reject(new Error(failMessage(err))),
    })
  })
}

/** The bytes of a local (temporary) file, as an ArrayBuffer. */
function readFile(filePath) {
  return new Promise((resolve, reject) => {
    wx.getFileSystemManager().readFile({
      filePath,
      success: (res) => resolve(res.data),
      fail: (err) => reject(new Error(failMessage(err))),
    })
  })
}

function onNetworkChange(listener) {
  if (wx.onNetworkStatusChange) wx.onNetworkStatusChange(listener)
}

// --- WeChat identity --------------------------------------------------------------------

/** A fresh wx.login code (valid 5 minutes, once). */
function loginCode() {
  return promisify(wx.login, {}).then((res) => {
    if (!res.code) throw new Error('微信登录失败')
    return res.code
  })
}

// requestSubscribeMessage's errCodes, as a member can act on them.
const SUBSCRIBE_ERRORS = {
  20004: '你已关闭本小程序的消息通知，请在右上角 … → 设置 → 通知管理中开启',
  20001: '通知模板不可用，请联系管理员',
  20002: '通知模板不可用，请联系管理员',
  20003: '一次请求的通知太多，请联系管理员',
  20005: '本小程序已被禁止发送通知，请联系管理员',
  10005: '当前无法显示通知授权窗口，请稍后再试',
  10002: '网络问题，未能请求微信通知',
  10003: '网络问题，未能请求微信通知',
}

/**
 * Ask for subscribe messages; resolves with { [templateId]: 'accept' | 'reject' | 'ban' |
 * 'filter' }, rejects with an Error a member can read. WeChat shows its dialog only when
 * this is called synchronously inside a tap handler: call it before any await.
 */
function requestSubscribe(templateIds) {
  if (!wx.requestSubscribeMessage) return Promise.reject(new Error('当前微信版本不支持消息通知，请升级微信'))
  return promisify(wx.requestSubscribeMessage, { tmplIds: templateIds }).catch((err) => {
    const errMsg = (err && err.errMsg) || ''
    let message = SUBSCRIBE_ERRORS[err && err.errCode]
    if (!message && /cancel/i.test(errMsg)) message = '已取消'
    if (!message && /user gesture|TAP gesture/i.test(errMsg)) message = '请点击按钮后再开启通知'
    const error = new Error(message || `未能请求微信通知（${errMsg || '未知错误'}）`)
    error.errCode = err && err.errCode
    throw error
  })
}

/** What an answer other than 'accept' tells the member. */
function subscribeRefusal(answer) {
  if (answer === 'ban') return '该通知已被微信禁用'
  if (answer === 'filter') return '该通知模板标题重复，已被微信过滤，请联系管理员'
  return '你没有允许微信通知'
}

// --- privacy agreement (lib/privacy.js) -------------------------------------------------

function onNeedPrivacyAuthorization(listener) {
  if (wx.onNeedPrivacyAuthorization) wx.onNeedPrivacyAuthorization(listener)
}

/** { needAuthorization, privacyContractName } or null where the base library has none. */
function privacySetting() {
  if (!wx.getPrivacySetting) return Promise.resolve(null)
  return promisify(wx.getPrivacySetting, {}).catch(() => null)
}

function openPrivacyContract() {
  if (wx.openPrivacyContract) wx.openPrivacyContract({ fail() {} })
}

function scanCode() {
  return promisify(wx.scanCode, { onlyFromCamera: false, scanType: ['qrCode'] }).then(
    (res) => res.result || '',
  )
}

// --- storage ----------------------------------------------------------------------------

function getStorage(key) {
  try {
    const value = wx.getStorageSync(key)
    return value === '' ? null : value
  } catch (e) {
    return null
  }
}

function setStorage(key, value) {
  try {
    if (value === null || value === undefined) wx.removeStorageSync(key)
    else wx.setStorageSync(key, value)
  } catch (e) {
    // storage full or unavailable: the session lasts until the mini-program closes
  }
}

// --- files and media ---------------------------------------------------------------------

/** Pick files from a chat (any type); resolves with [{ path, name, size, type }]. */
function chooseChatFiles(count = 9) {
  return promisify(wx.chooseMessageFile, { count, type: 'all' }).then((res) =>
    (res.tempFiles || []).map((f) => ({ path: f.path, name: f.name, size: f.size, type: '' })),
  )
}

/** Pick photos or videos from the album or camera. */
function chooseMedia(count = 9) {
  return promisify(wx.chooseMedia, { count, mediaType: ['image', 'video'] }).then((res) =>
    (res.tempFiles || []).map((f, i) => {
      const ext = (f.tempFilePath.split('.').pop() || 'jpg').toLowerCase()
      return {
        path: f.tempFilePath,
        name: `${f.fileType === 'video' ? '视频' : '图片'}${i + 1}.${ext}`,
        size: f.size,
        type: f.fileType === 'video' ? `video/${ext}` : `image/${ext === 'jpg' ? 'jpeg' : ext}`,
      }
    }),
  )
}

function previewImage(urls, current) {
  return promisify(wx.previewImage, { urls, current })
}

function openDocument(filePath, fileType) {
  return promisify(wx.openDocument, { filePath, fileType, showMenu: true })
}

// --- navigation ---------------------------------------------------------------------------

function query(params) {
  const parts = Object.keys(params || {})
    .filter((k) => params[k] !== undefined && params[k] !== null && params[k] !== '')
    .map((k) => `${k}=${encodeURIComponent(params[k])}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

function navigate(page, params) {
  return promisify(wx.navigateTo, { url: `/pages/${page}/${page}${query(params)}` })
}

function redirect(page, params) {
  return promisify(wx.redirectTo, { url: `/pages/${page}/${page}${query(params)}` })
}

function relaunch(page, params) {
  return promisify(wx.reLaunch, { url: `/pages/${page}/${page}${query(params)}` })
}

function switchTab(page) {
  return promisify(wx.switchTab, { url: `/pages/${page}/${page}` })
}

function back() {
  return promisify(wx.navigateBack, { delta: 1 })
}

function setTitle(title) {
  if (wx.setNavigationBarTitle) wx.setNavigationBarTitle({ title })
}

function stopPullDownRefresh() {
  if (wx.stopPullDownRefresh) wx.stopPullDownRefresh()
}

function setTabBadge(index, count) {
  if (!wx.setTabBarBadge) return
  if (count > 0) {
    wx.setTabBarBadge({ index, text: count > 99 ? '99+' : String(count), fail() {} })
  } else {
    wx.removeTabBarBadge({ index, fail() {} })
  }
}

// --- feedback ---------------------------------------------------------------------------

function toast(title, icon = 'none') {
  if (wx.showToast) wx.showToast({ title: String(title).slice(0, 40), icon, duration: 2000 })
}

function confirm(title, content) {
  if (!wx.showModal) return Promise.resolve(true)
  return promisify(wx.showModal, { title, content, confirmText: '确定', cancelText: '取消' }).then(
    (res) => !!res.confirm,
  )
}

function actionSheet(items) {
  return promisify(wx.showActionSheet, { itemList: items }).then((res) => res.tapIndex)
}

function call(phoneNumber) {
  return promisify(wx.makePhoneCall, { phoneNumber })
}

function copy(text) {
  return promisify(wx.setClipboardData, { data: text })
}

module.exports = {
  request,
  connectSocket,
  downloadFile,
  readFile,
  onNetworkChange,
  loginCode,
  requestSubscribe,
  subscribeRefusal,
  onNeedPrivacyAuthorization,
  privacySetting,
  openPrivacyContract,
  scanCode,
  getStorage,
  setStorage,
  chooseChatFiles,
  chooseMedia,
  previewImage,
  openDocument,
  navigate,
  redirect,
  relaunch,
  switchTab,
  back,
  setTitle,
  stopPullDownRefresh,
  setTabBadge,
  toast,
  confirm,
  actionSheet,
  copy,
  call,
}
