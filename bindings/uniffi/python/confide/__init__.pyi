# Types of the `confide` package (the public API of the generated module). Kept in step with the
# Rust surface by `mypy.stubtest` in bindings/uniffi/scripts/test.sh, which fails when a name or
# signature here differs from the installed package.

import enum

__all__: list[str]

class InternalError(Exception): ...

class ConfideError(Exception):
    class Failure(ConfideError):
        code: str
        reason: str
        def __init__(self, code: str, reason: str) -> None: ...

class SecretKey:
    def __init__(self, *args: object, **kwargs: object) -> None: ...
    @classmethod
    def generate(cls) -> SecretKey: ...
    @classmethod
    def from_hex(cls, hex: str) -> SecretKey: ...
    def to_hex(self) -> str: ...
    def public_key(self) -> str: ...
    def address(self) -> str: ...

def address_from_public_key(public_key: str) -> str: ...

class WalletSigner:
    def address(self) -> str | None: ...
    def sign_digest(self, digest: bytes) -> bytes: ...

class SignatureScheme(enum.Enum):
    EIP191 = 0
    SDK_TRANSCRIPT = 1

class InitParams:
    session_id: str
    job_id: int
    chain_id: int
    model_name: str
    price_per_token: int
    id: str | None
    timestamp: int | None
    def __init__(
        self,
        *,
        session_id: str,
        job_id: int,
        chain_id: int,
        model_name: str,
        price_per_token: int,
        id: str | None = ...,
        timestamp: int | None = ...,
    ) -> None: ...

class Usage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    context_window_size: int | None
    def __init__(
        self,
        *,
        prompt_tokens: int,
        completion_tokens: int,
        total_tokens: int,
        context_window_size: int | None,
    ) -> None: ...

class TokenLimit:
    prompt_tokens: int
    context_window_size: int
    def __init__(self, *, prompt_tokens: int, context_window_size: int) -> None: ...

class ClientEvent:
    def __init__(self) -> None: ...
    class CONNECTED(ClientEvent):
        version: str
        encryption: bool
        def __init__(self, version: str, encryption: bool) -> None: ...
    class PONG(ClientEvent):
        def __init__(self) -> None: ...
    class ACK(ClientEvent):
        client_address: str
        def __init__(self, client_address: str) -> None: ...
    class CHUNK(ClientEvent):
        id: str | None
        index: int
        text: str
        last: bool
        def __init__(self, id: str | None, index: int, text: str, last: bool) -> None: ...
    class FINAL(ClientEvent):
        id: str | None
        finish_reason: str
        def __init__(self, id: str | None, finish_reason: str) -> None: ...
    class END(ClientEvent):
        id: str | None
        finish_reason: str | None
        usage: Usage | None
        receipt: str | None
        verified: bool
        max_tokens_capped: bool
        def __init__(
            self,
            id: str | None,
            finish_reason: str | None,
            usage: Usage | None,
            receipt: str | None,
            verified: bool,
            max_tokens_capped: bool,
        ) -> None: ...
    class ERROR(ClientEvent):
        id: str | None
        code: str
        message: str
        token_limit: TokenLimit | None
        def __init__(
            self, id: str | None, code: str, message: str, token_limit: TokenLimit | None
        ) -> None: ...
    def is_CONNECTED(self) -> bool: ...
    def is_connected(self) -> bool: ...
    def is_PONG(self) -> bool: ...
    def is_pong(self) -> bool: ...
    def is_ACK(self) -> bool: ...
    def is_ack(self) -> bool: ...
    def is_CHUNK(self) -> bool: ...
    def is_chunk(self) -> bool: ...
    def is_FINAL(self) -> bool: ...
    def is_final(self) -> bool: ...
    def is_END(self) -> bool: ...
    def is_end(self) -> bool: ...
    def is_ERROR(self) -> bool: ...
    def is_error(self) -> bool: ...

