// The deployed Fabstir SDK's wire, played against the real `confide-node serve` over a real
// WebSocket (`ws`) and real HTTP: the SDK's own init bytes (vectors/sdk_session_vectors.json, made
// by sdk-core's EncryptionManager), a re-init before each prompt on one socket, prompts with the
// extra fields the SDK adds, the id-less cancel, a plaintext session whose prompts carry no
// session_id, close(1000), and /v1/health, /v1/auth/challenge (recovered with the SDK's
// @noble/secp256k1 2.3, as the SDK does) and /v1/inference — asserting what the SDK reads.
import test from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { createRequire } from 'node:module'
import { randomBytes } from 'node:crypto'
import WebSocket from 'ws'
import * as secp from 'noble-secp256k1-sdk'
import { xchacha20poly1305 } from 'noble-ciphers-sdk/chacha'
import { native } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { sha256 } = require('noble-hashes-sdk/sha256')
const { bytesToHex, hexToBytes } = require('noble-hashes-sdk/utils')

const vectors = JSON.parse(readFileSync(new URL('./vectors/sdk_session_vectors.json', import.meta.url)))
const { inputs } = vectors
const ON_CHAIN_MODEL = 'CohereForAI/TinyVicuna-1B-32k-GGUF:tiny-vicuna-1b.q4_k_m.gguf'
const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/confide/target')
const serverBinary = join(targetDir, 'release', 'confide-node')

/** `confide-node serve` with the vectors' host key, the demo model also named as the SDK names it. */
async function startHost(t) {
  assert.ok(existsSync(serverBinary), `${serverBinary} is missing: cargo build --release -p confide-node-server`)
  const server = spawn(
    serverBinary,
    ['serve', '--listen', '127.0.0.1:0', '--model-alias', `${ON_CHAIN_MODEL}=confide-demo`, '--model-alias', 'tiny-vicuna=confide-demo'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOST_PRIVATE_KEY: `0x${inputs.node_priv}` } },
  )
  server.stderr.resume()
  t.after(async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM')
      await once(server, 'exit')
    }
  })
  const lines = createInterface({ input: server.stdout })
  const [line] = await once(lines, 'line')
  lines.on('line', () => {})
  const match = /listening on (127\.0\.0\.1:\d+) /.exec(line)
  assert.ok(match, line)
  return match[1]
}

/**
 * A socket whose text frames are queued: `nextText()` waits for the next one as sent (what a client
 * session must open: parsing would round the receipt's u64 nonce), `next()` for it parsed.
 */
async function openSocket(address) {
  const socket = new WebSocket(`ws://${address}/v1/ws`)
  const queue = []
  const waiting = []
  socket.on('message', (data) => {
    const text = data.toString()
    if (waiting.length) waiting.shift()(text)
    else queue.push(text)
  })
  await once(socket, 'open')
  const nextText = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve)))
  const next = async () => JSON.parse(await nextText())
  assert.equal((await next()).type, 'connected')
  return { socket, next, nextText, send: (frame) => socket.send(JSON.stringify(frame)) }
}

/** Reads frames until `stream_end`; returns them all. */
async function untilEnd(connection) {
  const frames = []
  for (;;) {
    const frame = await connection.next()
    frames.push(frame)
    if (frame.type === 'stream_end' || frame.type === 'error') return frames
  }
}

/** XChaCha20-Poly1305 with the SDK's own cipher (@noble/ciphers 0.4.1). */
const open = (keyHex, payload) =>
  new TextDecoder().decode(
    xchacha20poly1305(hexToBytes(keyHex), hexToBytes(payload.nonceHex), hexToBytes(payload.aadHex)).decrypt(
      hexToBytes(payload.ciphertextHex),
    ),
  )

