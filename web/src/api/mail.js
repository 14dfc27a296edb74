// Mail queries and mutations used by the webmail screens.
export const ADDR = 'name address'
export const FOLDERS = `query { folders { id name role parentId unread total } me { conversationMode } }`
const ITEM = `id subject date seen flagged answered draft hasAttachments preview conversationId folderId from { ${ADDR} } to { ${ADDR} }`
export const MESSAGES = `query($f:String!,$n:Int,$a:String){ messages(folder:$f, first:$n, after:$a){
  edges { cursor node { ${ITEM} } } pageInfo { hasNextPage endCursor } } }`
export const CONVERSATIONS = `query($f:String,$n:Int,$a:String){ conversations(folder:$f, first:$n, after:$a){
  edges { cursor node { id subject lastDate messageCount unreadCount participants { ${ADDR} }
  latest { ${ITEM} } messages { id folderId } } } pageInfo { hasNextPage endCursor } } }`
export const MESSAGE = `query($id:ID!){ message(id:$id){ ${ITEM} cc { ${ADDR} } bcc { ${ADDR} } receivedAt messageId text html size spoofWarning
  attachments { id index filename contentType size inline contentId url } deliveries { recipient status attempts lastError }
  recall { recalled createdAt results { address status } } confidential { verified channels sender visibleUntil noForward noPrint }
  readReceiptRequested readReceiptRequest { notifyTo handled ask } readReceipts { recipient disposition automatic at } } }`
const UPDATE = `__typename ... on MailError { code field message }`
export const MARK_READ = `mutation($ids:[ID!]!,$r:Boolean!){ markRead(ids:$ids, read:$r){ ${UPDATE} } }`
export const FLAG = `mutation($ids:[ID!]!,$f:Boolean!){ flag(ids:$ids, flagged:$f){ ${UPDATE} } }`
export const MOVE = `mutation($ids:[ID!]!,$f:String!){ move(ids:$ids, folder:$f){ ${UPDATE} } }`
export const DELETE = `mutation($ids:[ID!]!){ delete(ids:$ids){ ${UPDATE} } }`
/** Delete, answering which messages went to Trash (they can be moved back) and which are gone. */
export const DELETE_TRASHED = `mutation($ids:[ID!]!){ delete(ids:$ids){ __typename ... on MessagesDeleted { trashed { id } expunged } ... on MailError { code field message } } }`
/** Report spam's second step, when asked: mail from these senders goes to the member's Spam folder. */
export const BLOCK_SENDER = `mutation($p:String!){ addMySenderListEntry(input:{ kind: BLOCK, pattern: $p, action: SPAM }){ __typename ... on SenderListEntry { id pattern } ... on DeliveryError { code field message } } }`
export const SET_MODE = `mutation($e:Boolean!){ setConversationMode(enabled:$e){ conversationMode } }`
export const CREATE_FOLDER = `mutation($n:String!){ createFolder(name:$n){ __typename ... on MailError { code field message } } }`
export const COMPOSE_RESULT = `__typename ... on MailError { code field message }`
export const SEND = `mutation($input:ComposeInput!){ sendMail(input:$input){ __typename ... on SendMailSuccess { queued sent { id } } ... on MailError { code field message } } }`
export const SAVE_DRAFT = `mutation($input:ComposeInput!){ saveDraft(input:$input){ __typename ... on DraftSaved { draft { id } } ... on MailError { code field message } } }`

/** The folder's route parameter: its role when it has one, else its id. */
export function folderKey(folder) {
  return folder.role ? folder.role.toUpperCase() : folder.id
}
export const RECALL = `mutation($id:ID!){ recallMessage(id:$id){ __typename ... on Recall { recalled results { address status } } ... on MailError { code field message } } }`
const RECEIPT_RESULT = `__typename ... on ReadReceiptDone { id } ... on ReceiptError { code field message }`
export const SEND_RECEIPT = `mutation($id:ID!){ sendReadReceipt(id:$id){ ${RECEIPT_RESULT} } }`
export const DECLINE_RECEIPT = `mutation($id:ID!){ declineReadReceipt(id:$id){ ${RECEIPT_RESULT} } }`
export const RECEIPT_MODE = `query { readReceiptMode }`
export const SET_RECEIPT_MODE = `mutation($m:ReadReceiptMode!){ setReadReceiptMode(mode:$m){ mode } }`
export const TRANSLATE = `query($id:ID!){ translateMessage(id:$id, to:"zh"){ __typename ... on Translation { subject text } ... on TranslateError { code message } } }`
export const TRANSLATION_READY = `subscription($id:ID!){ translationReady(id:$id, to:"zh"){ __typename ... on Translation { subject text } ... on TranslateError { code message } } }`

/** Mostly Latin letters: worth offering a translation into Chinese. */
export function looksEnglish(text) {
  const sample = String(text || '').slice(0, 2000)
  const latin = (sample.match(/[A-Za-z]/g) || []).length
  const cjk = (sample.match(/[\u3400-\u9fff]/g) || []).length
  return latin > 20 && cjk * 4 < latin
}
