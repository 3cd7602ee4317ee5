//! Verification policy (with its time window) and the result of a verification.

use super::scheme::MessageScheme;
use crate::crypto::Address;
use crate::error::{Error, ErrorCode, Result};

/// What a verifier accepts. Checked by [`VerifyPolicy::validate`] wherever it is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Reject (bound schemes) or warn (lloom-v1) when older than this many seconds. Default 300;
    /// at most [`VerifyPolicy::MAX_WINDOW_SECS`].
    pub max_age_secs: u64,
    /// Reject (bound) or warn (lloom-v1) when dated more than this many seconds ahead. Default
    /// 300; at most [`VerifyPolicy::MAX_WINDOW_SECS`].
    pub max_future_skew_secs: u64,
    /// Reject unsigned envelopes (`UNSIGNED_MESSAGE`). Default true; false is the seed's transition
    /// rule (accept with a warning).
    pub require_signatures: bool,
    /// Reject schemes that do not bind timestamp, nonce and signer (`UNSUPPORTED_SCHEME` for
    /// lloom-v1). Default false (interoperate with Lloom).
    pub require_bound_scheme: bool,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self {
            max_age_secs: 300,
            max_future_skew_secs: 300,
            require_signatures: true,
            require_bound_scheme: false,
        }
    }
}

impl VerifyPolicy {
    /// The largest `max_age_secs` and `max_future_skew_secs`: 7 days (604,800 s). Far beyond any
    /// clock skew or delivery delay, it bounds how long a replay guard must remember a message
    /// and keeps every window computation far from overflowing.
    pub const MAX_WINDOW_SECS: u64 = 7 * 24 * 60 * 60;

    /// `INVALID_ARGUMENT` naming the field when `max_age_secs` or `max_future_skew_secs` exceeds
    /// [`Self::MAX_WINDOW_SECS`].
    pub fn validate(&self) -> Result<()> {
        check_window_field("max_age_secs", self.max_age_secs)?;
        check_window_field("max_future_skew_secs", self.max_future_skew_secs)
    }

    /// `MESSAGE_EXPIRED` or `MESSAGE_FROM_FUTURE` when `timestamp` lies outside the window at `now`.
    pub(super) fn check_window(&self, timestamp: u64, now: u64) -> Result<()> {
        let age = now.saturating_sub(timestamp);
        if age > self.max_age_secs {
            return Err(Error::new(
                ErrorCode::MessageExpired,
                format!(
                    "message is {age} s old; the limit is {} s",
                    self.max_age_secs
                ),
            ));
        }
        let ahead = timestamp.saturating_sub(now);
        if ahead > self.max_future_skew_secs {
            return Err(Error::new(
                ErrorCode::MessageFromFuture,
                format!(
                    "message is dated {ahead} s ahead; the limit is {} s",
                    self.max_future_skew_secs
                ),
            ));
        }
        Ok(())
    }

    /// The first Unix second at which a message accepted at `now` can no longer pass the window
    /// check, so a replay guard may forget it: timestamp + max age + 1 when the timestamp is bound
    /// (`bound`), now + max age + max future skew + 1 otherwise (an unbound timestamp can be
    /// rewritten, so only the time of receipt counts). Saturating.
    pub(super) fn replay_expiry(&self, bound: bool, timestamp: u64, now: u64) -> u64 {
        let (from, remembered_for) = if bound {
            (timestamp, self.max_age_secs)
        } else {
            let window = self.max_age_secs.saturating_add(self.max_future_skew_secs);
            (now, window)
        };
        from.saturating_add(remembered_for).saturating_add(1)
    }
}

fn check_window_field(name: &str, secs: u64) -> Result<()> {
    if secs > VerifyPolicy::MAX_WINDOW_SECS {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!(
                "invalid argument `{name}`: {secs} s is above the limit of {} s (7 days)",
                VerifyPolicy::MAX_WINDOW_SECS
            ),
        ));
    }
    Ok(())
}

/// Something acceptable but worth logging.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyWarning {
    /// The envelope is unsigned (accepted because the policy allows it).
    Unsigned,
    /// lloom-v1: timestamp and nonce are not covered by the signature, so they prove nothing.
    UnboundMetadata,
    /// lloom-v1: the (unauthenticated) timestamp lies outside the window.
    TimestampOutsideWindow,
}

/// A verified envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The signer (`None` for an accepted unsigned envelope).
    pub signer: Option<Address>,
    /// Whether timestamp, nonce and signer are bound by the signature.
    pub bound: bool,
    /// The scheme used.
    pub scheme: MessageScheme,
    /// Warnings for the log.
    pub warnings: Vec<VerifyWarning>,
}
