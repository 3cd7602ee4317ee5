//! Validator sets, signed-message verification, the LP-118 handler and the aggregator state
//! machine: ceil quorum exactly at the boundary and one unit under, a bad signature found and its
//! validator named, shared keys counted once, timeouts and retries, late answers after the end,
//! bounds.

#![cfg(feature = "warp")]

use std::cell::Cell;
use std::sync::Arc;

use confide_core::warp::bls::{BlsSecretKey, Ciphersuite, PublicKey, Signature};
use confide_core::warp::{
    Aggregator, AggregatorConfig, Codec, Handler, HandlerConfig, LocalSigner, Lp118ErrorCode,
    Outcome, OwnChainVerifier, Quorum, ResponseEffect, SignatureRequest, SignedMessage,
    SignerBitset, UnsignedMessage, ValidatorEntry, ValidatorSet, Verifier, verify_signed_message,
};
use confide_core::{Error, ErrorCode};
use rand::SeedableRng;
use rand::rngs::StdRng;

const POP: Ciphersuite = Ciphersuite::Pop;
const NETWORK: u32 = 5;
const CHAIN: [u8; 32] = [9; 32];

fn key(i: usize) -> BlsSecretKey {
    let mut bytes = [0u8; 32];
    bytes[0] = 0x10;
    bytes[24..].copy_from_slice(&(i as u64 + 1).to_be_bytes());
    BlsSecretKey::from_bytes(&bytes).unwrap()
}

fn message() -> UnsignedMessage {
    UnsignedMessage::new(Codec::Avalanche, NETWORK, CHAIN, b"cross-chain".to_vec()).unwrap()
}

/// Validators `node-i` with the given weights, keys `key(i)`.
fn set(weights: &[u64]) -> (Vec<BlsSecretKey>, Arc<ValidatorSet>) {
    let keys: Vec<BlsSecretKey> = (0..weights.len()).map(key).collect();
    let set = ValidatorSet::new(
        weights
            .iter()
            .enumerate()
            .map(|(i, &weight)| ValidatorEntry {
                node_id: format!("node-{i}"),
                endpoint: Some(format!("http://node-{i}")),
                public_key: Some(*keys[i].public_key()),
                weight,
            }),
    )
    .unwrap();
    (keys, Arc::new(set))
}

/// The secret key of canonical validator `index`.
fn key_of<'a>(keys: &'a [BlsSecretKey], set: &ValidatorSet, index: usize) -> &'a BlsSecretKey {
    keys.iter()
        .find(|k| set.index_of(k.public_key()) == Some(index))
        .unwrap()
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(42)
}

// ---------------------------------------------------------------- validator sets and quorums

#[test]
fn quorum_parsing_and_ceiling() {
    assert_eq!(
        Quorum::parse("67/100").unwrap(),
        Quorum::new(67, 100).unwrap()
    );
    for bad in [
        "1/0",
        "67",
        "3/2",
        "0/1",
        "-1/2",
        " 1/2",
        "1/2 ",
        "1/",
        "/2",
        "a/b",
        "1/2/3",
        "99999999999999999999/1",
    ] {
        assert_eq!(
            Quorum::parse(bad).unwrap_err().code(),
            ErrorCode::InvalidArgument,
            "{bad}"
        );
    }
    let two_thirds = Quorum::new(2, 3).unwrap();
    assert_eq!(two_thirds.required_weight(10), 7); // 6.67 → 7, not the floor 6
    assert!(!two_thirds.is_met(6, 10));
    assert!(two_thirds.is_met(7, 10));
    assert_eq!(Quorum::DEFAULT.required_weight(100), 67);
    assert_eq!(
        Quorum::new(1, 1).unwrap().required_weight(u64::MAX),
        u64::MAX
    );
    assert!(
        Quorum::new(u64::MAX, u64::MAX)
            .unwrap()
            .is_met(u64::MAX, u64::MAX)
    );
}

