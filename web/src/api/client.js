// The GraphQL client: urql over HTTP (bearer token) and graphql-ws for subscriptions.
import { Client, fetchExchange, subscriptionExchange } from '@urql/core'
import { createClient as createWsClient } from 'graphql-ws'
import { ref } from 'vue'

const TOKEN_KEY = 'qiyou.token' // shared with the branded /login page

export const token = ref(localStorage.getItem(TOKEN_KEY) || '')

export function setToken(value) {
  token.value = value || ''
  if (value) localStorage.setItem(TOKEN_KEY, value)
  else localStorage.removeItem(TOKEN_KEY)
  resetWs()
}

function wsUrl() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${proto}//${location.host}/graphql`
}

const SIGNED_OUT_CODES = new Set([4401, 4403])
let ws = null
export const wsState = ref('idle')

function getWs() {
  if (!ws) {
    ws = createWsClient({
      url: wsUrl(),
      lazy: true,
      retryAttempts: Infinity,
      // 4401: the server revoked this session (logout elsewhere, password change, disabled);
      // 4403: the token was refused at connect. Neither gets better by retrying.
      shouldRetry: (event) => !SIGNED_OUT_CODES.has(event?.code),
      connectionParams: () => ({ token: token.value }),
      on: {
        connected: () => (wsState.value = 'connected'),
        closed: (event) => {
          wsState.value = 'closed'
          if (SIGNED_OUT_CODES.has(event?.code) && token.value) onSignedOut()
        },
      },
    })
  }
  return ws
}

function resetWs() {
  if (ws) ws.dispose()
  ws = null
}

export const client = new Client({
  url: '/graphql',
  requestPolicy: 'network-only',
  preferGetMethod: false,
  fetchOptions: () => (token.value ? { headers: { Authorization: `Bearer ${token.value}` } } : {}),
  exchanges: [
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: getWs().subscribe({ ...request, query: request.query || '' }, sink) }),
      }),
    }),
  ],
})

/** A failed request; `code` is the GraphQL error's `extensions.code` (FORBIDDEN, ...) when it has one. */
export class RequestError extends Error {
  constructor(message, code = '') {
    super(message)
    this.code = code
  }
}

/** Run a query, return its data; a transport or GraphQL error throws RequestError. */
export async function gql(query, variables = {}) {
  const result = await client.query(query, variables, { requestPolicy: 'network-only' }).toPromise()
  return unwrap(result)
}

export async function mutate(query, variables = {}) {
  return unwrap(await client.mutation(query, variables).toPromise())
}

function unwrap(result) {
  if (result.error) {
    const first = result.error.graphQLErrors?.[0]
    const gqlMessage = first?.message
    if (/sign in|not authenticated|authentication/i.test(gqlMessage || '')) onSignedOut()
    throw new RequestError(gqlMessage || result.error.networkError?.message || result.error.message, first?.extensions?.code || '')
  }
  return result.data
}

/** Authorization header of the session, for fetch() calls outside GraphQL. */
export function authHeaders() {
  return token.value ? { Authorization: `Bearer ${token.value}` } : {}
}

let signedOutHandler = () => {}
export function onSignedOutDo(fn) {
  signedOutHandler = fn
}
function onSignedOut() {
  signedOutHandler()
}

/** Subscribe; returns an unsubscribe function. */
export function subscribe(query, variables, next) {
  const { unsubscribe } = client.subscription(query, variables).subscribe((result) => {
    if (result.data) next(result.data)
  })
  return unsubscribe
}

/** An anonymous websocket for a QR login (no token yet). */
export function watchQrLogin(ticket, next) {
  const anon = createWsClient({ url: wsUrl(), connectionParams: { purpose: 'qrLogin' } })
  const stop = anon.subscribe(
    {
      query: 'subscription($t:String!){qrLoginStatus(ticket:$t){status token mustChangePassword}}',
      variables: { t: ticket },
    },
    { next: (r) => r.data && next(r.data.qrLoginStatus), error: () => {}, complete: () => {} },
  )
  return () => {
    stop()
    anon.dispose()
  }
}

/**
 * Upload with progress: a GraphQL multipart request (the spec's operations/map/files parts)
 * sent with XMLHttpRequest, which reports upload progress where fetch cannot.
 * `files` maps a variables path such as "variables.input.attachments.0" to a File.
 */
export function uploadMutation(query, variables, files, onProgress) {
  const form = new FormData()
  form.append('operations', JSON.stringify({ query, variables }))
  const map = {}
  const entries = Object.entries(files)
  entries.forEach(([path], i) => (map[String(i)] = [path]))
  form.append('map', JSON.stringify(map))
  entries.forEach(([, file], i) => form.append(String(i), file, file.name))
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/graphql')
    if (token.value) xhr.setRequestHeader('Authorization', `Bearer ${token.value}`)
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress && onProgress(e.loaded / e.total)
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText)
        if (body.errors?.length) reject(new RequestError(body.errors[0].message))
        else resolve(body.data)
      } catch {
        reject(new RequestError(`HTTP ${xhr.status}`))
      }
    }
    xhr.onerror = () => reject(new RequestError('network error'))
    xhr.send(form)
  })
}
