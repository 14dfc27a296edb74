// GraphQL documents of personal contacts (docs/contacts.md); validated against the schema by
// tests/web/documents.test.mjs.
const ERR = '... on ContactError { code field message }'
export const CONTACT = 'id uid name emails phones organization title notes birthday categories'

export const CONTACTS = `query PersonalContacts($q:String,$a:String){ personalContacts(query:$q, first:50, after:$a){
  edges { node { ${CONTACT} } } pageInfo { hasNextPage endCursor } totalCount } }`
export const CREATE_CONTACT = `mutation CreatePersonalContact($i:PersonalContactInput!){ createPersonalContact(input:$i){ __typename ... on PersonalContact { ${CONTACT} } ${ERR} } }`
export const UPDATE_CONTACT = `mutation UpdatePersonalContact($id:ID!,$i:PersonalContactUpdate!){ updatePersonalContact(id:$id, input:$i){ __typename ... on PersonalContact { ${CONTACT} } ${ERR} } }`
export const DELETE_CONTACT = `mutation DeletePersonalContact($id:ID!){ deletePersonalContact(id:$id){ __typename ${ERR} } }`
export const IMPORT_CONTACTS = `mutation ImportPersonalContacts($data:String!){ importPersonalContacts(data:$data){ __typename ... on ContactImport { created updated refused { index name message } } ${ERR} } }`
export const EXPORT_CONTACTS = 'query ExportPersonalContacts { exportPersonalContacts }'
