//! The TypeScript declarations of the plain JS objects the package takes and returns (the
//! functions and classes are declared by wasm-bindgen from their signatures). The objects
//! themselves are read field by field in `args` and built from the core's JSON, so these only
//! describe them.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Options of `new ClientSession(…)`. Give `walletPrivateKey` or `signer`. */
export interface ClientSessionOptions {
  /** The host's public key: hex of its SEC1 encoding (33 or 65 bytes), from `/v1/info`. */
  hostPublicKey: string
  /** The wallet key signing the init (64 hex digits, optionally `0x`-prefixed). */
  walletPrivateKey?: string
  /** An external signer, called synchronously with the 32-byte digest; returns 65 bytes r ‖ s ‖ v. */
  signer?: (digest: Uint8Array) => Uint8Array
  /** How the init is signed: `'eip191'` (default) or `'sdk-transcript'` (the deployed SDK's). */
  scheme?: 'eip191' | 'sdk-transcript'
}

/** What `initMessage` tells the host. */
export interface InitMessageParams {
  sessionId: string
  /** A number is sent as a JSON number, a string as a JSON string. */
  jobId: number | string
  chainId: number
  modelName: string
  pricePerToken: number | bigint
  /** Echoed in the host's ack. */
  id?: string
  /** Unix seconds sent inside the encrypted session data (default: `Date.now()`). */
  timestamp?: number
}

/** Token counts of one response. */
export interface Usage {
  promptTokens: number
  completionTokens: number
  totalTokens: number
  contextWindowSize?: number
}

/** A host frame, decrypted and checked, discriminated by `type`. */
export type ClientEvent =
  | { type: 'connected'; version: string; encryption: boolean }
  | { type: 'pong' }
  | { type: 'ack'; clientAddress: string }
  | { type: 'chunk'; id?: string; index: number; text: string; final: boolean }
  | { type: 'final'; id?: string; finishReason: string }
  | {
      type: 'end'
      id?: string
      finishReason?: string
      usage?: Usage
      /** The host's signed usage receipt (envelope JSON), already verified when `verified`. */
      receipt?: string
      /** True when `open` verified the receipt against this response and this host key. */
      verified: boolean
      maxTokensCapped: boolean
    }
  | {
      type: 'error'
      id?: string
      code: string
      message: string
      tokenLimit?: { promptTokens: number; contextWindowSize: number }
    }

/** A wallet (or HSM…) signing for `signMessage`: `sign` gets the 32-byte digest, returns 65 bytes r ‖ s ‖ v. */
export interface MessageSigner {
  address?: string
  sign(digest: Uint8Array): Uint8Array
}

/** Options of `signMessage`. */
export interface SignMessageOptions {
  nonce?: number | bigint
  scheme?: 'confide-v1' | 'lloom-v1'
}

/** What `verifyMessage` accepts (defaults: 300 s age and skew, signatures required). */
export interface VerifyMessagePolicy {
  maxAgeSecs?: number
  maxFutureSkewSecs?: number
  requireSignatures?: boolean
  requireBoundScheme?: boolean
}

/** A verified envelope. */
export interface Verified {
  /** The signer's EIP-55 address (null for an unsigned envelope the policy accepted). */
  signer: string | null
  bound: boolean
  scheme: 'confide-v1' | 'lloom-v1'
  warnings: Array<'unsigned' | 'unbound-metadata' | 'timestamp-outside-window'>
  /** The payload JSON exactly as it appears in the envelope. */
  payload: string
}

/** Options of `verifyFeed`: keys as PEM, 64 hex digits or base64; a policy feed as JSON text. */
export interface VerifyFeedOptions {
  key?: string
  certifierKey?: string
  trustedCertifiers?: string[]
  policy?: string
}

/** The trust report of a feed (LLMFEED.md). */
export interface FeedReport {
  trustLevel: 'certified' | 'signed' | 'unsigned' | 'invalid'
  signature?: {
    valid: boolean
    algorithm: string | null
    canonicalization: string | null
    signedBlocks: string[]
    createdAt: string | null
    publicKeyHint: string | null
    error?: { code: string; message: string }
  } | null
  certification: {
    status: 'absent' | 'valid' | 'expired' | 'invalid' | 'untrusted_certifier' | 'unverifiable'
    certifier: string | null
    expiresAt: string | null
  }
  trustedBlocks: string[]
  untrustedBlocks: string[]
  warnings: string[]
}

/** Every error this package throws: `code` is the core's stable code string, `number` its number. */
export interface ConfideError extends Error {
  code: string
  number: number
}
"#;
