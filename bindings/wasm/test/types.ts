// Compiled (not run) by scripts/test.sh with `tsc --noEmit --strict`: the generated declarations
// describe what a TypeScript app writes against the package.
import init, { ClientSession, verifyMessage, verifyFeed, blsVerify, generateSecretKey } from '../pkg/web/confide_wasm.js'
import type { ClientEvent, ConfideError, FeedReport, Verified } from '../pkg/web/confide_wasm.js'

export async function chat(hostPublicKey: string, socket: WebSocket): Promise<void> {
  await init()
  const client = new ClientSession({ hostPublicKey, walletPrivateKey: generateSecretKey(), scheme: 'sdk-transcript' })
  const signed = new ClientSession({ hostPublicKey, signer: (digest: Uint8Array) => digest })
  signed.free()
  socket.send(client.initMessage({ sessionId: 's', jobId: 1, chainId: 84532, modelName: 'demo', pricePerToken: 2000n }))
  socket.send(client.sealPrompt('m1', { prompt: 'Hi', max_tokens: 8 }))
  socket.onmessage = ({ data }: MessageEvent<string>) => {
    const event: ClientEvent = client.open(data)
    switch (event.type) {
      case 'chunk':
        console.log(event.index, event.text)
        break
      case 'end':
        if (event.verified && event.receipt) {
          const verified: Verified = verifyMessage(event.receipt, Math.floor(Date.now() / 1000), { maxAgeSecs: 60 })
          console.log(verified.signer, event.usage?.completionTokens)
        }
        break
      case 'error':
        console.log(event.code, event.tokenLimit?.contextWindowSize)
        break
    }
  }
  try {
    const report: FeedReport = verifyFeed('{}', 0, { trustedCertifiers: ['https://llmca.org'] })
    console.log(report.trustLevel, blsVerify('00', new Uint8Array(1), '00', 'pop'))
  } catch (error) {
    console.log((error as ConfideError).code, (error as ConfideError).number)
  }
  console.log(client.clientAddress ?? 'not yet', client.scheme)
}
