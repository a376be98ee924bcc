//! Bundled JSON-LD contexts. Nothing is ever fetched: a document whose `@context` names any other
//! URL cannot be processed unless the caller registers that context's document first.
//!
//! The bundled files (in `contexts/`) are the W3C context documents byte for byte; their SHA-256
//! digests are the ones the Recommendations publish where they publish one (checked by a test).

use std::collections::HashMap;
use std::sync::Arc;

use json_syntax::Parse as _;
use ssi_json_ld::{Iri, IriBuf, LoadError, Loader, RemoteDocument};

/// The VCDM 2.0 base context (<https://www.w3.org/TR/vc-data-model-2.0/#base-context>).
pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The VCDM 2.0 examples context.
pub const CREDENTIALS_EXAMPLES_V2: &str = "https://www.w3.org/ns/credentials/examples/v2";
/// The Bitstring Status List v1.0 context.
pub const CREDENTIALS_STATUS_V1: &str = "https://www.w3.org/ns/credentials/status/v1";
/// The Data Integrity v2 context.
pub const DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";
/// The Multikey v1 context.
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";
/// The DID Core v1 context.
pub const DID_V1: &str = "https://www.w3.org/ns/did/v1";

/// lommebok's trust list context ([`crate::trust`]): written for lommebok, not a W3C document.
pub const LOMMEBOK_TRUST_V1: &str = "https://w3id.org/lommebok/trust/v1";

/// lommebok's delegation context ([`crate::delegation`]): written for lommebok, not a W3C
/// document.
pub const LOMMEBOK_DELEGATION_V1: &str = "https://w3id.org/lommebok/delegation/v1";

/// The contexts shipped with lommebok: (URL, document).
pub const BUNDLED: &[(&str, &str)] = &[
    (
        CREDENTIALS_V2,
        include_str!("../contexts/credentials-v2.jsonld"),
    ),
    (
        CREDENTIALS_EXAMPLES_V2,
        include_str!("../contexts/credentials-examples-v2.jsonld"),
    ),
    (
        CREDENTIALS_STATUS_V1,
        include_str!("../contexts/credentials-status-v1.jsonld"),
    ),
    (
        DATA_INTEGRITY_V2,
        include_str!("../contexts/data-integrity-v2.jsonld"),
    ),
    (MULTIKEY_V1, include_str!("../contexts/multikey-v1.jsonld")),
    (DID_V1, include_str!("../contexts/did-v1.jsonld")),
    (
        LOMMEBOK_TRUST_V1,
        include_str!("../contexts/lommebok-trust-v1.jsonld"),
    ),
    (
        LOMMEBOK_DELEGATION_V1,
        include_str!("../contexts/lommebok-delegation-v1.jsonld"),
    ),
];

/// Errors from registering a context.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// The URL is not an absolute IRI.
    #[error("not an absolute IRI: `{0}`")]
    InvalidUrl(String),
    /// The document is not JSON.
    #[error("context `{url}` is not JSON: {reason}")]
    InvalidJson {
        /// The context URL.
        url: String,
        /// The parser's message.
        reason: String,
    },
    /// The document has no `@context` member.
    #[error("context `{0}` has no `@context` member")]
    NotAContext(String),
    /// The URL is one of the bundled contexts, which cannot be replaced: that would change what
    /// every signed document using it means.
    #[error("context `{0}` is bundled and cannot be replaced")]
    Bundled(String),
    /// The document names contexts that are neither bundled nor registered.
    #[error("unknown context {} (register its document to use it)", .0.join(", "))]
    Unknown(Vec<String>),
}

/// The JSON-LD contexts a processor may use: the bundled ones plus any the caller registers.
///
/// Cheap to clone (the documents are shared).
#[derive(Clone)]
pub struct ContextRegistry {
    // Keyed by the URL text: `IriBuf`'s `Hash` percent-decodes and panics on bytes that are not
    // UTF-8 (e.g. `%FF`), so an IRI from a hostile document must never be hashed as an `IriBuf`.
    documents: Arc<HashMap<String, RemoteDocument>>,
}

impl std::fmt::Debug for ContextRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut urls: Vec<_> = self.documents.keys().map(String::as_str).collect();
        urls.sort_unstable();
        f.debug_struct("ContextRegistry")
            .field("urls", &urls)
            .finish()
    }
}

impl Default for ContextRegistry {
    fn default() -> Self {
        let mut registry = ContextRegistry {
            documents: Arc::new(HashMap::new()),
        };
        for (url, document) in BUNDLED {
            // The bundled documents are fixed and tested (`bundled_contexts_parse`).
            #[allow(clippy::expect_used)]
            registry
                .register(url, document)
                .expect("bundled context is valid");
        }
        registry
    }
}

