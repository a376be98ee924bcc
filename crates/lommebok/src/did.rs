//! Decentralized identifiers (<https://www.w3.org/TR/did-1.0/>): parsing, `did:key` created and
//! resolved offline, and the [`DidResolver`] trait for methods an application supplies.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::key::{KeyError, PublicKey};

/// Errors from parsing or resolving DIDs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DidError {
    /// The string is not a DID (`did:<method>:<id>`, DID Core §3.1).
    #[error("not a DID: `{0}`")]
    Invalid(String),
    /// The string is not a DID URL with a fragment naming a verification method.
    #[error("not a DID URL with a fragment: `{0}`")]
    InvalidUrl(String),
    /// No resolver is configured for this DID method.
    #[error("DID method `{0}` is not supported (only did:key is built in; supply a DidResolver)")]
    UnsupportedMethod(String),
    /// The DID could not be resolved, e.g. a did:key whose key is malformed.
    #[error("cannot resolve `{did}`: {reason}")]
    Resolution {
        /// The DID.
        did: String,
        /// Why.
        reason: String,
    },
    /// The DID document does not list the verification method.
    #[error("`{0}` is not a verification method of its DID document")]
    UnknownVerificationMethod(String),
    /// A verification method's key could not be read.
    #[error("verification method `{id}` has an unusable key: {source}")]
    Key {
        /// The verification method.
        id: String,
        /// The key error.
        source: KeyError,
    },
}

/// A parsed DID, e.g. `did:key:z6Mk…`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Did(String);

impl Did {
    /// Parses a DID (no path, query or fragment).
    ///
    /// # Errors
    /// [`DidError::Invalid`] when `s` is not DID syntax.
    pub fn parse(s: &str) -> Result<Self, DidError> {
        ssi_dids_core::DIDBuf::from_string(s.to_owned())
            .map(|d| Did(d.into_string()))
            .map_err(|_| DidError::Invalid(s.to_owned()))
    }

    /// The DID as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The method name (`key` in `did:key:…`).
    pub fn method(&self) -> &str {
        self.0.split(':').nth(1).unwrap_or_default()
    }

    /// The method-specific identifier.
    pub fn method_specific_id(&self) -> &str {
        let mut parts = self.0.splitn(3, ':');
        parts.nth(2).unwrap_or_default()
    }

    /// The `did:key` of a public key (<https://w3c-ccg.github.io/did-method-key/>), made with
    /// `did-method-key`.
    pub fn from_public_key(key: &PublicKey) -> Self {
        Did(format!("did:key:{}", key.to_multibase()))
    }

    /// The `did:jwk` of a public key: `did:jwk:` and the base64url of its public JWK.
    pub fn jwk_from_public_key(key: &PublicKey) -> Self {
        use base64::Engine as _;
        let jwk = key.to_jwk().to_string();
        Did(format!(
            "did:jwk:{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(jwk)
        ))
    }

    /// The DID URL of the key's verification method in a `did:key` document
    /// (`did:key:z…#z…`).
    pub fn key_verification_method(key: &PublicKey) -> String {
        let id = key.to_multibase();
        format!("did:key:{id}#{id}")
    }
}

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Did({})", self.0)
    }
}

impl FromStr for Did {
    type Err = DidError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Did::parse(s)
    }
}

impl TryFrom<String> for Did {
    type Error = DidError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Did::parse(&s)
    }
}

impl From<Did> for String {
    fn from(d: Did) -> String {
        d.0
    }
}

/// Splits a DID URL `did:…#fragment` into the DID and the whole URL.
///
/// # Errors
/// [`DidError::InvalidUrl`] when there is no fragment or the DID part is not a DID.
pub fn split_did_url(url: &str) -> Result<Did, DidError> {
    let (did, fragment) = url
        .split_once('#')
        .ok_or_else(|| DidError::InvalidUrl(url.to_owned()))?;
    if fragment.is_empty() || did.contains(['?', '/']) {
        return Err(DidError::InvalidUrl(url.to_owned()));
    }
    Did::parse(did).map_err(|_| DidError::InvalidUrl(url.to_owned()))
}

/// A verification method from a DID document, with its key decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationMethod {
    /// Its DID URL.
    pub id: String,
    /// Its controller (a DID).
    pub controller: String,
    /// The public key (`publicKeyMultibase` or `publicKeyJwk`).
    pub public_key: PublicKey,
}

/// A verification relationship (DID Core §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// `assertionMethod`: may issue credentials.
    AssertionMethod,
    /// `authentication`: may prove control, e.g. sign presentations.
    Authentication,
}

impl Relationship {
    /// The relationship's name as it appears in a DID document and as a `proofPurpose`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Relationship::AssertionMethod => "assertionMethod",
            Relationship::Authentication => "authentication",
        }
    }
}

