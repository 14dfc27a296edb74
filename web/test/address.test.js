import { describe, expect, it } from 'vitest'
import { formatAddress, isEmail, parseAddresses, uniqueAddresses } from '../src/lib/address.js'

describe('address parsing', () => {
  it('splits on commas, semicolons and Chinese punctuation', () => {
    const list = parseAddresses('a@x.com, Bob <bob@x.com>; c@x.com，d@x.com；e@x.com')
    expect(list.map((a) => a.address)).toEqual(['a@x.com', 'bob@x.com', 'c@x.com', 'd@x.com', 'e@x.com'])
    expect(list[1].name).toBe('Bob')
  })
  it('keeps commas inside quoted names', () => {
    const [a] = parseAddresses('"Wang, Wei" <wei@x.com>')
    expect(a).toEqual({ name: 'Wang, Wei', address: 'wei@x.com', valid: true })
  })
  it('marks invalid addresses', () => {
    const list = parseAddresses('not-an-address, 王伟 <wang@例子.中国>, x@y')
    expect(list.map((a) => a.valid)).toEqual([false, true, false])
  })
  it('formats and deduplicates', () => {
    expect(formatAddress({ name: 'Wang, Wei', address: 'w@x.com' })).toBe('"Wang, Wei" <w@x.com>')
    expect(formatAddress({ name: '', address: 'w@x.com' })).toBe('w@x.com')
    expect(uniqueAddresses(['A@x.com', 'a@x.com', 'b@x.com'])).toEqual(['A@x.com', 'b@x.com'])
    expect(isEmail(' tom@example.com ')).toBe(true)
  })
})
