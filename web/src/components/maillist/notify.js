// Desktop notifications for new mail: opt-in (the member asks, then the browser asks), kept in
// localStorage; the Notification API is touched only after the member turned them on.
import { ref } from 'vue'

const KEY = 'qiyou.notify'

export const supported = typeof window !== 'undefined' && 'Notification' in window
export const notifyOn = ref(supported && localStorage.getItem(KEY) === '1' && Notification.permission === 'granted')

/** Ask the browser (this must run from a click); true when notifications are now on. */
export async function enableNotifications() {
  if (!supported) return false
  const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission()
  notifyOn.value = permission === 'granted'
  if (notifyOn.value) localStorage.setItem(KEY, '1')
  return notifyOn.value
}

export function disableNotifications() {
  notifyOn.value = false
  localStorage.removeItem(KEY)
}

/** Show one when they are on and the tab is not what the member is looking at. */
export function notifyNewMail({ title, body, tag }, onClick) {
  if (!notifyOn.value || Notification.permission !== 'granted') return null
  if (document.visibilityState === 'visible' && document.hasFocus()) return null
  const n = new Notification(title, { body, tag, lang: document.documentElement.lang || undefined })
  n.onclick = () => {
    window.focus()
    onClick()
    n.close()
  }
  return n
}
