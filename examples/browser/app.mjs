// The page's logic: fetch the host's /v1/info, open a WebSocket, run an encrypted session with
// @confide/wasm's ClientSession (a throwaway wallet key made in this tab), stream the decrypted
// answer into #answer, and show in #status that the session is encrypted (with the address the host
// recovered) and that the host's receipt verified. Failures go to #error in words a person can act on.
import init, { ClientSession, generateSecretKey, verifyMessage } from '../../bindings/wasm/pkg/web/confide_wasm.js'

const $ = (id) => document.getElementById(id)
const form = $('chat')
const hostInput = $('host-url')
const promptInput = $('prompt')
const sendButton = $('send')
const answer = $('answer')
const status = $('status')
const errorBox = $('error')

/** The open connection: { hostUrl, info, socket, client, frames, ackAddress } or null. */
let connection = null
let requestCounter = 0

/** Shows `parts` in #status: strings as text, [text] as a highlighted (ok) part. */
function showStatus(...parts) {
  status.replaceChildren(
    ...parts.flatMap((part, i) => {
      const node = Array.isArray(part) ? Object.assign(document.createElement('span'), { className: 'ok', textContent: part[0] }) : document.createTextNode(part)
      return i ? [document.createTextNode(' · '), node] : [node]
    }),
  )
}

const showError = (message) => {
  errorBox.textContent = message
}

/** A readable message for what went wrong. */
function describe(error) {
  if (error?.code) return `${error.message} (${error.code})`
  return error?.message ?? String(error)
}

/** `GET /v1/info` of the host, with messages for the usual mistakes. */
async function fetchInfo(hostUrl) {
  let response
  try {
    response = await fetch(new URL('/v1/info', hostUrl))
  } catch {
    throw new Error(`cannot reach ${hostUrl} — is the host running, and is the address right?`)
  }
  if (!response.ok) throw new Error(`${hostUrl} answered /v1/info with HTTP ${response.status}: not a Confide host?`)
  const info = await response.json()
  if (!info.encryption || !info.publicKey) throw new Error(`${hostUrl} does not offer encrypted sessions`)
  return info
}

/** Frames of `socket` as an async queue: `next()` resolves with the next text frame. */
function frameQueue(socket) {
  const queue = []
  const waiting = []
  let closed = null
  socket.addEventListener('message', (event) => (waiting.length ? waiting.shift().resolve(event.data) : queue.push(event.data)))
  socket.addEventListener('close', (event) => {
    closed = new Error(`the host closed the connection${event.reason ? `: ${event.reason}` : ''} (code ${event.code})`)
    waiting.splice(0).forEach((w) => w.reject(closed))
  })
  return {
    next: () =>
      queue.length ? Promise.resolve(queue.shift()) : closed ? Promise.reject(closed) : new Promise((resolve, reject) => waiting.push({ resolve, reject })),
  }
}

/** Opens a socket to `hostUrl` and runs the encrypted session init; resolves with the connection. */
async function connect(hostUrl) {
  showStatus('connecting…')
  const info = await fetchInfo(hostUrl)
  const wsUrl = new URL('/v1/ws', hostUrl)
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:'
  const socket = new WebSocket(wsUrl)
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true })
    socket.addEventListener('error', () => reject(new Error(`cannot open a WebSocket to ${wsUrl}`)), { once: true })
  })
  const frames = frameQueue(socket)
  const client = new ClientSession({ hostPublicKey: info.publicKey, walletPrivateKey: generateSecretKey() })
  const greeting = client.open(await frames.next())
  if (greeting.type !== 'connected') throw new Error(`unexpected first frame from the host: ${greeting.type}`)
  socket.send(
    client.initMessage({
      sessionId: crypto.randomUUID(),
      jobId: 0,
      chainId: info.chainIds?.[0] ?? 0,
      modelName: info.models?.[0]?.id ?? 'default',
      pricePerToken: 0,
    }),
  )
  const ack = client.open(await frames.next())
  if (ack.type === 'error') throw Object.assign(new Error(`the host refused the session: ${ack.message}`), { code: ack.code })
  if (ack.type !== 'ack') throw new Error(`unexpected reply to the session init: ${ack.type}`)
  socket.addEventListener('close', () => {
    if (connection?.socket === socket) connection = null
  })
  showStatus(['encrypted ✓'], `client ${ack.clientAddress}`)
  return { hostUrl, info, socket, client, frames, ackAddress: ack.clientAddress }
}

/** Sends `prompt` on the connection and streams the answer into #answer. */
async function ask(conn, prompt) {
  const id = `m${++requestCounter}`
  conn.socket.send(conn.client.sealPrompt(id, prompt))
  answer.textContent = ''
  for (;;) {
    const event = conn.client.open(await conn.frames.next())
    if (event.type === 'chunk') answer.textContent += event.text
    else if (event.type === 'error') throw Object.assign(new Error(`the host reported: ${event.message}`), { code: event.code })
    else if (event.type === 'end') return event
  }
}

/** #status after a response: encrypted, our address, and whether the receipt verified. */
function showReceipt(conn, end) {
  const parts = [['encrypted ✓'], `client ${conn.ackAddress}`]
  if (!end.verified || !end.receipt) {
    parts.push('no receipt: the answer is unverified')
  } else {
    // `open` already checked the receipt against this host key and the decrypted text; this also
    // names the signer and checks it is the host /v1/info described.
    const { signer } = verifyMessage(end.receipt, Math.floor(Date.now() / 1000), { maxAgeSecs: 3600 })
    if (signer !== conn.info.address) throw new Error(`the receipt is signed by ${signer}, not by the host ${conn.info.address}`)
    parts.push(['receipt ✓'], `${end.usage?.completionTokens ?? '?'} tokens, signed by ${signer}`)
  }
  showStatus(...parts)
}

async function onSubmit(event) {
  event.preventDefault()
  const hostUrl = hostInput.value.trim().replace(/\/+$/, '')
  const prompt = promptInput.value.trim()
  if (!prompt) return
  showError('')
  sendButton.disabled = true
  try {
    if (!connection || connection.hostUrl !== hostUrl) {
      connection?.socket.close(1000)
      connection = null
      connection = await connect(hostUrl)
    }
    showReceipt(connection, await ask(connection, prompt))
  } catch (error) {
    connection?.socket.close(1000)
    connection = null
    showStatus('not connected')
    showError(describe(error))
  } finally {
    sendButton.disabled = false
  }
}

try {
  await init()
  const fromQuery = new URLSearchParams(location.search).get('host')
  if (fromQuery) hostInput.value = fromQuery
  form.addEventListener('submit', onSubmit)
  sendButton.disabled = false
  showStatus('ready')
} catch (error) {
  showStatus('unavailable')
  showError(`could not load the Confide module: ${describe(error)}`)
}
