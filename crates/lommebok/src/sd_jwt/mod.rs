//! SD-JWT VC: selective disclosure for JWTs ([RFC 9901]) in the credential profile of
//! [draft-ietf-oauth-sd-jwt-vc] (header `typ` `dc+sd-jwt`).
//!
//! - An [`crate::Issuer`] signs a JWT whose claims named by [`ClaimPath`]s are replaced by
//!   digests of *disclosures* (salted `[salt, name, value]` arrays), at any depth: top-level
//!   claims, members of nested objects, array elements (`{"...": digest}`). Digests are sorted,
//!   decoys can be added, salts are 128 random bits. See [`crate::Issuer::issue_sd_jwt`].
//! - A [`crate::Wallet`] keeps only the disclosures for the claims it chooses to show and appends
//!   a Key Binding JWT (`typ` `kb+jwt`, with the verifier's nonce and audience and `sd_hash`, the
//!   digest of everything before it), signed through its [`crate::Signer`], so a platform key
//!   works. See [`crate::Wallet::present_sd_jwt`].
//! - A [`crate::Verifier`] checks it strictly (RFC 9901 §7) and reports every check in a
//!   [`crate::VerificationReport`]; what passes comes back as a [`VerifiedSdJwt`]. See
//!   [`crate::Verifier::verify_sd_jwt`].
//!
//! The compact serialization only (RFC 9901 §4); not the JSON serialization (§8). SHA-256 is the
//! only `_sd_alg`. `cnf` holds the holder key as a JWK (`cnf.jwk`). `iat` is always shown, as are
//! the claims SD-JWT VC forbids hiding ([`NEVER_DISCLOSABLE`]).
//!
//! # What comes from ssi
//!
//! Nothing at run time: this module is hand-written, and `ssi-sd-jwt` (0.6) serves in the tests
//! as an independent implementation that lommebok's disclosures, digests and issued SD-JWTs must
//! agree with. It was read for this and does not fit:
//! - concealing (`SdJwtPayload::conceal_claims`) mishandles a JSON pointer that runs through an
//!   array element into what the element holds (`conceal_array_at` recurses with the whole
//!   pointer instead of the rest), adds no decoys, leaves `_sd` digests in claim order (RFC 9901
//!   §4.2.4.1 wants them sorted or shuffled), signs through ssi's `JwsSigner` rather than
//!   lommebok's [`crate::Signer`], and writes no `typ` header;
//! - revealing (`DecodedSdJwt::reveal`) keys disclosures by digest, so one given twice passes
//!   unnoticed; it does not refuse a disclosure named `_sd` or `...`, a digest that appears twice
//!   without a disclosure, or a hidden `exp`/`cnf`/`vct`/`status`, and it reads JSON leniently
//!   (duplicate members);
//! - `decode_reveal_verify*` does not look at the KB-JWT at all.
//!
//! What would fit, the disclosure encoding and its SHA-256 digest, is some twenty lines and would
//! bring 17 crates (`ssi-jwt`, `serde_with`, `darling`, `time`, …) into every mobile build. JWS
//! signing and verification are lommebok's own [`crate::jws`] (`alg` pinned to the key, `typ`
//! checked, unknown `crit` refused, header keys never trusted).
//!
//! [RFC 9901]: https://www.rfc-editor.org/rfc/rfc9901
//! [draft-ietf-oauth-sd-jwt-vc]: https://datatracker.ietf.org/doc/draft-ietf-oauth-sd-jwt-vc/

mod checks;
mod disclosure;
mod issue;
mod path;
mod present;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::Error;
use crate::jws::JwsError;
use crate::key::PublicKey;

pub(crate) use checks::{VerifyContext, verify};
pub use disclosure::{Disclosure, SD_ALG, digest};
pub(crate) use issue::{IssuerIdentity, issue};
pub use path::{ClaimPath, NEVER_DISCLOSABLE, PathSegment};
pub(crate) use present::{Binding, present};

/// The header `typ` of an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc §3.2.1).
pub const SD_JWT_VC_TYPE: &str = "dc+sd-jwt";

/// The header `typ` of a Key Binding JWT (RFC 9901 §4.3).
pub const KB_JWT_TYPE: &str = "kb+jwt";

