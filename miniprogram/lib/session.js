/**
 * Signing in: the WeChat login code goes to the server (wechatLogin); a bound account gets
 * a session at once, an unbound one a ticket the member redeems with their mailbox
 * password (bindWechatWithPassword). Sign-out and unbinding end the live connection.
 */
const platform = require('./platform')
const api = require('./api')
const live = require('./live')
const Q = require('./queries')

const MESSAGES = {
  INVALID_CREDENTIALS: '邮箱地址或密码错误',
  ACCOUNT_DISABLED: '该账号已被停用，请联系管理员',
  IP_NOT_ALLOWED: '当前网络不允许登录该账号',
  LOCKED: '登录失败次数过多，请稍后再试',
  INVALID_CODE: '验证码错误或已使用',
  TICKET_EXPIRED: '绑定已超时，请重新打开小程序',
  WECHAT_ALREADY_BOUND: '该邮箱或微信已绑定其他账号',
  WECHAT_UNAVAILABLE: '暂时无法连接微信服务，请稍后再试',
  WECHAT_NOT_BOUND: '尚未绑定微信',
  MINIPROGRAM_REQUIRED: '请在小程序中操作',
  PASSWORD_CHANGE_REQUIRED: '请先在网页版修改初始密码',
}

function authError(result) {
  const message = MESSAGES[result.code] || result.message || '登录失败'
  return new api.ApiError(message, result.code, result.field)
}

function signedIn(result) {
  api.setToken(result.token)
  live.start()
  return { status: 'signedIn', me: result.me }
}

/** Sign in with WeChat: { status: 'signedIn', me } or { status: 'bind', ticket }. */
async function signInWithWechat() {
  const code = await platform.loginCode()
  const result = (await api.graphql(Q.WECHAT_LOGIN, { code })).wechatLogin
  if (result.__typename === 'LoginSuccess') return signedIn(result)
  if (result.__typename === 'WechatBindRequired') {
    return { status: 'bind', ticket: result.ticket, expiresIn: result.expiresIn }
  }
  throw authError(result)
}

/** Confirm the mailbox with its password (and TOTP code if on): binds and signs in. */
async function bind(ticket, email, password, code) {
  const result = (
    await api.graphql(Q.BIND_WITH_PASSWORD, {
      ticket,
      email: String(email || '').trim(),
      password: password || '',
      code: code || null,
    })
  ).bindWechatWithPassword
  if (result.__typename === 'LoginSuccess') return signedIn(result)
  throw authError(result)
}

/** Is the stored token still good? */
async function restore() {
  if (!api.token()) return null
  try {
    const data = await api.graphql(Q.ME)
    live.start()
    return data
  } catch (e) {
    if (e.code === 'UNAUTHENTICATED') return null
    throw e
  }
}

async function signOut() {
  try {
    if (api.token()) await api.graphql(Q.LOGOUT)
  } catch (e) {
    // the session may already be gone
  }
  live.stop()
  api.setToken(null)
}

/** Unbind WeChat from this mailbox, then sign out (the next start asks to bind again). */
async function unbind() {
  const result = (await api.graphql(Q.UNBIND)).unbindWechat
  if (result.__typename === 'AuthError') throw authError(result)
  await signOut()
}

module.exports = { signInWithWechat, bind, restore, signOut, unbind, authError, MESSAGES }
