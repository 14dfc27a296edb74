// GraphQL documents of the calendar (docs/calendar.md); validated against the schema by
// tests/web/documents.test.mjs.
const ERR = `... on CalendarError { code field message }`
const CAL = `id name color description timeZone company default role subscribed owner { name address }`
const EVENT = `id calendarId uid summary description location start end allDay timeZone recurrenceId recurrence privacy busyOnly editable
  organizer { name address } attendees { name address status } reminders { minutesBefore channels }
  attachments { id filename contentType size url }`
const SHARES = `shares { id access member { name address } departmentId departmentName }`

export const CALENDARS = `query Calendars { calendars { ${CAL} } }`
export const AVAILABLE = `query AvailableCalendars { availableCalendars { ${CAL} } }`
export const EVENTS = `query CalendarEvents($s:DateTime!,$e:DateTime!,$ids:[ID!]){ calendarEvents(start:$s, end:$e, calendarIds:$ids){ ${EVENT} } }`
export const FREE_BUSY = `query FreeBusy($a:[String!]!,$s:DateTime!,$e:DateTime!){ freeBusy(addresses:$a, start:$s, end:$e){ address known busy { start end } } }`
export const SHARES_OF = `query CalendarShares($id:ID!){ calendarShares(id:$id){ __typename ... on CalendarShares { ${SHARES} } ${ERR} } }`

export const CREATE_CALENDAR = `mutation CreateCalendar($i:CalendarInput!){ createCalendar(input:$i){ __typename ... on Calendar { ${CAL} } ${ERR} } }`
export const UPDATE_CALENDAR = `mutation UpdateCalendar($id:ID!,$i:CalendarChangesInput!){ updateCalendar(id:$id, input:$i){ __typename ... on Calendar { ${CAL} } ${ERR} } }`
export const DELETE_CALENDAR = `mutation DeleteCalendar($id:ID!){ deleteCalendar(id:$id){ __typename ${ERR} } }`
export const SUBSCRIBE = `mutation SubscribeCalendar($id:ID!,$c:String){ subscribeCalendar(id:$id, color:$c){ __typename ... on Calendar { ${CAL} } ${ERR} } }`
export const UNSUBSCRIBE = `mutation UnsubscribeCalendar($id:ID!){ unsubscribeCalendar(id:$id){ __typename ${ERR} } }`
export const SHARE = `mutation ShareCalendar($id:ID!,$a:CalendarAccess!,$m:[String!],$d:[ID!]){ shareCalendar(id:$id, access:$a, members:$m, departmentIds:$d){ __typename ... on CalendarShares { ${SHARES} } ${ERR} } }`
export const UNSHARE = `mutation UnshareCalendar($id:ID!){ unshareCalendar(shareId:$id){ __typename ${ERR} } }`

export const CREATE_EVENT = `mutation CreateEvent($i:EventInput!){ createEvent(input:$i){ __typename ... on CalendarEvent { ${EVENT} } ${ERR} } }`
export const UPDATE_EVENT = `mutation UpdateEvent($id:ID!,$i:EventInput!,$o:DateTime){ updateEvent(id:$id, input:$i, occurrence:$o){ __typename ... on CalendarEvent { ${EVENT} } ${ERR} } }`
export const DELETE_EVENT = `mutation DeleteEvent($id:ID!,$o:DateTime){ deleteEvent(id:$id, occurrence:$o){ __typename ${ERR} } }`
export const ADD_ATTACHMENT = `mutation AddEventAttachments($id:ID!,$f:[Upload!]!){ addEventAttachments(id:$id, files:$f){ __typename ... on CalendarEvent { id attachments { id filename contentType size url } } ${ERR} } }`
export const REMOVE_ATTACHMENT = `mutation RemoveEventAttachment($id:ID!,$a:ID!){ removeEventAttachment(id:$id, attachmentId:$a){ __typename ... on CalendarEvent { id attachments { id filename contentType size url } } ${ERR} } }`
export const RESPOND = `mutation RespondToEvent($id:ID!,$s:AttendeeStatus!){ respondToEvent(id:$id, status:$s){ __typename ... on CalendarEvent { id attendees { name address status } } ${ERR} } }`

export const REMINDERS = `subscription CalendarReminders { calendarReminder { eventId summary location start end minutesBefore } }`
