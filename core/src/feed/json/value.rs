//! The order-preserving JSON value: objects keep their keys in document order, numbers keep what
//! Python's `json` module would make of them (an integer of any size, or a double). A parsed value
//! borrows its strings and integers from the input wherever the input holds them as they are (no
//! escape), so parsing a feed allocates for its objects and arrays but not for its text;
//! [`Value::into_owned`] detaches a value from its input.

use std::borrow::Cow;

use super::key::Key;

/// A JSON value. Objects keep their keys in the order they were read or inserted. `'a` is the
/// input text that strings may borrow from (`'static` for an owned value).
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number.
    Number(Number<'a>),
    /// A string (always valid Unicode: lone surrogates are rejected when parsing).
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object.
    Object(Object<'a>),
}

/// A JSON number as Python's `json.loads` reads it: without fraction or exponent an integer of any
/// size, otherwise a double.
#[derive(Clone, Debug, PartialEq)]
pub enum Number<'a> {
    /// An integer in canonical decimal: optional `-`, no leading zeros, never `-0`.
    Integer(Cow<'a, str>),
    /// A finite double.
    Float(f64),
}

/// A JSON object: `(key, value)` pairs in order, keys unique.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object<'a> {
    entries: Vec<(Key, Value<'a>)>,
}

impl<'a> Object<'a> {
    /// An empty object.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`: in place when the key exists (its position kept), appended otherwise.
    pub fn insert(&mut self, key: &str, value: Value<'a>) {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, slot)) => *slot = value,
            None => self.entries.push((Key::new(key), value)),
        }
    }

    /// Removes `key`, returning its value; the other keys keep their order.
    pub fn remove(&mut self, key: &str) -> Option<Value<'a>> {
        let index = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(index).1)
    }

    /// The entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value<'a>)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the object has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The same object holding its own copy of every string.
    pub fn into_owned(self) -> Object<'static> {
        Object {
            entries: (self.entries.into_iter())
                .map(|(key, value)| (key, value.into_owned()))
                .collect(),
        }
    }

    /// Builds an object from pairs whose keys the caller knows to be unique (the parser checks).
    pub(crate) fn from_unique_entries(entries: Vec<(Key, Value<'a>)>) -> Self {
        Self { entries }
    }
}

impl Number<'_> {
    /// The same number holding its own copy of its digits.
    pub fn into_owned(self) -> Number<'static> {
        match self {
            Self::Integer(digits) => Number::Integer(Cow::Owned(digits.into_owned())),
            Self::Float(x) => Number::Float(x),
        }
    }
}

impl<'a> Value<'a> {
    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Self::Object(object) => Some(object),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(text) => Some(text),
            _ => None,
        }
    }

    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }

    /// A string value: borrowed for a `&str`, owned for a `String`.
    pub fn string(text: impl Into<Cow<'a, str>>) -> Self {
        Self::String(text.into())
    }

    /// An array of strings, each an owned copy.
    pub fn strings<S: AsRef<str>>(items: &[S]) -> Self {
        Self::Array(
            items
                .iter()
                .map(|s| Self::string(s.as_ref().to_owned()))
                .collect(),
        )
    }

    /// The same value holding its own copy of every string, free of the input it was parsed from.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(b),
            Self::Number(number) => Value::Number(number.into_owned()),
            Self::String(text) => Value::String(Cow::Owned(text.into_owned())),
            Self::Array(items) => Value::Array(items.into_iter().map(Value::into_owned).collect()),
            Self::Object(object) => Value::Object(object.into_owned()),
        }
    }
}
