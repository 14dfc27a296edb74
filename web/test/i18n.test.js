import { describe, expect, it } from 'vitest'
import { messages } from '../src/i18n/index.js'

function keys(tree, prefix = '') {
  return Object.entries(tree).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
}

describe('UI texts', () => {
  it('every key exists in Chinese and in English', () => {
    const zh = new Set(keys(messages['zh-CN']))
    const en = new Set(keys(messages.en))
    expect([...zh].filter((k) => !en.has(k))).toEqual([])
    expect([...en].filter((k) => !zh.has(k))).toEqual([])
  })
  it('no text is empty', () => {
    const empty = (tree) => keys(tree).filter((k) => k.split('.').reduce((t, p) => t[p], tree) === '')
    expect(empty(messages['zh-CN'])).toEqual([])
    expect(empty(messages.en)).toEqual([])
  })
})
