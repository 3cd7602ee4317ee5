// Exchanges with the real `confide-node serve --dev` over a real WebSocket, through the package's
// nodejs build: the ack names our address, chunks arrive in order, the encrypted final precedes the
// end, and the host's receipt is verified by `open` and again by `verifyMessage`; a JS signer
// callback and the SDK's transcript scheme; several prompts on one session; close.
import test from 'node:test'
import assert from 'node:assert/strict'
import { wasm, now, info, startHost, openSocket, connectedSession, exchange, nobleSigner, throwsCode } from './helpers.mjs'

/** Opens every frame of one response; returns the events. */
const openAll = (client, frames) => frames.map((frame) => client.open(frame))

/** Asserts one complete, verified response among `events`; returns its text. */
function assertResponse(events, id) {
  const chunks = events.filter((e) => e.type === 'chunk')
  assert.ok(chunks.length > 0)
  chunks.forEach((chunk, i) => {
    assert.equal(chunk.index, i)
    assert.equal(chunk.id, id)
    // The keys and their order of the core's canonical JSON (ClientEvent::to_json).
    assert.deepEqual(Object.keys(chunk), ['type', 'id', 'index', 'text', 'final'])
    assert.equal(chunk.final, i === chunks.length - 1)
  })
  assert.deepEqual(events.slice(-2).map((e) => e.type), ['final', 'end'])
  const end = events.at(-1)
  assert.ok(['stop', 'length'].includes(events.at(-2).finishReason))
  assert.equal(end.verified, true, 'the receipt was verified against the decrypted text')
  assert.equal(end.usage.totalTokens, end.usage.promptTokens + end.usage.completionTokens)
  return { text: chunks.map((c) => c.text).join(''), end }
}

for (const scheme of ['eip191', 'sdk-transcript']) {
  test(`a ${scheme} session with the real host: ack, ordered chunks, final, verified receipt`, { timeout: 60_000 }, async (t) => {
    const address = await startHost(t)
    const host = await info(address)
    const { client, ws, ack, walletKey } = await connectedSession(address, { scheme })
    assert.equal(client.scheme, scheme)
    const address0 = wasm.addressFromPublicKey(wasm.publicKeyFromSecret(walletKey))
    assert.deepEqual(ack, { type: 'ack', clientAddress: address0 })
    assert.equal(client.clientAddress, address0)
    const { end } = assertResponse(openAll(client, await exchange(ws, client, 'm1', { prompt: 'Tell me a story', max_tokens: 12 })), 'm1')
    const verified = wasm.verifyMessage(end.receipt, now())
    assert.equal(verified.signer, host.address)
    assert.equal(verified.bound, true)
    const receipt = JSON.parse(verified.payload)
    assert.equal(receipt.client_address, address0)
    assert.equal(receipt.completion_tokens, end.usage.completionTokens)
    // A second prompt on the same session: its own id, chunk indexes from 0 again.
    assertResponse(openAll(client, await exchange(ws, client, 'm2', 'Hello')), 'm2')
    client.close()
    assert.equal(client.clientAddress, undefined)
    throwsCode(() => client.sealPrompt('m3', 'again'), 'SESSION_KEY_NOT_FOUND')
    ws.socket.close(1000)
  })
}

test('a session signed by a JS signer callback', { timeout: 60_000 }, async (t) => {
  const address = await startHost(t)
  const { publicKey } = await info(address)
  const wallet = wasm.generateSecretKey()
  const digests = []
  const client = new wasm.ClientSession({ hostPublicKey: publicKey, signer: nobleSigner(wallet, digests) })
  const ws = await openSocket(address)
  ws.send(client.initMessage({ sessionId: 's', jobId: '7', chainId: 84532, modelName: 'confide-demo', pricePerToken: 2000n, timestamp: now() }))
  const ack = client.open(await ws.next())
  assert.equal(digests.length, 1)
  assert.equal(digests[0].length, 32)
  assert.equal(ack.clientAddress, wasm.addressFromPublicKey(wasm.publicKeyFromSecret(wallet)))
  assertResponse(openAll(client, await exchange(ws, client, 'q', 'Hi')), 'q')
  ws.socket.close(1000)
})

test('key helpers: generate, public key, EIP-55 address', () => {
  const key = wasm.generateSecretKey()
  assert.match(key, /^0x[0-9a-f]{64}$/)
  assert.notEqual(key, wasm.generateSecretKey())
  const publicKey = wasm.publicKeyFromSecret(key)
  assert.match(publicKey, /^0[23][0-9a-f]{64}$/)
  assert.equal(wasm.publicKeyFromSecret(key.slice(2)), publicKey)
  const address = wasm.addressFromPublicKey(publicKey)
  assert.match(address, /^0x[0-9a-fA-F]{40}$/)
  assert.notEqual(address, address.toLowerCase(), 'EIP-55 mixes cases')
})
