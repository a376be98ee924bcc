//! Strict JSON input: a size cap, a nesting cap, and no duplicate member names.
//!
//! `serde_json` keeps the last of two members with the same name, which lets two parties read
//! one signed document differently; RFC 8259 §4 leaves that open, RFC 7493 (I-JSON) forbids it.
//! No maintained crate rejects duplicates while building a `serde_json::Value`, so this small
//! visitor does it by hand. Depth is bounded by `serde_json`'s recursion limit (128) and by
//! [`MAX_DEPTH`], checked here so the error says which.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Largest document lommebok parses by default: 1 MiB.
pub const DEFAULT_MAX_BYTES: usize = 1 << 20;

/// The member name serde_json uses to pass a number's text through a visitor when its
/// `arbitrary_precision` feature is on.
const ARBITRARY_PRECISION_TOKEN: &str = "$serde_json::private::Number";

/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 64;

/// Errors from reading JSON input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// The input is larger than the cap.
    #[error("input is {size} bytes, more than the {limit}-byte limit")]
    TooLarge {
        /// Input size.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The input is not well-formed JSON, nests too deeply, or repeats a member name.
    #[error("malformed JSON: {0}")]
    Malformed(String),
    /// The JSON is well-formed but not an object.
    #[error("expected a JSON object")]
    NotAnObject,
}

/// Parses `input` as a JSON object under the default size cap.
///
/// # Errors
/// [`JsonError`] for oversized, malformed, too deep or duplicate-member input.
pub fn parse_object(input: &str) -> Result<Map<String, Value>, JsonError> {
    parse_object_with_limit(input, DEFAULT_MAX_BYTES)
}

/// Parses `input` as a JSON object of at most `max_bytes` bytes.
///
/// # Errors
/// As [`parse_object`].
pub fn parse_object_with_limit(
    input: &str,
    max_bytes: usize,
) -> Result<Map<String, Value>, JsonError> {
    match parse_value_with_limit(input, max_bytes)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::NotAnObject),
    }
}

/// Parses any JSON value of at most `max_bytes` bytes, strictly.
///
/// # Errors
/// As [`parse_object`].
pub fn parse_value_with_limit(input: &str, max_bytes: usize) -> Result<Value, JsonError> {
    if input.len() > max_bytes {
        return Err(JsonError::TooLarge {
            size: input.len(),
            limit: max_bytes,
        });
    }
    let mut de = serde_json::Deserializer::from_str(input);
    let value = StrictSeed { depth: 0 }
        .deserialize(&mut de)
        .map_err(|e| JsonError::Malformed(e.to_string()))?;
    de.end().map_err(|e| JsonError::Malformed(e.to_string()))?;
    Ok(value)
}

/// The member `name` of `entry` read as a set of non-empty strings: absent is empty, a single
/// string is one. `Err` says which member is wrong.
pub(crate) fn string_set(
    entry: &Map<String, Value>,
    name: &str,
) -> Result<std::collections::BTreeSet<String>, String> {
    let items: Vec<&Value> = match entry.get(name) {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::String(text) if !text.is_empty() => Ok(text.clone()),
            _ => Err(format!("each of `{name}` must be a non-empty string")),
        })
        .collect()
}

/// Checks an already-built value against [`MAX_DEPTH`].
pub(crate) fn check_depth(value: &Value) -> Result<(), JsonError> {
    fn depth(v: &Value, at: usize) -> bool {
        if at > MAX_DEPTH {
            return false;
        }
        match v {
            Value::Array(items) => items.iter().all(|i| depth(i, at + 1)),
            Value::Object(map) => map.values().all(|i| depth(i, at + 1)),
            _ => true,
        }
    }
    if depth(value, 0) {
        Ok(())
    } else {
        Err(JsonError::Malformed(format!(
            "nesting deeper than {MAX_DEPTH} levels"
        )))
    }
}

struct StrictSeed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(StrictVisitor { depth: self.depth })
    }
}

struct StrictVisitor {
    depth: usize,
}

impl StrictVisitor {
    fn deeper<E: de::Error>(&self) -> Result<StrictSeed, E> {
        if self.depth >= MAX_DEPTH {
            Err(E::custom(format!("nesting deeper than {MAX_DEPTH} levels")))
        } else {
            Ok(StrictSeed {
                depth: self.depth + 1,
            })
        }
    }
}

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number is not finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.deeper()?)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let mut first = true;
        while let Some(key) = map.next_key::<String>()? {
            // With serde_json's `arbitrary_precision` feature (which a dependency turns on for the
            // whole build), a number that is not a plain integer reaches a visitor as a one-member
            // map under this private key, holding the number's text.
            if first && key == ARBITRARY_PRECISION_TOKEN {
                let text: String = map.next_value()?;
                let number: serde_json::Number = text
                    .parse()
                    .map_err(|_| de::Error::custom(format!("invalid number `{text}`")))?;
                return Ok(Value::Number(number));
            }
            first = false;
            let value = map.next_value_seed(self.deeper()?)?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate member name `{key}`")));
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_member_names_are_rejected() {
        let err = parse_object(r#"{"a": 1, "b": {"c": 1, "c": 2}}"#).unwrap_err();
        assert!(
            err.to_string().contains("duplicate member name `c`"),
            "{err}"
        );
    }

    #[test]
    fn deep_nesting_is_rejected_without_overflow() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            parse_value_with_limit(&deep, usize::MAX),
            Err(JsonError::Malformed(_))
        ));
        let deep = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
        assert!(matches!(parse_object(&deep), Err(JsonError::Malformed(_))));
    }

    #[test]
    fn oversized_input_is_rejected_before_parsing() {
        let big = format!("{{\"a\": \"{}\"}}", "x".repeat(DEFAULT_MAX_BYTES));
        assert!(matches!(
            parse_object(&big),
            Err(JsonError::TooLarge { .. })
        ));
    }

    #[test]
    fn trailing_garbage_and_non_objects_are_rejected() {
        assert!(parse_object(r#"{"a": 1} x"#).is_err());
        assert!(matches!(parse_object("[1]"), Err(JsonError::NotAnObject)));
    }

    #[test]
    fn numbers_stay_numbers() {
        // Under `arbitrary_precision` a float reaches the visitor as a private map; it must come
        // out as the same number, not as an object.
        let map = parse_object(r#"{"a": 56.0, "b": 1e30, "c": -0.5, "d": 7}"#).unwrap();
        let plain: Value =
            serde_json::from_str(r#"{"a": 56.0, "b": 1e30, "c": -0.5, "d": 7}"#).unwrap();
        assert_eq!(Value::Object(map.clone()), plain);
        assert!(map.values().all(Value::is_number), "{map:?}");
    }

    #[test]
    fn member_order_is_preserved() {
        let map = parse_object(r#"{"z": 1, "a": 2}"#).unwrap();
        assert_eq!(map.keys().collect::<Vec<_>>(), ["z", "a"]);
    }
}
