// Every error the binding can surface reaches JavaScript with the core's `.code`: thrown as an
// Error by the client side and by argument checks, sent as an error frame by the host engine.
import test from 'node:test'
import assert from 'node:assert/strict'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, concatBytes, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { native, now, nowMs, connectedPair, hostPair, start, frames, errorCode, onlyFrame, throwsCode, rejectsCode, nobleSigner } from './helpers.mjs'

const params = { sessionId: 'session-1', jobId: 1, chainId: 84532, modelName: 'demo', pricePerToken: 1 }

/** `frame` with its payload changed by `edit(payload)`. */
function editPayload(frame, edit) {
  const parsed = JSON.parse(frame)
  edit(parsed.payload)
  return JSON.stringify(parsed)
}

const flipHex = (hex) => (hex[0] === '0' ? '1' : '0') + hex.slice(1)

/** The frame of chunk 0 of generation `id` (pushing two pieces of text: the newest is held back). */
function firstChunk(connection, id) {
  const sent = ['x', 'y'].flatMap((text) => frames(connection.generationText(id, text, 1, nowMs())))
  assert.equal(sent.length, 1)
  return sent[0]
}

test('DECRYPTION_FAILED: tampered prompt, tampered chunk, init for another host', () => {
  const { endpoint, connection, client } = connectedPair()
  const prompt = client.sealPrompt('m0', 'Hi')
  const tampered = editPayload(prompt, (p) => (p.ciphertextHex = flipHex(p.ciphertextHex)))
  assert.equal(errorCode(connection.handleFrame(tampered, nowMs())), 'DECRYPTION_FAILED')
  // The tampered copy did not advance the replay state: the genuine one still opens.
  const started = start(connection, prompt)
  assert.equal(started.request.prompt, 'Hi')
  const chunk = firstChunk(connection, started.id)
  throwsCode(() => client.open(editPayload(chunk, (p) => (p.ciphertextHex = flipHex(p.ciphertextHex)))), 'DECRYPTION_FAILED')
  const other = hostPair()
  const stranger = new native.ClientSession({ hostPublicKey: endpoint.publicKey, walletPrivateKey: native.generateSecretKey() })
  assert.equal(errorCode(other.connection.handleFrame(stranger.initMessage(params), nowMs())), 'DECRYPTION_FAILED')
})

test('REPLAY_DETECTED: replayed init, replayed prompt, replayed chunk, out-of-order chunk, replayed final', () => {
  const { connection, client, init } = connectedPair()
  assert.equal(errorCode(connection.handleFrame(init, nowMs())), 'REPLAY_DETECTED')
  const prompt = client.sealPrompt('m0', 'Hi')
  const { id } = start(connection, prompt)
  assert.equal(errorCode(connection.handleFrame(prompt, nowMs())), 'REPLAY_DETECTED')
  const sent = ['a', 'b', 'c'].flatMap((text) => frames(connection.generationText(id, text, 1, nowMs())))
  sent.push(...frames(connection.generationFinished(id, { finishReason: 'stop', promptTokens: 1, completionTokens: 3 }, nowMs())))
  const [chunk0, chunk1, chunk2, final] = sent
  throwsCode(() => client.open(chunk2), 'REPLAY_DETECTED')
  client.open(chunk0)
  throwsCode(() => client.open(chunk0), 'REPLAY_DETECTED')
  client.open(chunk1)
  client.open(chunk2)
  assert.equal(client.open(final).type, 'final')
  throwsCode(() => client.open(final), 'REPLAY_DETECTED')
})

