// Every error the client surface can raise reaches JavaScript as an `Error` with the core's `.code`
// and `.number`: frames recorded from the real `confide-node serve --dev`, then tampered, replayed
// or reordered; host error frames as events; keys, signers and arguments. (Signed messages, feeds
// and BLS have their own suites.)
import test from 'node:test'
import assert from 'node:assert/strict'
import { wasm, startHost, connectedSession, exchange, nobleSigner, throwsCode } from './helpers.mjs'

const params = { sessionId: 'session-1', jobId: 1, chainId: 84532, modelName: 'confide-demo', pricePerToken: 1 }
const hex = (text) => Buffer.from(text).toString('hex')
const flipHex = (h) => (h[0] === '0' ? '1' : '0') + h.slice(1)

/** `frame` with its payload changed by `edit(payload)`. */
function editPayload(frame, edit) {
  const parsed = JSON.parse(frame)
  edit(parsed.payload)
  return JSON.stringify(parsed)
}


test('frames from the real host: DECRYPTION_FAILED, INVALID_AAD, NONCE_REUSE, INVALID_NONCE_SIZE, MISSING_PAYLOAD, MISSING_PAYLOAD_FIELDS, REPLAY_DETECTED', { timeout: 60_000 }, async (t) => {
  const address = await startHost(t)
  const { client, ws } = await connectedSession(address)
  ws.send(client.sealPrompt('m1', { prompt: 'Count to ten', max_tokens: 8 }))
  const frames = []
  while (frames.length < 3) frames.push(await ws.next())
  const [chunk0, chunk1, chunk2] = frames
  for (const f of frames) assert.equal(JSON.parse(f).type, 'encrypted_chunk')
  throwsCode(() => client.open(editPayload(chunk0, (p) => (p.ciphertextHex = flipHex(p.ciphertextHex)))), 'DECRYPTION_FAILED')
  throwsCode(() => client.open(editPayload(chunk0, (p) => (p.aadHex = hex('chunk_9')))), 'INVALID_AAD')
  throwsCode(() => client.open(editPayload(chunk0, (p) => (p.nonceHex = 'abcd'))), 'INVALID_NONCE_SIZE')
  throwsCode(() => client.open(editPayload(chunk0, (p) => (p.nonceHex = 'zz'.repeat(24)))), 'INVALID_HEX_ENCODING')
  throwsCode(() => client.open(editPayload(chunk0, (p) => delete p.index)), 'MISSING_PAYLOAD_FIELDS')
  const bare = JSON.parse(chunk0)
  delete bare.payload
  throwsCode(() => client.open(JSON.stringify(bare)), 'MISSING_PAYLOAD')
  throwsCode(() => client.open(chunk1), 'REPLAY_DETECTED') // out of order
  // None of the rejected copies advanced the session: the genuine chunk still opens.
  assert.equal(client.open(chunk0).index, 0)
  throwsCode(() => client.open(chunk0), 'REPLAY_DETECTED') // replayed
  const nonce0 = JSON.parse(chunk0).payload.nonceHex
  throwsCode(() => client.open(editPayload(chunk1, (p) => (p.nonceHex = nonce0))), 'NONCE_REUSE')
  assert.equal(client.open(chunk1).index, 1)
  assert.equal(client.open(chunk2).index, 2)
  ws.socket.close(1000)
})

test('the receipt: a stream_end whose receipt does not match throws and the genuine one verifies', { timeout: 60_000 }, async (t) => {
  const address = await startHost(t)
  const { client, ws } = await connectedSession(address)
  const frames = await exchange(ws, client, 'm1', { prompt: 'Hello', max_tokens: 6 })
  const end = frames.at(-1)
  for (const frame of frames.slice(0, -1)) client.open(frame)
  const inflated = JSON.parse(end)
  inflated.receipt.payload.completion_tokens += 1
  throwsCode(() => client.open(JSON.stringify(inflated)), 'INVALID_SIGNER')
  const unsigned = JSON.parse(end)
  delete unsigned.receipt.signature
  throwsCode(() => client.open(JSON.stringify(unsigned)), 'UNSIGNED_MESSAGE')
  const event = client.open(end)
  assert.equal(event.type, 'end')
  assert.equal(event.verified, true)
  throwsCode(() => client.open(end), 'INVALID_MESSAGE') // the request is over
  ws.socket.close(1000)
})

test('host error frames are events; INVALID_MESSAGE and ENCRYPTION_REQUIRED throw', { timeout: 60_000 }, async (t) => {
  const address = await startHost(t)
  const { client, ws } = await connectedSession(address)
  const frames = await exchange(ws, client, 'm1', { prompt: 'Hi', model: 'no-such-model' })
  const event = client.open(frames.at(-1))
  assert.equal(event.type, 'error')
  assert.equal(event.code, 'MODEL_NOT_FOUND')
  assert.equal(event.id, 'm1')
  const long = await exchange(ws, client, 'm2', 'word '.repeat(3000))
  const limit = client.open(long.at(-1))
  assert.equal(limit.code, 'TOKEN_LIMIT_EXCEEDED')
  assert.equal(limit.tokenLimit.contextWindowSize, 2048)
  assert.ok(limit.tokenLimit.promptTokens > 2048)
  throwsCode(() => client.open('not json'), 'INVALID_MESSAGE')
  throwsCode(() => client.open('{"type":"no_such_frame"}'), 'INVALID_MESSAGE')
  throwsCode(() => client.open(JSON.stringify({ type: 'stream_chunk', session_id: 'session-1', id: 'm3', content: 'leak', index: 0 })), 'ENCRYPTION_REQUIRED')
  assert.deepEqual(client.open('{"type":"pong"}'), { type: 'pong' })
  ws.socket.close(1000)
})

