//! Compact JWS (RFC 7515) signed through the [`Signer`] trait and verified with the algorithm
//! pinned to the key: `EdDSA` for Ed25519 keys (RFC 8037), `ES256` for P-256 keys (RFC 7518).
//!
//! Written here rather than taken from `ssi-jws` because lommebok signs through its own
//! `Signer` (so platform keys work) and verifies strictly: the `alg` header must be the one the
//! key dictates (no `none`, no switching), `typ` must be the expected one, an unknown `crit`
//! header is refused, and keys offered in the header (`jwk`, `jku`, `x5u`, `x5c`) are never
//! used for trust. The signature check itself is [`PublicKey::verify`] (Ed25519
//! `verify_strict`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::json;
use crate::key::{Algorithm, KeyError, PublicKey, Signer};

/// Errors from making or reading a JWS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwsError {
    /// Not three base64url parts, or a part that is not JSON.
    #[error("malformed JWS: {0}")]
    Malformed(String),
    /// The `alg` header is not the algorithm of the key (or is `none`).
    #[error("JWS algorithm `{found}` does not match the key (expected `{expected}`)")]
    Algorithm {
        /// The algorithm the key requires.
        expected: &'static str,
        /// The header's `alg`.
        found: String,
    },
    /// The `typ` header is not the expected one.
    #[error("JWS type is {found:?}, expected `{expected}`")]
    Type {
        /// The required `typ`.
        expected: String,
        /// The header's `typ`.
        found: Option<String>,
    },
    /// The header names a critical extension lommebok does not implement.
    #[error("JWS header marks `{0}` critical, which is not supported")]
    Critical(String),
    /// The signature does not verify.
    #[error("the JWS signature does not verify")]
    Signature,
    /// Signing failed.
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// The JOSE `alg` for a key algorithm.
pub fn jose_algorithm(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Ed25519 => "EdDSA",
        Algorithm::P256 => "ES256",
    }
}

/// A decoded compact JWS whose signature has not been checked yet.
#[derive(Debug, Clone)]
pub struct Jws {
    /// The protected header.
    pub header: Map<String, Value>,
    /// The payload as JSON.
    pub payload: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

impl Jws {
    /// Splits and decodes a compact JWS (`header.payload.signature`), strictly: each part
    /// base64url without padding, header and payload JSON objects without duplicate members.
    ///
    /// # Errors
    /// [`JwsError::Malformed`].
    pub fn decode(compact: &str) -> Result<Self, JwsError> {
        let parts: Vec<&str> = compact.split('.').collect();
        let [header, payload, signature] = parts.as_slice() else {
            return Err(JwsError::Malformed(format!(
                "{} parts, expected 3",
                parts.len()
            )));
        };
        let object = |part: &str, what: &str| -> Result<Map<String, Value>, JwsError> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| JwsError::Malformed(format!("the {what} is not base64url")))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| JwsError::Malformed(format!("the {what} is not UTF-8")))?;
            json::parse_object(&text).map_err(|e| JwsError::Malformed(format!("the {what}: {e}")))
        };
        Ok(Jws {
            header: object(header, "header")?,
            payload: object(payload, "payload")?,
            signing_input: format!("{header}.{payload}"),
            signature: URL_SAFE_NO_PAD
                .decode(signature)
                .map_err(|_| JwsError::Malformed("the signature is not base64url".into()))?,
        })
    }

    /// The header's `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// Checks the header (`alg` pinned to `key`, `typ` equal to `expected_type`, no unknown
    /// `crit`) and the signature.
    ///
    /// # Errors
    /// [`JwsError`] naming the first thing wrong.
    pub fn verify(&self, key: &PublicKey, expected_type: &str) -> Result<(), JwsError> {
        let expected = jose_algorithm(key.algorithm());
        let alg = self.header.get("alg").and_then(Value::as_str).unwrap_or("");
        if alg != expected {
            return Err(JwsError::Algorithm {
                expected,
                found: alg.to_owned(),
            });
        }
        let typ = self.header.get("typ").and_then(Value::as_str);
        if typ != Some(expected_type) {
            return Err(JwsError::Type {
                expected: expected_type.to_owned(),
                found: typ.map(str::to_owned),
            });
        }
        if let Some(crit) = self.header.get("crit") {
            let first = crit
                .as_array()
                .and_then(|c| c.first())
                .and_then(Value::as_str)
                .unwrap_or("crit");
            return Err(JwsError::Critical(first.to_owned()));
        }
        if key.verify(self.signing_input.as_bytes(), &self.signature) {
            Ok(())
        } else {
            Err(JwsError::Signature)
        }
    }
}

