// A whole client ⇄ host exchange in JavaScript, for both schemes, with a wallet key and with a
// signer callback, synchronous and Promise variants.
import test from 'node:test'
import assert from 'node:assert/strict'
import { native, now, nobleSigner, connectedPair } from './helpers.mjs'

for (const scheme of ['eip191', 'sdk-transcript']) {
  for (const signer of [false, true]) {
    test(`full exchange: ${scheme}, ${signer ? 'signer callback' : 'wallet key'}`, () => {
      const { host, client, accepted, ack, walletKey } = connectedPair({ scheme, signer })
      const address = native.addressFromPublicKey(native.publicKeyFromSecret(walletKey))
      assert.equal(accepted.clientAddress, address)
      assert.equal(accepted.scheme, scheme)
      assert.equal(accepted.jobId, '42')
      assert.equal(accepted.modelName, 'demo')
      assert.equal(accepted.pricePerToken, 2000)
      assert.deepEqual(ack, { type: 'ack', clientAddress: address })
      assert.equal(client.clientAddress, address)
      assert.equal(client.scheme, scheme)

      for (const [n, prompt] of ['Hi', { messages: [{ role: 'user', content: 'Hey' }], max_tokens: 8 }].entries()) {
        const id = `m${n}`
        const opened = host.openMessage(client.sealPrompt(id, prompt), now())
        assert.equal(opened.id, id)
        assert.equal(opened.sessionId, 'session-1')
        if (typeof prompt === 'string') assert.deepEqual(opened.prompt, { prompt: 'Hi' })
        else {
          assert.deepEqual(opened.prompt.messages, prompt.messages)
          assert.equal(opened.prompt.max_tokens, 8)
        }
        const words = ['Hello', ' wörld', ' 👋']
        words.forEach((text, index) => {
          const frame = host.sealChunk({ sessionId: 'session-1', id, index, text, final: index === 2 }, now())
          assert.deepEqual(client.open(frame), { type: 'chunk', id, index, text, final: index === 2 })
        })
        assert.deepEqual(client.open(host.sealFinal('session-1', id, 'stop', now())), {
          type: 'final',
          id,
          finishReason: 'stop',
        })
        const end = client.open(
          JSON.stringify({
            type: 'stream_end',
            session_id: 'session-1',
            id,
            reason: 'complete',
            finish_reason: 'stop',
            usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
          }),
        )
        assert.deepEqual(end, {
          type: 'end',
          id,
          finishReason: 'stop',
          usage: { promptTokens: 3, completionTokens: 3, totalTokens: 6 },
        })
      }
      client.close()
      assert.equal(client.clientAddress, null)
    })
  }
}

test('the signer callback gets the 32-byte digest, synchronously', () => {
  const calls = []
  const wallet = native.generateSecretKey()
  const host = new native.HostSession({ hostPrivateKey: native.generateSecretKey() })
  const client = new native.ClientSession({ hostPublicKey: host.publicKey, signer: nobleSigner(wallet, calls) })
  const init = client.initMessage({ sessionId: 's', jobId: '7', chainId: 1, modelName: 'm', pricePerToken: 1n })
  assert.equal(calls.length, 1)
  assert.ok(calls[0] instanceof Uint8Array)
  assert.equal(calls[0].length, 32)
  const frame = JSON.parse(init)
  assert.equal(frame.job_id, '7')
  assert.equal(host.acceptInit(init, now()).clientAddress, native.addressFromPublicKey(native.publicKeyFromSecret(wallet)))
})

test('Promise variants: initMessageAsync, acceptInitAsync', async () => {
  const host = new native.HostSession({ hostPrivateKey: native.generateSecretKey(), capacity: 8, idleTimeoutSecs: 60 })
  const client = new native.ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: native.generateSecretKey() })
  const params = { sessionId: 'async', jobId: 1, chainId: 84532, modelName: 'demo', pricePerToken: 5, id: 'init-1' }
  const init = await client.initMessageAsync(params)
  const accepted = await host.acceptInitAsync(init, now())
  assert.equal(accepted.id, 'init-1')
  assert.equal(client.open(accepted.ackFrame).clientAddress, accepted.clientAddress)
  assert.equal(host.size, 1)
  // Re-keying the same session id from the same client.
  const again = await host.acceptInitAsync(await client.initMessageAsync(params), now())
  assert.equal(again.rekeyed, true)
  assert.equal(host.size, 1)
  assert.equal(host.remove('async'), true)
  assert.equal(host.size, 0)
})

test('numeric session ids are addressed by their decimal form; expire drops idle sessions', () => {
  const host = new native.HostSession({ hostPrivateKey: native.generateSecretKey(), idleTimeoutSecs: 10 })
  const client = new native.ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: native.generateSecretKey() })
  const init = JSON.parse(client.initMessage({ sessionId: 'x', jobId: 1, chainId: 1, modelName: 'm', pricePerToken: 1 }))
  init.session_id = 77
  const t = now()
  const accepted = host.acceptInit(JSON.stringify(init), t)
  assert.equal(accepted.sessionId, '77')
  assert.ok(JSON.parse(host.sealFinal('77', null, 'stop', t)).session_id === 77)
  assert.equal(host.expire(t + 5), 0)
  assert.equal(host.expire(t + 11), 1)
})

test('signed messages: sign, verify (sync and async), receipt-style payloads', async () => {
  const key = native.generateSecretKey()
  const address = native.addressFromPublicKey(native.publicKeyFromSecret(key))
  const t = now()
  const envelope = native.signMessage({ hello: 'world', n: 1 }, key, t, { nonce: 7 })
  const verified = native.verifyMessage(envelope, t + 1)
  assert.deepEqual(verified, { signer: address, bound: true, scheme: 'confide-v1', warnings: [], payload: '{"hello":"world","n":1}' })
  assert.deepEqual(await native.verifyMessageAsync(envelope, t + 1, { maxAgeSecs: 10 }), verified)
  const lloom = native.signMessage('{"a":1}', key, t, { scheme: 'lloom-v1', nonce: 9n })
  const v2 = native.verifyMessage(lloom, t)
  assert.equal(v2.scheme, 'lloom-v1')
  assert.equal(v2.bound, false)
  assert.ok(v2.warnings.includes('unbound-metadata'))
})
