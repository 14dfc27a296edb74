/**
 * A real `qiyou serve` for the mini-program tests: a fresh data dir, free ports, members
 * provisioned through the `qiyou` CLI, WeChat pointed at the loopback WeChat server.
 */
const { spawn, execFile } = require('child_process')
const fs = require('fs')
const net = require('net')
const os = require('os')
const path = require('path')
const { httpCall } = require('./wx')

const REPO = path.resolve(__dirname, '../../..')
const QIYOU = process.env.QIYOU_BIN || path.join(REPO, '.venv/bin/qiyou')

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

/** `n` distinct free ports: all held open at once, so the kernel cannot hand one out twice. */
async function freePorts(n) {
  const servers = []
  try {
    for (let i = 0; i < n; i += 1) {
      const srv = net.createServer()
      await new Promise((resolve, reject) => {
        srv.once('error', reject)
        srv.listen(0, '127.0.0.1', resolve)
      })
      servers.push(srv)
    }
    return servers.map((srv) => srv.address().port)
  } finally {
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))))
  }
}

class Qiyou {
  constructor(env = {}) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qiyou-mp-'))
    this.extraEnv = env
  }

  async ports() {
    const names = ['SUBMISSIONS', 'IMAP', 'IMAPS', 'POP3', 'POP3S']
    const ports = await freePorts(3 + names.length)
    ;[this.httpPort, this.smtpPort, this.submissionPort] = ports
    // The mail-client listeners (QIYOU_IMAP_PORT, ...) on free ports too, by name.
    this.mailPorts = Object.fromEntries(names.map((name, i) => [name, ports[3 + i]]))
  }

  env() {
    return Object.assign({}, process.env, this.extraEnv, {
      QIYOU_DATA_DIR: this.dataDir,
      QIYOU_HOST: '127.0.0.1',
      QIYOU_HTTP_PORT: String(this.httpPort),
      QIYOU_SMTP_PORT: String(this.smtpPort),
      QIYOU_SUBMISSION_PORT: String(this.submissionPort),
      ...Object.fromEntries(Object.entries(this.mailPorts || {}).map(([name, port]) => [`QIYOU_${name}_PORT`, String(port)])),
    })
  }

  get url() {
    return `http://127.0.0.1:${this.httpPort}`
  }

  cli(...args) {
    return new Promise((resolve, reject) => {
      execFile(QIYOU, args, { cwd: REPO, env: this.env() }, (err, stdout, stderr) => {
        if (err) reject(new Error(`qiyou ${args.join(' ')} failed: ${stderr || err.message}`))
        else resolve(stdout)
      })
    })
  }

  async start() {
    if (!this.httpPort) await this.ports()
    const logFile = fs.openSync(path.join(this.dataDir, 'server.log'), 'a')
    this.process = spawn(QIYOU, ['serve'], { cwd: REPO, env: this.env(), stdio: ['ignore', logFile, logFile] })
    const deadline = Date.now() + 90000
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error(`qiyou serve exited: ${this.log()}`)
      try {
        const res = await httpCall(`${this.url}/health`, {})
        if (res.statusCode === 200 && (await listening(this.smtpPort))) return
      } catch (e) {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 150))
    }
    throw new Error(`qiyou serve did not start: ${this.log()}`)
  }

  log() {
    try {
      return fs.readFileSync(path.join(this.dataDir, 'server.log'), 'utf8').slice(-4000)
    } catch (e) {
      return ''
    }
  }

  async stop() {
    if (!this.process || this.process.exitCode !== null) return
    const exited = new Promise((resolve) => this.process.once('exit', resolve))
    this.process.kill('SIGTERM')
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15000)
    await exited
    clearTimeout(timer)
    fs.rmSync(this.dataDir, { recursive: true, force: true })
  }
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

module.exports = { Qiyou, freePort }
