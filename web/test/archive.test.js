import { describe, expect, it } from 'vitest'
import { filenameOf, searchInput } from '../src/lib/archive.js'

describe('the archive search form as ArchiveSearchInput', () => {
  it('keeps the filled fields, trimmed', () => {
    const form = { text: ' 合同 ', sender: '', recipient: 'bob@example.com', subject: 'plan', body: '', attachment: '', dateFrom: '', dateTo: '' }
    expect(searchInput(form)).toEqual({ where: { text: '合同', recipient: 'bob@example.com', subject: 'plan' }, errors: {} })
  })
  it('turns days into the start of the first and the end of the last (local time)', () => {
    const { where, errors } = searchInput({ dateFrom: '2026-01-05', dateTo: '2026/1/6' })
    expect(errors).toEqual({})
    expect(new Date(where.dateFrom).getTime()).toBe(new Date(2026, 0, 5).getTime())
    expect(new Date(where.dateTo).getTime()).toBe(new Date(2026, 0, 6, 23, 59, 59, 999).getTime())
  })
  it('names a bad date or an inverted range', () => {
    expect(searchInput({ dateFrom: '2026-02-30' }).errors).toEqual({ dateFrom: 'date' })
    expect(searchInput({ dateTo: 'yesterday' }).errors).toEqual({ dateTo: 'date' })
    expect(searchInput({ dateFrom: '2026-03-02', dateTo: '2026-03-01' }).errors).toEqual({ dateTo: 'range' })
  })
})

describe('download names', () => {
  it('reads RFC 5987 and plain Content-Disposition names', () => {
    expect(filenameOf("attachment; filename*=UTF-8''archive-20260101.mbox", 'x')).toBe('archive-20260101.mbox')
    expect(filenameOf("attachment; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf", 'x')).toBe('合同.pdf')
    expect(filenameOf('attachment; filename="a b.zip"', 'x')).toBe('a b.zip')
    expect(filenameOf(null, 'archive.zip')).toBe('archive.zip')
  })
})
