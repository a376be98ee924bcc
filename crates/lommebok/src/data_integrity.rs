//! Data Integrity proofs (<https://www.w3.org/TR/vc-data-integrity/>) with the cryptosuites
//! `eddsa-rdfc-2022`, `eddsa-jcs-2022` (<https://www.w3.org/TR/vc-di-eddsa/>) and
//! `ecdsa-rdfc-2019`, `ecdsa-jcs-2019` (<https://www.w3.org/TR/vc-di-ecdsa/>) for P-256, and
//! the verification of `ecdsa-sd-2023` derived proofs (made and checked in [`crate::ecdsa_sd`]).
//!
//! The suites are driven here, on top of ssi's JSON-LD processing, rather than through ssi's
//! `DataIntegrity` type, because lommebok needs four things ssi 0.16 does not do:
//! - `eddsa-jcs-2022` and `ecdsa-jcs-2019` (ssi has neither), including the check that the
//!   proof's `@context` is a prefix of the document's;
//! - Ed25519 verification with `verify_strict` semantics (ssi uses plain `verify`);
//! - RDFC-1.0 with a bound on work, so a "poison graph" is refused (ssi's canonicalizer has no
//!   bound): lommebok expands JSON-LD to RDF with `ssi-json-ld` / `ssi-rdf` and canonicalizes
//!   with `rdf-canon` under a call budget;
//! - a JSON-LD loader that serves only bundled or registered contexts.
//!
//! The algorithm itself (proof configuration, transformation, hashing, signing) is short and
//! follows the specs' sections step by step; the W3C test vectors pin it byte for byte.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use ssi_json_ld::{CompactJsonLd, Expandable as _};
use ssi_rdf::{AnyLdEnvironment as _, LdEnvironment};

use crate::contexts::ContextRegistry;
use crate::key::{Algorithm, KeyError, PublicKey, Signer, decode_base58btc};

/// Most n-degree hash calls RDFC-1.0 may make for one document (RDFC-1.0 §4.4 asks
/// implementations to bound this to refuse poison graphs). Credentials seen in practice need
/// a handful.
pub const RDFC_CALL_LIMIT: usize = 4000;

/// Errors from creating or checking a proof. A proof that is well-formed but does not verify is
/// not an error: [`verify_proof`] returns `Ok(false)`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The cryptosuite is not one lommebok implements.
    #[error("unsupported cryptosuite `{0}`")]
    UnsupportedCryptosuite(String),
    /// The proof object lacks a member or has one of the wrong type.
    #[error("malformed proof: {0}")]
    Malformed(String),
    /// The key's algorithm does not match the cryptosuite.
    #[error("cryptosuite {suite} cannot be used with a {algorithm} key")]
    WrongKeyType {
        /// The suite.
        suite: Cryptosuite,
        /// The key's algorithm.
        algorithm: Algorithm,
    },
    /// JSON-LD processing failed: e.g. an unknown context URL, or a term the contexts do not
    /// define (every term must be defined for an RDFC suite).
    #[error("JSON-LD processing failed: {0}")]
    JsonLd(String),
    /// RDF canonicalization gave up (e.g. a poison graph exceeded [`RDFC_CALL_LIMIT`]).
    #[error("RDF canonicalization failed: {0}")]
    Canonicalization(String),
    /// JCS canonicalization failed.
    #[error("JSON canonicalization failed: {0}")]
    Jcs(String),
    /// Signing failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// An `ecdsa-sd-2023` proof could not be made or checked (e.g. a base proof given to a
    /// verifier, or a mandatory pointer that selects nothing).
    #[error(transparent)]
    SelectiveDisclosure(#[from] crate::ecdsa_sd::EcdsaSdError),
}

