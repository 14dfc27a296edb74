/**
 * Read receipts in the mini-program against a real Qiyou server: tom asks for one in
 * compose and, once jerry (another client, over GraphQL) sends it, sees "已读" on his sent
 * mail; jerry asks tom for one, tom's message page asks him and his tap sends it.
 */
const fs = require('fs')
const h = require('./support/harness')

const TOM = `tom@${h.DOMAIN}`
const JERRY = `jerry@${h.DOMAIN}`
let wechat
let server
let simulate
let env
let api
let jerry

const FIND = `query F($folder: String!) { messages(folder: $folder, first: 50) {
  edges { node { id subject } } } }`
const RECEIPTS = `query R($id: ID!) { message(id: $id) { readReceipts { recipient disposition } } }`
const SEND = `mutation S($i: ComposeInput!) { sendMail(input: $i) {
  __typename ... on SendMailSuccess { sent { id } } ... on MailError { message } } }`

beforeAll(async () => {
  ;({ wechat, server } = await h.startAll())
  ;({ simulate, env } = h.installWx(wechat, server.url))
  api = require('../lib/api')
  api.setToken((await h.webLogin(server.url, TOM)).token)
  jerry = (await h.webLogin(server.url, JERRY)).token
}, 180000)

afterAll(async () => {
  if (server) await server.stop()
  if (wechat) await wechat.stop()
  if (env) fs.rmSync(env.tmp, { recursive: true, force: true })
})

function text(page) {
  return page.dom.textContent.replace(/\s+/g, ' ')
}

async function find(token, subject, folder = 'INBOX') {
  return h.until(async () => {
    const { messages } = await h.graphql(server.url, FIND, { folder }, token)
    return messages.edges.map((e) => e.node).find((m) => m.subject === subject)
  }, `"${subject}" in ${folder}`)
}

test('tom requests a receipt in compose and sees it read on his sent mail', async () => {
  const subject = `回执 ${Date.now()}`
  const compose = await h.openPage(simulate, 'compose', { to: encodeURIComponent(JERRY) })
  expect(compose.data.receipts).toBe(true)
  expect(text(compose)).toContain('请求已读回执')
  compose.instance.onSubject({ detail: { value: subject } })
  compose.instance.onBody({ detail: { value: '请确认已读。' } })
  compose.instance.onReceipt({ detail: { value: true } })
  await compose.instance.send()
  expect(compose.data.error).toBe('')
  const sentId = compose.instance.sent.sent.id
  h.closePage(compose)

  // jerry reads it elsewhere and sends the receipt
  const got = await find(jerry, subject)
  const done = await h.graphql(server.url, 'mutation S($id: ID!) { sendReadReceipt(id: $id) { __typename } }', { id: got.id }, jerry)
  expect(done.sendReadReceipt.__typename).toBe('ReadReceiptDone')
  await h.until(async () => {
    const { message } = await h.graphql(server.url, RECEIPTS, { id: sentId }, api.token())
    return message.readReceipts.length > 0
  }, 'the receipt recorded')

  const page = await h.openPage(simulate, 'message', { id: sentId })
  expect(page.data.receiptLines).toHaveLength(1)
  expect(text(page)).toContain(`${JERRY} 已于`)
  expect(text(page)).toContain('阅读')
  h.closePage(page)
})

test('tom is asked for a receipt as he opens a mail and his tap sends it', async () => {
  const subject = `请回执 ${Date.now()}`
  const sent = await h.graphql(server.url, SEND, { i: { to: [TOM], subject, text: '收到请回复', requestReadReceipt: true } }, jerry)
  const sentId = sent.sendMail.sent.id
  const got = await find(api.token(), subject)
  const page = await h.openPage(simulate, 'message', { id: got.id })
  expect(page.data.receiptAsk).toBe(`${JERRY} 请求已读回执`)
  expect(text(page)).toContain('发送回执')
  await page.instance.onReceipt({ currentTarget: { dataset: { send: 'yes' } } })
  expect(page.data.receiptAsk).toBe('')
  h.closePage(page)
  const receipts = await h.until(async () => {
    const { message } = await h.graphql(server.url, RECEIPTS, { id: sentId }, jerry)
    return message.readReceipts.length ? message.readReceipts : null
  }, 'the receipt on jerry\'s sent mail')
  expect(receipts).toEqual([{ recipient: TOM, disposition: 'displayed' }])
  // asked once only
  const again = await h.openPage(simulate, 'message', { id: got.id })
  expect(again.data.receiptAsk).toBe('')
  h.closePage(again)
})
