// Every error the binding can surface reaches JavaScript as an Error with the core's `.code`.
import test from 'node:test'
import assert from 'node:assert/strict'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, concatBytes, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { native, now, connectedPair, throwsCode, rejectsCode, nobleSigner } from './helpers.mjs'

const params = { sessionId: 'session-1', jobId: 1, chainId: 84532, modelName: 'demo', pricePerToken: 1 }

/** `frame` with its payload changed by `edit(payload)`. */
function editPayload(frame, edit) {
  const parsed = JSON.parse(frame)
  edit(parsed.payload)
  return JSON.stringify(parsed)
}

const flipHex = (hex) => (hex[0] === '0' ? '1' : '0') + hex.slice(1)

test('DECRYPTION_FAILED: tampered prompt, tampered chunk, init for another host', () => {
  const { host, client } = connectedPair()
  const prompt = client.sealPrompt('m0', 'Hi')
  throwsCode(() => host.openMessage(editPayload(prompt, (p) => (p.ciphertextHex = flipHex(p.ciphertextHex))), now()), 'DECRYPTION_FAILED')
  // The tampered copy did not advance the replay state: the genuine one still opens.
  assert.equal(host.openMessage(prompt, now()).prompt.prompt, 'Hi')
  const chunk = host.sealChunk({ sessionId: 'session-1', id: 'm0', index: 0, text: 'x' }, now())
  throwsCode(() => client.open(editPayload(chunk, (p) => (p.ciphertextHex = flipHex(p.ciphertextHex)))), 'DECRYPTION_FAILED')
  const other = new native.HostSession({ hostPrivateKey: native.generateSecretKey() })
  const stranger = new native.ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: native.generateSecretKey() })
  throwsCode(() => other.acceptInit(stranger.initMessage(params), now()), 'DECRYPTION_FAILED')
})

test('REPLAY_DETECTED: replayed prompt, replayed chunk, out-of-order chunk, replayed init', () => {
  const { host, client, init } = connectedPair()
  throwsCode(() => host.acceptInit(init, now()), 'REPLAY_DETECTED')
  const prompt = client.sealPrompt('m0', 'Hi')
  host.openMessage(prompt, now())
  throwsCode(() => host.openMessage(prompt, now()), 'REPLAY_DETECTED')
  const chunk0 = host.sealChunk({ sessionId: 'session-1', id: 'm0', index: 0, text: 'a' }, now())
  const chunk2 = host.sealChunk({ sessionId: 'session-1', id: 'm0', index: 2, text: 'c' }, now())
  throwsCode(() => client.open(chunk2), 'REPLAY_DETECTED')
  client.open(chunk0)
  throwsCode(() => client.open(chunk0), 'REPLAY_DETECTED')
  const final = host.sealFinal('session-1', 'm0', 'stop', now())
  client.open(final)
  throwsCode(() => client.open(host.sealFinal('session-1', 'm0', 'stop', now())), 'REPLAY_DETECTED')
})

test('NONCE_REUSE, INVALID_AAD, INVALID_NONCE_SIZE, MISSING_PAYLOAD, MISSING_PAYLOAD_FIELDS', () => {
  const { host, client, init } = connectedPair()
  const first = client.sealPrompt('m0', 'one')
  const second = client.sealPrompt('m1', 'two')
  host.openMessage(first, now())
  const firstNonce = JSON.parse(first).payload.nonceHex
  throwsCode(() => host.openMessage(editPayload(second, (p) => (p.nonceHex = firstNonce)), now()), 'NONCE_REUSE')
  throwsCode(() => host.openMessage(editPayload(second, (p) => (p.aadHex = Buffer.from('chunk_1').toString('hex'))), now()), 'INVALID_AAD')
  throwsCode(() => host.openMessage(editPayload(second, (p) => (p.nonceHex = 'abcd')), now()), 'INVALID_NONCE_SIZE')
  const chunk = host.sealChunk({ sessionId: 'session-1', id: 'm1', index: 0, text: 'x' }, now())
  throwsCode(() => client.open(editPayload(chunk, (p) => (p.aadHex = Buffer.from('chunk_9').toString('hex')))), 'INVALID_AAD')
  throwsCode(() => host.openMessage(JSON.stringify({ type: 'encrypted_message', session_id: 'session-1', id: 'm1' }), now()), 'MISSING_PAYLOAD')
  throwsCode(() => host.acceptInit(editPayload(init, (p) => delete p.signatureHex), now()), 'MISSING_PAYLOAD_FIELDS')
})

