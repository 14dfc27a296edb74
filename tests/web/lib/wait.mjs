// Polling for the browser tests: a condition on the server or the page that becomes true a
// little later (a mutation in flight, a mail being delivered).

/** Wait (bounded) until `check` returns something truthy; return it. */
export async function until(check, what, timeout = 30_000) {
  const deadline = Date.now() + timeout
  let last
  for (;;) {
    last = await check()
    if (last) return last
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`)
    await new Promise((r) => setTimeout(r, 200))
  }
}