/// A Data Integrity cryptosuite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Cryptosuite {
    /// `eddsa-rdfc-2022`: Ed25519 over RDFC-1.0 canonical N-Quads.
    #[serde(rename = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
    /// `eddsa-jcs-2022`: Ed25519 over JCS (RFC 8785) canonical JSON.
    #[serde(rename = "eddsa-jcs-2022")]
    EddsaJcs2022,
    /// `ecdsa-rdfc-2019` with P-256.
    #[serde(rename = "ecdsa-rdfc-2019")]
    EcdsaRdfc2019,
    /// `ecdsa-jcs-2019` with P-256.
    #[serde(rename = "ecdsa-jcs-2019")]
    EcdsaJcs2019,
    /// `ecdsa-sd-2023` with P-256: selective disclosure ([`crate::ecdsa_sd`]). The issuer adds
    /// a base proof for the holder; verifiers accept only the derived proofs holders make.
    #[serde(rename = "ecdsa-sd-2023")]
    EcdsaSd2023,
}

impl std::fmt::Display for Cryptosuite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Cryptosuite {
    type Err = ProofError;
    fn from_str(s: &str) -> Result<Self, ProofError> {
        Self::from_name(s)
    }
}

impl Cryptosuite {
    /// All suites.
    pub const ALL: [Cryptosuite; 5] = [
        Cryptosuite::EddsaRdfc2022,
        Cryptosuite::EddsaJcs2022,
        Cryptosuite::EcdsaRdfc2019,
        Cryptosuite::EcdsaJcs2019,
        Cryptosuite::EcdsaSd2023,
    ];

    /// The `cryptosuite` value.
    pub fn name(&self) -> &'static str {
        match self {
            Cryptosuite::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Cryptosuite::EddsaJcs2022 => "eddsa-jcs-2022",
            Cryptosuite::EcdsaRdfc2019 => "ecdsa-rdfc-2019",
            Cryptosuite::EcdsaJcs2019 => "ecdsa-jcs-2019",
            Cryptosuite::EcdsaSd2023 => crate::ecdsa_sd::CRYPTOSUITE,
        }
    }

    /// Parses a `cryptosuite` value.
    ///
    /// # Errors
    /// [`ProofError::UnsupportedCryptosuite`].
    pub fn from_name(name: &str) -> Result<Self, ProofError> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| ProofError::UnsupportedCryptosuite(name.to_owned()))
    }

    /// The key algorithm the suite signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Cryptosuite::EddsaRdfc2022 | Cryptosuite::EddsaJcs2022 => Algorithm::Ed25519,
            Cryptosuite::EcdsaRdfc2019 | Cryptosuite::EcdsaJcs2019 | Cryptosuite::EcdsaSd2023 => {
                Algorithm::P256
            }
        }
    }

    /// Whether the suite is for selective disclosure (`ecdsa-sd-2023`): what the issuer signs
    /// is a base proof for the holder, and what a verifier checks is a proof the holder derives.
    pub fn is_selective(&self) -> bool {
        matches!(self, Cryptosuite::EcdsaSd2023)
    }

    /// Whether the suite canonicalizes with JCS (else RDFC-1.0).
    pub fn is_jcs(&self) -> bool {
        matches!(self, Cryptosuite::EddsaJcs2022 | Cryptosuite::EcdsaJcs2019)
    }

    /// The default suite for a key: the RDFC suite of its algorithm.
    pub fn default_for(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Ed25519 => Cryptosuite::EddsaRdfc2022,
            Algorithm::P256 => Cryptosuite::EcdsaRdfc2019,
        }
    }
}

/// What goes into a new proof besides the signature.
#[derive(Debug, Clone)]
pub struct ProofOptions {
    /// The cryptosuite.
    pub cryptosuite: Cryptosuite,
    /// The verification method (a DID URL).
    pub verification_method: String,
    /// `assertionMethod` for credentials, `authentication` for presentations.
    pub proof_purpose: String,
    /// `created`; with a fixed value, EdDSA proofs are deterministic.
    pub created: Option<DateTime<Utc>>,
    /// `expires`.
    pub expires: Option<DateTime<Utc>>,
    /// `challenge` (presentations).
    pub challenge: Option<String>,
    /// `domain` (presentations).
    pub domain: Option<String>,
}