test('INVALID_HEX_ENCODING and INVALID_KEY', () => {
  throwsCode(() => native.publicKeyFromSecret('zz'.repeat(32)), 'INVALID_HEX_ENCODING')
  throwsCode(() => native.publicKeyFromSecret('00'.repeat(32)), 'INVALID_KEY')
  throwsCode(() => native.publicKeyFromSecret('11'.repeat(31)), 'INVALID_KEY')
  throwsCode(() => native.addressFromPublicKey('02' + '00'.repeat(32)), 'INVALID_KEY')
  throwsCode(() => new native.ClientSession({ hostPublicKey: 'xyz', walletPrivateKey: native.generateSecretKey() }), 'INVALID_HEX_ENCODING')
  throwsCode(() => new native.HostSession({ hostPrivateKey: 'ff'.repeat(32) }), 'INVALID_KEY')
  const { init, host } = connectedPair()
  throwsCode(() => host.acceptInit(editPayload(init, (p) => (p.ephPubHex = '02' + '00'.repeat(32))), now()), 'INVALID_KEY')
  throwsCode(() => host.acceptInit(editPayload(init, (p) => (p.ciphertextHex = 'xx')), now()), 'INVALID_HEX_ENCODING')
})

test('INVALID_SIGNATURE: signer that throws, wrong length, not bytes, garbage signature', () => {
  const host = new native.HostSession({ hostPrivateKey: native.generateSecretKey() })
  const signers = [
    () => {
      throw new Error('user rejected')
    },
    () => new Uint8Array(64),
    () => 'not bytes',
    () => new Uint8Array(65).fill(0xff),
  ]
  for (const signer of signers) {
    const client = new native.ClientSession({ hostPublicKey: host.publicKey, signer })
    const error = throwsCode(() => client.initMessage(params), 'INVALID_SIGNATURE')
    assert.equal(client.clientAddress, null, error.message)
  }
  // A signature with an invalid recovery byte, and one that recovers to a key other than the
  // one named inside the encrypted session data (sdk-transcript carries it).
  for (const scheme of ['eip191', 'sdk-transcript']) {
    const client = new native.ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: native.generateSecretKey(), scheme })
    const init = client.initMessage(params)
    throwsCode(() => host.acceptInit(editPayload(init, (p) => (p.signatureHex = p.signatureHex.slice(0, 128) + '05')), now()), 'INVALID_SIGNATURE')
  }
  const sdk = new native.ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: native.generateSecretKey(), scheme: 'sdk-transcript' })
  const foreign = nobleSigner(native.generateSecretKey())
  const init = sdk.initMessage({ ...params, sessionId: 'forged' })
  throwsCode(() => host.acceptInit(editPayload(init, (p) => {
    const sig = foreign(new Uint8Array(32).fill(1))
    p.signatureHex = Buffer.from(sig).toString('hex')
    p.recid = sig[64]
  }), now()), 'INVALID_SIGNATURE')
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

test('INVALID_SESSION_DATA: a validly signed init whose decrypted session data is malformed', async () => {
  const host = new native.HostSession({ hostPrivateKey: native.generateSecretKey() })
  const wallet = native.generateSecretKey()
  const sessionKey = bytesToHex(randomBytes(32))
  // Control: the same construction with well-formed data is accepted, so only the data differs.
  const good = craftInit(host.publicKey, wallet, JSON.stringify({ sessionKey, jobId: '42', modelName: 'demo', pricePerToken: 2000 }))
  const accepted = host.acceptInit(good, now())
  assert.equal(accepted.clientAddress, native.addressFromPublicKey(native.publicKeyFromSecret(wallet)))
  assert.equal(accepted.pricePerToken, 2000)
  host.remove('crafted')

  const bad = craftInit(host.publicKey, wallet, JSON.stringify({ sessionKey, jobId: '42', modelName: 'demo', pricePerToken: '2000' }))
  const error = throwsCode(() => host.acceptInit(bad, now()), 'INVALID_SESSION_DATA')
  assert.match(error.message, /pricePerToken/)
  assert.ok(!error.message.includes(sessionKey), 'the message never carries the session key')
  await rejectsCode(host.acceptInitAsync(bad, now()), 'INVALID_SESSION_DATA')
  throwsCode(() => host.acceptInit(craftInit(host.publicKey, wallet, JSON.stringify({ jobId: '42' })), now()), 'INVALID_SESSION_DATA')
  throwsCode(() => host.acceptInit(craftInit(host.publicKey, wallet, 'not json'), now()), 'INVALID_SESSION_DATA')
  assert.equal(host.size, 0)
})

