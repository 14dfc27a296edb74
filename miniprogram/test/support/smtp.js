/** Send one message to the server's MX port with a raw SMTP conversation (node's net). */
const net = require('net')

function bare(address) {
  const m = /<([^>]+)>/.exec(address)
  return m ? m[1] : address
}

function sendMail(port, { from, to, raw }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const steps = [
      [220, () => 'EHLO test.client'],
      [250, () => `MAIL FROM:<${bare(from)}>`],
      [250, () => `RCPT TO:<${bare(to)}>`],
      [250, () => 'DATA'],
      [354, () => `${raw.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')}\r\n.`],
      [250, () => 'QUIT'],
    ]
    let buffer = ''
    let step = 0
    socket.setEncoding('utf8')
    socket.setTimeout(30000, () => socket.destroy(new Error('SMTP timeout')))
    socket.on('data', (chunk) => {
      buffer += chunk
      // a complete reply ends with a line "NNN text" (no dash after the code)
      const lines = buffer.split('\r\n').filter(Boolean)
      const last = lines[lines.length - 1]
      if (!buffer.endsWith('\r\n') || !/^\d{3} /.test(last)) return
      const code = Number(last.slice(0, 3))
      buffer = ''
      if (step >= steps.length) return
      const [want, next] = steps[step++]
      if (code !== want) {
        socket.destroy()
        return reject(new Error(`SMTP: expected ${want}, got ${last}`))
      }
      socket.write(`${next()}\r\n`)
      if (step === steps.length) resolve()
    })
    socket.on('error', reject)
  })
}

function message({ from, to, subject, text, html }) {
  const id = `<${Date.now()}.${Math.random().toString(16).slice(2)}@test.example>`
  const subjectHeader = /[^\x20-\x7e]/.test(subject) ? `=?UTF-8?B?${Buffer.from(subject).toString('base64')}?=` : subject
  const headers = [`From: ${from}`, `To: ${to}`, `Subject: ${subjectHeader}`, `Message-ID: ${id}`, `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0']
  if (html) {
    const boundary = 'b' + Math.random().toString(16).slice(2)
    return [
      ...headers,
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(text).toString('base64'),
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(html).toString('base64'),
      `--${boundary}--`,
      '',
    ].join('\r\n')
  }
  return [...headers, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from(text).toString('base64'), ''].join('\r\n')
}

module.exports = { sendMail, message }
