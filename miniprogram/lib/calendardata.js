/**
 * What the calendar pages ask the server: the members' zone (miniprogramConfig), the
 * calendar list with the member's own address, occurrences between two days, one
 * occurrence again (there is no query by id: the range around its start), and the answer
 * to a meeting. A CalendarError comes back as a thrown ApiError with its field.
 */
const api = require('./api')
const settings = require('./settings')
const cal = require('./calendar')
const Q = require('./queries')

/** { timeZone, utcOffset } of the server, or {} (the phone's) when it cannot be had. */
async function zone() {
  try {
    const config = await settings.load()
    return { timeZone: config.timeZone || '', utcOffset: Number.isFinite(config.utcOffset) ? config.utcOffset : null }
  } catch (e) {
    return {}
  }
}

/** { calendars, me } (me: the member's address, lower case). */
async function calendars() {
  const data = await api.graphql(Q.CALENDARS)
  return { calendars: data.calendars, me: String(data.me.email || '').toLowerCase() }
}

/** Occurrences in the days [from, to) of `zone`. */
async function events(from, to, zoneNow) {
  const data = await api.graphql(Q.CALENDAR_EVENTS, {
    start: cal.dayStart(from, zoneNow).toISOString(),
    end: cal.dayStart(to, zoneNow).toISOString(),
  })
  return data.calendarEvents
}

/** The occurrence of event `id` starting at `start` (an ISO time), or null when gone. */
async function occurrence(id, start) {
  const at = new Date(start)
  if (!id || Number.isNaN(at.getTime())) return null
  const data = await api.graphql(Q.CALENDAR_EVENTS, {
    start: new Date(at.getTime() - 60000).toISOString(),
    end: new Date(at.getTime() + 60000).toISOString(),
  })
  return data.calendarEvents.find((e) => e.id === id && new Date(e.start).getTime() === at.getTime()) || null
}

/** A mutation's CalendarEventResult/CalendarDoneResult: the value, or a thrown ApiError. */
function result(value) {
  if (value && value.__typename === 'CalendarError') throw new api.ApiError(value.message, value.code, value.field)
  return value
}

/** Answer a meeting (ACCEPTED, TENTATIVE, DECLINED); resolves with the event. */
async function respond(id, status) {
  return result((await api.graphql(Q.RESPOND_TO_EVENT, { id, status })).respondToEvent)
}

module.exports = { zone, calendars, events, occurrence, result, respond }
