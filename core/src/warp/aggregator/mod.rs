//! The aggregator as a sans-IO state machine: it hands out queries, is told what came back (and
//! when), and never blocks, sleeps or reads a clock. A driver (the node-server's tokio task, a
//! libp2p request-response loop, a test) moves the bytes.
//!
//! - Required weight is ⌈total·num/den⌉: exactly what verification accepts.
//! - Queries go to the heaviest validators first, at most `max_in_flight` at a time; each canonical
//!   validator (shared keys merged) is asked through one member at a time and counted once.
//! - Signatures are parsed (subgroup check) as they arrive but verified only when their weight
//!   could complete the quorum, all at once by one random linear combination; when that fails,
//!   bisection finds the invalid ones, which are excluded and named.
//! - A timed-out query is retried once (`timeout_retries`), then the next member is tried.
//! - After the end, responses are dropped in O(1); nothing is buffered per late response.

mod outcome;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use rand_core::CryptoRng;

pub use outcome::{Aggregate, Excluded, Outcome, ResponseEffect};

use super::bls::{
    Ciphersuite, PublicKey, Signature, batch_verify_same_message, find_invalid_signatures,
};
use super::codec::SignerBitset;
use super::message::{SignedMessage, UnsignedMessage};
use super::quorum::Quorum;
use super::validators::ValidatorSet;
use super::wire::{SignatureRequest, parse_signature_response};
use crate::error::Result;

/// Aggregator settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregatorConfig {
    /// The quorum to reach.
    pub quorum: Quorum,
    /// The ciphersuite validators sign with.
    pub suite: Ciphersuite,
    /// Queries outstanding at once, at most.
    pub max_in_flight: usize,
    /// How long a query may take before it counts as timed out.
    pub request_timeout_ms: u64,
    /// Retries of a member after a timeout (1: one retry).
    pub timeout_retries: u8,
    /// Keep only the heaviest signatures that reach the quorum.
    pub minimal_signers: bool,
}

impl Default for AggregatorConfig {
    fn default() -> Self {
        Self {
            quorum: Quorum::DEFAULT,
            suite: Ciphersuite::Pop,
            max_in_flight: 64,
            request_timeout_ms: 5_000,
            timeout_retries: 1,
            minimal_signers: false,
        }
    }
}

/// One request to send: `request_bytes()` to `endpoint`, answered by `on_response`, `on_failure`
/// or `on_timeout` with `id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// Identifies the query in the answer.
    pub id: u64,
    /// The canonical validator asked.
    pub validator: usize,
    /// The node asked (a member of that validator).
    pub node_id: String,
    /// Where to reach it.
    pub endpoint: Option<String>,
    /// 0 for the first try of this member, 1 for its retry after a timeout.
    pub attempt: u8,
    /// When it times out (the caller's clock, milliseconds).
    pub deadline_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// Not asked yet, or queued for its next member / retry.
    Waiting,
    InFlight,
    /// A parsed signature, not verified yet.
    Collected,
    Verified,
    Excluded,
}

#[derive(Clone, Debug)]
struct Slot {
    status: Status,
    member: usize,
    attempt: u8,
    signature: Option<Signature>,
    from_cache: bool,
    last_failure: Option<String>,
}

/// The aggregation of one message's signatures over one validator set.
#[derive(Debug)]
pub struct Aggregator {
    message: UnsignedMessage,
    request: Vec<u8>,
    validators: Arc<ValidatorSet>,
    config: AggregatorConfig,
    required: u64,
    slots: Vec<Slot>,
    /// Validators to ask, heaviest first.
    queue: VecDeque<usize>,
    in_flight: HashMap<u64, (usize, u64)>,
    deadlines: BTreeMap<(u64, u64), ()>,
    next_id: u64,
    /// Weight not yet excluded: what could still be reached.
    possible_weight: u64,
    collected_weight: u64,
    verified_weight: u64,
    outcome: Option<Outcome>,
}

