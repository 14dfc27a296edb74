// Shared helpers for admin screens: run a mutation and report typed errors per field.
import { ref } from 'vue'
import { MessagePlugin } from 'tdesign-vue-next'
import { mutate } from '../../api/client.js'
import { mapError } from '../../lib/errors.js'

export const ERR = '... on AdminError { code field message }'

export function useForm(fields) {
  const fieldErrors = ref({})
  const formError = ref('')
  async function submit(query, variables, key, okText) {
    fieldErrors.value = {}
    formError.value = ''
    try {
      const r = (await mutate(query, variables))[key]
      if (r && /Error$/.test(r.__typename)) {
        const m = mapError(r, fields)
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
