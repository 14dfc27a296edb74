// GraphQL documents of the mail-clients page (validated against the schema by
// tests/service/test_client_setup.py).
export const MAIL_CLIENT_SETUP = `query MailClientSetup { mailClientSetup { host username mobileconfigUrl servers { protocol security port } } mySecurity { appPasswordsRequired } }`