test('SESSION_KEY_NOT_FOUND: before init, unknown session, after close', () => {
  const host = new native.HostSession({ hostPrivateKey: native.generateSecretKey() })
  const client = new native.ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: native.generateSecretKey() })
  throwsCode(() => client.sealPrompt('m0', 'Hi'), 'SESSION_KEY_NOT_FOUND')
  throwsCode(() => host.sealFinal('nope', null, 'stop', now()), 'SESSION_KEY_NOT_FOUND')
  const pair = connectedPair()
  const prompt = pair.client.sealPrompt('m0', 'Hi')
  pair.host.remove('session-1')
  throwsCode(() => pair.host.openMessage(prompt, now()), 'SESSION_KEY_NOT_FOUND')
  pair.client.close()
  throwsCode(() => pair.client.sealPrompt('m1', 'Hi'), 'SESSION_KEY_NOT_FOUND')
  throwsCode(() => pair.client.initMessage(params), 'SESSION_KEY_NOT_FOUND')
})

test('INVALID_MESSAGE, ENCRYPTION_REQUIRED, and host error frames as events', () => {
  const { host, client, init } = connectedPair()
  throwsCode(() => client.open('not json'), 'INVALID_MESSAGE')
  throwsCode(() => client.open('{"type":"no_such_frame"}'), 'INVALID_MESSAGE')
  throwsCode(() => host.acceptInit(client.sealPrompt('m0', 'Hi'), now()), 'INVALID_MESSAGE')
  throwsCode(() => host.openMessage(init, now()), 'INVALID_MESSAGE')
  throwsCode(() => client.open(JSON.stringify({ type: 'stream_chunk', session_id: 'session-1', id: 'm0', content: 'leak', index: 0 })), 'ENCRYPTION_REQUIRED')
  const event = client.open(JSON.stringify({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', id: 'm0' }))
  assert.deepEqual(event, { type: 'error', id: 'm0', code: 'RATE_LIMITED', message: 'slow down' })
  assert.deepEqual(client.open('{"type":"pong"}'), { type: 'pong' })
  assert.deepEqual(client.open('{"type":"connected","version":"1","encryption":true}'), { type: 'connected', version: '1', encryption: true })
})

test('SESSION_ID_IN_USE and TOO_MANY_SESSIONS', () => {
  const host = new native.HostSession({ hostPrivateKey: native.generateSecretKey(), capacity: 1 })
  const a = new native.ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: native.generateSecretKey() })
  const b = new native.ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: native.generateSecretKey() })
  host.acceptInit(a.initMessage(params), now())
  throwsCode(() => host.acceptInit(b.initMessage(params), now()), 'SESSION_ID_IN_USE')
  throwsCode(() => host.acceptInit(b.initMessage({ ...params, sessionId: 'other' }), now()), 'TOO_MANY_SESSIONS')
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

test('Promise variants reject with coded errors', async () => {
  const { host, init } = connectedPair()
  await rejectsCode(host.acceptInitAsync(init, now()), 'REPLAY_DETECTED')
  const other = new native.HostSession({ hostPrivateKey: native.generateSecretKey() })
  await rejectsCode(other.acceptInitAsync(init, now()), 'DECRYPTION_FAILED')
})

test('INVALID_ARGUMENT: wrong argument types and values', async () => {
  const host = new native.HostSession({ hostPrivateKey: native.generateSecretKey() })
  const wallet = native.generateSecretKey()
  const client = new native.ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: wallet })
  const cases = [
    () => new native.ClientSession(),
    () => new native.ClientSession({ hostPublicKey: 5 }),
    () => new native.ClientSession({ hostPublicKey: host.publicKey }),
    () => new native.ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: wallet, scheme: 'EIP191' }),
    () => new native.HostSession({ hostPrivateKey: wallet, capacity: 0 }),
    () => new native.HostSession({}),
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
    () => host.acceptInit({}, now()),
    () => host.acceptInit('{}', 'now'),
    () => host.acceptInit('{}', -5),
    () => host.sealChunk({ sessionId: 's', index: 1.5, text: 'x' }, now()),
    () => host.sealFinal('s', 7, 'stop', now()),
    () => native.publicKeyFromSecret(Buffer.alloc(32)),
    () => native.signMessage(() => 1, wallet, now()),
    () => native.signMessage({ a: 1 }, wallet, now(), { scheme: 'v2' }),
    () => native.verifyMessage('{}', now(), { maxAgeSecs: -1 }),
  ]
  for (const [i, call] of cases.entries()) {
    const error = throwsCode(call, 'INVALID_ARGUMENT')
    assert.match(error.message, /invalid argument `/, `case ${i}`)
  }
  const signerClient = new native.ClientSession({ hostPublicKey: host.publicKey, signer: nobleSigner(wallet) })
  await rejectsCode((async () => signerClient.initMessageAsync(params))(), 'INVALID_ARGUMENT')
})

test('messages never carry the secret key', () => {
  const secret = 'ab'.repeat(31) + 'zz'
  const error = throwsCode(() => native.publicKeyFromSecret(secret), 'INVALID_HEX_ENCODING')
  assert.ok(!error.message.includes('abab'), error.message)
})
