/** GraphQL documents of the member's personal contacts (docs/contacts.md). */
module.exports = {
  PERSONAL_CONTACTS: `query PersonalContacts($query: String, $first: Int, $after: String) {
    personalContacts(query: $query, first: $first, after: $after) {
      edges { node { id name emails phones organization title } }
      pageInfo { hasNextPage endCursor }
      totalCount
    }
  }`,
  PERSONAL_CONTACT: `query PersonalContact($id: ID!) {
    personalContact(id: $id) { id name emails phones organization title notes birthday categories }
  }`,
}