/// A DID that signs: the signer, its `did:key`, the verification method and suite it signs
/// with, and the contexts it may use. What [`crate::Issuer`] and [`crate::Wallet`] share.
#[derive(Clone)]
pub(crate) struct Prover {
    signer: std::sync::Arc<dyn Signer>,
    did: crate::did::Did,
    verification_method: String,
    cryptosuite: Cryptosuite,
    contexts: ContextRegistry,
}

impl std::fmt::Debug for Prover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prover")
            .field("did", &self.did)
            .field("cryptosuite", &self.cryptosuite)
            .finish_non_exhaustive()
    }
}

impl Prover {
    /// Signs as the `did:key` of `signer`'s key, with the key's default suite.
    pub(crate) fn new(signer: std::sync::Arc<dyn Signer>) -> Self {
        let public = signer.public_key();
        Prover {
            did: crate::did::Did::from_public_key(&public),
            verification_method: crate::did::Did::key_verification_method(&public),
            cryptosuite: Cryptosuite::default_for(public.algorithm()),
            signer,
            contexts: ContextRegistry::new(),
        }
    }

    /// Switches to `cryptosuite`, if it fits the key.
    pub(crate) fn set_cryptosuite(&mut self, cryptosuite: Cryptosuite) -> Result<(), ProofError> {
        let algorithm = self.signer.public_key().algorithm();
        if cryptosuite.algorithm() != algorithm {
            return Err(ProofError::WrongKeyType {
                suite: cryptosuite,
                algorithm,
            });
        }
        self.cryptosuite = cryptosuite;
        Ok(())
    }

    pub(crate) fn set_contexts(&mut self, contexts: ContextRegistry) {
        self.contexts = contexts;
    }

    pub(crate) fn did(&self) -> &crate::did::Did {
        &self.did
    }

    pub(crate) fn contexts(&self) -> &ContextRegistry {
        &self.contexts
    }

    pub(crate) fn cryptosuite(&self) -> Cryptosuite {
        self.cryptosuite
    }

    /// Adds an `ecdsa-sd-2023` base proof (for `assertionMethod`) to `document`, with
    /// `mandatory_pointers`, after checking that every context it names is known.
    pub(crate) fn prove_base(
        &self,
        document: &Map<String, Value>,
        mandatory_pointers: &[&str],
        created: DateTime<Utc>,
    ) -> Result<Map<String, Value>, crate::Error> {
        self.contexts
            .check_known(&Value::Object(document.clone()))?;
        Ok(crate::ecdsa_sd::issue_base(
            document,
            self.signer.as_ref(),
            &self.verification_method,
            mandatory_pointers,
            created,
            &self.contexts,
        )
        .map_err(ProofError::from)?)
    }

    /// Adds a proof for `purpose` to `document`, after checking that every context it names is
    /// known (for every suite, JCS included: a verifier will not accept vocabulary it does not
    /// know). With `ecdsa-sd-2023` (whose base proofs only holders can use) the proof is an
    /// `ecdsa-rdfc-2019` one: this is how status list credentials are signed.
    pub(crate) fn prove(
        &self,
        document: &Map<String, Value>,
        purpose: crate::did::Relationship,
        created: DateTime<Utc>,
        challenge: Option<String>,
        domain: Option<String>,
    ) -> Result<Map<String, Value>, crate::Error> {
        self.contexts
            .check_known(&Value::Object(document.clone()))?;
        let cryptosuite = if self.cryptosuite.is_selective() {
            Cryptosuite::default_for(self.cryptosuite.algorithm())
        } else {
            self.cryptosuite
        };
        let options = ProofOptions {
            cryptosuite,
            verification_method: self.verification_method.clone(),
            proof_purpose: purpose.as_str().into(),
            created: Some(created),
            expires: None,
            challenge,
            domain,
        };
        Ok(add_proof(
            document,
            &options,
            self.signer.as_ref(),
            &self.contexts,
        )?)
    }
}