#[test]
fn canonical_set_merges_shared_keys_and_counts_unkeyed_weight() {
    let a = *key(1).public_key();
    let b = *key(2).public_key();
    let set = ValidatorSet::new([
        ValidatorEntry {
            node_id: "x".into(),
            endpoint: None,
            public_key: Some(a),
            weight: 3,
        },
        ValidatorEntry {
            node_id: "y".into(),
            endpoint: None,
            public_key: Some(b),
            weight: 4,
        },
        ValidatorEntry {
            node_id: "z".into(),
            endpoint: None,
            public_key: Some(a),
            weight: 5,
        },
        ValidatorEntry {
            node_id: "w".into(),
            endpoint: None,
            public_key: None,
            weight: 100,
        },
    ])
    .unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(set.total_weight(), 112);
    let merged = &set.validators()[set.index_of(&a).unwrap()];
    assert_eq!(merged.weight(), 8);
    assert_eq!(merged.node_ids().collect::<Vec<_>>(), ["x", "z"]);
    let (ia, ib) = (set.index_of(&a).unwrap(), set.index_of(&b).unwrap());
    assert_eq!(set.node_ids_of(&[ib, ia]), ["y", "x", "z"]);
    assert_eq!(set.node_ids_of(&[ia, 7]), ["x", "z"]);
    assert_eq!(set.unkeyed()[0].node_id, "w");
    let keys: Vec<[u8; 96]> = set
        .validators()
        .iter()
        .map(|v| v.public_key().to_uncompressed())
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));

    let overflow = ValidatorSet::new([
        ValidatorEntry {
            node_id: "x".into(),
            endpoint: None,
            public_key: Some(a),
            weight: u64::MAX,
        },
        ValidatorEntry {
            node_id: "y".into(),
            endpoint: None,
            public_key: None,
            weight: 1,
        },
    ]);
    assert_eq!(overflow.unwrap_err().code(), ErrorCode::InvalidValidatorSet);
    let empty = ValidatorSet::new(Vec::new());
    assert_eq!(empty.unwrap_err().code(), ErrorCode::InvalidValidatorSet);
}