test('NONCE_REUSE, INVALID_AAD, INVALID_NONCE_SIZE, MISSING_PAYLOAD, MISSING_PAYLOAD_FIELDS', () => {
  const { connection, client, init } = connectedPair()
  const first = client.sealPrompt('m0', 'one')
  const second = client.sealPrompt('m1', 'two')
  const { id } = start(connection, first)
  const firstNonce = JSON.parse(first).payload.nonceHex
  const host = (frame) => errorCode(connection.handleFrame(frame, nowMs()))
  assert.equal(host(editPayload(second, (p) => (p.nonceHex = firstNonce))), 'NONCE_REUSE')
  assert.equal(host(editPayload(second, (p) => (p.aadHex = Buffer.from('chunk_1').toString('hex')))), 'INVALID_AAD')
  assert.equal(host(editPayload(second, (p) => (p.nonceHex = 'abcd'))), 'INVALID_NONCE_SIZE')
  const chunk = firstChunk(connection, id)
  throwsCode(() => client.open(editPayload(chunk, (p) => (p.aadHex = Buffer.from('chunk_9').toString('hex')))), 'INVALID_AAD')
  assert.equal(host(JSON.stringify({ type: 'encrypted_message', session_id: 'session-1', id: 'm1' })), 'MISSING_PAYLOAD')
  assert.equal(host(editPayload(init, (p) => delete p.signatureHex)), 'MISSING_PAYLOAD_FIELDS')
})

test('INVALID_HEX_ENCODING and INVALID_KEY', () => {
  throwsCode(() => native.publicKeyFromSecret('zz'.repeat(32)), 'INVALID_HEX_ENCODING')
  throwsCode(() => native.publicKeyFromSecret('00'.repeat(32)), 'INVALID_KEY')
  throwsCode(() => native.publicKeyFromSecret('11'.repeat(31)), 'INVALID_KEY')
  throwsCode(() => native.addressFromPublicKey('02' + '00'.repeat(32)), 'INVALID_KEY')
  throwsCode(() => new native.ClientSession({ hostPublicKey: 'xyz', walletPrivateKey: native.generateSecretKey() }), 'INVALID_HEX_ENCODING')
  throwsCode(() => new native.HostEndpoint({ hostPrivateKey: 'ff'.repeat(32) }, nowMs()), 'INVALID_KEY')
  const { init, connection } = connectedPair()
  const host = (frame) => errorCode(connection.handleFrame(frame, nowMs()))
  assert.equal(host(editPayload(init, (p) => (p.ephPubHex = '02' + '00'.repeat(32)))), 'INVALID_KEY')
  assert.equal(host(editPayload(init, (p) => (p.ciphertextHex = 'xx'))), 'INVALID_HEX_ENCODING')
})

test('INVALID_SIGNATURE: signer that throws, wrong length, not bytes, garbage signature', () => {
  const { endpoint, connection } = hostPair()
  const host = (frame) => errorCode(connection.handleFrame(frame, nowMs()))
  const signers = [
    () => {
      throw new Error('user rejected')
    },
    () => new Uint8Array(64),
    () => 'not bytes',
    () => new Uint8Array(65).fill(0xff),
  ]
  for (const signer of signers) {
    const client = new native.ClientSession({ hostPublicKey: endpoint.publicKey, signer })
    const error = throwsCode(() => client.initMessage(params), 'INVALID_SIGNATURE')
    assert.equal(client.clientAddress, null, error.message)
  }
  // A signature with an invalid recovery byte, and one that recovers to a key other than the
  // one named inside the encrypted session data (sdk-transcript carries it).
  for (const scheme of ['eip191', 'sdk-transcript']) {
    const client = new native.ClientSession({ hostPublicKey: endpoint.publicKey, walletPrivateKey: native.generateSecretKey(), scheme })
    const init = client.initMessage(params)
    assert.equal(host(editPayload(init, (p) => (p.signatureHex = p.signatureHex.slice(0, 128) + '05'))), 'INVALID_SIGNATURE')
  }
  const sdk = new native.ClientSession({ hostPublicKey: endpoint.publicKey, walletPrivateKey: native.generateSecretKey(), scheme: 'sdk-transcript' })
  const foreign = nobleSigner(native.generateSecretKey())
  const init = sdk.initMessage({ ...params, sessionId: 'forged' })
  const forged = editPayload(init, (p) => {
    const sig = foreign(new Uint8Array(32).fill(1))
    p.signatureHex = Buffer.from(sig).toString('hex')
    p.recid = sig[64]
  })
  assert.equal(host(forged), 'INVALID_SIGNATURE')
})