/// The intermediate values of hashing a document and a proof configuration: the canonical forms
/// and their SHA-256 digests. The signature is over `proof_hash || document_hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashData {
    /// The canonical proof configuration (N-Quads or JCS).
    pub canonical_proof_config: String,
    /// The canonical document (N-Quads or JCS).
    pub canonical_document: String,
    /// SHA-256 of `canonical_proof_config`.
    pub proof_hash: [u8; 32],
    /// SHA-256 of `canonical_document`.
    pub document_hash: [u8; 32],
}

impl HashData {
    /// The 64 bytes that are signed.
    pub fn combined(&self) -> [u8; 64] {
        let mut out = [0; 64];
        out[..32].copy_from_slice(&self.proof_hash);
        out[32..].copy_from_slice(&self.document_hash);
        out
    }
}

/// Formats a time as the proofs and credentials write it: `YYYY-MM-DDThh:mm:ssZ`.
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The proof configuration for `options` (proof options without `proofValue`), with the
/// document's `@context` (as the suites' "Proof Configuration" sections require).
pub fn proof_configuration(
    document: &Map<String, Value>,
    options: &ProofOptions,
) -> Map<String, Value> {
    let mut config = Map::new();
    config.insert("type".into(), "DataIntegrityProof".into());
    config.insert("cryptosuite".into(), options.cryptosuite.name().into());
    let created = options.created.unwrap_or_else(Utc::now);
    config.insert("created".into(), format_time(&created).into());
    if let Some(expires) = &options.expires {
        config.insert("expires".into(), format_time(expires).into());
    }
    config.insert(
        "verificationMethod".into(),
        options.verification_method.clone().into(),
    );
    config.insert("proofPurpose".into(), options.proof_purpose.clone().into());
    if let Some(challenge) = &options.challenge {
        config.insert("challenge".into(), challenge.clone().into());
    }
    if let Some(domain) = &options.domain {
        config.insert("domain".into(), domain.clone().into());
    }
    if let Some(context) = document.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    config
}

/// Signs `document` and returns it with the new proof added (to a proof set if it already has
/// proofs: the new proof covers the document without them).
///
/// # Errors
/// [`ProofError`] when the key does not fit the suite, canonicalization fails, or the signer
/// fails.
pub fn add_proof(
    document: &Map<String, Value>,
    options: &ProofOptions,
    signer: &dyn Signer,
    contexts: &ContextRegistry,
) -> Result<Map<String, Value>, ProofError> {
    if options.cryptosuite.is_selective() {
        return Err(ProofError::UnsupportedCryptosuite(format!(
            "{} here: a base proof needs mandatory pointers (see ecdsa_sd::issue_base)",
            options.cryptosuite
        )));
    }
    let algorithm = signer.public_key().algorithm();
    if algorithm != options.cryptosuite.algorithm() {
        return Err(ProofError::WrongKeyType {
            suite: options.cryptosuite,
            algorithm,
        });
    }
    let mut unsecured = document.clone();
    let existing = unsecured.remove("proof");
    let config = proof_configuration(&unsecured, options);
    let hash = hash_data(&unsecured, &config, options.cryptosuite, contexts)?;
    let signature = signer.sign(&hash.combined())?;
    let mut proof = config;
    if !options.cryptosuite.is_jcs() {
        // RDFC suites do not keep the proof configuration's @context in the proof.
        proof.remove("@context");
    }
    proof.insert(
        "proofValue".into(),
        multibase::encode(multibase::Base::Base58Btc, signature).into(),
    );
    let mut secured = unsecured;
    let proof = Value::Object(proof);
    let proofs = match existing {
        None => proof,
        Some(Value::Array(mut set)) => {
            set.push(proof);
            Value::Array(set)
        }
        Some(one) => Value::Array(vec![one, proof]),
    };
    secured.insert("proof".into(), proofs);
    Ok(secured)
}

