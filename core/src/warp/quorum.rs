//! Quorum fractions and the weight they require.

use std::fmt;

use crate::error::{Error, ErrorCode, Result};

/// A quorum `num/den` with 0 < num ≤ den.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Quorum {
    num: u64,
    den: u64,
}

impl Quorum {
    /// 67/100, a common choice (2/3+ for BFT safety).
    pub const DEFAULT: Quorum = Quorum { num: 67, den: 100 };

    /// `num/den`; anything but 0 < num ≤ den is an error.
    pub fn new(num: u64, den: u64) -> Result<Self> {
        if num == 0 || den == 0 || num > den {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("quorum {num}/{den}: needs 0 < numerator ≤ denominator"),
            ));
        }
        Ok(Self { num, den })
    }

    /// Parses `NUM/DEN` (u64 values, 0 < NUM ≤ DEN): `67/100`.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = || {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("quorum {text:?}: expected NUM/DEN with 0 < NUM ≤ DEN, e.g. 67/100"),
            )
        };
        let (num, den) = text.split_once('/').ok_or_else(invalid)?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(num) || !digits(den) {
            return Err(invalid());
        }
        let num: u64 = num.parse().map_err(|_| invalid())?;
        let den: u64 = den.parse().map_err(|_| invalid())?;
        Self::new(num, den).map_err(|_| invalid())
    }

    /// The numerator.
    pub fn numerator(&self) -> u64 {
        self.num
    }

    /// The denominator.
    pub fn denominator(&self) -> u64 {
        self.den
    }

    /// The least weight that meets the quorum: ⌈total·num/den⌉ (exactly what [`Quorum::is_met`]
    /// accepts; a floor would stop one signature short).
    pub fn required_weight(&self, total: u64) -> u64 {
        let product = u128::from(total) * u128::from(self.num);
        let required = product.div_ceil(u128::from(self.den));
        // num ≤ den, so required ≤ total.
        u64::try_from(required).expect("required weight ≤ total weight")
    }

    /// Whether `signed·den ≥ total·num` (in u128, so nothing overflows).
    pub fn is_met(&self, signed: u64, total: u64) -> bool {
        u128::from(signed) * u128::from(self.den) >= u128::from(total) * u128::from(self.num)
    }
}

impl Default for Quorum {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for Quorum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}
