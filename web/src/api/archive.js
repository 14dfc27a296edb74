// Archive queries and mutations used by the auditors' screen (docs/archive.md).
import { authHeaders, RequestError } from './client.js'
import { filenameOf } from '../lib/archive.js'

const ITEM = `id direction envelopeFrom from { name address } recipients subject date archivedAt size attachmentNames`
export const ARCHIVE_SEARCH = `query($w:ArchiveSearchInput,$n:Int!,$a:String){ archiveSearch(where:$w, first:$n, after:$a){
  items { ${ITEM} snippet } hasNext endCursor total } }`
export const ARCHIVED_MAIL = `query($id:ID!){ archivedMail(id:$id){ message { ${ITEM} } text html
  attachments { index filename contentType size url } } }`
export const REDELIVER = `mutation($id:ID!,$to:String!){ redeliverArchivedMail(id:$id, to:$to){
  __typename ... on RedeliverSuccess { entryId } ... on PolicyError { code field message } } }`

export const MAX_EXPORT = 500

/**
 * Download a selection as mbox or zip (`GET /archive/export`, Bearer token): resolves to
 * {blob, filename}; a refused export throws RequestError with the server's message and code.
 */
export async function exportArchive(ids, format) {
  const params = new URLSearchParams({ format, ids: ids.join(',') })
  let response
  try {
    response = await fetch(`/archive/export?${params}`, { headers: authHeaders() })
  } catch (e) {
    throw new RequestError(e.message || 'network error')
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}))
    throw new RequestError(body.error || `HTTP ${response.status}`, body.code || '')
  }
  const blob = await response.blob()
  return { blob, filename: filenameOf(response.headers.get('Content-Disposition'), `archive.${format}`) }
}

/** Save a blob as a file: a temporary object URL on an <a download>. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
