// Shared helpers for admin screens: run a mutation and report typed errors per field, in the
// UI's language (the server's messages are English: translated by code and field here).
import { onBeforeUnmount, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { MessagePlugin } from 'tdesign-vue-next'
import { mutate } from '../../api/client.js'
import { mapError } from '../../lib/errors.js'

export const ERR = '... on AdminError { code field message }'

// Codes whose words say all there is; for the others the server's sentence follows the words.
const SELF_EXPLAINING = new Set(['FORBIDDEN', 'CYCLE', 'HAS_SUBDEPARTMENTS', 'HAS_MEMBERS', 'DNS_UNAVAILABLE'])

/** The last named part of a field path: "input.departmentIds[0]" → "departmentIds". */
export function fieldName(field) {
  return String(field || '')
    .split(/[.[\]]/)
    .filter((p) => p && !/^\d+$/.test(p))
    .pop() || ''
}

/**
 * Words for a typed admin error ({code, field, message}) through vue-i18n's t/te: the text
 * for the code and field on this screen (adminErr.department.ALREADY_EXISTS_name) or on any
 * (adminErr.field.INVALID_password), else the code's words with the server's sentence, else
 * the server's sentence.
 */
export function adminErrorText(t, te, error, context = '') {
  if (!error) return ''
  const { code, message } = error
  const field = fieldName(error.field)
  if (code && field && context && te(`adminErr.${context}.${code}_${field}`)) return t(`adminErr.${context}.${code}_${field}`)
  if (code && field && te(`adminErr.field.${code}_${field}`)) return t(`adminErr.field.${code}_${field}`)
  if (code && te(`adminErr.${code}`)) {
    if (SELF_EXPLAINING.has(code) || !message) return t(`adminErr.${code}`)
    return `${t(`adminErr.${code}`)}: ${message}`
  }
  return message || ''
}

/** adminErrorText bound to the component's i18n (call in setup); context: 'department', 'domain'. */
export function useAdminText(context = '') {
  const { t, te } = useI18n()
  return (error) => adminErrorText(t, te, error, context)
}

/** The label of a department in pickers: its path, the root by its name (the company). */
export function departmentLabel(t, d) {
  if (!d) return ''
  if (d.parentId == null || d.path === '') return d.name || t('members.rootDepartment')
  return d.path
}

/** True at phone width (the admin screens switch to cards, a menu select, fixed action columns). */
export function useNarrow() {
  const query = window.matchMedia('(max-width: 700px)')
  const narrow = ref(query.matches)
  const change = (e) => (narrow.value = e.matches)
  query.addEventListener('change', change)
  onBeforeUnmount(() => query.removeEventListener('change', change))
  return narrow
}

/** A table's action column: kept in view at the right edge at phone width. */
export function actionColumn(title, width, narrow, narrowWidth = width) {
  return narrow ? { colKey: 'op', title, width: narrowWidth, fixed: 'right' } : { colKey: 'op', title, width }
}

export function useForm(fields, context = '') {
  const words = useAdminText(context)
  const fieldErrors = ref({})
  const formError = ref('')
  async function submit(query, variables, key, okText) {
    fieldErrors.value = {}
    formError.value = ''
    try {
      const r = (await mutate(query, variables))[key]
      if (r && /Error$/.test(r.__typename)) {
        const m = mapError({ ...r, message: words(r) }, fields)
        fieldErrors.value = m.fieldErrors
        formError.value = m.formError
        return null
      }
      if (okText) MessagePlugin.success(okText)
      return r
    } catch (e) {
      formError.value = e.message
      return null
    }
  }
  return { fieldErrors, formError, submit }
}
