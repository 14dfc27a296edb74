// GraphQL documents of the member's external mailboxes (docs/external-accounts.md); validated
// against the schema by tests/web/documents.test.mjs.
const ERR = '... on ExternalAccountError { code field message }'
const ACCOUNT = `id protocol host port security username hasPassword folderId mirrorFolders leaveOnServer enabled createdAt
  lastSuccessAt lastError lastErrorAt failures nextFetchAt fetchedCount`

export const EXTERNAL_ACCOUNTS = `query ExternalAccounts { externalAccounts { ${ACCOUNT} } folders { id name role parentId } }`
export const EXTERNAL_PRESETS = `query ExternalAccountPresets { externalAccountPresets { key name protocol host port security } }`
export const ADD_EXTERNAL = `mutation AddExternalAccount($i:AddExternalAccountInput!){ addExternalAccount(input:$i){ __typename ... on ExternalAccount { ${ACCOUNT} } ${ERR} } }`
export const UPDATE_EXTERNAL = `mutation UpdateExternalAccount($id:ID!,$i:UpdateExternalAccountInput!){ updateExternalAccount(id:$id, input:$i){ __typename ... on ExternalAccount { ${ACCOUNT} } ${ERR} } }`
export const DELETE_EXTERNAL = `mutation DeleteExternalAccount($id:ID!){ deleteExternalAccount(id:$id){ __typename ${ERR} } }`
export const FETCH_EXTERNAL = `mutation FetchExternalAccount($id:ID!){ fetchExternalAccount(id:$id){ __typename ... on ExternalAccount { ${ACCOUNT} } ${ERR} } }`
