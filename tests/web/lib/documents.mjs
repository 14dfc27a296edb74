// Every GraphQL document a client folder writes, found statically: the string and template
// literals of its .js files and of the <script> blocks of its .vue files whose text starts as a
// document does (`query`, `mutation`, `subscription`, `fragment`, or a `{ field` shorthand),
// and the first argument of every call that sends one (`gql(...)`, `api.graphql(...)` and the
// wrappers that pass their own parameter on). Interpolations (`${ROW}`, `${ERR}`, 'a' + B,
// `cond ? A : B`) are resolved through the constants in scope, ES imports and CommonJS requires
// of relative modules, and a function's parameter through every call of that function in the
// file and its template (`act('disableMember', row)`); what cannot be resolved (a loop variable,
// a property read at run time, a function's result) is reported with its file:line, never
// skipped.
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { ROOT } from './server.mjs'

const require = createRequire(path.join(ROOT, 'web/package.json'))
const { parse: parseSfc, babelParse } = require('vue/compiler-sfc')

// `query Name(`, `mutation {`, `fragment F on T`, `{ me {`: not prose such as 'subscription ended'.
export const DOCUMENT_START = /^\s*((query|mutation|subscription)(\s+[_A-Za-z]\w*)?\s*[({@]|fragment\s+[_A-Za-z]\w*\s+on\s|\{\s*[_A-Za-z]\w*[\s({:@])/
// The text of a template literal before its first `${`: it may end right after the keyword.
const TEMPLATE_HEAD = /^\s*(query|mutation|subscription|fragment)(\s+[_A-Za-z]\w*)?\s*$/

/** Whether a string or template literal starts as a GraphQL document. */
function startsAsDocument(node) {
  if (node.type === 'StringLiteral') return DOCUMENT_START.test(node.value)
  if (node.type !== 'TemplateLiteral') return false
  const head = node.quasis[0].value.cooked
  return DOCUMENT_START.test(head) || (node.expressions.length > 0 && TEMPLATE_HEAD.test(head))
}
const FUNCTIONS = ['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ObjectMethod']
const SCOPES = ['Program', 'BlockStatement', 'ForStatement', 'ForOfStatement', 'ForInStatement', ...FUNCTIONS]

/** The .js and .vue files under `folder`, without node_modules and test folders. */
export function sourceFiles(folder, skip = ['node_modules', 'test', 'tests', 'dist']) {
  const found = []
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name)
    if (entry.isDirectory()) {
      if (!skip.includes(entry.name)) found.push(...sourceFiles(full, skip))
    } else if (/\.(js|mjs|vue)$/.test(entry.name)) found.push(full)
  }
  return found.sort()
}

class Unresolved extends Error {}

function walk(node, visit, ancestors = []) {
  if (!node || typeof node.type !== 'string') return
  visit(node, ancestors)
  const inner = [...ancestors, node]
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments') continue
    if (Array.isArray(value)) value.forEach((child) => walk(child, visit, inner))
    else if (value && typeof value.type === 'string') walk(value, visit, inner)
  }
}

function propertyName(node) {
  const key = node.key ?? node.property
  if (node.computed && key.type !== 'StringLiteral') return undefined
  return key.type === 'Identifier' ? key.name : key.value
}

/** A short name of an expression for a message: `name`, `Q.ROW`, `list(...)`. */
function describe(node) {
  if (node.type === 'Identifier') return node.name
  if (node.type === 'MemberExpression') return `${describe(node.object)}.${propertyName(node) ?? '[...]'}`
  if (node.type === 'CallExpression') return `${describe(node.callee)}(...)`
  return `a ${node.type}`
}

/** The name a function is called by: `function f`, `const f = () =>`, `{ f() {} }`. */
function functionName(fn, parent) {
  if (fn.id) return fn.id.name
  if (fn.type === 'ObjectMethod') return propertyName(fn)
  if (parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name
  if (parent?.type === 'ObjectProperty') return propertyName(parent)
  return undefined
}

/** `gql` for gql(...), `api.graphql` for api.graphql(...). */
function calleeName(call) {
  const callee = call.callee
  if (callee.type === 'Identifier') return callee.name
  if (callee.type === 'MemberExpression' && callee.object.type === 'Identifier') return `${callee.object.name}.${propertyName(callee)}`
  return undefined
}

function resolveFile(base) {
  for (const candidate of [base, `${base}.js`, `${base}.mjs`, path.join(base, 'index.js')]) {
    try {
      if (readdirSync(path.dirname(candidate)).includes(path.basename(candidate))) return candidate
    } catch {
      /* no such folder */
    }
  }
  throw new Error(`cannot resolve ${base}`)
}

function requiredFile(node, dir) {
  const isRequire = node?.type === 'CallExpression' && node.callee.name === 'require' && node.arguments[0]?.type === 'StringLiteral'
  return isRequire && node.arguments[0].value.startsWith('.') ? resolveFile(path.resolve(dir, node.arguments[0].value)) : null
}

function paramNames(param) {
  if (param.type === 'Identifier') return [param.name]
  if (param.type === 'AssignmentPattern') return paramNames(param.left)
  if (param.type === 'RestElement') return paramNames(param.argument)
  if (param.type === 'ObjectPattern') return param.properties.flatMap((p) => paramNames(p.type === 'RestElement' ? p : p.value))
  if (param.type === 'ArrayPattern') return param.elements.filter(Boolean).flatMap(paramNames)
  return []
}

/** [name, steps] of each name a destructuring pattern binds: steps are array indexes and keys. */
function patternPaths(pattern, steps = []) {
  if (pattern.type === 'Identifier') return [[pattern.name, steps]]
  if (pattern.type === 'AssignmentPattern') return patternPaths(pattern.left, steps)
  if (pattern.type === 'ArrayPattern') return pattern.elements.flatMap((e, i) => (e ? patternPaths(e, [...steps, i]) : []))
  if (pattern.type === 'ObjectPattern') {
    return pattern.properties.flatMap((p) => (p.type === 'ObjectProperty' && propertyName(p) !== undefined ? patternPaths(p.value, [...steps, propertyName(p)]) : []))
  }
  return [] // a rest element: not followed
}

/**
 * One source file: its programs (a .vue file has up to two <script> blocks), the names each
 * declares with their scope, its imports and its exports.
 */
class Module {
  constructor(file) {
    this.file = file
    this.programs = []
    const text = readFileSync(file, 'utf8')
    if (file.endsWith('.vue')) {
      const { descriptor, errors } = parseSfc(text, { filename: file })
      if (errors.length) throw new Error(`${file}: ${errors[0].message}`)
      for (const block of [descriptor.script, descriptor.scriptSetup].filter(Boolean)) {
        this.programs.push({ ast: babelParse(block.content, { sourceType: 'module' }), line: block.loc.start.line - 1 })
      }
      // The template's expressions (`@click="act('disableMember', row)"`): where its functions
      // are called, so a parameter interpolated into a document can be followed to its values.
      this.templates = []
      const visit = (node) => {
        const expressions = [...(node.props ?? []).filter((p) => p.type === 7 && p.exp).map((p) => p.exp), ...(node.type === 5 ? [node.content] : [])]
        for (const exp of expressions) {
          try {
            this.templates.push({ ast: babelParse(exp.content, { sourceType: 'module' }), line: exp.loc.start.line - 1, declarations: [] })
          } catch {
            /* v-for="x in y" and the like: not a call */
          }
        }
        for (const child of node.children ?? []) visit(child)
      }
      if (descriptor.template?.ast) visit(descriptor.template.ast)
    } else {
      this.programs.push({ ast: babelParse(text, { sourceType: 'unambiguous' }), line: 0 })
    }
    this.templates ??= []
    this.imports = new Map() // local name -> { from: file, name: exported name, or '*' for the module }
    this.exports = new Map() // exported name -> { program, node }
    for (const program of this.programs) this.collect(program)
  }

  collect(program) {
    const dir = path.dirname(this.file)
    program.declarations = [] // { name, init (null: a parameter), scope: [start, end] }
    const declare = (name, init, ancestors, pattern = null) => {
      const scope = [...ancestors].reverse().find((a) => SCOPES.includes(a.type))
      program.declarations.push({ name, init, pattern, scope: [scope.start, scope.end] })
    }
    walk(program.ast, (node, ancestors) => {
      if (FUNCTIONS.includes(node.type)) {
        const fn = functionName(node, ancestors.at(-1))
        node.params.forEach((param, index) => {
          for (const name of paramNames(param)) {
            const parameter = param.type === 'Identifier' && fn ? { fn, index } : null
            program.declarations.push({ name, init: null, parameter, scope: [node.start, node.end] })
          }
        })
      }
      if (node.type === 'VariableDeclarator') {
        const required = requiredFile(node.init, dir)
        if (node.id.type === 'Identifier') {
          if (required) this.imports.set(node.id.name, { from: required, name: '*' })
          else declare(node.id.name, node.init, ancestors)
        } else if (node.id.type === 'ObjectPattern' && required) {
          // const { A, B } = require('./queries')
          for (const p of node.id.properties) if (p.type === 'ObjectProperty') this.imports.set(p.value.name, { from: required, name: propertyName(p) })
        } else {
          // const [query, vars] = { read: [MARK_READ, ...], ... }[kind]: the path into the init.
          for (const [name, steps] of patternPaths(node.id)) declare(name, null, ancestors, { init: node.init, steps })
        }
      }
      if (node.type === 'ImportDeclaration' && node.source.value.startsWith('.')) {
        const from = resolveFile(path.resolve(dir, node.source.value))
        for (const s of node.specifiers) {
          const name = s.type === 'ImportSpecifier' ? (s.imported.name ?? s.imported.value) : s.type === 'ImportDefaultSpecifier' ? 'default' : '*'
          this.imports.set(s.local.name, { from, name })
        }
      }
      if (node.type === 'ExportNamedDeclaration' && node.declaration?.type === 'VariableDeclaration') {
        for (const d of node.declaration.declarations) if (d.id.type === 'Identifier' && d.init) this.exports.set(d.id.name, { program, node: d.init })
      }
      // module.exports = { KEY: ..., ... }
      const left = node.left
      if (node.type === 'AssignmentExpression' && left.type === 'MemberExpression' && left.object.name === 'module' && propertyName(left) === 'exports' && node.right.type === 'ObjectExpression') {
        for (const p of node.right.properties) {
          if (p.type === 'ObjectProperty') this.exports.set(propertyName(p), { program, node: p.value })
        }
      }
    })
  }

  /** The declaration of `name` in scope at `position`: the innermost one. */
  declaration(program, name, position) {
    const found = program.declarations.filter((d) => d.name === name && d.scope[0] <= position && position < d.scope[1])
    found.sort((a, b) => a.scope[1] - a.scope[0] - (b.scope[1] - b.scope[0]))
    if (found.length > 1 && found[0].scope[0] === found[1].scope[0] && found[0].scope[1] === found[1].scope[1]) {
      throw new Unresolved(`${name} is declared more than once`)
    }
    return found[0]
  }
}

/**
 * The documents of the `files`: { documents: [{ where: 'web/src/x.vue:12', text }], unresolved:
 * [{ where, message }] }. `sends` names the functions that send a document as their first
 * argument (`gql`, `api.graphql`).
 */
export function extractDocuments(files, sends) {
  const modules = new Map()
  const load = (file) => {
    if (!modules.has(file)) modules.set(file, new Module(file))
    return modules.get(file)
  }

  const exported = (file, name, seen) => {
    const module = load(file)
    const found = module.exports.get(name)
    if (!found) throw new Unresolved(`${path.relative(ROOT, file)} exports no ${name}`)
    return values(module, found.program, found.node, seen)
  }
  // The values of a function's parameter: what every call in its file (and template) gives it.
  const argumentsOf = (module, { fn, index }, name, seen) => {
    const found = []
    for (const program of [...module.programs, ...module.templates]) {
      walk(program.ast, (node) => {
        if (node.type !== 'CallExpression' || node.callee.type !== 'Identifier' || node.callee.name !== fn) return
        const argument = node.arguments[index]
        if (!argument) throw new Unresolved(`${fn}(...) at line ${node.loc.start.line + program.line} gives no ${name}`)
        try {
          found.push(...values(module, program, argument, seen))
        } catch (e) {
          if (e instanceof Unresolved) throw new Unresolved(`${name}: ${fn}(...) at line ${node.loc.start.line + program.line} gives ${e.message}`)
          throw e
        }
      })
    }
    if (!found.length) throw new Unresolved(`${name} is a parameter of ${fn}, which is never called with it`)
    return [...new Set(found)]
  }
  const lookup = (module, program, name, position, seen) => {
    const key = `${module.file}#${name}@${position}`
    if (seen.has(key)) throw new Unresolved(`${name} refers to itself`)
    seen = new Set(seen).add(key)
    const declared = module.declaration(program, name, position)
    if (declared) {
      if (declared.parameter) return argumentsOf(module, declared.parameter, name, seen)
      if (!declared.init) throw new Unresolved(`${name} is a parameter or a variable, not a constant`)
      return values(module, program, declared.init, seen)
    }
    const imported = module.imports.get(name)
    if (!imported) throw new Unresolved(`${name} is not a constant`)
    if (imported.name === '*') throw new Unresolved(`${name} is a whole module`)
    return exported(imported.from, imported.name, seen)
  }
  const product = (lists) => {
    let texts = ['']
    for (const list of lists) texts = texts.flatMap((t) => list.map((v) => t + v))
    if (texts.length > 256) throw new Unresolved('more than 256 variants')
    return texts
  }
  // Every text an expression may have (a parameter of a function: one per value it is called
  // with), or Unresolved.
  const values = (module, program, node, seen) => {
    switch (node.type) {
      case 'StringLiteral':
        return [node.value]
      case 'TemplateLiteral':
        return product(node.quasis.flatMap((q, i) => [[q.value.cooked], ...(i < node.expressions.length ? [values(module, program, node.expressions[i], seen)] : [])]))
      case 'BinaryExpression':
        if (node.operator === '+') return product([values(module, program, node.left, seen), values(module, program, node.right, seen)])
        break
      case 'Identifier':
        return lookup(module, program, node.name, node.start, seen)
      case 'MemberExpression': {
        const name = propertyName(node)
        if (node.object.type !== 'Identifier' || name === undefined) break
        const declared = module.declaration(program, node.object.name, node.start)
        if (declared?.init?.type === 'ObjectExpression') {
          const p = declared.init.properties.find((q) => q.type === 'ObjectProperty' && propertyName(q) === name)
          if (p) return values(module, program, p.value, seen)
        }
        const imported = module.imports.get(node.object.name)
        if (!declared && imported?.name === '*') return exported(imported.from, name, seen)
        break
      }
    }
    throw new Unresolved(`${describe(node)}, not a constant text`)
  }

  // The expressions a variable may hold when it is picked out of a constant table:
  // `const [query, vars] = { read: [MARK_READ, ...], star: [FLAG, ...] }[kind]` gives
  // MARK_READ and FLAG for `query`. Null when it is not such a variable.
  const alternatives = (module, program, node) => {
    if (node.type !== 'Identifier') return null
    let declared
    try {
      declared = module.declaration(program, node.name, node.start)
    } catch {
      return null
    }
    if (!declared?.pattern) return null
    let nodes = [declared.pattern.init]
    const table = nodes[0]
    if (table.type === 'MemberExpression' && table.computed && ['ObjectExpression', 'ArrayExpression'].includes(table.object.type)) {
      nodes = table.object.type === 'ObjectExpression' ? table.object.properties.map((p) => p.value) : table.object.elements
    }
    for (const step of declared.pattern.steps) {
      nodes = nodes.map((n) => {
        if (typeof step === 'number' && n?.type === 'ArrayExpression') return n.elements[step]
        if (typeof step === 'string' && n?.type === 'ObjectExpression') return n.properties.find((p) => propertyName(p) === step)?.value
        return undefined
      })
    }
    return nodes.every(Boolean) ? nodes : null
  }

  // The functions that send, per file: the given ones, and the wrappers found in the file or in
  // a file it imports, to a fixed point (a function handing its parameter on to one that sends).
  const wrappers = new Map(files.map((file) => [file, new Set()]))
  const sendersOf = (file) => {
    const names = new Set([...sends, ...wrappers.get(file)])
    for (const { from } of load(file).imports.values()) for (const name of wrappers.get(from) ?? []) names.add(name)
    return names
  }
  const sendingCalls = (file, visit) => {
    const senders = sendersOf(file)
    for (const program of load(file).programs) {
      walk(program.ast, (node, ancestors) => {
        if (node.type === 'CallExpression' && node.arguments.length && senders.has(calleeName(node))) visit(program, node, ancestors)
      })
    }
  }
  // The function whose parameter `argument` is, when it is one.
  const wrapperOf = (program, argument, ancestors) => {
    if (argument.type !== 'Identifier') return null
    for (let i = ancestors.length - 1; i >= 0; i--) {
      const fn = ancestors[i]
      if (FUNCTIONS.includes(fn.type) && fn.params.some((p) => paramNames(p).includes(argument.name))) return functionName(fn, ancestors[i - 1]) ?? null
    }
    return null
  }
  for (let grown = true; grown; ) {
    grown = false
    for (const file of files) {
      sendingCalls(file, (program, call, ancestors) => {
        const name = wrapperOf(program, call.arguments[0], ancestors)
        if (name && !wrappers.get(file).has(name)) {
          wrappers.get(file).add(name)
          grown = true
        }
      })
    }
  }

  const documents = []
  const unresolved = []
  for (const file of files) {
    const module = load(file)
    const at = (program, node) => `${path.relative(ROOT, file)}:${node.loc.start.line + program.line}`
    // The texts of a document's expression, each one a document to validate.
    const attempt = (program, node, where, { mustBe } = {}) => {
      try {
        const texts = values(module, program, node, new Set())
        if (mustBe && !texts.every((text) => DOCUMENT_START.test(text))) unresolved.push({ where, message: `${mustBe} is given no document` })
        return texts.filter((text) => DOCUMENT_START.test(text))
      } catch (e) {
        if (!(e instanceof Unresolved)) throw e
        unresolved.push({ where, message: mustBe ? `${mustBe}: ${e.message}` : e.message })
        return []
      }
    }
    // The literals that start as a document.
    for (const program of module.programs) {
      walk(program.ast, (node) => {
        if (!startsAsDocument(node)) return
        for (const text of attempt(program, node, at(program, node))) documents.push({ where: at(program, node), text })
      })
    }
    // What every sending call is given (a literal there is already one of the above).
    sendingCalls(file, (program, call, ancestors) => {
      const check = (argument) => {
        if (argument.type === 'ConditionalExpression') return [argument.consequent, argument.alternate].forEach(check)
        const choices = alternatives(module, program, argument)
        if (choices) return choices.forEach(check)
        if (startsAsDocument(argument)) return
        if (wrapperOf(program, argument, ancestors)) return // a wrapper handing its parameter on
        const where = at(program, argument)
        for (const text of attempt(program, argument, where, { mustBe: `${calleeName(call)}(${describe(argument)})` })) documents.push({ where, text })
      }
      check(call.arguments[0])
    })
  }
  // A document given by name is found both as its literal and at its calls: keep one.
  const seen = new Set()
  return { documents: documents.filter((d) => !seen.has(d.text) && seen.add(d.text)), unresolved }
}
