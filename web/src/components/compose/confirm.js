// A yes/no question in a TDesign dialog, as a promise (closing it in any way is "no").
import { DialogPlugin } from 'tdesign-vue-next'

export function ask({ header, body, confirm, cancel }) {
  return new Promise((resolve) => {
    let answered = false
    const done = (value) => {
      if (answered) return
      answered = true
      dialog.destroy()
      resolve(value)
    }
    const dialog = DialogPlugin.confirm({ header, body, confirmBtn: confirm, cancelBtn: cancel, onConfirm: () => done(true), onClose: () => done(false) })
  })
}