#[test]
fn validators_file() {
    let a = key(1).public_key().to_hex();
    let b = key(2).public_key().to_hex();
    let text = format!(
        r#"[{{"node_id":"NodeID-A","url":"http://a","bls_public_key":"{a}","weight":10}},
            {{"node_id":"NodeID-B","url":"http://b","bls_public_key":"{}","weight":20}},
            {{"node_id":"NodeID-C","url":"http://c","bls_public_key":null,"weight":5}},
            {{"node_id":"NodeID-D","weight":1}},
            {{"node_id":"NodeID-E","url":"http://e","bls_public_key":"{a}","weight":2}}]"#,
        &b[2..]
    );
    let set = ValidatorSet::from_json(&text).unwrap();
    assert_eq!((set.len(), set.total_weight()), (2, 38));
    let merged = &set.validators()[set.index_of(key(1).public_key()).unwrap()];
    assert_eq!(merged.weight(), 12);
    assert_eq!(merged.members()[1].endpoint.as_deref(), Some("http://e"));

    let infinity = format!("0xc0{}", "00".repeat(47));
    let off_curve = format!("0x8{}", "0".repeat(95));
    let not_in_g1 = "0x8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    for (entry, named) in [
        (
            format!(r#"{{"node_id":"bad","bls_public_key":"{infinity}","weight":1}}"#),
            "bad",
        ),
        (
            format!(r#"{{"node_id":"bad","bls_public_key":"{off_curve}","weight":1}}"#),
            "bad",
        ),
        (
            format!(r#"{{"node_id":"bad","bls_public_key":"{not_in_g1}","weight":1}}"#),
            "bad",
        ),
        (
            r#"{"node_id":"bad","bls_public_key":"zz","weight":1}"#.to_owned(),
            "bad",
        ),
        (
            r#"{"node_id":"bad","bls_public_key":"abcd","weight":1}"#.to_owned(),
            "bad",
        ),
        (
            r#"{"node_id":"x","weight":1.5}"#.to_owned(),
            "validators[1]",
        ),
        (r#"{"node_id":"x","weight":-1}"#.to_owned(), "validators[1]"),
        (
            r#"{"node_id":"x","weight":18446744073709551616}"#.to_owned(),
            "validators[1]",
        ),
        (r#"{"node_id":"x"}"#.to_owned(), "validators[1]"),
    ] {
        let text = format!(r#"[{{"node_id":"ok","weight":1}},{entry}]"#);
        let err = ValidatorSet::from_json(&text).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidValidatorSet, "{entry}");
        assert!(err.message().contains(named), "{entry}: {err}");
    }
    assert!(ValidatorSet::from_json("{}").is_err());
}

// ---------------------------------------------------------------- verification

fn signed_by(
    keys: &[BlsSecretKey],
    set: &ValidatorSet,
    signers: &[usize],
    message: &UnsignedMessage,
) -> SignedMessage {
    let sigs: Vec<Signature> = signers
        .iter()
        .map(|&i| key_of(keys, set, i).sign(message.bytes(), POP))
        .collect();
    SignedMessage::new(
        message.clone(),
        SignerBitset::from_indices(signers.iter().copied()),
        Signature::aggregate(&sigs).unwrap(),
    )
    .unwrap()
}

#[test]
fn verification_rejections() {
    let (keys, set) = set(&[1; 10]);
    let quorum = Quorum::new(2, 3).unwrap();
    let seven = signed_by(&keys, &set, &[0, 1, 2, 3, 4, 5, 6], &message());
    let verified = verify_signed_message(&seven, NETWORK, &set, quorum, POP).unwrap();
    assert_eq!((verified.signed_weight, verified.total_weight), (7, 10));

    let err = |m: &SignedMessage, network: u32| {
        verify_signed_message(m, network, &set, quorum, POP)
            .unwrap_err()
            .code()
    };
    assert_eq!(err(&seven, NETWORK + 1), ErrorCode::WrongNetwork);
    // One unit under the ceiling.
    assert_eq!(
        err(
            &signed_by(&keys, &set, &[0, 1, 2, 3, 4, 5], &message()),
            NETWORK
        ),
        ErrorCode::InsufficientWeight
    );
    // No signer at all.
    let none = SignedMessage::new(message(), SignerBitset::default(), *seven.signature()).unwrap();
    assert_eq!(err(&none, NETWORK), ErrorCode::InsufficientWeight);
    // A signer bit beyond the 10 validators.
    let beyond = SignedMessage::new(
        message(),
        SignerBitset::from_indices(0..11),
        *seven.signature(),
    )
    .unwrap();
    assert_eq!(err(&beyond, NETWORK), ErrorCode::InvalidMessage);
    // The bitset claims an 8th signer who did not sign.
    let claimed = SignedMessage::new(
        message(),
        SignerBitset::from_indices(0..8),
        *seven.signature(),
    )
    .unwrap();
    assert_eq!(err(&claimed, NETWORK), ErrorCode::InvalidSignature);
    // Another message's signature.
    let other = UnsignedMessage::new(Codec::Avalanche, NETWORK, CHAIN, b"other".to_vec()).unwrap();
    let forged = SignedMessage::new(
        message(),
        seven.signers().clone(),
        *signed_by(&keys, &set, &[0, 1, 2, 3, 4, 5, 6], &other).signature(),
    )
    .unwrap();
    assert_eq!(err(&forged, NETWORK), ErrorCode::InvalidSignature);
}

#[test]
fn an_aggregate_key_at_infinity_never_verifies() {
    // K and −K both in the set: their aggregate is infinity, which would accept the infinity
    // signature for any message.
    let k = *key(1).public_key();
    let mut negated = k.to_bytes();
    negated[0] ^= 0x20;
    let minus_k = PublicKey::from_bytes(&negated).unwrap();
    let set =
        ValidatorSet::new(
            [k, minus_k]
                .into_iter()
                .enumerate()
                .map(|(i, pk)| ValidatorEntry {
                    node_id: format!("n{i}"),
                    endpoint: None,
                    public_key: Some(pk),
                    weight: 1,
                }),
        )
        .unwrap();
    let mut infinity = [0u8; 96];
    infinity[0] = 0xc0;
    let message = SignedMessage::new(
        message(),
        SignerBitset::from_indices([0, 1]),
        Signature::from_bytes(&infinity).unwrap(),
    )
    .unwrap();
    let err = verify_signed_message(&message, NETWORK, &set, Quorum::new(1, 2).unwrap(), POP)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidSignature);
}

// ---------------------------------------------------------------- handler

struct Counting<V> {
    inner: V,
    calls: Cell<usize>,
}

impl<V: Verifier> Verifier for Counting<V> {
    fn verify(&self, message: &UnsignedMessage, justification: &[u8]) -> confide_core::Result<()> {
        self.calls.set(self.calls.get() + 1);
        self.inner.verify(message, justification)
    }
}

struct Accept;
impl Verifier for Accept {
    fn verify(&self, _: &UnsignedMessage, _: &[u8]) -> confide_core::Result<()> {
        Ok(())
    }
}

struct Unknown;
impl Verifier for Unknown {
    fn verify(&self, _: &UnsignedMessage, _: &[u8]) -> confide_core::Result<()> {
        Err(Error::new(ErrorCode::MessageNotFound, "no such message"))
    }
}

fn signer() -> LocalSigner {
    LocalSigner::new(key(0), NETWORK, CHAIN, POP)
}

fn request(message: &UnsignedMessage, justification: &[u8]) -> Vec<u8> {
    SignatureRequest {
        message: message.bytes().to_vec(),
        justification: justification.to_vec(),
    }
    .to_bytes()
    .unwrap()
}

#[test]
fn handler_signs_its_own_chain_and_caches() {
    let verifier = Counting {
        inner: OwnChainVerifier {
            network_id: NETWORK,
            source_chain_id: CHAIN,
        },
        calls: Cell::new(0),
    };
    let handler = Handler::new(verifier, signer(), HandlerConfig::default());
    let response = handler
        .handle("peer", 0, &request(&message(), b""))
        .unwrap();
    assert!(Signature::from_bytes(&response).unwrap().verify(
        message().bytes(),
        key(0).public_key(),
        POP
    ));
    // A cache hit skips verification (the seed's flow).
    assert_eq!(
        handler
            .handle("peer", 1, &request(&message(), b""))
            .unwrap(),
        response
    );
    assert_eq!(handler.verifier().calls.get(), 1);
    assert_eq!(handler.cached(), 1);
    assert!(
        handler
            .signer()
            .public_key()
            .verify_proof_of_possession(&handler.signer().proof_of_possession())
    );
}

#[test]
fn handler_error_codes() {
    let own = OwnChainVerifier {
        network_id: NETWORK,
        source_chain_id: CHAIN,
    };
    let handler = Handler::new(own.clone(), signer(), HandlerConfig::default());
    let code = |h: &Handler<_, _>, bytes: &[u8]| h.handle("p", 0, bytes).unwrap_err().lp118_code();
    // 1 ParseError: garbage, trailing bytes, a message that does not parse.
    assert_eq!(
        code(&handler, b"\x00\x00"),
        Some(Lp118ErrorCode::ParseError)
    );
    let mut trailing = request(&message(), b"");
    trailing.push(0);
    assert_eq!(code(&handler, &trailing), Some(Lp118ErrorCode::ParseError));
    let not_a_message = SignatureRequest {
        message: b"nope".to_vec(),
        justification: vec![],
    }
    .to_bytes()
    .unwrap();
    assert_eq!(
        code(&handler, &not_a_message),
        Some(Lp118ErrorCode::ParseError)
    );
    // 2 VerifyError: another network, another chain, a justification.
    let elsewhere = UnsignedMessage::new(Codec::Avalanche, NETWORK + 1, CHAIN, vec![]).unwrap();
    let err = handler
        .handle("p", 0, &request(&elsewhere, b""))
        .unwrap_err();
    assert_eq!(err.lp118_code(), Some(Lp118ErrorCode::VerifyError));
    assert_eq!(err.error().code(), ErrorCode::MessageRefused);
    let other_chain = UnsignedMessage::new(Codec::Avalanche, NETWORK, [1; 32], vec![]).unwrap();
    assert_eq!(
        code(&handler, &request(&other_chain, b"")),
        Some(Lp118ErrorCode::VerifyError)
    );
    assert_eq!(
        code(&handler, &request(&message(), b"proof")),
        Some(Lp118ErrorCode::VerifyError)
    );
    // 3 SignError: a verifier that accepts anything still cannot make the signer sign elsewhere.
    let permissive = Handler::new(Accept, signer(), HandlerConfig::default());
    let err = permissive
        .handle("p", 0, &request(&elsewhere, b""))
        .unwrap_err();
    assert_eq!(err.lp118_code(), Some(Lp118ErrorCode::SignError));
    assert_eq!(err.error().code(), ErrorCode::WrongNetwork);
    // 4 NotFound.
    let unknown = Handler::new(Unknown, signer(), HandlerConfig::default());
    assert_eq!(
        unknown
            .handle("p", 0, &request(&message(), b""))
            .unwrap_err()
            .lp118_code(),
        Some(Lp118ErrorCode::NotFound)
    );
    for (number, name) in [
        (1, "ParseError"),
        (2, "VerifyError"),
        (3, "SignError"),
        (4, "NotFound"),
    ] {
        assert_eq!(Lp118ErrorCode::from_number(number).unwrap().as_str(), name);
    }
    assert_eq!(Lp118ErrorCode::from_number(5), None);
}

#[test]
fn handler_rate_limits_each_peer_and_bounds_its_cache() {
    let config = HandlerConfig {
        rate_per_second: 10,
        rate_burst: 3,
        cache_size: 2,
        ..HandlerConfig::default()
    };
    let handler = Handler::new(Accept, signer(), config);
    let bytes = request(&message(), b"");
    for _ in 0..3 {
        handler.handle("a", 0, &bytes).unwrap();
    }
    let err = handler.handle("a", 0, &bytes).unwrap_err();
    assert_eq!(err.lp118_code(), None);
    assert_eq!(err.error().code(), ErrorCode::RateLimited);
    handler.handle("b", 0, &bytes).unwrap();
    handler.handle("a", 100, &bytes).unwrap(); // refilled one token
    for i in 0..5u8 {
        let m = UnsignedMessage::new(Codec::Avalanche, NETWORK, CHAIN, vec![i]).unwrap();
        handler
            .handle(&format!("peer{i}"), 0, &request(&m, b""))
            .unwrap();
        assert!(handler.cached() <= 2);
    }
}

#[test]
fn handler_with_the_lux_codec_and_ciphersuite() {
    let lux = LocalSigner::new(key(0), NETWORK, CHAIN, Ciphersuite::LuxBasic);
    let config = HandlerConfig {
        codec: Codec::LuxRlp,
        ..HandlerConfig::default()
    };
    let handler = Handler::new(
        OwnChainVerifier {
            network_id: NETWORK,
            source_chain_id: CHAIN,
        },
        lux,
        config,
    );
    let m = UnsignedMessage::new(Codec::LuxRlp, NETWORK, CHAIN, b"x".to_vec()).unwrap();
    let sig = Signature::from_bytes(&handler.handle("p", 0, &request(&m, b"")).unwrap()).unwrap();
    assert!(sig.verify(m.bytes(), key(0).public_key(), Ciphersuite::LuxBasic));
    assert_eq!(
        handler
            .handle("p", 0, &request(&message(), b""))
            .unwrap_err()
            .lp118_code(),
        Some(Lp118ErrorCode::ParseError)
    );
}

// ---------------------------------------------------------------- aggregator

fn config(quorum: Quorum) -> AggregatorConfig {
    AggregatorConfig {
        quorum,
        ..AggregatorConfig::default()
    }
}

/// Answers every query with `answer(validator)` until the aggregator stops asking.
fn drive(aggregator: &mut Aggregator, mut answer: impl FnMut(usize) -> Option<Vec<u8>>) {
    let mut rng = rng();
    while let Some(query) = aggregator.poll_query(0) {
        match answer(query.validator) {
            Some(bytes) => {
                aggregator.on_response(query.id, &bytes, &mut rng);
            }
            None => aggregator.on_failure(query.id, "connection refused"),
        }
    }
}

fn good(keys: &[BlsSecretKey], set: &ValidatorSet, validator: usize) -> Vec<u8> {
    key_of(keys, set, validator)
        .sign(message().bytes(), POP)
        .to_bytes()
        .to_vec()
}

#[test]
fn quorum_is_reached_exactly_at_the_ceiling() {
    let (keys, set) = set(&[1; 10]);
    let quorum = Quorum::new(2, 3).unwrap();
    let mut aggregator = Aggregator::new(
        message(),
        vec![],
        set.clone(),
        AggregatorConfig {
            max_in_flight: 10,
            ..config(quorum)
        },
    )
    .unwrap();
    assert_eq!(aggregator.required_weight(), 7);
    let mut rng = rng();
    let queries: Vec<_> = std::iter::from_fn(|| aggregator.poll_query(0)).collect();
    assert_eq!(queries.len(), 10);
    for (n, query) in queries.iter().enumerate() {
        let effect =
            aggregator.on_response(query.id, &good(&keys, &set, query.validator), &mut rng);
        if n < 7 {
            assert_eq!(effect, ResponseEffect::Collected);
            // Six signatures (the floor of 6.67) are not enough.
            assert_eq!(
                aggregator.is_finished(),
                n == 6,
                "after {} responses",
                n + 1
            );
        } else {
            // Late answers after quorum are dropped at once.
            assert_eq!(effect, ResponseEffect::Ignored);
        }
    }
    assert_eq!(aggregator.in_flight(), 0);
    let Some(Outcome::Signed(aggregate)) = aggregator.into_outcome() else {
        panic!("no quorum")
    };
    assert_eq!((aggregate.signed_weight, aggregate.total_weight), (7, 10));
    let verified = verify_signed_message(&aggregate.message, NETWORK, &set, quorum, POP).unwrap();
    assert_eq!(verified.signers, aggregate.signers);
}

#[test]
fn one_unit_under_the_quorum_is_not_enough() {
    let (keys, set) = set(&[1; 10]);
    let mut aggregator = Aggregator::new(
        message(),
        vec![],
        set.clone(),
        config(Quorum::new(2, 3).unwrap()),
    )
    .unwrap();
    let mut answered = 0;
    drive(&mut aggregator, |v| {
        answered += 1;
        (answered <= 6).then(|| good(&keys, &set, v))
    });
    let outcome = aggregator.into_outcome().unwrap();
    let Outcome::NotEnoughSignatures {
        reached,
        required,
        total,
        ref excluded,
    } = outcome
    else {
        panic!()
    };
    // It stops as soon as 7 is out of reach: 6 answered, 4 refused.
    assert_eq!((reached, required, total, excluded.len()), (6, 7, 10, 4));
    assert!(excluded.iter().all(|e| e.reason == "connection refused"));
    let err = outcome.error().unwrap();
    assert_eq!(err.code(), ErrorCode::InsufficientWeight);
    assert!(
        err.message()
            .contains("reached 6 of the 7 required (total 10)"),
        "{err}"
    );
}

#[test]
fn a_bad_signature_is_found_excluded_and_named() {
    let (keys, set) = set(&[10, 20, 30, 40, 50, 60, 70, 80]);
    // The heaviest validator (80), so it is among the first answers.
    let culprit = set.index_of(keys[7].public_key()).unwrap();
    let mut aggregator =
        Aggregator::new(message(), vec![], set.clone(), config(Quorum::DEFAULT)).unwrap();
    drive(&mut aggregator, |v| {
        Some(if v == culprit {
            // Valid point, wrong message: only a pairing check can tell.
            key_of(&keys, &set, v)
                .sign(b"something else", POP)
                .to_bytes()
                .to_vec()
        } else {
            good(&keys, &set, v)
        })
    });
    let Some(Outcome::Signed(aggregate)) = aggregator.into_outcome() else {
        panic!()
    };
    assert!(!aggregate.signers.contains(&culprit));
    let bad = aggregate
        .excluded
        .iter()
        .find(|e| e.validator == culprit)
        .expect("culprit excluded");
    assert_eq!(bad.reason, "invalid signature");
    assert_eq!(
        bad.node_ids,
        set.validators()[culprit].node_ids().collect::<Vec<_>>()
    );
    verify_signed_message(&aggregate.message, NETWORK, &set, Quorum::DEFAULT, POP).unwrap();
}

#[test]
fn garbage_and_infinity_answers_are_rejected() {
    let (keys, set) = set(&[1, 1, 1, 1]);
    let mut aggregator = Aggregator::new(
        message(),
        vec![],
        set.clone(),
        config(Quorum::new(1, 2).unwrap()),
    )
    .unwrap();
    let mut rng = rng();
    let q = aggregator.poll_query(0).unwrap();
    assert_eq!(
        aggregator.on_response(q.id, b"garbage", &mut rng),
        ResponseEffect::Rejected
    );
    let q = aggregator.poll_query(0).unwrap();
    let mut infinity = [0u8; 96];
    infinity[0] = 0xc0;
    assert_eq!(
        aggregator.on_response(q.id, &infinity, &mut rng),
        ResponseEffect::Rejected
    );
    // The Lux length-prefixed form is accepted.
    let q = aggregator.poll_query(0).unwrap();
    let mut lux = 96u32.to_be_bytes().to_vec();
    lux.extend(good(&keys, &set, q.validator));
    assert_eq!(
        aggregator.on_response(q.id, &lux, &mut rng),
        ResponseEffect::Collected
    );
    let q = aggregator.poll_query(0).unwrap();
    aggregator.on_response(q.id, &good(&keys, &set, q.validator), &mut rng);
    let Some(Outcome::Signed(aggregate)) = aggregator.outcome() else {
        panic!()
    };
    assert_eq!(aggregate.excluded.len(), 2);
}

#[test]
fn shared_keys_count_once_and_the_next_member_is_asked() {
    let shared = key(0);
    let other = key(1);
    let entries = [("a", &shared, 30), ("b", &shared, 30), ("c", &other, 40)];
    let set = Arc::new(
        ValidatorSet::new(entries.iter().map(|(id, k, w)| ValidatorEntry {
            node_id: id.to_string(),
            endpoint: Some(format!("http://{id}")),
            public_key: Some(*k.public_key()),
            weight: *w,
        }))
        .unwrap(),
    );
    assert_eq!(set.len(), 2);
    let shared_index = set.index_of(shared.public_key()).unwrap();
    // Quorum 60/100 needs the shared key (60): asked first (heaviest), through "a", which fails,
    // then "b".
    let mut aggregator = Aggregator::new(
        message(),
        vec![],
        set.clone(),
        AggregatorConfig {
            max_in_flight: 1,
            ..config(Quorum::new(60, 100).unwrap())
        },
    )
    .unwrap();
    let mut rng = rng();
    let first = aggregator.poll_query(0).unwrap();
    assert_eq!(
        (first.validator, first.node_id.as_str()),
        (shared_index, "a")
    );
    aggregator.on_failure(first.id, "HTTP 500");
    let second = aggregator.poll_query(0).unwrap();
    assert_eq!(second.node_id, "c");
    aggregator.on_failure(second.id, "down");
    let third = aggregator.poll_query(0).unwrap();
    assert_eq!(
        (third.validator, third.node_id.as_str()),
        (shared_index, "b")
    );
    aggregator.on_response(
        third.id,
        &shared.sign(message().bytes(), POP).to_bytes(),
        &mut rng,
    );
    let Some(Outcome::Signed(aggregate)) = aggregator.outcome() else {
        panic!()
    };
    assert_eq!(
        (aggregate.signed_weight, aggregate.signers.clone()),
        (60, vec![shared_index])
    );
    assert_eq!(aggregate.message.signers().count(), 1);
}

#[test]
fn timeouts_are_retried_once_then_excluded() {
    let (keys, set) = set(&[5, 1, 1, 1]);
    let mut cfg = config(Quorum::new(1, 2).unwrap());
    cfg.request_timeout_ms = 100;
    cfg.max_in_flight = 2;
    let mut aggregator = Aggregator::new(message(), vec![], set.clone(), cfg).unwrap();
    let mut rng = rng();
    let slow = aggregator.poll_query(1_000).unwrap();
    assert_eq!((slow.attempt, slow.deadline_ms), (0, 1_100));
    let other = aggregator.poll_query(1_000).unwrap();
    assert!(
        aggregator.poll_query(1_000).is_none(),
        "bounded by max_in_flight"
    );
    assert_eq!(aggregator.next_deadline(), Some(1_100));
    aggregator.on_response(other.id, &good(&keys, &set, other.validator), &mut rng);
    aggregator.expire(1_100);
    let retry = aggregator.poll_query(1_100).unwrap();
    assert_eq!((retry.validator, retry.attempt), (slow.validator, 1));
    // The first try answers late: dropped.
    assert_eq!(
        aggregator.on_response(slow.id, &good(&keys, &set, slow.validator), &mut rng),
        ResponseEffect::Ignored
    );
    assert!(!aggregator.is_finished());
    aggregator.expire(1_200);
    // The heaviest (5 of 8) timed out twice: 3 left, 4 needed, so it ends without asking the rest.
    assert!(aggregator.is_finished());
    assert!(aggregator.poll_query(1_200).is_none());
    let Some(Outcome::NotEnoughSignatures { excluded, .. }) = aggregator.outcome() else {
        panic!("{:?}", aggregator.outcome())
    };
    assert_eq!(excluded[0].reason, "timed out");
}

#[test]
fn heaviest_first_minimal_signers_and_cached_signatures() {
    let (keys, set) = set(&[1, 2, 3, 50, 4, 40]);
    let heaviest = set.index_of(keys[3].public_key()).unwrap();
    let mut cfg = config(Quorum::new(1, 2).unwrap());
    cfg.max_in_flight = 100;
    cfg.minimal_signers = true;
    let mut aggregator = Aggregator::new(message(), vec![], set.clone(), cfg).unwrap();
    let mut rng = rng();
    let queries: Vec<_> = std::iter::from_fn(|| aggregator.poll_query(0)).collect();
    assert_eq!(queries[0].validator, heaviest);
    let weights: Vec<u64> = queries
        .iter()
        .map(|q| set.validators()[q.validator].weight())
        .collect();
    assert_eq!(weights, [50, 40, 4, 3, 2, 1]);
    // The 4, 3 and 40 answer first (47 of the 50 required), then the 50: the minimal set keeps
    // just the 50.
    for position in [2, 3, 1, 0] {
        let q = &queries[position];
        aggregator.on_response(q.id, &good(&keys, &set, q.validator), &mut rng);
    }
    let Some(Outcome::Signed(aggregate)) = aggregator.outcome() else {
        panic!()
    };
    assert_eq!(aggregate.signers, vec![heaviest]);
    assert_eq!(aggregate.signed_weight, 50);
    verify_signed_message(
        &aggregate.message,
        NETWORK,
        &set,
        Quorum::new(1, 2).unwrap(),
        POP,
    )
    .unwrap();

    // A valid cached signature is used without asking; a stale one sends the validator a query.
    let mut aggregator = Aggregator::new(
        message(),
        vec![],
        set.clone(),
        config(Quorum::new(3, 4).unwrap()),
    )
    .unwrap();
    let second = set.index_of(keys[5].public_key()).unwrap();
    aggregator.add_cached_signature(
        second,
        key_of(&keys, &set, second).sign(b"stale", POP),
        &mut rng,
    );
    aggregator.add_cached_signature(
        heaviest,
        key_of(&keys, &set, heaviest).sign(message().bytes(), POP),
        &mut rng,
    );
    assert!(!aggregator.is_finished());
    let q = aggregator.poll_query(0).unwrap();
    assert_eq!(q.validator, second);
    aggregator.on_response(q.id, &good(&keys, &set, second), &mut rng);
    let Some(Outcome::Signed(aggregate)) = aggregator.outcome() else {
        panic!()
    };
    assert_eq!(aggregate.signed_weight, 90);
}

#[test]
fn a_set_that_cannot_reach_the_quorum_ends_at_once() {
    let set = Arc::new(
        ValidatorSet::new([
            ValidatorEntry {
                node_id: "k".into(),
                endpoint: None,
                public_key: Some(*key(0).public_key()),
                weight: 1,
            },
            ValidatorEntry {
                node_id: "u".into(),
                endpoint: None,
                public_key: None,
                weight: 9,
            },
        ])
        .unwrap(),
    );
    let mut aggregator = Aggregator::new(message(), vec![], set, config(Quorum::DEFAULT)).unwrap();
    assert!(aggregator.is_finished());
    assert!(aggregator.poll_query(0).is_none());
}
