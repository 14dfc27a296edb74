// GraphQL documents of the admin meeting-room screen (docs/calendar.md); validated against the
// schema by tests/web/documents.test.mjs.
const ERR = '... on CalendarError { code field message }'
const ROOM = 'id name address kind capacity location description active calendarId'

export const ROOMS = `query MeetingRooms { meetingRooms { ${ROOM} } }`
export const CREATE_ROOM = `mutation CreateMeetingRoom($i:MeetingRoomInput!){ createMeetingRoom(input:$i){ __typename ... on MeetingRoom { ${ROOM} } ${ERR} } }`
export const UPDATE_ROOM = `mutation UpdateMeetingRoom($id:ID!,$i:MeetingRoomChangesInput!){ updateMeetingRoom(id:$id, input:$i){ __typename ... on MeetingRoom { ${ROOM} } ${ERR} } }`
export const DELETE_ROOM = `mutation DeleteMeetingRoom($id:ID!){ deleteMeetingRoom(id:$id){ __typename ${ERR} } }`
