import { describe, expect, it } from 'vitest'
import { errorText, isError, mapError, normalizeField } from '../src/lib/errors.js'

describe('typed GraphQL errors', () => {
  it('puts an error on the field it names', () => {
    const r = { __typename: 'AdminError', code: 'INVALID', field: 'email', message: 'bad address' }
    expect(mapError(r, ['email', 'name'])).toEqual({ fieldErrors: { email: 'bad address' }, formError: '' })
  })
  it('understands dotted, indexed and snake_case field paths', () => {
    expect(normalizeField('input.email', ['email'])).toBe('email')
    expect(normalizeField('to[2]', ['to', 'cc'])).toBe('to')
    expect(normalizeField('input.departmentIds.0', ['departmentIds'])).toBe('departmentIds')
    expect(normalizeField('department_ids', ['departmentIds'])).toBe('departmentIds')
  })
  it('an unknown or missing field becomes a form error', () => {
    const r = { __typename: 'MailError', code: 'QUOTA_EXCEEDED', field: null, message: 'mailbox full' }
    expect(mapError(r, ['to'])).toEqual({ fieldErrors: {}, formError: 'mailbox full' })
    expect(mapError({ ...r, field: 'nothere' }, ['to']).formError).toBe('mailbox full')
  })
  it('success results are not errors', () => {
    expect(isError({ __typename: 'AdminMember', email: 'a@b.c' })).toBe(false)
    expect(mapError({ __typename: 'Done', ok: true }, ['x'])).toEqual({ fieldErrors: {}, formError: '' })
    expect(errorText(new Error('network down'))).toBe('network down')
  })
})

describe('search snippets', async () => {
  const { safeSnippet } = await import('../src/lib/format.js')
  it('keeps only <mark> tags', () => {
    expect(safeSnippet('a <mark>plan</mark> &lt;b&gt; <img src=x onerror=alert(1)> <script>x</script>')).toBe('a <mark>plan</mark> &lt;b&gt;  x')
  })
})