/// Computes the hash data of an unsecured document and a proof configuration (the suites'
/// "Transformation" and "Hashing" steps).
///
/// # Errors
/// [`ProofError::JsonLd`] / [`ProofError::Canonicalization`] for RDFC suites,
/// [`ProofError::Jcs`] for JCS suites.
pub fn hash_data(
    unsecured: &Map<String, Value>,
    proof_config: &Map<String, Value>,
    suite: Cryptosuite,
    contexts: &ContextRegistry,
) -> Result<HashData, ProofError> {
    let (canonical_proof_config, canonical_document) = if suite.is_jcs() {
        (jcs(proof_config)?, jcs(unsecured)?)
    } else {
        let mut config = proof_config.clone();
        // RDFC-1.0 proof configurations always carry the document's @context.
        match unsecured.get("@context") {
            Some(context) => config.insert("@context".into(), context.clone()),
            None => config.remove("@context"),
        };
        (rdfc(&config, contexts)?, rdfc(unsecured, contexts)?)
    };
    Ok(HashData {
        proof_hash: Sha256::digest(canonical_proof_config.as_bytes()).into(),
        document_hash: Sha256::digest(canonical_document.as_bytes()).into(),
        canonical_proof_config,
        canonical_document,
    })
}

/// Verifies one proof over `unsecured` (the document without the proofs being checked) with
/// `key`. Returns `Ok(false)` when the signature does not verify, and for a JCS proof whose
/// `@context` is not a prefix of the document's. An `ecdsa-sd-2023` proof must be a derived
/// proof ([`crate::ecdsa_sd::verify_derived`]); a base proof is an error
/// ([`crate::ecdsa_sd::EcdsaSdError::NotDerivedProof`]).
///
/// # Errors
/// [`ProofError`] when the proof cannot be processed: unknown suite, malformed members, a key of
/// the wrong type, or a document that cannot be canonicalized.
pub fn verify_proof(
    unsecured: &Map<String, Value>,
    proof: &Map<String, Value>,
    key: &PublicKey,
    contexts: &ContextRegistry,
) -> Result<bool, ProofError> {
    let proof_type = proof.get("type").and_then(Value::as_str);
    if proof_type != Some("DataIntegrityProof") {
        return Err(ProofError::Malformed(format!(
            "proof type must be DataIntegrityProof, not {}",
            proof_type.unwrap_or("(none)")
        )));
    }
    let suite = Cryptosuite::from_name(
        proof
            .get("cryptosuite")
            .and_then(Value::as_str)
            .ok_or_else(|| ProofError::Malformed("no cryptosuite".into()))?,
    )?;
    if key.algorithm() != suite.algorithm() {
        return Err(ProofError::WrongKeyType {
            suite,
            algorithm: key.algorithm(),
        });
    }
    if suite.is_selective() {
        // A derived proof covers the document it came with; a base proof is refused.
        let mut document = unsecured.clone();
        document.insert("proof".into(), Value::Object(proof.clone()));
        return Ok(crate::ecdsa_sd::verify_derived(&document, key, contexts)?);
    }
    let proof_value = proof
        .get("proofValue")
        .and_then(Value::as_str)
        .ok_or_else(|| ProofError::Malformed("no proofValue".into()))?;
    let Ok(signature) = decode_base58btc(proof_value) else {
        // A proofValue that is not base58btc multibase cannot verify.
        return Ok(false);
    };
    for member in ["created", "expires"] {
        if let Some(v) = proof.get(member) {
            let ok = v
                .as_str()
                .is_some_and(|s| DateTime::parse_from_rfc3339(s).is_ok());
            if !ok {
                return Err(ProofError::Malformed(format!(
                    "`{member}` is not a date-time"
                )));
            }
        }
    }
    let mut config = proof.clone();
    config.remove("proofValue");
    let mut unsecured = unsecured.clone();
    if suite.is_jcs()
        && let Some(proof_context) = proof.get("@context")
    {
        if !context_is_prefix(proof_context, unsecured.get("@context")) {
            return Ok(false);
        }
        unsecured.insert("@context".into(), proof_context.clone());
    }
    let hash = hash_data(&unsecured, &config, suite, contexts)?;
    Ok(key.verify(&hash.combined(), &signature))
}