/// The parts of a DID document that verification needs.
#[derive(Debug, Clone)]
pub struct DidDocument {
    /// The DID.
    pub id: Did,
    /// The verification methods, keys decoded. Methods with keys lommebok cannot use are left out.
    pub verification_methods: Vec<VerificationMethod>,
    /// DID URLs listed (by reference or embedded) under `assertionMethod`.
    pub assertion_method: Vec<String>,
    /// DID URLs listed under `authentication`.
    pub authentication: Vec<String>,
}

impl DidDocument {
    /// Reads a DID document from its JSON (or JSON-LD) representation.
    ///
    /// # Errors
    /// [`DidError::Resolution`] when the JSON is not a DID document.
    pub fn from_json(json: &Value) -> Result<Self, DidError> {
        let bad = |reason: &str| DidError::Resolution {
            did: json
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned(),
            reason: reason.to_owned(),
        };
        let id = json
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("DID document has no `id`"))?;
        let id = Did::parse(id)?;
        let absolute = |reference: &str| -> String {
            if reference.starts_with('#') {
                format!("{id}{reference}")
            } else {
                reference.to_owned()
            }
        };
        let mut verification_methods = Vec::new();
        let mut read_method = |m: &Value| -> Result<String, DidError> {
            let mid = m
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("verification method has no `id`"))?;
            let mid = absolute(mid);
            let controller = m
                .get("controller")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("verification method has no `controller`"))?
                .to_owned();
            let key = if let Some(mb) = m.get("publicKeyMultibase").and_then(Value::as_str) {
                PublicKey::from_multibase(mb)
            } else if let Some(jwk) = m.get("publicKeyJwk") {
                PublicKey::from_jwk(jwk)
            } else {
                Err(KeyError::InvalidDocument(
                    "no publicKeyMultibase or publicKeyJwk".into(),
                ))
            };
            match key {
                Ok(public_key) => verification_methods.push(VerificationMethod {
                    id: mid.clone(),
                    controller,
                    public_key,
                }),
                // A method with another key type is simply not usable here.
                Err(KeyError::UnsupportedMulticodec(_)) | Err(KeyError::InvalidDocument(_)) => {}
                Err(source) => return Err(DidError::Key { id: mid, source }),
            }
            Ok(mid)
        };
        if let Some(methods) = json.get("verificationMethod").and_then(Value::as_array) {
            for m in methods {
                read_method(m)?;
            }
        }
        let mut relationship = |name: &str| -> Result<Vec<String>, DidError> {
            let mut out = Vec::new();
            for entry in json
                .get(name)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match entry {
                    Value::String(reference) => out.push(absolute(reference)),
                    Value::Object(_) => out.push(read_method(entry)?),
                    _ => {
                        return Err(bad(
                            "verification relationship entry is neither a reference nor a method",
                        ));
                    }
                }
            }
            Ok(out)
        };
        let assertion_method = relationship("assertionMethod")?;
        let authentication = relationship("authentication")?;
        Ok(DidDocument {
            id,
            verification_methods,
            assertion_method,
            authentication,
        })
    }

    /// The verification method `url`, if the document lists it under `relationship`.
    ///
    /// # Errors
    /// [`DidError::UnknownVerificationMethod`] when it is not there.
    pub fn method_for(
        &self,
        url: &str,
        relationship: Relationship,
    ) -> Result<&VerificationMethod, DidError> {
        let listed = match relationship {
            Relationship::AssertionMethod => &self.assertion_method,
            Relationship::Authentication => &self.authentication,
        };
        if !listed.iter().any(|m| m == url) {
            return Err(DidError::UnknownVerificationMethod(url.to_owned()));
        }
        self.verification_methods
            .iter()
            .find(|m| m.id == url)
            .ok_or_else(|| DidError::UnknownVerificationMethod(url.to_owned()))
    }
}

/// Resolves DIDs to DID documents. Must not block for long: resolve remote methods ahead of time
/// or from a cache.
pub trait DidResolver: Send + Sync {
    /// Resolves `did`.
    ///
    /// # Errors
    /// [`DidError::UnsupportedMethod`] for methods it does not handle, [`DidError::Resolution`]
    /// when resolution fails.
    fn resolve(&self, did: &Did) -> Result<DidDocument, DidError>;
}

/// The built-in resolver, offline: `did:key` (Ed25519 and P-256) through `did-method-key`, and
/// `did:jwk` through `did-jwk`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineResolver;

impl DidResolver for OfflineResolver {
    fn resolve(&self, did: &Did) -> Result<DidDocument, DidError> {
        match did.method() {
            "key" => resolve_did_key(did),
            "jwk" => resolve_did_jwk(did),
            other => Err(DidError::UnsupportedMethod(other.to_owned())),
        }
    }
}

