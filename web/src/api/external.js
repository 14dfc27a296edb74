// GraphQL documents of the member's external mailboxes (docs/external-accounts.md); validated
// against the schema by tests/web/documents.test.mjs.
const ERR = '... on ExternalAccountError { code field message }'
const ACCOUNT = `id protocol host port security username hasPassword folderId mirrorFolders leaveOnServer enabled createdAt
  lastSuccessAt lastError lastErrorAt failures nextFetchAt fetchedCount
  sendAsAddress sendAsVerified sendAsVerifiedAt sendMode smtpHost smtpPort smtpSecurity smtpUsername hasSmtpPassword`

export const EXTERNAL_ACCOUNTS = `query ExternalAccounts { externalAccounts { ${ACCOUNT} } folders { id name role parentId } }`
export const EXTERNAL_PRESETS = `query ExternalAccountPresets { externalAccountPresets { key name protocol host port security smtpHost smtpPort smtpSecurity } }`
export const ADD_EXTERNAL = `mutation AddExternalAccount($i:AddExternalAccountInput!){ addExternalAccount(input:$i){ __typename ... on ExternalAccount { ${ACCOUNT} } ${ERR} } }`
export const UPDATE_EXTERNAL = `mutation UpdateExternalAccount($id:ID!,$i:UpdateExternalAccountInput!){ updateExternalAccount(id:$id, input:$i){ __typename ... on ExternalAccount { ${ACCOUNT} } ${ERR} } }`
export const DELETE_EXTERNAL = `mutation DeleteExternalAccount($id:ID!){ deleteExternalAccount(id:$id){ __typename ${ERR} } }`
export const FETCH_EXTERNAL = `mutation FetchExternalAccount($id:ID!){ fetchExternalAccount(id:$id){ __typename ... on ExternalAccount { ${ACCOUNT} } ${ERR} } }`
// Send-as: a code mailed to the address proves it; then mail may go out as it, through our
// queue or the external server's SMTP.
export const REQUEST_SEND_AS_CODE = `mutation RequestSendAsCode($id:ID!,$address:String){ requestSendAsCode(id:$id, address:$address){ __typename ... on SendAsCodeSent { address expiresAt account { ${ACCOUNT} } } ${ERR} } }`
export const CONFIRM_SEND_AS = `mutation ConfirmSendAs($id:ID!,$code:String!){ confirmSendAs(id:$id, code:$code){ __typename ... on ExternalAccount { ${ACCOUNT} } ${ERR} } }`
export const UPDATE_SEND_AS = `mutation UpdateSendAs($id:ID!,$i:UpdateSendAsInput!){ updateSendAs(id:$id, input:$i){ __typename ... on ExternalAccount { ${ACCOUNT} } ${ERR} } }`