/**
 * An EIP-191 `encrypted_session_init` for `hostPublicKey` whose session data is `sessionData`
 * (JSON text) exactly, built in JS to the spec (E2EE.md): ephemeral key, x-only ECDH with the host
 * key, HKDF-SHA256 (no salt, empty info), XChaCha20-Poly1305 with AAD "session_init", signature =
 * personal_sign(sha256(ciphertext)) with v = 27/28 by `walletKey`.
 */
function craftInit(hostPublicKey, walletKey, sessionData) {
  const ephemeral = secp256k1.utils.randomSecretKey()
  const shared = secp256k1.getSharedSecret(ephemeral, hexToBytes(hostPublicKey), true).subarray(1)
  const key = hkdf(sha256, shared, undefined, new Uint8Array(0), 32)
  const nonce = randomBytes(24)
  const aad = utf8ToBytes('session_init')
  const ciphertext = xchacha20poly1305(key, nonce, aad).encrypt(utf8ToBytes(sessionData))
  const message = sha256(ciphertext)
  const digest = keccak_256(concatBytes(utf8ToBytes(`\x19Ethereum Signed Message:\n${message.length}`), message))
  const signature = nobleSigner(walletKey)(digest)
  signature[64] += 27
  return JSON.stringify({
    type: 'encrypted_session_init',
    session_id: 'crafted',
    job_id: 42,
    chain_id: 84532,
    payload: {
      ephPubHex: bytesToHex(secp256k1.getPublicKey(ephemeral, true)),
      ciphertextHex: bytesToHex(ciphertext),
      signatureHex: bytesToHex(signature),
      nonceHex: bytesToHex(nonce),
      aadHex: bytesToHex(aad),
    },
  })
}

test('INVALID_SESSION_DATA: a validly signed init whose decrypted session data is malformed', () => {
  const { endpoint, connection } = hostPair()
  const host = (frame) => connection.handleFrame(frame, nowMs())
  const wallet = native.generateSecretKey()
  const sessionKey = bytesToHex(randomBytes(32))
  // Control: the same construction with well-formed data is accepted, so only the data differs.
  const good = craftInit(endpoint.publicKey, wallet, JSON.stringify({ sessionKey, jobId: '42', modelName: 'demo', pricePerToken: 2000 }))
  const ack = JSON.parse(onlyFrame(host(good)))
  assert.equal(ack.client_address, native.addressFromPublicKey(native.publicKeyFromSecret(wallet)))

  const bad = craftInit(endpoint.publicKey, wallet, JSON.stringify({ sessionKey, jobId: '42', modelName: 'demo', pricePerToken: '2000' }))
  const error = JSON.parse(frames(host(bad))[0])
  assert.equal(error.code, 'INVALID_SESSION_DATA')
  assert.match(error.message, /pricePerToken/)
  assert.ok(!error.message.includes(sessionKey), 'the message never carries the session key')
  assert.equal(errorCode(host(craftInit(endpoint.publicKey, wallet, JSON.stringify({ jobId: '42' })))), 'INVALID_SESSION_DATA')
  assert.equal(errorCode(host(craftInit(endpoint.publicKey, wallet, 'not json'))), 'INVALID_SESSION_DATA')
})

test('SESSION_KEY_NOT_FOUND: before init, and on another connection of the same endpoint', () => {
  const { endpoint } = hostPair()
  const client = new native.ClientSession({ hostPublicKey: endpoint.publicKey, walletPrivateKey: native.generateSecretKey() })
  throwsCode(() => client.sealPrompt('m0', 'Hi'), 'SESSION_KEY_NOT_FOUND')
  const pair = connectedPair()
  const prompt = pair.client.sealPrompt('m0', 'Hi')
  // Sessions belong to the connection that opened them.
  const other = new native.HostConnection(pair.endpoint, nowMs())
  assert.equal(errorCode(other.handleFrame(prompt, nowMs())), 'SESSION_KEY_NOT_FOUND')
  pair.client.close()
  throwsCode(() => pair.client.sealPrompt('m1', 'Hi'), 'SESSION_KEY_NOT_FOUND')
  throwsCode(() => pair.client.initMessage(params), 'SESSION_KEY_NOT_FOUND')
})

