/**
 * Live push: GraphQL subscriptions (graphql-transport-ws) through graphql-ws over the
 * wx.connectSocket adapter. graphql-ws is vendored as its client-only UMD build
 * (lib/vendor/graphql-ws.js, byte for byte the pinned devDependency's umd/graphql-ws.js):
 * the package's main entry also holds its server, which pulls in graphql-js (~600 KB). One connection for the whole mini-program; pages listen to
 * named streams (newMail, mailboxChanged, noticePosted). It reconnects with exponential
 * backoff (1 s … 30 s) and at once when the network comes back or changes.
 */
const { createClient } = require('./vendor/graphql-ws')
const { WxWebSocket } = require('./socket')
const platform = require('./platform')
const config = require('./config')
const api = require('./api')
const Q = require('./queries')

const SIGNED_OUT_CODES = [4401, 4403]

const STREAMS = {
  newMail: Q.NEW_MAIL,
  mailboxChanged: Q.MAILBOX_CHANGED,
  noticePosted: Q.NOTICE_POSTED,
  calendarReminder: Q.CALENDAR_REMINDER,
}

let client = null
let stops = []
let watchingNetwork = false
const listeners = {}
const state = { connected: false, reconnects: 0 }

function backoff(retries) {
  const base = Math.min(1000 * 2 ** retries, 30000)
  return new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * (base / 2)))
}

function emit(name, payload) {
  ;(listeners[name] || []).slice().forEach((l) => {
    try {
      l(payload)
    } catch (e) {
      console.error(e)
    }
  })
}

/** Listen to a stream (or 'connected'); returns a function that stops listening. */
function on(name, listener) {
  ;(listeners[name] = listeners[name] || []).push(listener)
  return () => {
    const list = listeners[name] || []
    const i = list.indexOf(listener)
    if (i >= 0) list.splice(i, 1)
  }
}

/** Open the connection and the app-wide subscriptions (after sign-in). */
function start() {
  if (client || !api.token()) return
  client = createClient({
    url: config.wsUrl(),
    webSocketImpl: WxWebSocket,
    connectionParams: () => ({ token: api.token() }),
    lazy: true,
    keepAlive: 20000,
    retryAttempts: Infinity,
    retryWait: backoff,
    // 4401: the server revoked this session (signed out elsewhere, password changed,
    // disabled); 4403: the token was refused. Retrying cannot help: sign out instead.
    shouldRetry: (event) => !!api.token() && !SIGNED_OUT_CODES.includes(event && event.code),
    on: {
      connected: () => {
        if (!state.connected && state.reconnects++ > 0) emit('reconnected', {})
        state.connected = true
        emit('connected', {})
      },
      closed: (event) => {
        state.connected = false
        if (SIGNED_OUT_CODES.includes(event && event.code) && api.token()) api.signedOut()
      },
    },
  })
  stops = Object.keys(STREAMS).map((name) =>
    client.subscribe(
      { query: STREAMS[name] },
      {
        next: (result) => {
          if (result.data) emit(name, result.data[name])
        },
        error: (err) => console.warn('subscription ended', name, err),
        complete: () => {},
      },
    ),
  )
  if (!watchingNetwork) {
    watchingNetwork = true
    platform.onNetworkChange((res) => {
      // A new network: the old socket is likely dead; reconnect now (with backoff if it fails).
      if (client && res.isConnected) client.terminate()
    })
  }
}

/** The first result of a one-off subscription (e.g. translationReady), or an error. */
function once(query, variables, timeout = 120000) {
  start()
  if (!client) return Promise.reject(new Error('未登录'))
  return new Promise((resolve, reject) => {
    let stop = null
    const timer = setTimeout(() => {
      if (stop) stop()
      reject(new Error('等待超时'))
    }, timeout)
    const finish = (fn, value) => {
      clearTimeout(timer)
      if (stop) stop()
      fn(value)
    }
    stop = client.subscribe(
      { query, variables },
      {
        next: (result) => (result.errors ? finish(reject, new Error(result.errors[0].message)) : finish(resolve, result.data)),
        error: (err) => finish(reject, err instanceof Error ? err : new Error('订阅失败')),
        complete: () => clearTimeout(timer),
      },
    )
  })
}

/** Close everything (sign-out). */
function stop() {
  stops.forEach((s) => s())
  stops = []
  if (client) client.dispose()
  client = null
  state.connected = false
  state.reconnects = 0
}

function isConnected() {
  return state.connected
}

module.exports = { start, stop, on, once, isConnected, backoff }
