//! The signing side of a node: the core's LP-118 handler behind `POST /v1/warp/signature`, and the
//! node's Warp identity in `/v1/info`.

use confide_core::warp::bls::BlsSecretKey;
use confide_core::warp::{
    Handler, HandlerConfig, HandlerError, LocalSigner, Lp118ErrorCode, OwnChainVerifier,
};
use serde_json::{Map, Value, json};

use super::args::WarpServeArgs;

/// What a node needs to answer signature requests.
pub struct WarpNode {
    args: WarpServeArgs,
    /// `None` without a BLS key: requests are answered 503 with code 3.
    handler: Option<Handler<OwnChainVerifier, LocalSigner>>,
}

/// An HTTP answer: status, content type, body.
pub type Answer = (u16, &'static str, Vec<u8>);

impl WarpNode {
    /// A node signing with `key` (none: it does not sign) under `args`.
    pub fn new(args: WarpServeArgs, key: Option<BlsSecretKey>) -> Self {
        let handler = key.map(|key| {
            let signer =
                LocalSigner::new(key, args.network_id, args.source_chain_id, args.ciphersuite);
            let verifier = OwnChainVerifier {
                network_id: args.network_id,
                source_chain_id: args.source_chain_id,
            };
            let config = HandlerConfig {
                codec: args.codec,
                rate_per_second: args.rate_limit.max(1),
                rate_burst: args.rate_limit.max(1).saturating_mul(2),
                ..HandlerConfig::default()
            };
            Handler::new(verifier, signer, config)
        });
        Self { args, handler }
    }

    /// Whether the node signs (it has a BLS key).
    pub fn signs(&self) -> bool {
        self.handler.is_some()
    }

    /// The `/v1/info` fields: `blsPublicKey`, `blsProofOfPossession` (0x hex, null without a key),
    /// `networkId`, `sourceChainId`.
    pub fn info_fields(&self) -> Map<String, Value> {
        let signer = self.handler.as_ref().map(Handler::signer);
        let mut fields = Map::new();
        fields.insert(
            "blsPublicKey".into(),
            json!(signer.map(|s| s.public_key().to_hex())),
        );
        fields.insert(
            "blsProofOfPossession".into(),
            json!(signer.map(|s| s.proof_of_possession().to_hex())),
        );
        fields.insert("networkId".into(), json!(self.args.network_id));
        fields.insert(
            "sourceChainId".into(),
            json!(confide_core::hex::encode_prefixed(
                &self.args.source_chain_id
            )),
        );
        fields
    }

    /// Answers a request body from `peer` at `now_ms`: 200 with the 96 signature bytes, or an error
    /// status with `{"code":N,"message":"…"}` (1 → 400, 2 → 422, 3 → 500/503, 4 → 404; a rate-limited
    /// peer gets 429). Blocking work (a signature costs ~1 ms): run it off the async runtime.
    pub fn answer(&self, peer: &str, now_ms: u64, body: &[u8]) -> Answer {
        let Some(handler) = &self.handler else {
            return error(
                503,
                Some(Lp118ErrorCode::SignError),
                "this node has no BLS key (set BLS_PRIVATE_KEY): it does not sign",
            );
        };
        match handler.handle(peer, now_ms, body) {
            Ok(signature) => (200, "application/octet-stream", signature.to_vec()),
            Err(err) => handler_error(&err),
        }
    }
}

fn handler_error(err: &HandlerError) -> Answer {
    let status = match err.lp118_code() {
        None => 429,
        Some(Lp118ErrorCode::ParseError) => 400,
        Some(Lp118ErrorCode::VerifyError) => 422,
        Some(Lp118ErrorCode::SignError) => 500,
        Some(Lp118ErrorCode::NotFound) => 404,
    };
    error(status, err.lp118_code(), err.error().message())
}

fn error(status: u16, code: Option<Lp118ErrorCode>, message: &str) -> Answer {
    let body = json!({
        "code": code.map(Lp118ErrorCode::number),
        "message": message,
    });
    (status, "application/json", body.to_string().into_bytes())
}

#[cfg(test)]
mod tests {
    use confide_core::warp::{Codec, SignatureRequest, UnsignedMessage};

    use super::*;

    fn args() -> WarpServeArgs {
        WarpServeArgs {
            network_id: 7,
            source_chain_id: [3; 32],
            codec: Codec::Avalanche,
            ciphersuite: confide_core::warp::bls::Ciphersuite::Pop,
            rate_limit: 1,
        }
    }

    fn request(network_id: u32) -> Vec<u8> {
        let message = UnsignedMessage::new(Codec::Avalanche, network_id, [3; 32], vec![1]).unwrap();
        SignatureRequest {
            message: message.bytes().to_vec(),
            justification: vec![],
        }
        .to_bytes()
        .unwrap()
    }

    #[test]
    fn statuses_and_codes() {
        let key = BlsSecretKey::from_bytes(&[0x11; 32]).unwrap();
        let node = WarpNode::new(args(), Some(key));
        assert_eq!(node.answer("a", 0, &request(7)).0, 200);
        let (status, _, body) = node.answer("b", 0, b"nonsense");
        assert_eq!(status, 400);
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], 1);
        assert_eq!(node.answer("c", 0, &request(8)).0, 422);
        // Rate limit 1/s, burst 2: the third request at once is refused.
        assert_eq!(node.answer("d", 0, &request(7)).0, 200);
        assert_eq!(node.answer("d", 0, &request(7)).0, 200);
        assert_eq!(node.answer("d", 0, &request(7)).0, 429);
        let fields = node.info_fields();
        assert!(fields["blsPublicKey"].as_str().unwrap().starts_with("0x"));
        assert_eq!(fields["networkId"], 7);

        let keyless = WarpNode::new(args(), None);
        let (status, _, body) = keyless.answer("a", 0, &request(7));
        assert_eq!(status, 503);
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["code"], 3);
        assert!(keyless.info_fields()["blsPublicKey"].is_null());
    }
}
