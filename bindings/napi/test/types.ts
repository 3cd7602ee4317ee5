// Compile-only check of the TypeScript surface (`tsc --noEmit`): SDK-style code written against
// index.d.ts. Never run.
import {
  ClientSession,
  HostConnection,
  HostEndpoint,
  Verifier,
  addressFromPublicKey,
  generateSecretKey,
  publicKeyFromSecret,
  signMessage,
  verifyMessage,
  verifyMessageAsync,
  type ClientEvent,
  type HostOutput,
  type MessageSigner,
  type Verified,
  type VerifyMessagePolicy,
} from '../index.js'

const hostKey: string = generateSecretKey()
const nowMs = Date.now()
const host = new HostEndpoint({ hostPrivateKey: hostKey }, nowMs)
const connection = new HostConnection(host, nowMs)
const wallet = generateSecretKey()
const address: string = addressFromPublicKey(publicKeyFromSecret(wallet))

const client = new ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: wallet, scheme: 'eip191' })
const external = new ClientSession({
  hostPublicKey: host.publicKey,
  signer: (digest: Uint8Array): Uint8Array => new Uint8Array(65).fill(digest[0] ?? 0),
  scheme: 'sdk-transcript',
})
const init: string = client.initMessage({
  sessionId: 's',
  jobId: 1,
  chainId: 84532,
  modelName: 'demo',
  pricePerToken: 10n,
  id: 'init',
  timestamp: Math.floor(nowMs / 1000),
})
external.initMessage({ sessionId: 's2', jobId: '42', chainId: 1, modelName: 'm', pricePerToken: 1 })
const now = Math.floor(Date.now() / 1000)
const scheme: 'eip191' | 'sdk-transcript' = client.scheme

/** The frames among a host call's outputs. */
function framesOf(outputs: HostOutput[]): string[] {
  return outputs.flatMap((output) => (output.type === 'frame' ? [output.text] : []))
}

function handle(event: ClientEvent): string {
  switch (event.type) {
    case 'ack':
      return event.clientAddress
    case 'chunk':
      return `${event.index}${event.final ? '!' : ''}${event.text}`
    case 'final':
      return event.finishReason
    case 'end':
      return `${event.usage?.completionTokens ?? 0} ${event.verified && event.receipt ? verifyMessage(event.receipt, now).signer : 'unverified'}`
    case 'error':
      return `${event.code}: ${event.message}`
    case 'connected':
      return event.version
    case 'pong':
      return 'pong'
  }
}

framesOf(connection.handleFrame(init, nowMs)).forEach((frame) => handle(client.open(frame)))
for (const output of connection.handleFrame(client.sealPrompt('m0', { prompt: 'Hi', max_tokens: 8 }), nowMs)) {
  if (output.type !== 'start') continue
  const prompt: Record<string, unknown> = output.request
  void prompt
  connection.generationText(output.id, 'Hello', 1, nowMs)
  const finish = { finishReason: 'stop' as const, promptTokens: 3, completionTokens: 1 }
  framesOf(connection.generationFinished(output.id, finish, nowMs)).forEach((frame) => handle(client.open(frame)))
}
client.sealPrompt('m1', 'plain text')
client.close()

async function asyncCalls(): Promise<void> {
  const frame: string = await client.initMessageAsync({ sessionId: 'a', jobId: 2, chainId: 1, modelName: 'm', pricePerToken: 1 })
  const ok: HostOutput[] = connection.handleFrame(frame, Date.now())
  const envelope: string = signMessage({ a: 1 }, wallet, now, { nonce: 1n, scheme: 'confide-v1' })
  const verified: Verified = await verifyMessageAsync(envelope, now, { maxAgeSecs: 60, requireBoundScheme: true })
  const signer: string | undefined = verified.signer
  void [ok, signer]
}

// signMessage with a wallet callback instead of a secret key; a Verifier with a replay guard.
const walletSigner: MessageSigner = {
  address,
  sign: (digest: Uint8Array): Uint8Array => new Uint8Array(65).fill(digest[0] ?? 0),
}
const lloomSigner: MessageSigner = { sign: walletSigner.sign }
const byWallet: string = signMessage('{"a":1}', walletSigner, now, { nonce: 2 })
signMessage({ a: 1 }, lloomSigner, now, { scheme: 'lloom-v1' })
signMessage({ a: 1 }, wallet, now)
const policy: VerifyMessagePolicy = { maxAgeSecs: 60, maxFutureSkewSecs: 5, requireSignatures: true, requireBoundScheme: true }
const verifier = new Verifier(policy, 10_000)
new Verifier()
new Verifier(undefined, 16)
const checked: Verified = verifier.verify(byWallet, now)
const remembered: number = verifier.remembered
const warnings: string[] = checked.warnings
const messageScheme: 'confide-v1' | 'lloom-v1' = checked.scheme
// @ts-expect-error a MessageSigner needs `sign`
signMessage('{}', { address }, now)
// @ts-expect-error `remembered` is read-only
verifier.remembered = 0

try {
  client.open('{}')
} catch (error) {
  const code: string = (error as Error & { code: string }).code
  void code
}

void [address, scheme, asyncCalls, host.address, remembered, warnings, messageScheme]
