/** Small in-memory state shared by pages (the chosen folder, the capabilities). */
const api = require('./api')

const state = { folder: { id: 'INBOX', name: '收件箱', role: 'INBOX' }, capabilities: null }

const CAPABILITIES = '{ __schema { queryType { fields { name } } mutationType { fields { name } } } }'

/** Which optional server features exist (search, translate, recall, confidential mail, read receipts). */
async function capabilities() {
  if (state.capabilities) return state.capabilities
  try {
    const data = await api.graphql(CAPABILITIES)
    const names = new Set(
      data.__schema.queryType.fields.concat(data.__schema.mutationType.fields).map((f) => f.name),
    )
    state.capabilities = {
      search: names.has('searchMail') || names.has('search'),
      searchField: names.has('searchMail') ? 'searchMail' : 'search',
      translate: names.has('translateMessage'),
      recall: names.has('recallMessage') || names.has('recall'),
      recallField: names.has('recallMessage') ? 'recallMessage' : 'recall',
      confidential: names.has('verifyConfidentialCode'),
      conversation: names.has('conversation'),
      receipts: names.has('sendReadReceipt'),
    }
  } catch (e) {
    state.capabilities = { search: false, translate: false, recall: false, confidential: false, conversation: false, receipts: false }
  }
  return state.capabilities
}

module.exports = { state, capabilities }
