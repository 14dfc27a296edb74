// The addresses the member may write in From (own, aliases, proved send-as addresses;
// docs/external-accounts.md): the compose screen's From choice. Validated against the schema
// by tests/web/documents.test.mjs.
export const SENDER_ADDRESSES = `query SenderAddresses { senderAddresses { address kind } }`
