//! Disclosures (RFC 9901 §4.2), the compact form (§4), and processing an SD-JWT's payload with
//! its disclosures into the claims they reveal (§7.1), strictly.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::RngCore as _;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::SdJwtError;
use super::path::{PathSegment, SD_KEYWORDS, display};
use crate::json;

/// The only `_sd_alg` lommebok makes and accepts (RFC 9901 §4.1.1; the default when absent).
pub const SD_ALG: &str = "sha-256";

/// Top-level claims a disclosure must never carry: SD-JWT VC §3.2.2.2 forbids hiding them, and
/// `iat` and `_sd_alg` are read from the issuer-signed payload only.
const NEVER_IN_DISCLOSURES: [&str; 8] = [
    "iss", "exp", "nbf", "iat", "cnf", "vct", "status", "_sd_alg",
];

/// Deepest nesting of processed claims (payload and disclosures together); bounds recursion
/// when disclosures nest inside disclosures.
const MAX_PROCESSED_DEPTH: usize = 2 * json::MAX_DEPTH;

/// base64url(SHA-256(ASCII(`encoded`))): the digest of a disclosure as it appears in the SD-JWT
/// (RFC 9901 §4.2.3), and the `sd_hash` of a presentation (§4.3.1).
pub fn digest(encoded: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(encoded.as_bytes()))
}

/// A fresh 128-bit salt, base64url (RFC 9901 §4.2.1, §9.3).
pub(crate) fn salt() -> String {
    let mut bytes = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A decoy digest: the digest of fresh random bytes (RFC 9901 §4.2.5).
pub(crate) fn decoy_digest() -> String {
    let mut bytes = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(Sha256::digest(bytes))
}

/// Encodes a disclosure: base64url of the JSON array `[salt, name, value]` (object member) or
/// `[salt, value]` (array element), serialized compactly.
pub(crate) fn encode(salt: &str, name: Option<&str>, value: Value) -> String {
    let mut array = vec![Value::String(salt.to_owned())];
    if let Some(name) = name {
        array.push(Value::String(name.to_owned()));
    }
    array.push(value);
    URL_SAFE_NO_PAD.encode(Value::Array(array).to_string())
}

/// A decoded disclosure (RFC 9901 §4.2): one selectively disclosable claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    /// As it appears in the SD-JWT.
    pub(crate) encoded: String,
    /// Its digest.
    pub(crate) digest: String,
    /// The salt.
    pub(crate) salt: String,
    /// The claim name, for an object member; `None` for an array element.
    pub(crate) name: Option<String>,
    /// The claim value.
    pub(crate) value: Value,
}

impl Disclosure {
    /// Decodes a disclosure (base64url of `[salt, name, value]` or `[salt, value]`), strictly.
    ///
    /// # Errors
    /// [`SdJwtError::Disclosures`] when it is not base64url without padding, not UTF-8 JSON (or
    /// repeats a member name), or not an array of a string salt, a string name and a value (or a
    /// string salt and a value).
    pub fn parse(encoded: &str) -> Result<Self, SdJwtError> {
        Self::decode(encoded, json::DEFAULT_MAX_BYTES).map_err(SdJwtError::Disclosures)
    }

    /// As it appears in the SD-JWT.
    pub fn encoded(&self) -> &str {
        &self.encoded
    }

