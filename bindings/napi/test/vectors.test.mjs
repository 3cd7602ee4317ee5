// The deployed TypeScript SDK's vectors: the native host accepts the SDK's session init, recovers
// the SDK client's address and opens its first message.
import test from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { native, now } from './helpers.mjs'

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

test('the host accepts the SDK init and recovers the SDK client address', () => {
  const host = new native.HostSession({ hostPrivateKey: inputs.node_priv })
  const accepted = host.acceptInit(initFrame, now())
  assert.equal(accepted.clientAddress, '0x1563915e194D8CfBA1943570603F7606A3115508')
  assert.equal(accepted.clientAddress, vectors.session_init.true_client_address)
  assert.equal(accepted.scheme, 'sdk-transcript')
  assert.equal(accepted.sessionId, 'sdk-session')
  assert.equal(accepted.rekeyed, false)
  assert.equal(accepted.jobId, '42')
  const ack = JSON.parse(accepted.ackFrame)
  assert.equal(ack.type, 'session_init_ack')
  assert.equal(ack.client_address, '0x1563915e194D8CfBA1943570603F7606A3115508')
  assert.equal(ack.encrypted, true)
})

test('message_0 opens to the SDK prompt', async () => {
  const host = new native.HostSession({ hostPrivateKey: inputs.node_priv })
  await host.acceptInitAsync(initFrame, now())
  const opened = host.openMessage(message0, now())
  const expected = JSON.parse(vectors.message_0.plaintext)
  assert.equal(opened.sessionId, 'sdk-session')
  assert.equal(opened.id, 'm0')
  assert.equal(opened.prompt.prompt, expected.prompt)
  assert.equal(opened.prompt.model, expected.model)
  assert.equal(opened.prompt.max_tokens, expected.max_tokens)
  assert.equal(opened.prompt.stream, expected.stream)
})

test('the SDK init replayed is REPLAY_DETECTED', () => {
  const host = new native.HostSession({ hostPrivateKey: inputs.node_priv })
  host.acceptInit(initFrame, now())
  assert.throws(() => host.acceptInit(initFrame, now()), { code: 'REPLAY_DETECTED' })
})
