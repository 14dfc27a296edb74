// GraphQL documents of the compose screen (the draft's attachments come back so the next save
// can keep them on the server instead of uploading them again).
const ERROR = '... on MailError { code field message }'
export const SAVE_DRAFT_KEEPING = `mutation($input:ComposeInput!){ saveDraft(input:$input){ __typename ... on DraftSaved { draft { id attachments { index filename size inline } } } ${ERROR} } }`
export const SEND_MAIL = `mutation($input:ComposeInput!){ sendMail(input:$input){ __typename ... on SendMailSuccess { queued sent { id } } ${ERROR} } }`
export const DELETE_DRAFT = `mutation($ids:[ID!]!){ delete(ids:$ids){ __typename ... on MessagesDeleted { expunged } ${ERROR} } }`
export const CONFIDENTIAL_CHANNELS = `query { confidentialChannels }`