    /// Its digest ([`digest`] of [`Disclosure::encoded`]).
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The salt.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// The claim name of an object member; `None` for an array element.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The claim value (which may hold digests of further disclosures).
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Decodes one disclosure strictly: base64url without padding, UTF-8, JSON without
    /// duplicate members, an array of a string salt, a string name (object members only) and a
    /// value.
    pub(crate) fn decode(encoded: &str, max_bytes: usize) -> Result<Self, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| "not base64url without padding".to_owned())?;
        let text = String::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())?;
        let json = json::parse_value_with_limit(&text, max_bytes).map_err(|e| e.to_string())?;
        let Value::Array(mut items) = json else {
            return Err("not a JSON array".into());
        };
        let (name, value) = match items.len() {
            3 => {
                let value = items.pop().unwrap_or(Value::Null);
                match items.pop() {
                    Some(Value::String(name)) => (Some(name), value),
                    _ => return Err("the claim name is not a string".into()),
                }
            }
            2 => (None, items.pop().unwrap_or(Value::Null)),
            n => {
                return Err(format!(
                    "an array of {n} elements (2 for an array element, 3 for an object member)"
                ));
            }
        };
        let Some(Value::String(salt)) = items.pop() else {
            return Err("the salt is not a string".into());
        };
        Ok(Disclosure {
            encoded: encoded.to_owned(),
            digest: digest(encoded),
            salt,
            name,
            value,
        })
    }

    /// How a message names it.
    pub(crate) fn label(&self, index: usize) -> String {
        match &self.name {
            Some(name) => format!("disclosure {index} (`{name}`)"),
            None => format!("disclosure {index} (an array element)"),
        }
    }
}

/// The parts of a compact SD-JWT (RFC 9901 §4): `<issuer JWT>~<disclosure>~…~[<KB-JWT>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Compact<'a> {
    /// The issuer-signed JWT.
    pub jwt: &'a str,
    /// The disclosures, in order.
    pub disclosures: Vec<&'a str>,
    /// The Key Binding JWT, if any.
    pub key_binding: Option<&'a str>,
    /// Everything up to and including the last `~`: the input of `sd_hash`.
    pub without_key_binding: &'a str,
}

impl<'a> Compact<'a> {
    /// Splits the compact form. The JSON serialization (RFC 9901 §8) is not supported.
    pub(crate) fn split(input: &'a str) -> Result<Self, SdJwtError> {
        let Some(last) = input.rfind('~') else {
            return Err(SdJwtError::Malformed(
                "no `~`: not a compact SD-JWT (the JSON serialization is not supported)".into(),
            ));
        };
        let (without_key_binding, key_binding) = input.split_at(last + 1);
        let mut parts = input[..last].split('~');
        let jwt = parts.next().unwrap_or_default();
        let disclosures: Vec<&str> = parts.collect();
        if jwt.is_empty() {
            return Err(SdJwtError::Malformed(
                "no issuer-signed JWT before the first `~`".into(),
            ));
        }
        if disclosures.iter().any(|d| d.is_empty()) {
            return Err(SdJwtError::Malformed("an empty disclosure (`~~`)".into()));
        }
        Ok(Compact {
            jwt,
            disclosures,
            key_binding: (!key_binding.is_empty()).then_some(key_binding),
            without_key_binding,
        })
    }
}

/// The claims an SD-JWT reveals with its disclosures.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Processed {
    /// The payload with `_sd`, `...` and `_sd_alg` removed and disclosed claims in place.
    pub claims: Map<String, Value>,
    /// For each disclosure (by position), where in `claims` the claim it revealed is.
    pub revealed_at: Vec<Vec<PathSegment>>,
}