class ClientSession:
    def __init__(
        self, host_public_key: str, wallet_key: SecretKey, scheme: SignatureScheme | None = ...
    ) -> None: ...
    @classmethod
    def with_signer(
        cls, host_public_key: str, signer: WalletSigner, scheme: SignatureScheme | None = ...
    ) -> ClientSession: ...
    def init_message(self, params: InitParams) -> str: ...
    async def init_message_async(self, params: InitParams) -> str: ...
    def seal_prompt(self, id: str, prompt: str) -> str: ...
    def seal_request(self, id: str, request_json: str) -> str: ...
    def open(self, frame: str) -> ClientEvent: ...
    def close(self) -> None: ...
    def client_address(self) -> str | None: ...
    def scheme(self) -> SignatureScheme: ...

class HostLimits:
    max_sessions: int | None
    max_sessions_per_connection: int | None
    session_ttl_secs: int | None
    max_generations_per_connection: int | None
    frames_per_second: int | None
    inits_per_second: int | None
    replay_capacity: int | None
    signed_request_capacity: int | None
    max_messages_per_session: int | None
    max_auth_failures: int | None
    init_freshness_secs: int | None
    def __init__(
        self,
        *,
        max_sessions: int | None = ...,
        max_sessions_per_connection: int | None = ...,
        session_ttl_secs: int | None = ...,
        max_generations_per_connection: int | None = ...,
        frames_per_second: int | None = ...,
        inits_per_second: int | None = ...,
        replay_capacity: int | None = ...,
        signed_request_capacity: int | None = ...,
        max_messages_per_session: int | None = ...,
        max_auth_failures: int | None = ...,
        init_freshness_secs: int | None = ...,
    ) -> None: ...

class HostPolicy:
    require_encryption: bool
    require_signed_requests: bool
    require_fresh_init: bool
    def __init__(
        self,
        *,
        require_encryption: bool = ...,
        require_signed_requests: bool = ...,
        require_fresh_init: bool = ...,
    ) -> None: ...

class HostAuthorizer:
    def allows(self, client_address: str) -> bool: ...

class HostEndpoint:
    def __init__(
        self,
        host_key: SecretKey,
        now_ms: int,
        limits: HostLimits | None = ...,
        policy: HostPolicy | None = ...,
        version: str | None = ...,
        authorizer: HostAuthorizer | None = ...,
    ) -> None: ...
    def public_key(self) -> str: ...
    def address(self) -> str: ...
    def encrypted_sessions(self) -> int: ...

class FinishReason(enum.Enum):
    STOP = 0
    LENGTH = 1
    CANCELLED = 2

class HostOutput:
    def __init__(self) -> None: ...
    class FRAME(HostOutput):
        text: str
        def __init__(self, text: str) -> None: ...
    class CLOSE(HostOutput):
        code: int
        reason: str
        def __init__(self, code: int, reason: str) -> None: ...
    class START(HostOutput):
        id: int
        session_id: str
        request_id: str | None
        model: str | None
        request_json: str
        encrypted: bool
        def __init__(
            self,
            id: int,
            session_id: str,
            request_id: str | None,
            model: str | None,
            request_json: str,
            encrypted: bool,
        ) -> None: ...
    class CANCEL(HostOutput):
        id: int
        def __init__(self, id: int) -> None: ...
    def is_FRAME(self) -> bool: ...
    def is_frame(self) -> bool: ...
    def is_CLOSE(self) -> bool: ...
    def is_close(self) -> bool: ...
    def is_START(self) -> bool: ...
    def is_start(self) -> bool: ...
    def is_CANCEL(self) -> bool: ...
    def is_cancel(self) -> bool: ...

class HostConnection:
    def __init__(self, endpoint: HostEndpoint, now_ms: int) -> None: ...
    def greeting(self) -> str: ...
    def handle_frame(self, frame: str, now_ms: int) -> list[HostOutput]: ...
    async def handle_frame_async(self, frame: str, now_ms: int) -> list[HostOutput]: ...
    def handle_binary(self, frame: bytes, now_ms: int) -> list[HostOutput]: ...
    def generation_text(self, id: int, text: str, tokens: int, now_ms: int) -> list[HostOutput]: ...
    def generation_finished(
        self,
        id: int,
        finish_reason: FinishReason,
        prompt_tokens: int,
        completion_tokens: int,
        now_ms: int,
    ) -> list[HostOutput]: ...
    def generation_failed(self, id: int, code: str, message: str, now_ms: int) -> list[HostOutput]: ...
    def expire(self, now_ms: int) -> None: ...
    def session_count(self) -> int: ...
    def close(self) -> list[HostOutput]: ...

