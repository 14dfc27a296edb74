// Server errors → texts in the UI's language, and onto the form field they name.
//
// How a screen uses it:
//   const r = (await mutate(DOC, vars)).changePassword   // select `... on AuthError { code field message reason limit }`
//   if (isError(r)) {
//     const { fieldErrors, formError } = mapError(r, ['old', 'new'])  // texts already translated
//   }
//   try { ... } catch (e) { alert.value = errorText(e) }  // a refused request (RequestError, its extensions.code)
//   errorText(r)                                           // one sentence for a typed error anywhere
//   codeText('DnsReasonCode', check.reasonCode, check.reason)  // any other enum the server sends as words
//
// The text is looked up (vue-i18n keys, web/src/i18n/areas/errors.js) in this order:
//   errors.<__typename>.reason.<reason>        the rule, where one code covers several (AuthError.reason)
//   errors.<__typename>.field.<field>.<code>   the code on that field (`input.email`, `to[2]` → email, to)
//   errors.<__typename>.<code>                 every code of every error enum in the schema has one
//   errors.code.<code>                         any type, and a refused request's extensions.code
// and only when no key exists, the server's own `message` (English). A text may use {message},
// {field}, {limit} and {retryAfter}. To word a code differently on your screen, add the more
// specific key (a field or reason key) in your own areas/<area>.js, both languages.
import { i18n } from '../i18n/index.js'

/** Types whose codes are another type's (MemberImportRow.code is an AdminErrorCode). */
const SAME_CODES = { MemberImportRow: 'AdminError' }

/** Is this union result one of the schema's error types? */
export function isError(result) {
  return !!result && typeof result === 'object' && !(result instanceof Error) && 'code' in result && 'message' in result && /Error$/.test(result.__typename || 'Error')
}

function lastWord(field) {
  const parts = String(field || '')
    .split(/[.[\]]/)
    .filter((p) => p && !/^\d+$/.test(p))
  const word = parts[parts.length - 1] || ''
  return word.replace(/_([a-z])/g, (_, ch) => ch.toUpperCase())
}

function known(key) {
  return i18n.global.te(key) || i18n.global.te(key, 'zh-CN')
}

/**
 * The text of a typed error (`{ __typename, code, field, message, reason?, limit? }`) in the UI's
 * language; `field` is the form field it landed on, when the caller knows it.
 */
function typedText(error, field = lastWord(error.field)) {
  const params = { message: error.message || '', field: error.field || '', limit: error.limit ?? '', retryAfter: error.retryAfter ?? '' }
  const types = [error.__typename, SAME_CODES[error.__typename]].filter(Boolean)
  const keys = []
  for (const type of types) {
    if (error.reason) keys.push(`errors.${type}.reason.${error.reason}`)
    if (field && error.code) keys.push(`errors.${type}.field.${field}.${error.code}`)
    if (error.code) keys.push(`errors.${type}.${error.code}`)
  }
  if (error.code) keys.push(`errors.code.${error.code}`)
  const key = keys.find(known)
  const text = key ? i18n.global.t(key, params) : ''
  return text || error.message || i18n.global.t('errors.unknown')
}

// The server writes English: a message with Chinese in it was worded by the screen already.
const WORDED = /[\u3400-\u9fff]/

/**
 * Map a typed error onto form fields: {fieldErrors: {name: text}, formError: text}.
 * A field named like "input.email" or "departmentIds.0" lands on its last word
 * that is a known field ("email"); an error with no known field is a form error.
 * The text is the screen's own `words` (a function of the error, or a string) when it gives
 * one, else the error's translation (above).
 */
export function mapError(result, knownFields = [], words = null) {
  if (!isError(result)) return { fieldErrors: {}, formError: '' }
  const field = normalizeField(result.field, knownFields)
  const own = typeof words === 'function' ? words(result) : words
  const text = own || (WORDED.test(result.message || '') ? result.message : typedText(result, field || undefined))
  if (field) return { fieldErrors: { [field]: text }, formError: '' }
  return { fieldErrors: {}, formError: text }
}

export function normalizeField(field, knownFields = []) {
  if (!field) return ''
  const parts = String(field)
    .split(/[.[\]]/)
    .filter((p) => p && !/^\d+$/.test(p))
  const candidates = [String(field), ...parts.reverse()]
  for (const c of candidates) {
    if (knownFields.includes(c)) return c
    const camel = c.replace(/_([a-z])/g, (_, ch) => ch.toUpperCase())
    if (knownFields.includes(camel)) return camel
  }
  return ''
}

const NETWORK = /^\[Network\]|Failed to fetch|NetworkError|Load failed/i

/** One sentence for a typed error, a refused request (RequestError with `code`) or any Error. */
export function errorText(error) {
  if (!error) return ''
  if (isError(error)) return typedText(error)
  if (typeof error === 'string') return error
  if (error.code) return typedText({ __typename: 'RequestError', code: error.code, field: error.field, message: error.message })
  if (NETWORK.test(error.message || '')) return i18n.global.t('errors.network')
  return error.message || String(error)
}

/**
 * The words for a code of another enum the server sends (`errors.<enumName>.<value>`, e.g.
 * DnsReasonCode), or `fallback` (the server's words) when there is no key.
 */
export function codeText(enumName, value, fallback = '') {
  const key = `errors.${enumName}.${value}`
  return value && known(key) ? i18n.global.t(key) : fallback || value || ''
}

/** A log's code in words (`logs.<ns>.<code>`: clients, sign-in reasons, directions, statuses),
 * shared by the admin logs and the member's own; an unknown code (a newer server) as it is. */
export function logWord(ns, code) {
  const key = `logs.${ns}.${code}`
  return code && known(key) ? i18n.global.t(key) : code || ''
}
