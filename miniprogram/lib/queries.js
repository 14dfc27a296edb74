/** The GraphQL documents the mini-program uses. */

const AUTH_RESULT = `
  __typename
  ... on LoginSuccess { token me { email name } }
  ... on AuthError { code field message }
`

const ROW = `
  id subject preview date seen flagged hasAttachments conversationId
  from { name address } to { name address }
`

// A calendar occurrence with what the event page shows.
const EVENT = `
  id calendarId uid summary description location start end allDay timeZone recurrenceId
  recurrence privacy busyOnly editable organizer { name address }
  attendees { name address status } reminders { minutesBefore channels }
  attachments { id filename contentType size url }
`

const EVENT_RESULT = `
  __typename ... on CalendarEvent { ${EVENT} } ... on CalendarError { code field message }
`

module.exports = {
  CONFIG: '{ miniprogramConfig { wechatEnabled mailTemplateId codeTemplateId calendarTemplateId timeZone utcOffset } }',
  CONFIG_BASIC: '{ miniprogramConfig { wechatEnabled mailTemplateId codeTemplateId } }',
  WECHAT_LOGIN: `mutation WechatLogin($code: String!) {
    wechatLogin(code: $code) {
      ${AUTH_RESULT}
      ... on WechatBindRequired { ticket expiresIn }
    }
  }`,
  BIND_WITH_PASSWORD: `mutation Bind($ticket: String!, $email: String!, $password: String!, $code: String) {
    bindWechatWithPassword(ticket: $ticket, email: $email, password: $password, code: $code) {
      ${AUTH_RESULT}
    }
  }`,
  UNBIND: 'mutation { unbindWechat { __typename ... on AuthError { code message } } }',
  LOGOUT: 'mutation { logout }',
  ME: '{ me { email name } mySecurity { wechatBound secureLogin totpEnabled } myMailNotifications { templateId remaining } }',
  ACCEPT_NOTIFICATION: `mutation Accept($t: String!) {
    acceptMailNotification(templateId: $t) {
      __typename ... on MailNotifications { remaining } ... on AuthError { code message }
    }
  }`,
  FOLDERS: '{ folders { id name role parentId unread total } }',
  MESSAGES: `query Messages($folder: String!, $first: Int, $after: String) {
    messages(folder: $folder, first: $first, after: $after) {
      edges { cursor node { ${ROW} } }
      pageInfo { hasNextPage endCursor }
    }
  }`,
  MESSAGE_ROW: `query Row($id: ID!) { message(id: $id) { ${ROW} } }`,
  SEND_RECEIPT: `mutation SendReceipt($id: ID!) { sendReadReceipt(id: $id) {
    __typename ... on ReadReceiptDone { id } ... on ReceiptError { code message } } }`,
  DECLINE_RECEIPT: `mutation DeclineReceipt($id: ID!) { declineReadReceipt(id: $id) {
    __typename ... on ReadReceiptDone { id } ... on ReceiptError { code message } } }`,
  MESSAGE: `query Message($id: ID!) {
    message(id: $id) {
      ${ROW}
      cc { name address } text html messageId folderId answered spoofWarning
      attachments { id index filename contentType size inline contentId url }
    }
  }`,
  // The message page: MESSAGE with confidential mail, recall and read receipts (one constant
  // document, so tests/web/documents.test.mjs validates it against the schema).
  MESSAGE_PAGE: `query MessagePage($id: ID!) {
    message(id: $id) {
      ${ROW}
      cc { name address } text html messageId folderId answered spoofWarning
      confidential { verified channels sender noForward visibleUntil }
      recall { recalled results { address status } }
      readReceiptRequest { notifyTo handled ask } readReceipts { recipient disposition at }
      attachments { id index filename contentType size inline contentId url }
    }
  }`,
  CONVERSATION: `query Conversation($id: ID!) {
    conversation(id: $id) {
      id subject messageCount unreadCount
      messages { ${ROW} cc { name address } text html folderId
        attachments { id index filename contentType size contentId url } }
    }
  }`,
  MARK_READ: `mutation MarkRead($ids: [ID!]!, $read: Boolean!) {
    markRead(ids: $ids, read: $read) { __typename ... on MailError { code message } }
  }`,
  FLAG: `mutation Flag($ids: [ID!]!, $flagged: Boolean!) {
    flag(ids: $ids, flagged: $flagged) { __typename ... on MailError { code message } }
  }`,
  DELETE: `mutation Delete($ids: [ID!]!) {
    delete(ids: $ids) { __typename ... on MailError { code message } }
  }`,
  SEND: `mutation Send($input: ComposeInput!) {
    sendMail(input: $input) {
      __typename
      ... on SendMailSuccess { queued sent { id subject } }
      ... on MailError { code field message }
    }
  }`,
  SAVE_DRAFT: `mutation Draft($input: ComposeInput!) {
    saveDraft(input: $input) {
      __typename ... on DraftSaved { draft { id } } ... on MailError { code field message }
    }
  }`,
  NOTICES: `query Notices($first: Int, $after: String) {
    notices(first: $first, after: $after) {
      edges { cursor node { id title createdAt read author { name address } } }
      pageInfo { hasNextPage endCursor }
    }
    unreadNoticeCount
  }`,
  NOTICE: `query Notice($id: ID!) {
    notice(id: $id) { id title body createdAt read byMail author { name address } }
  }`,
  MARK_NOTICE_READ: `mutation NoticeRead($id: ID!) {
    markNoticeRead(id: $id) { __typename }
  }`,
  DEPARTMENTS: '{ directoryDepartments { id parentId name depth path } }',
  DIRECTORY: `query Directory($departmentId: ID, $query: String, $first: Int, $after: String) {
    directory(departmentId: $departmentId, query: $query, recursive: true, first: $first, after: $after) {
      edges { cursor node { email name position mobile tel departments { name } } }
      pageInfo { hasNextPage endCursor }
      totalCount
    }
  }`,
  GROUPS: `query Groups($query: String!) {
    groups(query: $query, first: 50) { id kind name address addresses }
  }`,
  SCAN_QR: `mutation Scan($ticket: String!) {
    scanQrLogin(ticket: $ticket) {
      __typename ... on QrLoginInfo { status ip userAgent createdAt } ... on AuthError { code message }
    }
  }`,
  CONFIRM_QR: `mutation Confirm($ticket: String!, $approve: Boolean!) {
    confirmQrLogin(ticket: $ticket, approve: $approve) {
      __typename ... on QrLoginInfo { status } ... on AuthError { code message }
    }
  }`,
  APP_PASSWORDS: `{
    appPasswords { id name createdAt lastUsedAt lastUsedIp lastUsedProtocol }
    mySecurity { appPasswordsRequired }
  }`,
  CREATE_APP_PASSWORD: `mutation CreateAppPassword($name: String!) {
    createAppPassword(name: $name) {
      __typename ... on AppPasswordCreated { secret appPassword { id name } } ... on AuthError { code field message }
    }
  }`,
  REVOKE_APP_PASSWORD: `mutation RevokeAppPassword($id: ID!) {
    revokeAppPassword(id: $id) { __typename ... on AuthError { code message } }
  }`,
  MAIL_CLIENT_SETUP: `query MailClientSetup {
    mailClientSetup { host username servers { protocol security port } }
    mySecurity { appPasswordsRequired secureLogin }
  }`,
  // External mailboxes (pages/external): their state, and "fetch now".
  EXTERNAL_ACCOUNTS: `query ExternalAccounts {
    externalAccounts { id protocol host port username enabled lastSuccessAt lastError lastErrorAt failures nextFetchAt fetchedCount sendAsAddress sendAsVerified sendMode }
  }`,
  FETCH_EXTERNAL_ACCOUNT: `mutation FetchExternalAccount($id: ID!) {
    fetchExternalAccount(id: $id) {
      __typename ... on ExternalAccount { id nextFetchAt } ... on ExternalAccountError { code field message }
    }
  }`,
  NEW_MAIL: 'subscription { newMail { id subject date folder from { name address } } }',
  MAILBOX_CHANGED: 'subscription { mailboxChanged { change ids folderId } }',
  NOTICE_POSTED: 'subscription { noticePosted { id title createdAt author { name address } } }',
  // Calendar (pages/calendar, event, eventedit; the invitation card of pages/message).
  CALENDARS: '{ calendars { id name color default company role timeZone } me { email } }',
  CALENDAR_EVENTS: `query CalendarEvents($start: DateTime!, $end: DateTime!) {
    calendarEvents(start: $start, end: $end) { ${EVENT} }
  }`,
  CREATE_EVENT: `mutation CreateEvent($input: EventInput!) {
    createEvent(input: $input) { ${EVENT_RESULT} }
  }`,
  UPDATE_EVENT: `mutation UpdateEvent($id: ID!, $input: EventInput!, $occurrence: DateTime) {
    updateEvent(id: $id, input: $input, occurrence: $occurrence) { ${EVENT_RESULT} }
  }`,
  RESPOND_TO_EVENT: `mutation RespondToEvent($id: ID!, $status: AttendeeStatus!) {
    respondToEvent(id: $id, status: $status) { ${EVENT_RESULT} }
  }`,
  DELETE_EVENT: `mutation DeleteEvent($id: ID!, $occurrence: DateTime) {
    deleteEvent(id: $id, occurrence: $occurrence) { __typename ... on CalendarError { code field message } }
  }`,
  MESSAGE_INVITATION: `query MessageInvitation($id: ID!) {
    message(id: $id) {
      id
      invitation {
        method uid summary start end allDay location recurrence outdated myStatus
        organizer { name address } event { id start timeZone } replies { name address status }
      }
    }
  }`,
  CALENDAR_REMINDER: 'subscription { calendarReminder { eventId summary location start end minutesBefore } }',
}
