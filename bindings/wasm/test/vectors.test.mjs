// The deployed TypeScript SDK's vectors (vectors/sdk_session_vectors.json, made by sdk-core's
// EncryptionManager) against the real `confide-node serve` started with the vectors' host key: the
// key helpers reproduce the vector keys and addresses; the SDK's own init bytes are acknowledged
// with the SDK client's address; then this package's `sdk-transcript` session with the SDK's client
// key speaks the same wire (re-init on the same socket, the SDK's prompt fields, its id-less
// cancel) and verifies the host's receipt.
import test from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { wasm, now, startHost, openSocket } from './helpers.mjs'

const vectors = JSON.parse(readFileSync(new URL('./vectors/sdk_session_vectors.json', import.meta.url)))
const { inputs } = vectors
const ON_CHAIN_MODEL = 'CohereForAI/TinyVicuna-1B-32k-GGUF:tiny-vicuna-1b.q4_k_m.gguf'

test('key helpers reproduce the vector keys and addresses', () => {
  assert.equal(wasm.publicKeyFromSecret(inputs.node_priv), inputs.node_pub_compressed)
  assert.equal(wasm.publicKeyFromSecret(`0x${inputs.client_priv}`), inputs.client_pub_compressed)
  assert.equal(wasm.publicKeyFromSecret(inputs.eph_priv), inputs.eph_pub_compressed)
  assert.equal(wasm.addressFromPublicKey(inputs.client_pub_compressed).toLowerCase(), inputs.client_address)
  assert.equal(wasm.addressFromPublicKey(inputs.node_pub_compressed).toLowerCase(), inputs.node_address)
})

test('the SDK wire against the real host with the vectors\' key', { timeout: 120_000 }, async (t) => {
  const address = await startHost(t, ['--model-alias', `${ON_CHAIN_MODEL}=confide-demo`], { HOST_PRIVATE_KEY: `0x${inputs.node_priv}` })
  const ws = await openSocket(address)
  // The SDK's init, byte for byte: acknowledged with the address the SDK's key signs for.
  ws.send(JSON.stringify({ type: 'encrypted_session_init', session_id: '1917', job_id: 42, chain_id: 84532, payload: vectors.session_init.payload }))
  const ack = JSON.parse(await ws.next())
  assert.equal(ack.type, 'session_init_ack')
  assert.equal(ack.client_address, vectors.session_init.true_client_address)

  // The SDK re-inits before each prompt on the same socket (same wallet: a re-key).
  const session = new wasm.ClientSession({ hostPublicKey: inputs.node_pub_compressed, walletPrivateKey: inputs.client_priv, scheme: 'sdk-transcript' })
  ws.send(session.initMessage({ sessionId: '1917', jobId: '42', chainId: 84532, modelName: ON_CHAIN_MODEL, pricePerToken: 2000, timestamp: now() }))
  const ack2 = session.open(await ws.next())
  assert.equal(ack2.type, 'ack')
  assert.equal(ack2.clientAddress, vectors.session_init.true_client_address)
  const prompt = { prompt: 'Count', model: ON_CHAIN_MODEL, max_tokens: 250, temperature: 0, stream: true, web_search: false, max_searches: 0, search_queries: [] }
  ws.send(session.sealPrompt('m1', prompt))
  assert.equal(session.open(await ws.next()).type, 'chunk')
  ws.send(JSON.stringify({ type: 'stream_cancel', session_id: '1917', reason: 'user_cancelled' }))
  let event
  do event = session.open(await ws.next())
  while (event.type !== 'end')
  assert.equal(event.finishReason, 'cancelled')
  assert.ok(event.usage.completionTokens < 250)
  assert.equal(event.verified, true, 'the receipt bills what was generated')
  assert.equal(wasm.verifyMessage(event.receipt, now()).signer.toLowerCase(), inputs.node_address)
  ws.socket.close(1000)
})