/// The document a proof of a proof set or chain covers (VC Data Integrity §4.3 and §4.4): the
/// unsecured document, plus, for a proof with `previousProof`, the proofs of `all_proofs` it
/// names.
///
/// # Errors
/// [`ProofError::Malformed`] when `previousProof` is not proof ids or names a proof that is not
/// in the set.
pub fn proof_input(
    unsecured: &Map<String, Value>,
    all_proofs: &[&Map<String, Value>],
    proof: &Map<String, Value>,
) -> Result<Map<String, Value>, ProofError> {
    let malformed = || ProofError::Malformed("previousProof must be proof ids".into());
    let previous: Vec<&str> = match proof.get("previousProof") {
        None => return Ok(unsecured.clone()),
        Some(Value::String(id)) => vec![id.as_str()],
        Some(Value::Array(ids)) => ids
            .iter()
            .map(Value::as_str)
            .collect::<Option<_>>()
            .ok_or_else(malformed)?,
        Some(_) => return Err(malformed()),
    };
    let mut matching = Vec::new();
    for id in previous {
        let found = all_proofs
            .iter()
            .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| {
                ProofError::Malformed(format!("previousProof {id} is not in the proof set"))
            })?;
        matching.push(Value::Object((*found).clone()));
    }
    let mut input = unsecured.clone();
    let proofs = if matching.len() == 1 {
        matching.remove(0)
    } else {
        Value::Array(matching)
    };
    input.insert("proof".into(), proofs);
    Ok(input)
}

/// Whether the proof's `@context` values start the document's, in order (eddsa-jcs-2022 §3.3.2).
pub(crate) fn context_is_prefix(proof_context: &Value, document_context: Option<&Value>) -> bool {
    fn as_slice(value: &Value) -> &[Value] {
        match value {
            Value::Array(items) => items,
            one => std::slice::from_ref(one),
        }
    }
    document_context.is_some_and(|document| as_slice(document).starts_with(as_slice(proof_context)))
}

/// JCS (RFC 8785) of a JSON object, with `serde_jcs`.
fn jcs(object: &Map<String, Value>) -> Result<String, ProofError> {
    serde_jcs::to_string(object).map_err(|e| ProofError::Jcs(e.to_string()))
}

/// JSON-LD expansion to RDF (ssi-json-ld, ssi-rdf), then RDFC-1.0 with a call budget
/// (rdf-canon). Returns canonical N-Quads.
fn rdfc(document: &Map<String, Value>, contexts: &ContextRegistry) -> Result<String, ProofError> {
    // The JSON-LD and IRI crates below have panicked on hostile input (an IRI whose percent
    // escapes are not UTF-8 panics when hashed); a panic there must not take the caller down.
    // `catch_unwind` turns any such panic into an error. (lommebok never sets `panic = "abort"`.)
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rdfc_unguarded(document, contexts)
    }))
    .unwrap_or_else(|_| {
        Err(ProofError::JsonLd(
            "the document could not be processed (internal error in JSON-LD processing)".into(),
        ))
    })
}

fn rdfc_unguarded(
    document: &Map<String, Value>,
    contexts: &ContextRegistry,
) -> Result<String, ProofError> {
    let json = json_syntax::Value::from_serde_json(Value::Object(document.clone()));
    let mut ld = LdEnvironment::default();
    // Expansion is async only because loaders may be; this loader is an in-memory map.
    let expanded = pollster::block_on(CompactJsonLd(json).expand_with(&mut ld, contexts.loader()))
        .map_err(|e| ProofError::JsonLd(e.to_string()))?;
    let quads = ld
        .quads_of(&expanded)
        .map_err(|e| ProofError::JsonLd(e.to_string()))?;
    let dataset: oxrdf::Dataset = quads
        .iter()
        .map(to_oxrdf)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .collect();
    rdf_canon::canonicalize_with::<Sha256>(
        &dataset,
        &rdf_canon::CanonicalizationOptions {
            hndq_call_limit: Some(RDFC_CALL_LIMIT),
        },
    )
    .map_err(|e| ProofError::Canonicalization(e.to_string()))
}