class MessageScheme(enum.Enum):
    CONFIDE_V1 = 0
    LLOOM_V1 = 1

class VerifyWarning(enum.Enum):
    UNSIGNED = 0
    UNBOUND_METADATA = 1
    TIMESTAMP_OUTSIDE_WINDOW = 2

class VerifyPolicy:
    max_age_secs: int | None
    max_future_skew_secs: int | None
    require_signatures: bool | None
    require_bound_scheme: bool | None
    def __init__(
        self,
        *,
        max_age_secs: int | None = ...,
        max_future_skew_secs: int | None = ...,
        require_signatures: bool | None = ...,
        require_bound_scheme: bool | None = ...,
    ) -> None: ...

class Verified:
    signer: str | None
    bound: bool
    scheme: MessageScheme
    warnings: list[VerifyWarning]
    payload_json: str
    def __init__(
        self,
        *,
        signer: str | None,
        bound: bool,
        scheme: MessageScheme,
        warnings: list[VerifyWarning],
        payload_json: str,
    ) -> None: ...

def sign_message(
    payload_json: str,
    key: SecretKey,
    timestamp: int,
    nonce: int | None = ...,
    scheme: MessageScheme | None = ...,
) -> str: ...
def sign_message_with_signer(
    payload_json: str,
    signer: WalletSigner,
    timestamp: int,
    nonce: int | None = ...,
    scheme: MessageScheme | None = ...,
) -> str: ...
def verify_message(envelope_json: str, now: int, policy: VerifyPolicy | None = ...) -> Verified: ...
async def verify_message_async(
    envelope_json: str, now: int, policy: VerifyPolicy | None = ...
) -> Verified: ...

class Verifier:
    def __init__(self, policy: VerifyPolicy | None = ..., capacity: int | None = ...) -> None: ...
    def verify(self, envelope_json: str, now: int) -> Verified: ...
    def remembered(self) -> int: ...

def workers_in_flight() -> int: ...

class TrustLevel(enum.Enum):
    CERTIFIED = 0
    SIGNED = 1
    UNSIGNED = 2
    INVALID = 3

class CertificationStatus(enum.Enum):
    ABSENT = 0
    VALID = 1
    EXPIRED = 2
    INVALID = 3
    UNTRUSTED_CERTIFIER = 4
    UNVERIFIABLE = 5

class VerifyFeedOptions:
    key: str | None
    certifier_key: str | None
    trusted_certifiers: list[str]
    policy: str | None
    def __init__(
        self,
        *,
        key: str | None = ...,
        certifier_key: str | None = ...,
        trusted_certifiers: list[str] = ...,
        policy: str | None = ...,
    ) -> None: ...

class SignFeedOptions:
    blocks: list[str] | None
    key_hint: str | None
    canonicalization: str | None
    def __init__(
        self,
        *,
        blocks: list[str] | None = ...,
        key_hint: str | None = ...,
        canonicalization: str | None = ...,
    ) -> None: ...

class FeedError:
    code: str
    message: str
    def __init__(self, *, code: str, message: str) -> None: ...

class FeedSignature:
    valid: bool
    algorithm: str | None
    canonicalization: str | None
    signed_blocks: list[str]
    created_at: str | None
    public_key_hint: str | None
    error: FeedError | None
    def __init__(
        self,
        *,
        valid: bool,
        algorithm: str | None,
        canonicalization: str | None,
        signed_blocks: list[str],
        created_at: str | None,
        public_key_hint: str | None,
        error: FeedError | None,
    ) -> None: ...

class FeedCertification:
    status: CertificationStatus
    certifier: str | None
    expires_at: str | None
    def __init__(
        self, *, status: CertificationStatus, certifier: str | None, expires_at: str | None
    ) -> None: ...