test('INVALID_HEX_ENCODING, INVALID_KEY and INVALID_SIGNATURE from keys and signers', () => {
  throwsCode(() => wasm.publicKeyFromSecret('zz'.repeat(32)), 'INVALID_HEX_ENCODING')
  throwsCode(() => wasm.publicKeyFromSecret('00'.repeat(32)), 'INVALID_KEY')
  throwsCode(() => wasm.publicKeyFromSecret('11'.repeat(31)), 'INVALID_KEY')
  throwsCode(() => wasm.addressFromPublicKey('02' + '00'.repeat(32)), 'INVALID_KEY')
  throwsCode(() => new wasm.ClientSession({ hostPublicKey: 'xyz', walletPrivateKey: wasm.generateSecretKey() }), 'INVALID_HEX_ENCODING')
  const hostPublicKey = wasm.publicKeyFromSecret(wasm.generateSecretKey())
  const signers = [
    () => {
      throw new Error('user rejected')
    },
    () => new Uint8Array(64),
    () => 'not bytes',
    () => new Uint8Array(65).fill(0xff),
  ]
  for (const signer of signers) {
    const client = new wasm.ClientSession({ hostPublicKey, signer })
    throwsCode(() => client.initMessage(params), 'INVALID_SIGNATURE')
    assert.equal(client.clientAddress, undefined)
  }
  const error = throwsCode(() => wasm.publicKeyFromSecret('ab'.repeat(31) + 'zz'), 'INVALID_HEX_ENCODING')
  assert.ok(!error.message.includes('abab'), 'messages never carry the secret key')
})

test('SESSION_KEY_NOT_FOUND before init and after close', () => {
  const hostPublicKey = wasm.publicKeyFromSecret(wasm.generateSecretKey())
  const client = new wasm.ClientSession({ hostPublicKey, signer: nobleSigner(wasm.generateSecretKey()) })
  throwsCode(() => client.sealPrompt('m0', 'Hi'), 'SESSION_KEY_NOT_FOUND')
  client.initMessage(params)
  assert.match(client.sealPrompt('m0', 'Hi'), /encrypted_message/)
  client.close()
  throwsCode(() => client.sealPrompt('m1', 'Hi'), 'SESSION_KEY_NOT_FOUND')
  throwsCode(() => client.initMessage(params), 'SESSION_KEY_NOT_FOUND')
})

test('INVALID_ARGUMENT: wrong argument types and values', () => {
  const hostPublicKey = wasm.publicKeyFromSecret(wasm.generateSecretKey())
  const wallet = wasm.generateSecretKey()
  const client = new wasm.ClientSession({ hostPublicKey, walletPrivateKey: wallet })
  const cases = [
    () => new wasm.ClientSession(),
    () => new wasm.ClientSession({ hostPublicKey: 5 }),
    () => new wasm.ClientSession({ hostPublicKey }),
    () => new wasm.ClientSession({ hostPublicKey, walletPrivateKey: wallet, scheme: 'EIP191' }),
    () => new wasm.ClientSession({ hostPublicKey, signer: 'not a function' }),
    () => client.initMessage(),
    () => client.initMessage({ ...params, jobId: -1 }),
    () => client.initMessage({ ...params, jobId: {} }),
    () => client.initMessage({ ...params, pricePerToken: 1.5 }),
    () => client.initMessage({ ...params, pricePerToken: -1n }),
    () => client.initMessage({ ...params, pricePerToken: 2n ** 64n }),
    () => client.initMessage({ ...params, chainId: '84532' }),
    () => client.initMessage({ ...params, sessionId: undefined }),
    () => client.initMessage({ ...params, timestamp: 'now' }),
    () => client.sealPrompt(1, 'Hi'),
    () => client.sealPrompt('m0', 42),
    () => client.sealPrompt('m0', { toJSON: () => undefined }),
    () => client.open(5),
    () => client.open(),
    () => wasm.publicKeyFromSecret(new Uint8Array(32)),
    () => wasm.addressFromPublicKey(null),
  ]
  for (const [i, call] of cases.entries()) {
    const error = throwsCode(call, 'INVALID_ARGUMENT')
    assert.match(error.message, /invalid argument `/, `case ${i}`)
  }
})

test('codes and numbers are stable: one number per code', () => {
  const seen = new Map()
  const record = (fn) => {
    try {
      fn()
    } catch (error) {
      assert.ok(!seen.has(error.code) || seen.get(error.code) === error.number, error.code)
      seen.set(error.code, error.number)
    }
  }
  record(() => wasm.publicKeyFromSecret('zz'))
  record(() => wasm.publicKeyFromSecret('00'.repeat(32)))
  record(() => wasm.publicKeyFromSecret(1))
  record(() => wasm.verifyMessage('{', 0))
  assert.equal(new Set(seen.values()).size, seen.size)
  assert.equal(seen.size, 4)
})