/// Converts one quad from ssi's lexical form to oxrdf's, for rdf-canon.
fn to_oxrdf(quad: &rdf_types::LexicalQuad) -> Result<oxrdf::Quad, ProofError> {
    use rdf_types::{Id, LiteralType, Term};
    let bad = |what: &str| ProofError::Canonicalization(format!("invalid {what} in RDF output"));
    let node = |id: &Id| -> Result<oxrdf::Subject, ProofError> {
        Ok(match id {
            Id::Iri(iri) => oxrdf::NamedNode::new(iri.as_str())
                .map_err(|_| bad("IRI"))?
                .into(),
            Id::Blank(b) => oxrdf::BlankNode::new(b.suffix())
                .map_err(|_| bad("blank node"))?
                .into(),
        })
    };
    let subject = node(&quad.0)?;
    let predicate = oxrdf::NamedNode::new(quad.1.as_str()).map_err(|_| bad("IRI"))?;
    let object: oxrdf::Term = match &quad.2 {
        Term::Id(id) => match node(id)? {
            oxrdf::Subject::NamedNode(n) => n.into(),
            oxrdf::Subject::BlankNode(b) => b.into(),
            #[allow(unreachable_patterns)]
            _ => return Err(bad("object")),
        },
        Term::Literal(literal) => match &literal.type_ {
            LiteralType::Any(datatype) => oxrdf::Literal::new_typed_literal(
                literal.value.as_str(),
                oxrdf::NamedNode::new(datatype.as_str()).map_err(|_| bad("datatype"))?,
            )
            .into(),
            LiteralType::LangString(tag) => {
                oxrdf::Literal::new_language_tagged_literal(literal.value.as_str(), tag.as_str())
                    .map_err(|_| bad("language tag"))?
                    .into()
            }
        },
    };
    let graph = match &quad.3 {
        None => oxrdf::GraphName::DefaultGraph,
        Some(g) => match node(g)? {
            oxrdf::Subject::NamedNode(n) => n.into(),
            oxrdf::Subject::BlankNode(b) => b.into(),
            #[allow(unreachable_patterns)]
            _ => return Err(bad("graph name")),
        },
    };
    Ok(oxrdf::Quad::new(subject, predicate, object, graph))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SoftwareKey;
    use serde_json::json;

    fn doc() -> Map<String, Value> {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"id": "did:example:subject", "name": "Kari"}
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    #[test]
    fn every_suite_signs_and_verifies_and_rejects_a_changed_claim() {
        let contexts = ContextRegistry::new();
        for suite in Cryptosuite::ALL {
            let key = SoftwareKey::generate(suite.algorithm());
            let options = ProofOptions {
                cryptosuite: suite,
                verification_method: "did:example:issuer#key-1".into(),
                proof_purpose: "assertionMethod".into(),
                created: None,
                expires: None,
                challenge: None,
                domain: None,
            };
            if suite.is_selective() {
                // Base proofs need mandatory pointers: `ecdsa_sd::issue_base` makes them.
                assert!(matches!(
                    add_proof(&doc(), &options, &key, &contexts),
                    Err(ProofError::UnsupportedCryptosuite(_))
                ));
                continue;
            }
            let mut signed = add_proof(&doc(), &options, &key, &contexts).unwrap();
            let proof = signed.remove("proof").unwrap();
            let proof = proof.as_object().unwrap();
            assert!(
                verify_proof(&signed, proof, &key.public_key(), &contexts).unwrap(),
                "{suite}"
            );
            signed["credentialSubject"]["name"] = "Ola".into();
            assert!(
                !verify_proof(&signed, proof, &key.public_key(), &contexts).unwrap(),
                "{suite}"
            );
        }
    }

    #[test]
    fn jcs_proof_context_must_prefix_document_context() {
        let proof = json!(["https://www.w3.org/ns/credentials/v2"]);
        let doc = json!(["https://www.w3.org/ns/credentials/v2", "https://x.example/"]);
        assert!(context_is_prefix(&proof, Some(&doc)));
        assert!(!context_is_prefix(&doc, Some(&proof)));
        assert!(!context_is_prefix(
            &json!(["https://x.example/"]),
            Some(&doc)
        ));
    }
}