impl ContextRegistry {
    /// The bundled contexts only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) the document served for `url`.
    ///
    /// # Errors
    /// [`ContextError`] when the URL is not an IRI or the document is not a JSON-LD context.
    pub fn register(&mut self, url: &str, document: &str) -> Result<(), ContextError> {
        if BUNDLED.iter().any(|(bundled, _)| *bundled == url) && self.contains(url) {
            return Err(ContextError::Bundled(url.to_owned()));
        }
        let iri = IriBuf::new(url.to_owned()).map_err(|_| ContextError::InvalidUrl(url.into()))?;
        let (json, _) =
            json_syntax::Value::parse_str(document).map_err(|e| ContextError::InvalidJson {
                url: url.into(),
                reason: e.to_string(),
            })?;
        if json
            .as_object()
            .and_then(|o| o.get_unique("@context").ok().flatten())
            .is_none()
        {
            return Err(ContextError::NotAContext(url.into()));
        }
        let remote = RemoteDocument::new(Some(iri), "application/ld+json".parse().ok(), json);
        Arc::make_mut(&mut self.documents).insert(url.to_owned(), remote);
        Ok(())
    }

    /// Whether a document is known for `url`.
    pub fn contains(&self, url: &str) -> bool {
        self.documents.contains_key(url)
    }

    /// The context URLs named under any `@context` in `value` that are neither bundled nor
    /// registered, in order of appearance.
    pub fn unknown_in(&self, value: &serde_json::Value) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_unknown(value, &mut out);
        out
    }

    /// Checks that every context `value` names is known.
    ///
    /// # Errors
    /// [`ContextError::Unknown`] listing the ones that are not.
    pub fn check_known(&self, value: &serde_json::Value) -> Result<(), ContextError> {
        let unknown = self.unknown_in(value);
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(ContextError::Unknown(unknown))
        }
    }

    fn collect_unknown(&self, value: &serde_json::Value, out: &mut Vec<String>) {
        use serde_json::Value;
        match value {
            Value::Object(map) => {
                for (key, member) in map {
                    if key == "@context" {
                        let urls: Vec<&str> = match member {
                            Value::String(url) => vec![url.as_str()],
                            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                            _ => Vec::new(),
                        };
                        for url in urls {
                            if !self.contains(url) && !out.iter().any(|u| u == url) {
                                out.push(url.to_owned());
                            }
                        }
                    }
                    self.collect_unknown(member, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| self.collect_unknown(i, out)),
            _ => {}
        }
    }

    /// The JSON-LD loader over exactly these documents.
    pub(crate) fn loader(&self) -> &Self {
        self
    }
}

/// Serves the registered documents and refuses every other URL; never fetches.
impl Loader for ContextRegistry {
    async fn load(&self, url: &Iri) -> Result<RemoteDocument<IriBuf>, LoadError> {
        match self.documents.get(url.as_str()) {
            Some(document) => Ok(document.clone()),
            None => Err(LoadError::new(url.to_owned(), UnknownContext)),
        }
    }
}

/// The error a load of an unregistered context gives.
#[derive(Debug, thiserror::Error)]
#[error("not a bundled or registered context")]
struct UnknownContext;

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn bundled_contexts_parse() {
        let registry = ContextRegistry::new();
        for (url, _) in BUNDLED {
            assert!(registry.contains(url), "{url}");
        }
        assert!(!registry.contains("https://example.org/other"));
    }

    #[test]
    fn bundled_contexts_match_recommendation_digests() {
        let published = [
            (
                CREDENTIALS_V2,
                "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
            ),
            (
                CREDENTIALS_STATUS_V1,
                "fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7",
            ),
        ];
        for (url, digest) in published {
            let (_, doc) = BUNDLED.iter().find(|(u, _)| *u == url).unwrap();
            assert_eq!(hex::encode(Sha256::digest(doc.as_bytes())), digest, "{url}");
        }
    }

    #[test]
    fn bundled_contexts_cannot_be_replaced() {
        let mut registry = ContextRegistry::new();
        assert!(matches!(
            registry.register(
                CREDENTIALS_V2,
                r#"{"@context": {"@vocab": "https://evil.example/#"}}"#
            ),
            Err(ContextError::Bundled(_))
        ));
    }

    #[test]
    fn unknown_contexts_are_found_at_any_depth() {
        let registry = ContextRegistry::new();
        let doc = serde_json::json!({
            "@context": [CREDENTIALS_V2, "https://a.example/"],
            "x": {"@context": "https://b.example/", "y": [{"@context": ["https://a.example/"]}]}
        });
        assert_eq!(
            registry.unknown_in(&doc),
            ["https://a.example/", "https://b.example/"]
        );
        assert!(
            registry
                .check_known(&serde_json::json!({"@context": [CREDENTIALS_V2]}))
                .is_ok()
        );
    }

    #[test]
    fn registering_garbage_is_an_error() {
        let mut registry = ContextRegistry::new();
        assert!(matches!(
            registry.register("https://example.org/c", "{not json"),
            Err(ContextError::InvalidJson { .. })
        ));
        assert!(matches!(
            registry.register("https://example.org/c", "{\"a\": 1}"),
            Err(ContextError::NotAContext(_))
        ));
        assert!(matches!(
            registry.register("not a url", "{\"@context\": {}}"),
            Err(ContextError::InvalidUrl(_))
        ));
    }
}