/// Signs `payload` as a compact JWS with header `{"alg", "typ"[, "kid"]}` (plus `extra`
/// members), through `signer`.
///
/// # Errors
/// [`JwsError::Key`] when the signer fails.
pub fn sign(
    payload: &Map<String, Value>,
    typ: &str,
    kid: Option<&str>,
    extra: &Map<String, Value>,
    signer: &dyn Signer,
) -> Result<String, JwsError> {
    let mut header = Map::new();
    header.insert(
        "alg".into(),
        jose_algorithm(signer.public_key().algorithm()).into(),
    );
    header.insert("typ".into(), typ.into());
    if let Some(kid) = kid {
        header.insert("kid".into(), kid.into());
    }
    for (name, value) in extra {
        header.entry(name.clone()).or_insert_with(|| value.clone());
    }
    let encode = |object: &Map<String, Value>| {
        // Serializing a JSON map cannot fail.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(object).unwrap_or_default())
    };
    let signing_input = format!("{}.{}", encode(&header), encode(payload));
    let signature = signer.sign(signing_input.as_bytes())?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SoftwareKey;
    use serde_json::json;

    fn payload() -> Map<String, Value> {
        json!({"iss": "did:example:i", "n": 1})
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn sign_and_verify_both_algorithms() {
        for alg in [Algorithm::Ed25519, Algorithm::P256] {
            let key = SoftwareKey::generate(alg);
            let jws = sign(&payload(), "test+jwt", Some("k1"), &Map::new(), &key).unwrap();
            let decoded = Jws::decode(&jws).unwrap();
            assert_eq!(decoded.kid(), Some("k1"));
            decoded.verify(&key.public_key(), "test+jwt").unwrap();
            assert!(matches!(
                decoded.verify(&key.public_key(), "other+jwt"),
                Err(JwsError::Type { .. })
            ));
            let other = SoftwareKey::generate(alg).public_key();
            assert!(matches!(
                decoded.verify(&other, "test+jwt"),
                Err(JwsError::Signature)
            ));
        }
    }

    #[test]
    fn alg_none_and_switched_algorithms_are_refused() {
        let key = SoftwareKey::generate(Algorithm::Ed25519);
        let jws = sign(&payload(), "t", None, &Map::new(), &key).unwrap();
        let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
        for alg in ["none", "ES256", "HS256", ""] {
            parts[0] = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"t"}}"#));
            let forged = Jws::decode(&parts.join(".")).unwrap();
            assert!(
                matches!(
                    forged.verify(&key.public_key(), "t"),
                    Err(JwsError::Algorithm { .. })
                ),
                "{alg}"
            );
        }
    }

    #[test]
    fn unknown_crit_is_refused() {
        let key = SoftwareKey::generate(Algorithm::Ed25519);
        let extra = json!({"crit": ["exp"], "exp": 1})
            .as_object()
            .cloned()
            .unwrap();
        let jws = sign(&payload(), "t", None, &extra, &key).unwrap();
        assert!(matches!(
            Jws::decode(&jws).unwrap().verify(&key.public_key(), "t"),
            Err(JwsError::Critical(c)) if c == "exp"
        ));
    }

    #[test]
    fn malformed_compact_forms_are_errors() {
        for bad in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "!!.e30.AA",
            "e30.!!.AA",
            "e30.e30.!!",
            "W10.e30.AA",
        ] {
            assert!(Jws::decode(bad).is_err(), "{bad}");
        }
    }
}
