//! Reading a frame enum whose variant its `type` names, in one pass over the text when `type` is
//! the first key — as every Confide host and client and the deployed SDK write it — and in two
//! otherwise (`type` first, then the frame's fields as that variant).
//!
//! Either way the variant's struct sees every field but `type`, and a second `type` is an error.
//! The one-pass read is only a shortcut: whenever it does not produce a frame (another key first,
//! an unknown type, any malformed input) the two-pass read runs and gives the result, so errors
//! read the same either way.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{CowStrDeserializer, MapAccessDeserializer, UnitDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::parse::{describe, frame_type, unknown_type};
use crate::error::{Error, Result};

/// A frame enum: each `type` names one variant, whose struct holds the other fields.
pub(super) trait Tagged: Sized {
    /// The variant `kind` read from `fields`; `None` when no variant has that name.
    fn variant<'de, D: Deserializer<'de>>(
        kind: &str,
        fields: D,
    ) -> Option<std::result::Result<Self, D::Error>>;
}

/// Parses a frame (`INVALID_MESSAGE` for invalid JSON, an unknown `type` or a malformed frame).
pub(super) fn parse_tagged<F: Tagged>(text: &str) -> Result<F> {
    if let Ok(frame) = read(text, Fields::<F>::type_first()) {
        return Ok(frame);
    }
    let kind = frame_type(text)?;
    // Probing with an empty input tells a known kind (`Some`: here an error) from an unknown one.
    if F::variant(&kind, UnitDeserializer::<de::value::Error>::new()).is_none() {
        return Err(unknown_type(&kind));
    }
    read(text, Fields::<F>::of_kind(&kind)).map_err(|err| Error::invalid_message(describe(&err)))
}

/// Reads the whole text as one object with `fields`.
fn read<F: Tagged>(text: &str, fields: Fields<'_, F>) -> serde_json::Result<F> {
    let mut reader = serde_json::Deserializer::from_str(text);
    let frame = reader.deserialize_map(fields)?;
    reader.end()?;
    Ok(frame)
}

/// Reads an object as the variant `kind` names, or — without `kind` — as the one its first key,
/// `type`, names.
struct Fields<'k, F> {
    kind: Option<&'k str>,
    frame: PhantomData<F>,
}

impl<'k, F> Fields<'k, F> {
    fn type_first() -> Self {
        Self {
            kind: None,
            frame: PhantomData,
        }
    }

    fn of_kind(kind: &'k str) -> Self {
        Self {
            kind: Some(kind),
            frame: PhantomData,
        }
    }
}

impl<'de, F: Tagged> Visitor<'de> for Fields<'_, F> {
    type Value = F;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a frame object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<F, A::Error> {
        // The kind is known (read in a first pass) or is the value of the first key, `type`.
        let (kind, type_seen) = match self.kind {
            Some(kind) => (Cow::Borrowed(kind), false),
            None => {
                if map.next_key_seed(Text)?.as_deref() != Some("type") {
                    return Err(de::Error::custom("`type` is not the first key"));
                }
                (map.next_value_seed(Text)?, true)
            }
        };
        let fields = WithoutType { map, type_seen };
        F::variant(&kind, MapAccessDeserializer::new(fields))
            .unwrap_or_else(|| Err(de::Error::custom("no frame of this type")))
    }
}

/// A frame's fields without its `type`; a second `type` is an error.
struct WithoutType<A> {
    map: A,
    type_seen: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for WithoutType<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> std::result::Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.map.next_key_seed(Text)? else {
                return Ok(None);
            };
            if key != "type" {
                return seed.deserialize(CowStrDeserializer::new(key)).map(Some);
            }
            if self.type_seen {
                return Err(de::Error::duplicate_field("type"));
            }
            self.type_seen = true;
            self.map.next_value::<IgnoredAny>()?;
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> std::result::Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A string, borrowed from the text when it has no escapes.
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        reader: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        reader.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(
        self,
        text: &'de str,
    ) -> std::result::Result<Self::Value, E> {
        Ok(Cow::Borrowed(text))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> std::result::Result<Self::Value, E> {
        Ok(Cow::Owned(text.to_owned()))
    }
}