/// Errors from issuing, presenting or reading an SD-JWT. (An SD-JWT that is read and found
/// invalid is not an error: see [`crate::Verifier::verify_sd_jwt`].)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SdJwtError {
    /// A claim path is malformed, given twice, or names a claim that is never selectively
    /// disclosable.
    #[error("claim path `{path}`: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A claim path does not lead to a claim of the credential.
    #[error("claim path `{path}` does not lead to a claim: {reason}")]
    PathNotFound {
        /// The path as given.
        path: String,
        /// Where it stops.
        reason: String,
    },
    /// The claims give a claim lommebok sets itself (`iss`, `iat`, `exp`, `nbf`, `cnf`, `vct`,
    /// `_sd_alg`: set them through [`SdJwtOptions`]), or use `_sd` or `...` as a name.
    #[error("claim `{name}` cannot be given in the claims: {reason}")]
    ReservedClaim {
        /// The claim name.
        name: String,
        /// Why.
        reason: String,
    },
    /// More decoy digests asked for than [`MAX_DECOYS`].
    #[error("{0} decoys per object asked for; at most {MAX_DECOYS}")]
    TooManyDecoys(usize),
    /// The options name no credential type (`vct`).
    #[error("an SD-JWT VC needs a credential type (`vct`)")]
    MissingType,
    /// The input is not a compact SD-JWT (`<JWT>~<disclosure>~…~[<KB-JWT>]`), or is the wrong
    /// form for the operation.
    #[error("malformed SD-JWT: {0}")]
    Malformed(String),
    /// The disclosures do not fit the issuer-signed JWT (RFC 9901 §7.1): malformed, given
    /// twice, unreferenced, or hiding what may not be hidden.
    #[error("the SD-JWT's disclosures are not acceptable: {0}")]
    Disclosures(String),
    /// Key binding does not fit the credential: asked for one without `cnf`, refused for one
    /// with it, or `cnf` is not a usable key.
    #[error("key binding: {0}")]
    KeyBinding(String),
    /// The issuer-signed JWT cannot be read.
    #[error(transparent)]
    Jws(#[from] JwsError),
}

/// What an issuer puts in an SD-JWT VC besides the claims.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SdJwtOptions {
    /// `vct`: the credential type (required), e.g. `urn:eudi:pid:1` or an HTTPS URL.
    pub vct: String,
    /// `iss`; the issuer's DID when `None`.
    pub issuer: Option<String>,
    /// `nbf`: not valid before.
    pub valid_from: Option<DateTime<Utc>>,
    /// `exp`: not valid after.
    pub valid_until: Option<DateTime<Utc>>,
    /// `cnf.jwk`: the holder key the presentations must be signed with (key binding). Without it
    /// anyone holding a copy can present the credential.
    pub holder_key: Option<PublicKey>,
    /// How many decoy digests to add to each object and array that has selectively disclosable
    /// members, so that their number does not show (RFC 9901 §4.2.5).
    pub decoys: usize,
    /// A Token Status List entry: the issuer allocates an index for `credential_id` (the name
    /// it revokes or suspends the credential by later) in its status list at `list_url` and puts
    /// the `status` claim in the payload. Needs an issuer with a status registry.
    pub status: Option<SdJwtStatus>,
}

/// The most decoy digests per object or array an issuer adds (RFC 9901 §4.2.5 asks for a
/// handful; more only bloats the credential).
pub const MAX_DECOYS: usize = 100;

/// Where an SD-JWT VC's status lives: the issuer's list URL and the id the issuer keeps it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdJwtStatus {
    /// The status list's URL (also the Status List Token's `sub`).
    pub list_url: String,
    /// The id under which the issuer's registry keeps the credential's index.
    pub credential_id: String,
}

impl SdJwtOptions {
    /// Options for a credential of type `vct`.
    pub fn new(vct: impl Into<String>) -> Self {
        SdJwtOptions {
            vct: vct.into(),
            ..Self::default()
        }
    }

    /// Gives the credential an entry in the issuer's status list `list_url`, kept under
    /// `credential_id` (see [`SdJwtOptions::status`]).
    pub fn with_status(
        mut self,
        list_url: impl Into<String>,
        credential_id: impl Into<String>,
    ) -> Self {
        self.status = Some(SdJwtStatus {
            list_url: list_url.into(),
            credential_id: credential_id.into(),
        });
        self
    }

    /// Binds the credential to `key` (`cnf.jwk`).
    pub fn with_holder_key(mut self, key: PublicKey) -> Self {
        self.holder_key = Some(key);
        self
    }

    /// Sets `iss` (instead of the issuer's DID).
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Sets `nbf`.
    pub fn valid_from(mut self, at: DateTime<Utc>) -> Self {
        self.valid_from = Some(at);
        self
    }

    /// Sets `exp`.
    pub fn valid_until(mut self, at: DateTime<Utc>) -> Self {
        self.valid_until = Some(at);
        self
    }

    /// Adds `decoys` decoy digests wherever claims are concealed.
    pub fn with_decoys(mut self, decoys: usize) -> Self {
        self.decoys = decoys;
        self
    }
}