/// `did:jwk` (<https://github.com/quartzjer/did-jwk>): the DID is the base64url JWK itself; the
/// document has one verification method, `#0`. `did-jwk` refuses private key members.
fn resolve_did_jwk(did: &Did) -> Result<DidDocument, DidError> {
    resolve_with(did, &did_jwk::DIDJWK)
}

/// Resolves `did` with one of ssi's offline method resolvers and reads the document.
fn resolve_with(
    did: &Did,
    method: &impl ssi_dids_core::resolution::DIDMethodResolver,
) -> Result<DidDocument, DidError> {
    let failed = |reason: String| DidError::Resolution {
        did: did.to_string(),
        reason,
    };
    // The resolvers are async but do no I/O; block_on only drives them.
    let output = pollster::block_on(method.resolve_method_representation(
        did.method_specific_id(),
        ssi_dids_core::resolution::Options::default(),
    ))
    .map_err(|e| failed(e.to_string()))?;
    let json: Value =
        serde_json::from_slice(&output.document).map_err(|e| failed(e.to_string()))?;
    let doc = DidDocument::from_json(&json)?;
    if doc.verification_methods.is_empty() {
        return Err(failed(
            "the key type is not supported (Ed25519 and P-256 only)".into(),
        ));
    }
    Ok(doc)
}

fn resolve_did_key(did: &Did) -> Result<DidDocument, DidError> {
    let failed = |reason: String| DidError::Resolution {
        did: did.to_string(),
        reason,
    };
    // did-method-key is lax where the did:key spec (§3.1.2, §3.1.4) is strict: it accepts any
    // multibase and uncompressed P-256 points. Refuse those first.
    let id = did.method_specific_id();
    if !id.starts_with('z') {
        return Err(failed(
            "the key must be base58btc multibase (start with `z`)".into(),
        ));
    }
    let key = PublicKey::from_multibase(id).map_err(|e| failed(e.to_string()))?;
    if key.to_multibase() != id {
        return Err(failed(
            "the key is not in its canonical form (P-256 keys must be compressed, 33 bytes)".into(),
        ));
    }
    resolve_with(did, &did_method_key::DIDKey)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Algorithm, Signer, SoftwareKey};

    #[test]
    fn did_key_round_trip_both_algorithms() {
        for alg in [Algorithm::Ed25519, Algorithm::P256] {
            let key = SoftwareKey::generate(alg).public_key();
            let did = Did::from_public_key(&key);
            let doc = OfflineResolver.resolve(&did).unwrap();
            let vm = doc
                .method_for(
                    &Did::key_verification_method(&key),
                    Relationship::AssertionMethod,
                )
                .unwrap();
            assert_eq!(vm.public_key, key);
            assert_eq!(vm.controller, did.as_str());
        }
    }

    #[test]
    fn did_key_matches_did_method_key_generation() {
        let key = SoftwareKey::generate(Algorithm::P256).public_key();
        let jwk: ssi_jwk::JWK = serde_json::from_value(key.to_jwk()).unwrap();
        let theirs = did_method_key::DIDKey::generate(&jwk).unwrap();
        assert_eq!(Did::from_public_key(&key).as_str(), theirs.as_str());
    }

    #[test]
    fn not_a_did_is_rejected() {
        for s in [
            "",
            "did:",
            "did:key",
            "key:z6Mk",
            "did:KEY:abc",
            "did:key:a b",
        ] {
            assert!(Did::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn did_jwk_round_trip_both_algorithms_and_private_keys_refused() {
        for alg in [Algorithm::Ed25519, Algorithm::P256] {
            let secret = SoftwareKey::generate(alg);
            let key = secret.public_key();
            let did = Did::jwk_from_public_key(&key);
            let doc = OfflineResolver.resolve(&did).unwrap();
            let vm = doc
                .method_for(&format!("{did}#0"), Relationship::AssertionMethod)
                .unwrap();
            assert_eq!(vm.public_key, key);
            use base64::Engine as _;
            let private = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(secret.to_private_jwk().as_bytes());
            let private = Did::parse(&format!("did:jwk:{private}")).unwrap();
            assert!(OfflineResolver.resolve(&private).is_err());
        }
        assert!(
            OfflineResolver
                .resolve(&Did::parse("did:jwk:e30").unwrap())
                .is_err()
        );
    }

    #[test]
    fn other_methods_need_a_resolver() {
        let did = Did::parse("did:web:example.org").unwrap();
        assert!(matches!(
            OfflineResolver.resolve(&did),
            Err(DidError::UnsupportedMethod(m)) if m == "web"
        ));
    }
}
