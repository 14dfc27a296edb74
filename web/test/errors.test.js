import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildSchema, isEnumType, isNonNullType, isObjectType } from 'graphql'
import { codeText, errorText, isError, mapError, normalizeField } from '../src/lib/errors.js'
import { i18n, messages } from '../src/i18n/index.js'
import { RequestError } from '../src/api/client.js'

function useLocale(locale) {
  i18n.global.locale.value = locale
}
afterEach(() => useLocale('zh-CN'))

describe('typed GraphQL errors', () => {
  it('puts an error on the field it names, in the UI language', () => {
    const r = { __typename: 'AdminError', code: 'INVALID', field: 'email', message: 'bad address' }
    expect(mapError(r, ['email', 'name'])).toEqual({ fieldErrors: { email: '邮箱地址格式不正确' }, formError: '' })
    useLocale('en')
    expect(mapError(r, ['email', 'name'])).toEqual({ fieldErrors: { email: 'Not a valid email address' }, formError: '' })
  })
  it('understands dotted, indexed and snake_case field paths', () => {
    expect(normalizeField('input.email', ['email'])).toBe('email')
    expect(normalizeField('to[2]', ['to', 'cc'])).toBe('to')
    expect(normalizeField('input.departmentIds.0', ['departmentIds'])).toBe('departmentIds')
    expect(normalizeField('department_ids', ['departmentIds'])).toBe('departmentIds')
  })
  it('an unknown or missing field becomes a form error', () => {
    const r = { __typename: 'MailError', code: 'QUOTA_EXCEEDED', field: null, message: 'mailbox full' }
    expect(mapError(r, ['to'])).toEqual({ fieldErrors: {}, formError: '邮箱已满，请删除一些邮件后再试' })
    expect(mapError({ ...r, field: 'nothere' }, ['to']).formError).toBe('邮箱已满，请删除一些邮件后再试')
  })
  it('success results are not errors', () => {
    expect(isError({ __typename: 'AdminMember', email: 'a@b.c' })).toBe(false)
    expect(mapError({ __typename: 'Done', ok: true }, ['x'])).toEqual({ fieldErrors: {}, formError: '' })
    expect(errorText(new Error('network down'))).toBe('network down')
  })
  it('a reason names the rule where one code covers several, with its number', () => {
    const short = { __typename: 'AuthError', code: 'INVALID', field: 'new', reason: 'PASSWORD_TOO_SHORT', limit: 8, message: 'the new password needs at least 8 characters' }
    expect(mapError(short, ['old', 'new']).fieldErrors.new).toBe('新密码至少需要 8 个字符')
    const same = { ...short, reason: 'PASSWORD_UNCHANGED', limit: null }
    expect(errorText(same)).toBe('新密码不能与当前密码相同')
    useLocale('en')
    expect(errorText(short)).toBe('The new password needs at least 8 characters')
  })
  it('a field key words a code on that field; the code alone otherwise', () => {
    const wrong = { __typename: 'AuthError', code: 'INVALID_CREDENTIALS', field: 'old', message: 'the current password is wrong' }
    expect(errorText(wrong)).toBe('当前密码错误')
    expect(errorText({ ...wrong, field: null })).toBe('账号或密码错误')
    expect(errorText({ __typename: 'AdminError', code: 'INVALID', field: 'input.quota', message: 'a quota looks like 2G' })).toMatch(/^容量的写法/)
  })
  it('English keeps the server words for codes that cover many rules', () => {
    const r = { __typename: 'NoticeError', code: 'INVALID', field: 'title', message: 'the title is too long' }
    expect(errorText(r)).toBe('填写的内容不符合要求')
    useLocale('en')
    expect(errorText(r)).toBe('the title is too long')
  })
  it('falls back to the server message only when no key exists', () => {
    expect(errorText({ __typename: 'NewError', code: 'NEW_CODE', message: 'a brand new refusal' })).toBe('a brand new refusal')
    expect(errorText({ __typename: 'AuthError', code: 'INVALID', reason: 'NOT_YET_KNOWN', message: 'x' })).toBe('填写的内容不符合要求')
  })
  it('texts take the error numbers (retryAfter)', () => {
    expect(errorText({ __typename: 'AuthError', code: 'LOCKED', message: 'locked', retryAfter: 90 })).toBe('尝试次数过多，账号暂时锁定，请 90 秒后再试')
  })
  it('a screen that worded the error itself keeps its words', () => {
    const r = { __typename: 'PolicyError', code: 'FORBIDDEN', field: 'to', message: 'outside your scope' }
    expect(mapError({ ...r, message: 'a@b.c 不在你的审计范围内' }, ['to']).fieldErrors.to).toBe('a@b.c 不在你的审计范围内')
    expect(mapError(r, ['to'], (e) => `own ${e.code}`).fieldErrors.to).toBe('own FORBIDDEN')
    expect(mapError(r, ['to'], 'ready text').fieldErrors.to).toBe('ready text')
  })
  it('a refused request is worded by its extensions code, a lost connection as such', () => {
    expect(errorText(new RequestError('this needs an administrator', 'FORBIDDEN'))).toBe('没有权限执行此操作')
    expect(errorText(new RequestError('Variable "$d" got invalid value', ''))).toBe('Variable "$d" got invalid value')
    expect(errorText(new RequestError('[Network] Failed to fetch', ''))).toBe('无法连接服务器，请检查网络后重试')
    useLocale('en')
    expect(errorText(new RequestError('Sign in first', 'UNAUTHENTICATED'))).toBe('Your session has ended: please sign in again')
  })
  it('other enums sent as codes (DNS check reasons) have words too', () => {
    expect(codeText('DnsReasonCode', 'MX_MISSING', 'no MX record')).toBe('缺少 MX 记录')
    expect(codeText('DnsReasonCode', 'SOMETHING_NEW', 'server words')).toBe('server words')
    expect(codeText('DnsReasonCode', null, 'checked before codes')).toBe('checked before codes')
  })
})