class FeedReport:
    trust_level: TrustLevel
    signature: FeedSignature | None
    certification: FeedCertification
    trusted_blocks: list[str]
    untrusted_blocks: list[str]
    warnings: list[str]
    def __init__(
        self,
        *,
        trust_level: TrustLevel,
        signature: FeedSignature | None,
        certification: FeedCertification,
        trusted_blocks: list[str],
        untrusted_blocks: list[str],
        warnings: list[str],
    ) -> None: ...

def verify_feed(feed: str, now: int, options: VerifyFeedOptions | None = ...) -> FeedReport: ...
async def verify_feed_async(
    feed: str, now: int, options: VerifyFeedOptions | None = ...
) -> FeedReport: ...
def sign_feed(
    feed: str, secret_key: str, now: int, options: SignFeedOptions | None = ...
) -> str: ...

class BlsCiphersuite(enum.Enum):
    POP = 0
    LUX_BASIC = 1

class BlsSecretKey:
    def __init__(self, *args: object, **kwargs: object) -> None: ...
    @classmethod
    def generate(cls) -> BlsSecretKey: ...
    @classmethod
    def from_bytes(cls, bytes: bytes) -> BlsSecretKey: ...
    def public_key(self) -> bytes: ...
    def proof_of_possession(self) -> bytes: ...
    def sign(self, message: bytes, ciphersuite: BlsCiphersuite | None = ...) -> bytes: ...

def bls_verify(
    public_key: bytes, message: bytes, signature: bytes, ciphersuite: BlsCiphersuite | None = ...
) -> bool: ...
def bls_fast_aggregate_verify(
    public_keys: list[bytes],
    message: bytes,
    signature: bytes,
    ciphersuite: BlsCiphersuite | None = ...,
) -> bool: ...
async def bls_fast_aggregate_verify_async(
    public_keys: list[bytes],
    message: bytes,
    signature: bytes,
    ciphersuite: BlsCiphersuite | None = ...,
) -> bool: ...
def bls_aggregate_signatures(signatures: list[bytes]) -> bytes: ...
def bls_aggregate_public_keys(public_keys: list[bytes]) -> bytes: ...

class WarpCodec(enum.Enum):
    AVALANCHE = 0
    LUX_RLP = 1

class WarpUnsignedMessage:
    def __init__(
        self,
        network_id: int,
        source_chain_id: bytes,
        payload: bytes,
        codec: WarpCodec | None = ...,
    ) -> None: ...
    @classmethod
    def parse(cls, bytes: bytes, codec: WarpCodec | None = ...) -> WarpUnsignedMessage: ...
    def network_id(self) -> int: ...
    def source_chain_id(self) -> bytes: ...
    def payload(self) -> bytes: ...
    def id(self) -> bytes: ...
    def to_bytes(self) -> bytes: ...

class WarpSignedMessage:
    def __init__(
        self, unsigned_message: WarpUnsignedMessage, signers: bytes, signature: bytes
    ) -> None: ...
    @classmethod
    def parse(cls, bytes: bytes, codec: WarpCodec | None = ...) -> WarpSignedMessage: ...
    def unsigned_message(self) -> WarpUnsignedMessage: ...
    def signers(self) -> bytes: ...
    def signer_indices(self) -> list[int]: ...
    def signature(self) -> bytes: ...
    def to_bytes(self) -> bytes: ...

class WarpVerified:
    signed_weight: int
    total_weight: int
    signers: list[str]
    def __init__(self, *, signed_weight: int, total_weight: int, signers: list[str]) -> None: ...

class WarpValidatorSet:
    def __init__(self, *args: object, **kwargs: object) -> None: ...
    @classmethod
    def from_json(cls, json: str) -> WarpValidatorSet: ...
    def length(self) -> int: ...
    def total_weight(self) -> int: ...
    def verify(
        self,
        message: WarpSignedMessage,
        network_id: int,
        quorum_numerator: int,
        quorum_denominator: int,
        ciphersuite: BlsCiphersuite | None = ...,
    ) -> WarpVerified: ...
    async def verify_async(
        self,
        message: WarpSignedMessage,
        network_id: int,
        quorum_numerator: int,
        quorum_denominator: int,
        ciphersuite: BlsCiphersuite | None = ...,
    ) -> WarpVerified: ...