impl Aggregator {
    /// An aggregation of signatures over `message` (with `justification` for the signers'
    /// verifiers) by `validators`.
    pub fn new(
        message: UnsignedMessage,
        justification: Vec<u8>,
        validators: Arc<ValidatorSet>,
        config: AggregatorConfig,
    ) -> Result<Self> {
        let request = SignatureRequest {
            message: message.bytes().to_vec(),
            justification,
        }
        .to_bytes()?;
        let mut order: Vec<usize> = (0..validators.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(validators.validators()[i].weight()), i));
        let slots = vec![
            Slot {
                status: Status::Waiting,
                member: 0,
                attempt: 0,
                signature: None,
                from_cache: false,
                last_failure: None,
            };
            validators.len()
        ];
        let possible_weight = validators.validators().iter().map(|v| v.weight()).sum();
        let mut aggregator = Self {
            required: config.quorum.required_weight(validators.total_weight()),
            message,
            request,
            config: AggregatorConfig {
                max_in_flight: config.max_in_flight.max(1),
                ..config
            },
            slots,
            queue: order.into(),
            in_flight: HashMap::new(),
            deadlines: BTreeMap::new(),
            next_id: 0,
            possible_weight,
            collected_weight: 0,
            verified_weight: 0,
            outcome: None,
            validators,
        };
        aggregator.check_reachable();
        Ok(aggregator)
    }

    /// The bytes of every query (the LP-118 `SignatureRequest`).
    pub fn request_bytes(&self) -> &[u8] {
        &self.request
    }

    /// The weight the quorum requires.
    pub fn required_weight(&self) -> u64 {
        self.required
    }

    /// The weight of the signatures verified so far.
    pub fn verified_weight(&self) -> u64 {
        self.verified_weight
    }

    /// Whether the aggregation is over.
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    /// How it ended, once it has.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// Takes the outcome.
    pub fn into_outcome(self) -> Option<Outcome> {
        self.outcome
    }

    /// Queries outstanding.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Supplies a signature known from elsewhere (a cache) for canonical validator `validator`;
    /// it is verified with the others and, when invalid, the validator is asked as usual.
    pub fn add_cached_signature(
        &mut self,
        validator: usize,
        signature: Signature,
        rng: &mut (impl CryptoRng + ?Sized),
    ) {
        if self.is_finished() || validator >= self.slots.len() {
            return;
        }
        if self.slots[validator].status != Status::Waiting {
            return;
        }
        self.queue.retain(|&v| v != validator);
        let slot = &mut self.slots[validator];
        slot.status = Status::Collected;
        slot.signature = Some(signature);
        slot.from_cache = true;
        self.collected_weight += self.weight(validator);
        self.try_complete(rng);
    }

    /// The next query to send at `now_ms`, if one may be sent now (nothing while `max_in_flight`
    /// queries are outstanding, nor after the end).
    pub fn poll_query(&mut self, now_ms: u64) -> Option<Query> {
        if self.is_finished() || self.in_flight.len() >= self.config.max_in_flight {
            return None;
        }
        let validator = self.queue.pop_front()?;
        let slot = &mut self.slots[validator];
        slot.status = Status::InFlight;
        let member = &self.validators.validators()[validator].members()[slot.member];
        let id = self.next_id;
        self.next_id += 1;
        let deadline_ms = now_ms.saturating_add(self.config.request_timeout_ms);
        self.in_flight.insert(id, (validator, deadline_ms));
        self.deadlines.insert((deadline_ms, id), ());
        Some(Query {
            id,
            validator,
            node_id: member.node_id.clone(),
            endpoint: member.endpoint.clone(),
            attempt: slot.attempt,
            deadline_ms,
        })
    }

    /// The earliest deadline of an outstanding query (for the driver's timer).
    pub fn next_deadline(&self) -> Option<u64> {
        self.deadlines.keys().next().map(|&(deadline, _)| deadline)
    }

    /// Times out every query whose deadline is ≤ `now_ms`.
    pub fn expire(&mut self, now_ms: u64) {
        while let Some(&(deadline, id)) = self.deadlines.keys().next() {
            if deadline > now_ms {
                break;
            }
            self.on_timeout(id);
        }
    }

    fn take_query(&mut self, id: u64) -> Option<usize> {
        let (validator, deadline) = self.in_flight.remove(&id)?;
        self.deadlines.remove(&(deadline, id));
        Some(validator)
    }

    /// The answer to query `id`: a 96-byte signature (or the Lux length-prefixed form).
    pub fn on_response(
        &mut self,
        id: u64,
        response: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> ResponseEffect {
        if self.is_finished() {
            return ResponseEffect::Ignored;
        }
        let Some(validator) = self.take_query(id) else {
            return ResponseEffect::Ignored;
        };
        let signature = match parse_signature_response(response) {
            Ok(signature) if signature.is_infinity() => {
                self.fail(validator, "signature is the point at infinity".into());
                return ResponseEffect::Rejected;
            }
            Ok(signature) => signature,
            Err(e) => {
                self.fail(validator, e.message().to_owned());
                return ResponseEffect::Rejected;
            }
        };
        let slot = &mut self.slots[validator];
        slot.status = Status::Collected;
        slot.signature = Some(signature);
        self.collected_weight += self.weight(validator);
        self.try_complete(rng);
        ResponseEffect::Collected
    }

    /// Query `id` failed (connection refused, an LP-118 error, a bad HTTP status…): the next
    /// member is tried, or the validator is excluded with `reason`.
    pub fn on_failure(&mut self, id: u64, reason: &str) {
        if self.is_finished() {
            return;
        }
        if let Some(validator) = self.take_query(id) {
            self.fail(validator, reason.to_owned());
        }
    }

    /// Query `id` timed out: retried once, then the next member, then excluded.
    pub fn on_timeout(&mut self, id: u64) {
        if self.is_finished() {
            return;
        }
        let Some(validator) = self.take_query(id) else {
            return;
        };
        let slot = &mut self.slots[validator];
        if slot.attempt < self.config.timeout_retries {
            slot.attempt += 1;
            slot.status = Status::Waiting;
            self.queue.push_front(validator);
        } else {
            self.fail(validator, "timed out".into());
        }
    }

    fn weight(&self, validator: usize) -> u64 {
        self.validators.validators()[validator].weight()
    }

    /// The current member failed: try the next one, or exclude the validator.
    fn fail(&mut self, validator: usize, reason: String) {
        let members = self.validators.validators()[validator].members().len();
        let slot = &mut self.slots[validator];
        slot.signature = None;
        slot.last_failure = Some(reason);
        if slot.member + 1 < members {
            slot.member += 1;
            slot.attempt = 0;
            slot.status = Status::Waiting;
            self.queue.push_back(validator);
        } else {
            slot.status = Status::Excluded;
            self.possible_weight -= self.weight(validator);
            self.check_reachable();
        }
    }

    /// Ends the aggregation when the quorum can no longer be reached.
    fn check_reachable(&mut self) {
        if self.outcome.is_none() && self.possible_weight < self.required.max(1) {
            self.finish_failed();
        }
    }

    /// Verifies the collected signatures once they could complete the quorum.
    fn try_complete(&mut self, rng: &mut (impl CryptoRng + ?Sized)) {
        if self.verified_weight + self.collected_weight < self.required.max(1) {
            return;
        }
        let collected: Vec<usize> = (0..self.slots.len())
            .filter(|&i| self.slots[i].status == Status::Collected)
            .collect();
        let keys: Vec<PublicKey> = collected
            .iter()
            .map(|&i| *self.validators.validators()[i].public_key())
            .collect();
        let signatures: Vec<Signature> = collected
            .iter()
            .map(|&i| {
                self.slots[i]
                    .signature
                    .expect("collected slots hold a signature")
            })
            .collect();
        let message = self.message.bytes();
        let suite = self.config.suite;
        let invalid = if batch_verify_same_message(message, &keys, &signatures, suite, rng) {
            Vec::new()
        } else {
            find_invalid_signatures(message, &keys, &signatures, suite, rng)
        };
        self.collected_weight = 0;
        let mut valid = vec![true; collected.len()];
        for &position in &invalid {
            valid[position] = false;
        }
        for (position, &validator) in collected.iter().enumerate() {
            if valid[position] {
                self.slots[validator].status = Status::Verified;
                self.verified_weight += self.weight(validator);
            }
        }
        for (position, &validator) in collected.iter().enumerate() {
            if valid[position] {
                continue;
            }
            if self.slots[validator].from_cache {
                // A stale cache entry: ask the validator instead.
                let slot = &mut self.slots[validator];
                slot.from_cache = false;
                slot.signature = None;
                slot.status = Status::Waiting;
                self.queue.push_front(validator);
            } else {
                self.fail(validator, "invalid signature".into());
            }
        }
        if self.outcome.is_none() && self.verified_weight >= self.required.max(1) {
            self.finish_signed();
        }
    }

    fn excluded(&self) -> Vec<Excluded> {
        (0..self.slots.len())
            .filter(|&i| self.slots[i].status == Status::Excluded)
            .map(|i| Excluded {
                validator: i,
                node_ids: self.validators.validators()[i]
                    .node_ids()
                    .map(str::to_owned)
                    .collect(),
                reason: self.slots[i].last_failure.clone().unwrap_or_default(),
            })
            .collect()
    }

    fn end(&mut self, outcome: Outcome) {
        self.outcome = Some(outcome);
        // Nothing is kept for late answers.
        self.in_flight = HashMap::new();
        self.deadlines = BTreeMap::new();
        self.queue = VecDeque::new();
    }

    fn finish_failed(&mut self) {
        let outcome = Outcome::NotEnoughSignatures {
            reached: self.verified_weight + self.collected_weight,
            required: self.required,
            total: self.validators.total_weight(),
            excluded: self.excluded(),
        };
        self.end(outcome);
    }

    fn finish_signed(&mut self) {
        let mut signers: Vec<usize> = (0..self.slots.len())
            .filter(|&i| self.slots[i].status == Status::Verified)
            .collect();
        if self.config.minimal_signers {
            signers.sort_by_key(|&i| (std::cmp::Reverse(self.weight(i)), i));
            let mut weight = 0u64;
            let keep = signers
                .iter()
                .take_while(|&&i| {
                    let before = weight;
                    weight += self.weight(i);
                    before < self.required
                })
                .count();
            signers.truncate(keep);
            signers.sort_unstable();
        }
        let signed_weight = signers.iter().map(|&i| self.weight(i)).sum();
        let signatures: Vec<Signature> = signers
            .iter()
            .map(|&i| {
                self.slots[i]
                    .signature
                    .expect("verified slots hold a signature")
            })
            .collect();
        let outcome = Signature::aggregate(&signatures)
            .and_then(|signature| {
                SignedMessage::new(
                    self.message.clone(),
                    SignerBitset::from_indices(signers.iter().copied()),
                    signature,
                )
            })
            .map(|message| {
                Outcome::Signed(Box::new(Aggregate {
                    message,
                    signed_weight,
                    total_weight: self.validators.total_weight(),
                    signers,
                    excluded: self.excluded(),
                }))
            });
        match outcome {
            Ok(outcome) => self.end(outcome),
            // Unreachable: at least one signer, and the message fitted when it was built.
            Err(_) => self.finish_failed(),
        }
    }
}