describe('every error code of the schema has words in both languages', () => {
  const root = path.resolve(process.cwd(), '..') // vitest runs in web/
  const sdl = execFileSync(path.join(root, '.venv/bin/python'), ['-c', 'from schema import schema; print(schema.as_str())'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  })
  const schema = buildSchema(sdl)
  const has = (locale, key) => key.split('.').reduce((t, p) => (t && typeof t === 'object' ? t[p] : undefined), messages[locale]) !== undefined
  const wanted = []
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue
    const fields = type.getFields()
    if (!fields.code || !fields.message) continue
    let codeType = fields.code.type
    if (isNonNullType(codeType)) codeType = codeType.ofType
    if (!isEnumType(codeType)) continue
    for (const value of codeType.getValues()) wanted.push(`errors.${type.name}.${value.name}`)
    const reasonType = fields.reason && (isNonNullType(fields.reason.type) ? fields.reason.type.ofType : fields.reason.type)
    if (reasonType && isEnumType(reasonType)) for (const value of reasonType.getValues()) wanted.push(`errors.${type.name}.reason.${value.name}`)
  }
  for (const value of schema.getType('DnsReasonCode').getValues()) wanted.push(`errors.DnsReasonCode.${value.name}`)

  it('found the error types', () => {
    expect(wanted.length).toBeGreaterThan(100)
    expect(wanted).toContain('errors.AuthError.reason.PASSWORD_TOO_SHORT')
  })
  it.each(['zh-CN', 'en'])('%s', (locale) => {
    // MemberImportRow's codes are AdminError's: a key under either will do
    const missing = wanted.filter((k) => !has(locale, k) && !has(locale, k.replace('errors.MemberImportRow.', 'errors.AdminError.')))
    expect(missing).toEqual([])
  })
})

describe('search snippets', async () => {
  const { safeSnippet } = await import('../src/lib/format.js')
  it('keeps only <mark> tags', () => {
    expect(safeSnippet('a <mark>plan</mark> &lt;b&gt; <img src=x onerror=alert(1)> <script>x</script>')).toBe('a <mark>plan</mark> &lt;b&gt;  x')
  })
})
