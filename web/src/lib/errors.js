// Typed GraphQL errors (`... on XError { code field message }`) → readable messages per field.

/** Is this union result one of the schema's error types? */
export function isError(result) {
  return !!result && typeof result === 'object' && 'code' in result && 'message' in result && /Error$/.test(result.__typename || 'Error')
}

/**
 * Map a typed error onto form fields: {fieldErrors: {name: message}, formError}.
 * A field named like "input.email" or "departmentIds.0" lands on its last word
 * that is a known field ("email"); an error with no known field is a form error.
 */
export function mapError(result, knownFields = []) {
  if (!isError(result)) return { fieldErrors: {}, formError: '' }
  const field = normalizeField(result.field, knownFields)
  if (field) return { fieldErrors: { [field]: result.message }, formError: '' }
  return { fieldErrors: {}, formError: result.message }
}

export function normalizeField(field, knownFields = []) {
  if (!field) return ''
  const parts = String(field)
    .split(/[.[\]]/)
    .filter((p) => p && !/^\d+$/.test(p))
  const candidates = [String(field), ...parts.reverse()]
  for (const c of candidates) {
    if (knownFields.includes(c)) return c
    const camel = c.replace(/_([a-z])/g, (_, ch) => ch.toUpperCase())
    if (knownFields.includes(camel)) return camel
  }
  return ''
}

/** One sentence for a failed request or typed error. */
export function errorText(error) {
  if (!error) return ''
  if (isError(error)) return error.message
  return error.message || String(error)
}
