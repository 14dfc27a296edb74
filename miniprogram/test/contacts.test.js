/**
 * The personal contacts pages against a real Qiyou server: the list shows the member's own
 * contacts only (made over GraphQL as the web app makes them), searched by pinyin; a tap opens
 * the detail page, whose address writes a mail and whose number is called; another member's
 * contact is not found; compose suggests the contacts; the directory page leads to the list. The documents of
 * lib/contacts.js are valid against the server's schema.
 */
const fs = require('fs')
const { buildClientSchema, getIntrospectionQuery, parse, validate } = require('graphql')
const h = require('./support/harness')
const C = require('../lib/contacts')

const TOM = `tom@${h.DOMAIN}`
const JERRY = `jerry@${h.DOMAIN}`
const CREATE = `mutation C($i: PersonalContactInput!) {
  createPersonalContact(input: $i) { __typename ... on PersonalContact { id } ... on ContactError { message } }
}`
let wechat
let server
let simulate
let env
let api
const tokens = {}
const made = {}

beforeAll(async () => {
  ;({ wechat, server } = await h.startAll())
  ;({ simulate, env } = h.installWx(wechat, server.url))
  api = require('../lib/api')
  tokens.tom = (await h.webLogin(server.url, TOM)).token
  tokens.jerry = (await h.webLogin(server.url, JERRY)).token
  const contacts = [
    ['tom', { name: '张伟', emails: ['zhang.wei@partner.test'], phones: ['138 0013 8000'], organization: '合作伙伴', title: '经理', birthday: '--05-20', categories: ['客户'], notes: '周五来访' }],
    ['tom', { name: 'Alice Smith', emails: ['alice@partner.test'] }],
    ['jerry', { name: '杰瑞的朋友', emails: ['friend@partner.test'] }],
  ]
  for (const [who, input] of contacts) {
    const r = (await h.graphql(server.url, CREATE, { i: input }, tokens[who])).createPersonalContact
    if (r.__typename !== 'PersonalContact') throw new Error(r.message)
    made[input.name] = r.id
  }
  api.setToken(tokens.tom)
}, 180000)

afterAll(async () => {
  api.setToken(null)
  if (server) await server.stop()
  if (wechat) await wechat.stop()
  if (env) fs.rmSync(env.tmp, { recursive: true, force: true })
})

function lastNavigation() {
  return env.log.navigate[env.log.navigate.length - 1]
}

const tap = (dataset) => ({ currentTarget: { dataset } })

test('the contacts documents are valid against the server\'s schema', async () => {
  const schema = buildClientSchema(await api.graphql(getIntrospectionQuery()))
  for (const name of ['PERSONAL_CONTACTS', 'PERSONAL_CONTACT']) expect(validate(schema, parse(C[name])).map((e) => e.message)).toEqual([])
})

test('the list shows my contacts, searched by pinyin, and a tap opens one', async () => {
  const page = await h.openPage(simulate, 'contacts')
  expect(page.data.contacts.map((c) => c.name)).toEqual(['Alice Smith', '张伟'])
  expect(page.data.total).toBe(2)
  expect(page.dom.textContent).toContain('zhang.wei@partner.test · 合作伙伴')
  page.instance.onQuery({ detail: { value: 'zhangw' } })
  await h.until(() => page.data.contacts.length === 1 && page.data.contacts[0].name === '张伟', 'the search result')
  page.instance.onQuery({ detail: { value: '杰瑞' } })
  await h.until(() => page.data.contacts.length === 0 && !page.data.loading, 'no one of jerry\'s')
  page.instance.onQuery({ detail: { value: '' } })
  await h.until(() => page.data.contacts.length === 2, 'everyone again')
  page.instance.onContact(tap({ index: 1 }))
  expect(lastNavigation()).toBe(`/pages/contact/contact?id=${made['张伟']}`)
  h.closePage(page)
})

test('the detail page writes to an address and calls a number', async () => {
  const page = await h.openPage(simulate, 'contact', { id: made['张伟'] })
  expect(page.data.error).toBe('')
  expect(page.data.contact).toMatchObject({ name: '张伟', organization: '合作伙伴', title: '经理', birthday: '--05-20', categories: ['客户'], notes: '周五来访' })
  const text = page.dom.textContent
  for (const shown of ['张伟', '合作伙伴 · 经理', 'zhang.wei@partner.test', '138 0013 8000', '--05-20', '客户', '周五来访']) expect(text).toContain(shown)
  env.log.actionSheet = 0
  await page.instance.onEmail(tap({ index: 0 }))
  expect(lastNavigation()).toBe(`/pages/compose/compose?to=${encodeURIComponent('zhang.wei@partner.test')}`)
  await page.instance.onPhone(tap({ index: 0 }))
  expect(env.log.called).toBe('138 0013 8000')
  h.closePage(page)

  const theirs = await h.openPage(simulate, 'contact', { id: made['杰瑞的朋友'] })
  expect(theirs.data.contact).toBe(null)
  expect(theirs.data.error).toContain('找不到')
  h.closePage(theirs)
})

test('compose suggests my contacts beside the directory', async () => {
  const page = await h.openPage(simulate, 'compose', {})
  page.instance.suggest('to', 'zhangw')
  await h.until(() => page.data.suggestions.some((s) => s.value === 'zhang.wei@partner.test'), 'the contact suggested')
  const offered = page.data.suggestions.find((s) => s.value === 'zhang.wei@partner.test')
  expect(offered.label).toBe('张伟 <zhang.wei@partner.test>（联系人）')
  page.instance.onPick(tap({ value: offered.value }))
  expect(page.data.to).toBe('zhang.wei@partner.test, ')
  h.closePage(page)
})

test('the directory page leads to my contacts', async () => {
  const page = await h.openPage(simulate, 'directory')
  await page.instance.onMyContacts()
  expect(lastNavigation()).toBe('/pages/contacts/contacts')
  h.closePage(page)
})