test('INVALID_MESSAGE, ENCRYPTION_REQUIRED, and host error frames as events', () => {
  const { connection, client } = connectedPair()
  throwsCode(() => client.open('not json'), 'INVALID_MESSAGE')
  throwsCode(() => client.open('{"type":"no_such_frame"}'), 'INVALID_MESSAGE')
  assert.equal(errorCode(connection.handleFrame('not json', nowMs())), 'INVALID_MESSAGE')
  assert.equal(errorCode(connection.handleFrame('{"type":"no_such_frame"}', nowMs())), 'INVALID_MESSAGE')
  throwsCode(() => client.open(JSON.stringify({ type: 'stream_chunk', session_id: 'session-1', id: 'm0', content: 'leak', index: 0 })), 'ENCRYPTION_REQUIRED')
  const event = client.open(JSON.stringify({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', id: 'm0' }))
  assert.deepEqual(event, { type: 'error', id: 'm0', code: 'RATE_LIMITED', message: 'slow down' })
  assert.deepEqual(client.open('{"type":"pong"}'), { type: 'pong' })
  assert.deepEqual(client.open('{"type":"connected","version":"1","encryption":true}'), { type: 'connected', version: '1', encryption: true })
})

test('SESSION_ID_IN_USE and TOO_MANY_SESSIONS', () => {
  const { endpoint, connection } = hostPair({ limits: { maxSessions: 1 } })
  const a = new native.ClientSession({ hostPublicKey: endpoint.publicKey, walletPrivateKey: native.generateSecretKey() })
  const b = new native.ClientSession({ hostPublicKey: endpoint.publicKey, walletPrivateKey: native.generateSecretKey() })
  onlyFrame(connection.handleFrame(a.initMessage(params), nowMs()))
  assert.equal(errorCode(connection.handleFrame(b.initMessage(params), nowMs())), 'SESSION_ID_IN_USE')
  // The limit is the endpoint's, across its connections.
  const other = new native.HostConnection(endpoint, nowMs())
  assert.equal(errorCode(other.handleFrame(b.initMessage({ ...params, sessionId: 'other' }), nowMs())), 'TOO_MANY_SESSIONS')
})

test('signed messages: INVALID_SIGNER, MALFORMED_SIGNATURE, MESSAGE_EXPIRED, MESSAGE_FROM_FUTURE, UNSIGNED_MESSAGE, UNSUPPORTED_SCHEME', async () => {
  const key = native.generateSecretKey()
  const t = now()
  const envelope = JSON.parse(native.signMessage({ a: 1 }, key, t, { nonce: 1 }))
  const other = native.addressFromPublicKey(native.publicKeyFromSecret(native.generateSecretKey()))
  throwsCode(() => native.verifyMessage(JSON.stringify({ ...envelope, signer: other }), t), 'INVALID_SIGNER')
  throwsCode(() => native.verifyMessage(JSON.stringify({ ...envelope, signature: '0x1234' }), t), 'MALFORMED_SIGNATURE')
  throwsCode(() => native.verifyMessage(JSON.stringify(envelope), t + 10_000), 'MESSAGE_EXPIRED')
  throwsCode(() => native.verifyMessage(JSON.stringify(envelope), t - 10_000), 'MESSAGE_FROM_FUTURE')
  await rejectsCode(native.verifyMessageAsync(JSON.stringify(envelope), t + 10_000), 'MESSAGE_EXPIRED')
  const { signature, signer, ...unsigned } = envelope
  assert.ok(signature && signer)
  throwsCode(() => native.verifyMessage(JSON.stringify(unsigned), t), 'UNSIGNED_MESSAGE')
  const lloom = native.signMessage({ a: 1 }, key, t, { scheme: 'lloom-v1' })
  throwsCode(() => native.verifyMessage(lloom, t, { requireBoundScheme: true }), 'UNSUPPORTED_SCHEME')
})

test('INVALID_ARGUMENT: wrong argument types and values', async () => {
  const { endpoint, connection } = hostPair()
  const wallet = native.generateSecretKey()
  const client = new native.ClientSession({ hostPublicKey: endpoint.publicKey, walletPrivateKey: wallet })
  const finish = { finishReason: 'stop', promptTokens: 1, completionTokens: 1 }
  const cases = [
    () => new native.ClientSession(),
    () => new native.ClientSession({ hostPublicKey: 5 }),
    () => new native.ClientSession({ hostPublicKey: endpoint.publicKey }),
    () => new native.ClientSession({ hostPublicKey: endpoint.publicKey, walletPrivateKey: wallet, scheme: 'EIP191' }),
    () => new native.HostEndpoint({}, nowMs()),
    () => new native.HostEndpoint({ hostPrivateKey: wallet }, 'now'),
    () => new native.HostEndpoint({ hostPrivateKey: wallet, limits: { maxSessions: -1 } }, nowMs()),
    () => new native.HostEndpoint({ hostPrivateKey: wallet, limits: { framesPerSecond: 2 ** 32 } }, nowMs()),
    () => new native.HostEndpoint({ hostPrivateKey: wallet, authorize: 'yes' }, nowMs()),
    () => new native.HostConnection({}, nowMs()),
    () => new native.HostConnection(client, nowMs()),
    () => new native.HostConnection(endpoint, -1),
    () => client.initMessage(),
    () => client.initMessage({ ...params, jobId: -1 }),
    () => client.initMessage({ ...params, jobId: {} }),
    () => client.initMessage({ ...params, pricePerToken: 1.5 }),
    () => client.initMessage({ ...params, pricePerToken: -1n }),
    () => client.initMessage({ ...params, chainId: '84532' }),
    () => client.initMessage({ ...params, sessionId: undefined }),
    () => client.sealPrompt(1, 'Hi'),
    () => client.sealPrompt('m0', 42),
    () => client.sealPrompt('m0', { toJSON: () => undefined }),
    () => client.open(5),
    () => client.open(),
    () => connection.handleFrame({}, nowMs()),
    () => connection.handleFrame('{}', 'now'),
    () => connection.handleFrame('{}', -5),
    () => connection.generationText(1.5, 'x', 1, nowMs()),
    () => connection.generationText(-1n, 'x', 1, nowMs()),
    () => connection.generationText(0n, 'x', 2 ** 32, nowMs()),
    () => connection.generationText(0n, 7, 1, nowMs()),
    () => connection.generationFinished(0n, { ...finish, finishReason: 'done' }, nowMs()),
    () => connection.generationFinished(0n, { ...finish, completionTokens: 2n ** 64n }, nowMs()),
    () => connection.generationFinished(0n, undefined, nowMs()),
    () => connection.generationFailed(0n, 'NOT_A_CODE', 'x', nowMs()),
    () => connection.expire(1.5),
    () => native.publicKeyFromSecret(Buffer.alloc(32)),
    () => native.signMessage(() => 1, wallet, now()),
    () => native.signMessage({ a: 1 }, wallet, now(), { scheme: 'v2' }),
    () => native.verifyMessage('{}', now(), { maxAgeSecs: -1 }),
  ]
  for (const [i, call] of cases.entries()) {
    const error = throwsCode(call, 'INVALID_ARGUMENT')
    assert.match(error.message, /invalid argument `/, `case ${i}`)
  }
  const signerClient = new native.ClientSession({ hostPublicKey: endpoint.publicKey, signer: nobleSigner(wallet) })
  await rejectsCode((async () => signerClient.initMessageAsync(params))(), 'INVALID_ARGUMENT')
  // Limits out of the engine's range: INVALID_ARGUMENT from the engine, naming the limit.
  for (const limits of [{ maxSessions: 0 }, { sessionTtlSecs: 8 * 24 * 3600 }]) {
    const error = throwsCode(() => new native.HostEndpoint({ hostPrivateKey: wallet, limits }, nowMs()), 'INVALID_ARGUMENT')
    assert.match(error.message, /limits\.(max_sessions|session_ttl_secs)/)
  }
})

test('messages never carry the secret key', () => {
  const secret = 'ab'.repeat(31) + 'zz'
  const error = throwsCode(() => native.publicKeyFromSecret(secret), 'INVALID_HEX_ENCODING')
  assert.ok(!error.message.includes('abab'), error.message)
})
