// The deployed TypeScript SDK's vectors: the native host engine accepts the SDK's session init,
// recovers the SDK client's address and starts a generation of its first message.
import test from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { native, nowMs, start, errorCode, onlyFrame } from './helpers.mjs'

const vectors = JSON.parse(readFileSync(new URL('./vectors/sdk_session_vectors.json', import.meta.url)))
const { inputs } = vectors

const initFrame = JSON.stringify({
  type: 'encrypted_session_init',
  session_id: 'sdk-session',
  job_id: 42,
  chain_id: 84532,
  payload: vectors.session_init.payload,
})
const message0 = JSON.stringify({
  type: 'encrypted_message',
  session_id: 'sdk-session',
  id: 'm0',
  payload: vectors.message_0.payload,
})

test('key helpers reproduce the vector keys and addresses', () => {
  assert.equal(native.publicKeyFromSecret(inputs.node_priv), inputs.node_pub_compressed)
  assert.equal(native.publicKeyFromSecret(`0x${inputs.client_priv}`), inputs.client_pub_compressed)
  assert.equal(native.addressFromPublicKey(inputs.client_pub_compressed).toLowerCase(), inputs.client_address)
  assert.equal(native.addressFromPublicKey(inputs.node_pub_compressed).toLowerCase(), inputs.node_address)
})

/** An endpoint with the vector's host key, and one connection of it. */
function vectorHost() {
  const endpoint = new native.HostEndpoint({ hostPrivateKey: inputs.node_priv }, nowMs())
  return { endpoint, connection: new native.HostConnection(endpoint, nowMs()) }
}

test('the host accepts the SDK init and recovers the SDK client address', () => {
  const { endpoint, connection } = vectorHost()
  assert.equal(endpoint.publicKey, inputs.node_pub_compressed)
  const ack = JSON.parse(onlyFrame(connection.handleFrame(initFrame, nowMs())))
  assert.equal(ack.type, 'session_init_ack')
  assert.equal(ack.client_address, '0x1563915e194D8CfBA1943570603F7606A3115508')
  assert.equal(ack.client_address, vectors.session_init.true_client_address)
  assert.equal(ack.session_id, 'sdk-session')
  assert.equal(ack.job_id, 42)
  assert.equal(ack.encrypted, true)
})

test('message_0 starts a generation of the SDK prompt', () => {
  const { connection } = vectorHost()
  onlyFrame(connection.handleFrame(Buffer.from(initFrame), nowMs()))
  const started = start(connection, message0)
  const expected = JSON.parse(vectors.message_0.plaintext)
  assert.equal(started.sessionId, 'sdk-session')
  assert.equal(started.requestId, 'm0')
  assert.equal(started.model, expected.model)
  assert.equal(started.request.prompt, expected.prompt)
  assert.equal(started.request.model, expected.model)
  assert.equal(started.request.max_tokens, expected.max_tokens)
  assert.equal(started.request.stream, expected.stream)
})

test('the SDK init replayed, on the same or another connection, is REPLAY_DETECTED', () => {
  const { endpoint, connection } = vectorHost()
  onlyFrame(connection.handleFrame(initFrame, nowMs()))
  assert.equal(errorCode(connection.handleFrame(initFrame, nowMs())), 'REPLAY_DETECTED')
  const other = new native.HostConnection(endpoint, nowMs())
  assert.equal(errorCode(other.handleFrame(initFrame, nowMs())), 'REPLAY_DETECTED')
})
