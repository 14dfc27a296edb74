// Print one message with its headers: the mail document (buildMailDocument with a header, quotes
// unfolded) in a hidden frame whose own window is printed, so the page is just the message and
// long mails break across pages. The frame never allows scripts; allow-modals lets print() run,
// allow-same-origin lets us call it.
import { buildMailDocument } from '../../lib/mailhtml.js'

let last = null

export function printMailDocument(html, { header, allowRemote = false, cidMap = {}, origin = location.origin } = {}) {
  last?.remove()
  const { srcdoc } = buildMailDocument(html, { header, allowRemote, cidMap, origin })
  const frame = document.createElement('iframe')
  frame.setAttribute('sandbox', 'allow-same-origin allow-modals')
  frame.setAttribute('data-test', 'print-frame')
  frame.setAttribute('aria-hidden', 'true')
  frame.setAttribute('tabindex', '-1')
  frame.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;border:0;opacity:0;pointer-events:none'
  frame.addEventListener('load', () => frame.contentWindow.print(), { once: true })
  frame.srcdoc = srcdoc
  document.body.append(frame)
  last = frame
  return frame
}
