/**
 * The Qiyou GraphQL API over wx.request: queries and mutations, multipart uploads
 * (attachments), authenticated downloads, and the session token kept in storage.
 */
const platform = require('./platform')
const config = require('./config')

const TOKEN_KEY = 'qiyou.token'
const listeners = { signedOut: [] }

class ApiError extends Error {
  constructor(message, code, field) {
    super(message)
    this.code = code || 'ERROR'
    this.field = field || null
  }
}

function token() {
  return platform.getStorage(TOKEN_KEY)
}

function setToken(value) {
  platform.setStorage(TOKEN_KEY, value || null)
}

function onSignedOut(listener) {
  listeners.signedOut.push(listener)
  return () => listeners.signedOut.splice(listeners.signedOut.indexOf(listener), 1)
}

/** The session is over (revoked or expired): forget the token and tell the pages. */
function signedOut() {
  setToken(null)
  listeners.signedOut.slice().forEach((l) => l())
}

function headers(extra) {
  const result = Object.assign({ 'X-Qiyou-Client': 'miniprogram' }, extra || {})
  const t = token()
  if (t) result.Authorization = `Bearer ${t}`
  return result
}

function unwrap(res) {
  let body = res.data
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body)
    } catch (e) {
      throw new ApiError(`服务器返回了无法识别的内容（HTTP ${res.statusCode}）`, 'BAD_RESPONSE')
    }
  }
  if (!body || typeof body !== 'object') {
    throw new ApiError(`服务器错误（HTTP ${res.statusCode}）`, 'BAD_RESPONSE')
  }
  if (body.errors && body.errors.length) {
    const first = body.errors[0]
    const ext = first.extensions || {}
    if (ext.code === 'UNAUTHENTICATED') {
      signedOut()
      throw new ApiError('登录已失效，请重新登录', 'UNAUTHENTICATED')
    }
    throw new ApiError(first.message || '请求失败', ext.code, ext.field)
  }
  return body.data
}

/** Run a query or mutation; resolves with `data`, rejects with ApiError. */
async function graphql(query, variables) {
  let res
  try {
    res = await platform.request({
      url: config.graphqlUrl(),
      method: 'POST',
      data: { query, variables: variables || {} },
      header: headers({ 'Content-Type': 'application/json' }),
    })
  } catch (e) {
    throw new ApiError(`无法连接服务器：${e.message}`, 'NETWORK')
  }
  return unwrap(res)
}

// --- multipart (GraphQL multipart request spec) -----------------------------------------

function utf8(text) {
  const out = []
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00)
    }
    if (c < 0x80) out.push(c)
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63))
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    else {
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    }
  }
  return new Uint8Array(out)
}

function concat(parts) {
  const total = parts.reduce((n, p) => n + p.length, 0)
  const out = new Uint8Array(total)
  let at = 0
  parts.forEach((p) => {
    out.set(p, at)
    at += p.length
  })
  return out.buffer
}

function quoted(name) {
  return String(name).replace(/["\r\n\\]/g, '_')
}

/**
 * Build a multipart body: `files` are [{ path, name, type, variable }] where `variable`
 * is the dotted path the upload replaces (e.g. "variables.input.attachments.0").
 */
async function multipartBody(query, variables, files) {
  const boundary = `----qiyou${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`
  const map = {}
  files.forEach((f, i) => {
    map[String(i)] = [f.variable]
  })
  const parts = []
  const field = (name, value) =>
    parts.push(
      utf8(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    )
  field('operations', JSON.stringify({ query, variables }))
  field('map', JSON.stringify(map))
  for (let i = 0; i < files.length; i++) {
    const f = files[i]
    const data = await platform.readFile(f.path)
    parts.push(
      utf8(
        `--${boundary}\r\nContent-Disposition: form-data; name="${i}"; filename="${quoted(f.name)}"\r\n` +
          `Content-Type: ${f.type || 'application/octet-stream'}\r\n\r\n`,
      ),
    )
    parts.push(new Uint8Array(data))
    parts.push(utf8('\r\n'))
  }
  parts.push(utf8(`--${boundary}--\r\n`))
  return { body: concat(parts), boundary }
}

/** A mutation with file uploads (one request, every file in it). */
async function upload(query, variables, files) {
  const { body, boundary } = await multipartBody(query, variables, files)
  let res
  try {
    res = await platform.request({
      url: config.graphqlUrl(),
      method: 'POST',
      data: body,
      header: headers({ 'Content-Type': `multipart/form-data; boundary=${boundary}` }),
      timeout: 120000,
    })
  } catch (e) {
    throw new ApiError(`上传失败：${e.message}`, 'NETWORK')
  }
  if (res.statusCode === 413) throw new ApiError('附件太大', 'TOO_LARGE')
  return unwrap(res)
}

/** Download a server path (e.g. an attachment URL) with the session token. */
function download(path) {
  return platform.downloadFile({ url: `${config.server()}${path}`, header: headers() })
}

module.exports = { ApiError, token, setToken, onSignedOut, signedOut, graphql, upload, download, multipartBody }