/// The key a verifier checks the issuer's signature with. Never taken from the SD-JWT itself
/// (its `kid`, `jwk`, `x5c` … headers are not trusted).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SdJwtIssuerKey {
    /// A DID URL (`did:key:z…#z…`), resolved with the verifier's resolver. The key must be
    /// listed under the DID's `assertionMethod`, and the SD-JWT's `iss` must be that DID.
    VerificationMethod(String),
    /// A key the verifier already trusts (e.g. from the issuer's published JWK or a trust list).
    /// `iss` is reported as it is, not checked against the key.
    PublicKey(PublicKey),
}

impl SdJwtIssuerKey {
    /// The issuer key from a public JWK.
    ///
    /// # Errors
    /// [`Error::Key`] when the JWK is not an Ed25519 or P-256 public key.
    pub fn from_jwk(jwk: &Value) -> Result<Self, Error> {
        Ok(SdJwtIssuerKey::PublicKey(PublicKey::from_jwk(jwk)?))
    }
}

impl From<PublicKey> for SdJwtIssuerKey {
    fn from(key: PublicKey) -> Self {
        SdJwtIssuerKey::PublicKey(key)
    }
}

/// An SD-JWT that passed every check. Only a [`crate::Verifier`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedSdJwt {
    pub(crate) claims: Map<String, Value>,
    pub(crate) vct: Option<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) status: Option<Value>,
    pub(crate) holder_key: Option<PublicKey>,
}

impl VerifiedSdJwt {
    /// The claims (RFC 9901 §7.1's processed payload): the disclosed claims in place, the
    /// always-visible ones (`iss`, `iat`, `vct`, `cnf` …), and no `_sd`, `...` or `_sd_alg`.
    /// Claims the holder did not disclose are absent.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The claims, owned.
    pub fn into_claims(self) -> Map<String, Value> {
        self.claims
    }

    /// The credential type (`vct`); always there for an SD-JWT VC (`typ` `dc+sd-jwt`).
    pub fn vct(&self) -> Option<&str> {
        self.vct.as_deref()
    }

    /// The issuer (`iss`), if the SD-JWT names one.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The `status` claim (IETF Token Status List reference), if any. A credential with one
    /// verifies only when its status was checked.
    pub fn status(&self) -> Option<&Value> {
        self.status.as_ref()
    }

    /// The holder key (`cnf.jwk`) the presentation was bound to, if the credential has one.
    pub fn holder_key(&self) -> Option<&PublicKey> {
        self.holder_key.as_ref()
    }
}

/// What an SD-JWT holds, all disclosures applied: for a wallet to show its holder the claims and
/// which of them can be left out. Nothing here is verified.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SdJwtContents {
    /// Every claim (RFC 9901 §7.1's processed payload with all disclosures).
    pub claims: Map<String, Value>,
    /// The paths of the selectively disclosable claims, in the order of their disclosures; pass
    /// any of them to [`crate::Wallet::present_sd_jwt`].
    pub disclosable: Vec<ClaimPath>,
    /// The disclosures, in the order the SD-JWT gives them.
    pub disclosures: Vec<Disclosure>,
}

/// Reads an SD-JWT (as issued, or a presentation: a Key Binding JWT is ignored) without verifying
/// it.
///
/// # Errors
/// [`Error::SdJwt`] when it is not a compact SD-JWT, the issuer-signed JWT cannot be read, or
/// the disclosures do not fit it (RFC 9901 §7.1).
pub fn inspect(sd_jwt: &str) -> Result<SdJwtContents, Error> {
    let compact = disclosure::Compact::split(sd_jwt)?;
    let jwt = crate::jws::Jws::decode(compact.jwt).map_err(SdJwtError::Jws)?;
    let disclosures = compact
        .disclosures
        .iter()
        .map(|d| Disclosure::parse(d))
        .collect::<Result<Vec<_>, _>>()?;
    let processed =
        disclosure::process(jwt.payload, &disclosures).map_err(SdJwtError::Disclosures)?;
    Ok(SdJwtContents {
        claims: processed.claims,
        disclosable: processed
            .revealed_at
            .into_iter()
            .map(ClaimPath::from_resolved)
            .collect(),
        disclosures,
    })
}

/// A signer's failure stays a key error (so [`Error::is_signing_failure`] sees it).
pub(crate) fn signing_error(e: JwsError) -> Error {
    match e {
        JwsError::Key(key) => Error::Key(key),
        other => SdJwtError::Jws(other).into(),
    }
}

/// The holder key of a `cnf` claim (RFC 7800 `jwk`).
pub(crate) fn holder_key(cnf: &Value) -> Result<PublicKey, String> {
    let Some(jwk) = cnf.as_object().and_then(|c| c.get("jwk")) else {
        return Err("`cnf` has no `jwk` (the only confirmation method supported)".into());
    };
    PublicKey::from_jwk(jwk).map_err(|e| format!("`cnf.jwk`: {e}"))
}