test('the SDK session flow, frame by frame', { timeout: 120_000 }, async (t) => {
  const address = await startHost(t)
  const health = await fetch(`http://${address}/v1/health`)
  assert.equal(health.status, 200)
  assert.deepEqual(await health.json(), { status: 'healthy', issues: [] })

  const ws = await openSocket(address)
  // 1. The SDK's init, byte for byte (with its `alg`), then its first message.
  ws.send({ type: 'encrypted_session_init', session_id: '1917', job_id: 42, chain_id: 84532, payload: vectors.session_init.payload })
  const ack = await ws.next()
  assert.equal(ack.type, 'session_init_ack')
  assert.equal(ack.client_address, vectors.session_init.true_client_address)
  ws.send({ type: 'encrypted_message', session_id: '1917', id: 'm0', payload: vectors.message_0.payload })
  const first = await untilEnd(ws)
  const chunks = first.filter((f) => f.type === 'encrypted_chunk')
  assert.ok(chunks.length > 0)
  const text = chunks.map((c) => open(vectors.message_0.session_key_hex, c.payload)).join('')
  assert.ok(text.length > 0)
  const final = first.find((f) => f.type === 'encrypted_response')
  assert.equal(open(vectors.message_0.session_key_hex, final.payload), 'length')
  const end = first.at(-1)
  assert.equal(end.type, 'stream_end')
  assert.equal(end.usage.completion_tokens, 16)
  assert.equal(end.usage.context_window_size, 2048, 'the SDK context warnings read it')
  assert.equal(end.receipt.signer.toLowerCase(), inputs.node_address)

  // 2. The SDK re-inits before each prompt on the same socket (same wallet → a re-key), and adds
  //    web-search fields to the prompt; then it cancels without an id.
  const session = new native.ClientSession({ hostPublicKey: inputs.node_pub_compressed, walletPrivateKey: inputs.client_priv, scheme: 'sdk-transcript' })
  ws.socket.send(session.initMessage({ sessionId: '1917', jobId: '42', chainId: 84532, modelName: ON_CHAIN_MODEL, pricePerToken: 2000 }))
  assert.equal(session.open(await ws.nextText()).type, 'ack')
  const prompt = { prompt: 'Count', model: ON_CHAIN_MODEL, max_tokens: 250, temperature: 0, stream: true, web_search: false, max_searches: 0, search_queries: [] }
  ws.socket.send(session.sealPrompt('m1', prompt))
  assert.equal(session.open(await ws.nextText()).type, 'chunk')
  ws.send({ type: 'stream_cancel', session_id: '1917', reason: 'user_cancelled' })
  let event
  do event = session.open(await ws.nextText())
  while (event.type !== 'end')
  assert.equal(event.finishReason, 'cancelled')
  assert.ok(event.usage.completionTokens < 250, `${event.usage.completionTokens} tokens billed`)
  assert.equal(event.verified, true, 'the receipt bills what was generated')

  // 3. Heartbeat, then close(1000): the host answers with the same code.
  ws.send({ type: 'ping' })
  assert.equal((await ws.next()).type, 'pong')
  ws.socket.close(1000, 'done')
  const [code] = await once(ws.socket, 'close')
  assert.equal(code, 1000)
})

test('a plaintext SDK session: prompts without session_id, errors with error_code', { timeout: 60_000 }, async (t) => {
  const address = await startHost(t)
  const ws = await openSocket(address)
  ws.send({ type: 'session_init', session_id: '1917', jobId: '1919', chain_id: 84532 })
  assert.equal((await ws.next()).encrypted, false)
  const request = { model: ON_CHAIN_MODEL, prompt: 'Hi', max_tokens: 8, temperature: 0.7, stream: true }
  ws.send({ type: 'prompt', chain_id: 84532, jobId: '1919', prompt: 'Hi', request, id: 'p1' })
  const frames = await untilEnd(ws)
  assert.ok(frames.some((f) => f.type === 'stream_chunk'))
  assert.equal(frames.at(-1).usage.completion_tokens, 8)
  ws.send({ type: 'prompt', jobId: '1919', request: { ...request, model: 'gpt-4' }, id: 'p2' })
  const error = await ws.next()
  assert.equal(error.error_code, 'MODEL_NOT_FOUND', 'the SDK reads error_code')
  ws.send({ type: 'prompt', jobId: '1919', request: { ...request, prompt: 'word '.repeat(3000) }, id: 'p3' })
  const limit = await ws.next()
  assert.equal(limit.error_code, 'TOKEN_LIMIT_EXCEEDED')
  assert.equal(limit.context_window_size, 2048)
  assert.ok(limit.prompt_tokens > 2048)
  ws.socket.close(1000)
  assert.equal((await once(ws.socket, 'close'))[0], 1000)
})

test('HTTP: the auth challenge recovers the host key with the SDK\'s noble; one-shot inference', { timeout: 60_000 }, async (t) => {
  const address = await startHost(t)
  const post = (path, body) =>
    fetch(`http://${address}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const challenge = randomBytes(32)
  const reply = await post('/v1/auth/challenge', { challenge: bytesToHex(challenge) })
  assert.equal(reply.status, 200)
  const { signature, recid } = await reply.json()
  const recovered = secp.Signature.fromCompact(signature).addRecoveryBit(recid).recoverPublicKey(sha256(challenge))
  assert.equal(recovered.toHex(true), inputs.node_pub_compressed)
  for (const bad of [bytesToHex(randomBytes(31)), 'zz'.repeat(32)]) {
    assert.equal((await post('/v1/auth/challenge', { challenge: bad })).status, 400)
  }

  const inference = await post('/v1/inference', { model: ON_CHAIN_MODEL, prompt: 'Hello', max_tokens: 5, temperature: 0, sessionId: '1917', jobId: '1919' })
  assert.equal(inference.status, 200)
  const answer = await inference.json()
  assert.equal(typeof answer.response, 'string')
  assert.equal(answer.model, 'confide-demo')
  assert.equal(answer.finish_reason, 'length')
  assert.deepEqual(Object.keys(answer.usage).sort(), ['completion_tokens', 'context_window_size', 'prompt_tokens', 'total_tokens'])
  assert.equal(answer.usage.completion_tokens, 5)
})
