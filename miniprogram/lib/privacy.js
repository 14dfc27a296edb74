/**
 * WeChat's privacy agreement (用户隐私保护指引): the first time a page calls an API that
 * touches personal data (chooseMessageFile, chooseMedia, setClipboardData, ...) WeChat
 * calls the listener of wx.onNeedPrivacyAuthorization and holds the API call until the
 * listener's `resolve` is called: with { event: 'agree', buttonId } after the member
 * tapped a <button open-type="agreePrivacyAuthorization" id="buttonId">, or with
 * { event: 'disagree' } (the API call then fails with errno 104).
 *
 * start() registers the one listener (app.js). The popup is the privacy-popup component
 * placed on each page that uses such an API; the popup attached last (the page on top)
 * shows the request. Without a popup on screen the request is declined (WeChat would
 * otherwise hold the call forever).
 *
 * "__usePrivacyCheck__" in app.json is not needed: since base library 2.33.0 (15 Sept
 * 2023) WeChat applies the privacy check to every mini-program (project libVersion 3.6.0).
 */
const platform = require('./platform')

const popups = []
let pending = null // { resolve, referrer }
let started = false

function start() {
  if (started) return
  started = true
  platform.onNeedPrivacyAuthorization((resolve, eventInfo) => {
    if (pending) pending.resolve({ event: 'disagree' }) // one request at a time
    const popup = popups[popups.length - 1]
    if (!popup) {
      resolve({ event: 'disagree' })
      platform.toast('请先同意隐私保护指引')
      return
    }
    pending = { resolve, referrer: (eventInfo && eventInfo.referrer) || '' }
    popup.showPrivacy(pending.referrer)
  })
}

/** A privacy-popup component attached (its page is on screen) or detached. */
function attach(popup) {
  popups.push(popup)
}

function detach(popup) {
  const i = popups.indexOf(popup)
  if (i >= 0) popups.splice(i, 1)
  if (pending && popups.length === 0) answer({ event: 'disagree' })
}

/** The member's answer from the popup. */
function answer(result) {
  const waiting = pending
  pending = null
  if (waiting) waiting.resolve(result)
  popups.forEach((p) => p.hidePrivacy())
}

function waiting() {
  return !!pending
}

/** Did an API call fail because the member declined the privacy agreement? */
function refused(err) {
  return !!err && (err.errno === 104 || /privacy/i.test(err.errMsg || err.message || ''))
}

module.exports = { start, attach, detach, answer, waiting, refused }