/// Processes `payload` with `disclosures` (RFC 9901 §7.1 steps 2-5), refusing: an `_sd_alg`
/// other than `sha-256`; a malformed `_sd` or `...`; a digest found twice; an array-element
/// disclosure where an object member belongs or the reverse; a disclosure named `_sd` or `...`;
/// a top-level disclosure of a claim that must not be hidden (`iss`, `exp`, `nbf`, `iat`, `cnf`,
/// `vct`, `status`, `_sd_alg`); a disclosed name already present; two disclosures with the same
/// digest; and a disclosure no digest references. Digests without a disclosure (undisclosed
/// claims and decoys) are dropped.
pub(crate) fn process(
    mut payload: Map<String, Value>,
    disclosures: &[Disclosure],
) -> Result<Processed, String> {
    match payload.remove("_sd_alg") {
        None => {}
        Some(Value::String(alg)) if alg == SD_ALG => {}
        Some(other) => {
            return Err(format!(
                "`_sd_alg` is {other}; only \"{SD_ALG}\" is supported"
            ));
        }
    }
    let mut by_digest = HashMap::with_capacity(disclosures.len());
    for (i, disclosure) in disclosures.iter().enumerate() {
        if let Some(first) = by_digest.insert(disclosure.digest.as_str(), i) {
            return Err(format!(
                "{} is given twice (also as disclosure {first})",
                disclosure.label(i)
            ));
        }
    }
    let mut walk = Walk {
        disclosures,
        by_digest,
        seen: HashSet::new(),
        revealed_at: vec![None; disclosures.len()],
        path: Vec::new(),
    };
    let claims = walk.object(payload, 0)?;
    let revealed_at = walk
        .revealed_at
        .into_iter()
        .enumerate()
        .map(|(i, at)| {
            at.ok_or_else(|| {
                format!(
                    "{} is not referenced by any digest (RFC 9901 §7.1 step 5)",
                    disclosures[i].label(i)
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Processed {
        claims,
        revealed_at,
    })
}

struct Walk<'d> {
    disclosures: &'d [Disclosure],
    by_digest: HashMap<&'d str, usize>,
    seen: HashSet<String>,
    revealed_at: Vec<Option<Vec<PathSegment>>>,
    path: Vec<PathSegment>,
}

impl Walk<'_> {
    fn value(&mut self, value: Value, depth: usize) -> Result<Value, String> {
        if depth > MAX_PROCESSED_DEPTH {
            return Err(format!(
                "the claims nest deeper than {MAX_PROCESSED_DEPTH} levels"
            ));
        }
        Ok(match value {
            Value::Object(object) => Value::Object(self.object(object, depth)?),
            Value::Array(items) => Value::Array(self.array(items, depth)?),
            other => other,
        })
    }

    fn here(&self) -> String {
        if self.path.is_empty() {
            "the top level".into()
        } else {
            format!("`{}`", display(&self.path))
        }
    }

    /// A digest may appear once in the whole SD-JWT (RFC 9901 §7.1 step 4).
    fn first_sight(&mut self, digest: &str) -> Result<(), String> {
        if self.seen.insert(digest.to_owned()) {
            Ok(())
        } else {
            Err(format!(
                "digest {digest} appears more than once (RFC 9901 §7.1 step 4)"
            ))
        }
    }

    fn object(
        &mut self,
        mut object: Map<String, Value>,
        depth: usize,
    ) -> Result<Map<String, Value>, String> {
        let digests = object.remove("_sd");
        if object.contains_key("...") {
            return Err(format!(
                "an object at {} has a `...` member outside an array element",
                self.here()
            ));
        }
        let mut out = Map::with_capacity(object.len());
        for (name, value) in object {
            self.path.push(PathSegment::Name(name.clone()));
            let value = self.value(value, depth + 1)?;
            self.path.pop();
            out.insert(name, value);
        }
        let Some(digests) = digests else {
            return Ok(out);
        };
        let Value::Array(digests) = digests else {
            return Err(format!("`_sd` at {} is not an array", self.here()));
        };
        for digest in digests {
            let Value::String(digest) = digest else {
                return Err(format!("`_sd` at {} holds a non-string", self.here()));
            };
            self.first_sight(&digest)?;
            let Some(&i) = self.by_digest.get(digest.as_str()) else {
                continue;
            };
            let disclosure = &self.disclosures[i];
            let Some(name) = &disclosure.name else {
                return Err(format!(
                    "{} is referenced from `_sd` at {}, where only object members belong",
                    disclosure.label(i),
                    self.here()
                ));
            };
            if SD_KEYWORDS.contains(&name.as_str()) {
                return Err(format!(
                    "{} is named `{name}`, which is an SD-JWT keyword (RFC 9901 §7.1 step 3.2.2.1)",
                    disclosure.label(i)
                ));
            }
            if self.path.is_empty() && NEVER_IN_DISCLOSURES.contains(&name.as_str()) {
                return Err(format!(
                    "{} hides `{name}`, which must never be selectively disclosed (SD-JWT VC §3.2.2.2)",
                    disclosure.label(i)
                ));
            }
            if out.contains_key(name) {
                return Err(format!(
                    "{} names `{name}`, which {} already has (RFC 9901 §7.1 step 3.2.2.2)",
                    disclosure.label(i),
                    self.here()
                ));
            }
            self.path.push(PathSegment::Name(name.clone()));
            self.revealed_at[i] = Some(self.path.clone());
            let value = self.value(disclosure.value.clone(), depth + 1)?;
            self.path.pop();
            out.insert(name.clone(), value);
        }
        Ok(out)
    }

    fn array(&mut self, items: Vec<Value>, depth: usize) -> Result<Vec<Value>, String> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let digest = match &item {
                Value::Object(object) if object.contains_key("...") => {
                    match (object.len(), object.get("...")) {
                        (1, Some(Value::String(digest))) => Some(digest.clone()),
                        _ => {
                            return Err(format!(
                                "an array element of {} has `...` but is not {{\"...\": digest}}",
                                self.here()
                            ));
                        }
                    }
                }
                _ => None,
            };
            let value = match digest {
                None => item,
                Some(digest) => {
                    self.first_sight(&digest)?;
                    let Some(&i) = self.by_digest.get(digest.as_str()) else {
                        continue;
                    };
                    let disclosure = &self.disclosures[i];
                    if disclosure.name.is_some() {
                        return Err(format!(
                            "{} is referenced as an element of {}, where only array elements belong",
                            disclosure.label(i),
                            self.here()
                        ));
                    }
                    self.revealed_at[i] = Some({
                        let mut at = self.path.clone();
                        at.push(PathSegment::Index(out.len()));
                        at
                    });
                    disclosure.value.clone()
                }
            };
            self.path.push(PathSegment::Index(out.len()));
            let value = self.value(value, depth + 1)?;
            self.path.pop();
            out.push(value);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn disclosure(name: Option<&str>, value: Value) -> Disclosure {
        Disclosure::decode(&encode(&salt(), name, value), 1 << 20).unwrap()
    }

    #[test]
    fn rfc9901_4_2_1_disclosure_digest() {
        // RFC 9901 §4.2.1 / §4.2.3: the "Möbius" example.
        let encoded = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0";
        let d = Disclosure::decode(encoded, 1 << 20).unwrap();
        assert_eq!(d.digest, "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0");
        assert_eq!(d.name.as_deref(), Some("family_name"));
        assert_eq!(d.value, json!("Möbius"));
    }

    #[test]
    fn encoded_disclosures_decode_back() {
        let d = disclosure(Some("n"), json!({"a": [1, 2.5, null]}));
        assert_eq!(d.value, json!({"a": [1, 2.5, null]}));
        let e = disclosure(None, json!("FR"));
        assert_eq!(e.name, None);
        assert_eq!(salt().len(), 22);
    }

    #[test]
    fn malformed_disclosures_are_refused() {
        let b64 = |s: &str| URL_SAFE_NO_PAD.encode(s);
        for bad in [
            "!!!".to_owned(),
            b64("not json"),
            b64("{}"),
            b64(r#"["only salt"]"#),
            b64(r#"["s", "n", 1, 2]"#),
            b64(r#"[1, "n", 1]"#),
            b64(r#"["s", 2, 1]"#),
            b64(r#"["s", "n", {"a": 1, "a": 2}]"#),
            URL_SAFE_NO_PAD.encode([0xff, 0xfe]),
            format!("{}=", b64(r#"["s", "v"]"#)),
        ] {
            assert!(Disclosure::decode(&bad, 1 << 20).is_err(), "{bad}");
        }
    }

    #[test]
    fn compact_form_splits() {
        let c = Compact::split("h.p.s~d1~d2~").unwrap();
        assert_eq!(
            (c.jwt, c.disclosures.clone(), c.key_binding),
            ("h.p.s", vec!["d1", "d2"], None)
        );
        assert_eq!(c.without_key_binding, "h.p.s~d1~d2~");
        let c = Compact::split("h.p.s~k.b.j").unwrap();
        assert_eq!((c.disclosures.len(), c.key_binding), (0, Some("k.b.j")));
        for bad in ["h.p.s", "~d~", "h.p.s~~d~", ""] {
            assert!(Compact::split(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn processing_reveals_nested_and_array_disclosures() {
        let street = disclosure(Some("street"), json!("Storgata 1"));
        let address = disclosure(
            Some("address"),
            json!({"_sd": [street.digest], "city": "Tromsø"}),
        );
        let no = disclosure(None, json!("NO"));
        let payload = object(json!({
            "_sd": [address.digest, decoy_digest()],
            "nationalities": [{"...": no.digest}, {"...": decoy_digest()}, "SE"],
            "_sd_alg": "sha-256"
        }));
        let all = [street.clone(), address.clone(), no.clone()];
        let processed = process(payload.clone(), &all).unwrap();
        assert_eq!(
            Value::Object(processed.claims),
            json!({"address": {"street": "Storgata 1", "city": "Tromsø"}, "nationalities": ["NO", "SE"]})
        );
        assert_eq!(display(&processed.revealed_at[0]), "address.street");
        assert_eq!(display(&processed.revealed_at[2]), "nationalities.0");
        // Only some disclosed.
        let processed = process(payload, &[address]).unwrap();
        assert_eq!(
            Value::Object(processed.claims),
            json!({"address": {"city": "Tromsø"}, "nationalities": ["SE"]})
        );
    }

    #[test]
    fn processing_refuses_what_rfc9901_7_1_refuses() {
        let a = disclosure(Some("a"), json!(1));
        let el = disclosure(None, json!(1));
        let sd = disclosure(Some("_sd"), json!([]));
        let dots = disclosure(Some("..."), json!("x"));
        let exp = disclosure(Some("exp"), json!(1));
        let cases: Vec<(Value, Vec<Disclosure>, &str)> = vec![
            (
                json!({"_sd": [a.digest]}),
                vec![a.clone(), a.clone()],
                "given twice",
            ),
            (
                json!({"_sd": [a.digest, a.digest]}),
                vec![a.clone()],
                "more than once",
            ),
            (
                json!({"_sd": ["d"], "x": [{"...": "d"}]}),
                vec![],
                "more than once",
            ),
            (json!({"_sd": []}), vec![a.clone()], "not referenced"),
            (
                json!({"_sd": [a.digest], "a": 2}),
                vec![a.clone()],
                "already has",
            ),
            (
                json!({"_sd": [el.digest]}),
                vec![el.clone()],
                "only object members",
            ),
            (
                json!({"x": [{"...": a.digest}]}),
                vec![a.clone()],
                "only array elements",
            ),
            (json!({"_sd": [sd.digest]}), vec![sd], "keyword"),
            (json!({"_sd": [dots.digest]}), vec![dots], "keyword"),
            (
                json!({"_sd": [exp.digest]}),
                vec![exp.clone()],
                "never be selectively",
            ),
            (json!({"_sd": "x"}), vec![], "not an array"),
            (json!({"_sd": [1]}), vec![], "non-string"),
            (json!({"x": {"...": "d"}}), vec![], "outside an array"),
            (
                json!({"x": [{"...": "d", "y": 1}]}),
                vec![],
                "not {\"...\": digest}",
            ),
            (json!({"_sd_alg": "sha-512"}), vec![], "only \"sha-256\""),
        ];
        for (payload, disclosures, expected) in cases {
            let err = process(object(payload.clone()), &disclosures).unwrap_err();
            assert!(err.contains(expected), "{payload}: {err}");
        }
        // `exp` inside a nested object is an ordinary claim.
        let nested = object(json!({"card": {"_sd": [exp.digest]}}));
        assert!(process(nested, &[exp]).is_ok());
    }

    #[test]
    fn deeply_nested_disclosures_are_bounded() {
        let mut value = json!("leaf");
        let mut all = Vec::new();
        for _ in 0..(MAX_PROCESSED_DEPTH + 2) {
            let d = disclosure(Some("n"), value);
            value = json!({"_sd": [d.digest]});
            all.push(d);
        }
        let err = process(object(value), &all).unwrap_err();
        assert!(err.contains("deeper"), "{err}");
    }
}
