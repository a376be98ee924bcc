//! [`Verifier`]: checks credentials and presentations offline, and reports every check.

use std::sync::Arc;

use chrono::TimeDelta;
use lommebok::clock::FixedClock;
use lommebok::status::StatusListCache;

use crate::LommebokError;
use crate::sd_jwt::{SdJwtIssuer, SdJwtVerification, verification_of};
use crate::time::parse_time;

/// What a verifier asks a holder for: a fresh single-use challenge, and the verifier's domain.
/// Made by [`Verifier::request`]; hand it to the wallet (e.g. in a QR code).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PresentationRequest {
    /// The challenge the presentation's proof must carry.
    pub challenge: String,
    /// The domain (audience) the presentation must be for, if the verifier names one.
    #[uniffi(default = None)]
    pub domain: Option<String>,
}

impl From<PresentationRequest> for lommebok::PresentationRequest {
    fn from(request: PresentationRequest) -> Self {
        lommebok::PresentationRequest {
            challenge: request.challenge,
            domain: request.domain,
        }
    }
}

impl From<lommebok::PresentationRequest> for PresentationRequest {
    fn from(request: lommebok::PresentationRequest) -> Self {
        PresentationRequest {
            challenge: request.challenge,
            domain: request.domain,
        }
    }
}

/// The kinds of check a [`VerificationReport`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum CheckKind {
    /// The document is a well-formed VCDM 2.0 credential or presentation.
    WellFormed,
    /// Every JSON-LD context it names is known.
    Context,
    /// A Data Integrity proof verifies.
    Proof,
    /// The proof's purpose fits the document.
    ProofPurpose,
    /// The signing key belongs to the issuer.
    IssuerKey,
    /// The validity period holds now.
    ValidityPeriod,
    /// The credential is not revoked or suspended.
    Status,
    /// The issuer is one the verifier trusts.
    TrustedIssuer,
    /// The presentation answers this verifier's fresh challenge.
    Challenge,
    /// The presentation is for this verifier's domain.
    Domain,
    /// The presentation is signed by its holder.
    HolderKey,
    /// Each credential is about the holder.
    HolderBinding,
    /// An SD-JWT's disclosures are well-formed, each referenced exactly once, none hiding what
    /// may not be hidden.
    Disclosures,
    /// An SD-JWT presentation's Key Binding JWT is signed by the credential's holder key, is
    /// fresh, carries this verifier's nonce and audience, and covers the disclosures presented.
    KeyBinding,
    /// The issuer is on a trust list the verifier trusts, for the credential's type.
    Trust,
    /// A check this version of the bindings has no name for (the reason says what it is).
    Other,
}

impl From<lommebok::CheckKind> for CheckKind {
    fn from(kind: lommebok::CheckKind) -> Self {
        use lommebok::CheckKind as Core;
        match kind {
            Core::WellFormed => CheckKind::WellFormed,
            Core::Context => CheckKind::Context,
            Core::Proof => CheckKind::Proof,
            Core::ProofPurpose => CheckKind::ProofPurpose,
            Core::IssuerKey => CheckKind::IssuerKey,
            Core::ValidityPeriod => CheckKind::ValidityPeriod,
            Core::Status => CheckKind::Status,
            Core::TrustedIssuer => CheckKind::TrustedIssuer,
            Core::Challenge => CheckKind::Challenge,
            Core::Domain => CheckKind::Domain,
            Core::HolderKey => CheckKind::HolderKey,
            Core::HolderBinding => CheckKind::HolderBinding,
            Core::Disclosures => CheckKind::Disclosures,
            Core::KeyBinding => CheckKind::KeyBinding,
            Core::Trust => CheckKind::Trust,
            // `CheckKind` is non-exhaustive in the core.
            _ => CheckKind::Other,
        }
    }
}

/// One check of a verification.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Check {
    /// What was checked: `credential`, `presentation`, or `credential[i]` inside a
    /// presentation.
    pub target: String,
    /// Which check.
    pub check: CheckKind,
    /// Whether it passed.
    pub passed: bool,
    /// Why, in words a person can read (English).
    pub reason: String,
}

/// Every check a verification made, for a UI to show. `valid` is true only when there is at
/// least one check and every check passed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerificationReport {
    /// Whether every check passed: accept the credential or presentation only then.
    pub valid: bool,
    /// The checks, in the order they were made.
    pub checks: Vec<Check>,
}

impl From<lommebok::VerificationReport> for VerificationReport {
    fn from(report: lommebok::VerificationReport) -> Self {
        VerificationReport {
            valid: report.is_valid(),
            checks: report
                .checks
                .into_iter()
                .map(|c| Check {
                    target: c.target,
                    check: c.check.into(),
                    passed: c.passed,
                    reason: c.reason,
                })
                .collect(),
        }
    }
}

/// How a [`Verifier`] checks. Every field is optional; the defaults are the strict ones.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct VerifierOptions {
    /// When set, only credentials from these issuer DIDs pass (`TrustedIssuer` check).
    #[uniffi(default = None)]
    pub trusted_issuers: Option<Vec<String>>,
    /// Tolerance for clocks that disagree, in seconds (default 60, at most a day).
    #[uniffi(default = None)]
    pub clock_skew_seconds: Option<u32>,
    /// How long a challenge from [`Verifier::request`] stays usable, in seconds (default 300,
    /// at most a day).
    #[uniffi(default = None)]
    pub challenge_ttl_seconds: Option<u32>,
    /// Verify as of this time (ISO 8601 with a time zone) instead of the system clock: for
    /// tests, or a device with a trusted time source.
    #[uniffi(default = None)]
    pub at_time: Option<String>,
    /// JSON-LD contexts to know besides the bundled ones.
    #[uniffi(default = [])]
    pub contexts: Vec<crate::ContextDocument>,
    /// Trust lists: every credential's issuer must be listed on one, for the credential's
    /// type (a `Trust` check in each report).
    #[uniffi(default = None)]
    pub trust_lists: Option<Arc<crate::TrustLists>>,
}

/// The longest clock skew and challenge lifetime accepted: a day.
const MAX_SECONDS: u32 = 86_400;

fn seconds(name: &str, value: u32) -> Result<TimeDelta, LommebokError> {
    if value > MAX_SECONDS {
        return Err(LommebokError::invalid(format!(
            "`{name}` is {value}, more than {MAX_SECONDS} seconds"
        )));
    }
    Ok(TimeDelta::seconds(i64::from(value)))
}

/// Verifies credentials and presentations offline (did:key built in, contexts bundled, no
/// network), and reports every check. Status lists are the app's to fetch: hand them over
/// with [`Verifier::add_status_list`].
#[derive(Debug, uniffi::Object)]
pub struct Verifier {
    inner: lommebok::Verifier,
    status_lists: Arc<StatusListCache>,
}

impl Verifier {
    /// The core verifier (with the status lists handed over so far).
    pub(crate) fn core(&self) -> &lommebok::Verifier {
        &self.inner
    }
}

#[uniffi::export]
impl Verifier {
    /// A verifier with the default, strict options.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        let status_lists = Arc::new(StatusListCache::new());
        Arc::new(Verifier {
            inner: lommebok::Verifier::new().with_status_source(status_lists.clone()),
            status_lists,
        })
    }

    /// A verifier with `options`.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] for a bad `at_time` or a duration over a day.
    #[uniffi::constructor]
    pub fn with_options(options: VerifierOptions) -> Result<Arc<Self>, LommebokError> {
        let mut policy = lommebok::Policy::default();
        if let Some(skew) = options.clock_skew_seconds {
            policy.clock_skew = seconds("clock_skew_seconds", skew)?;
        }
        if let Some(ttl) = options.challenge_ttl_seconds {
            policy.challenge_ttl = seconds("challenge_ttl_seconds", ttl)?;
        }
        policy.trusted_issuers = options.trusted_issuers;
        let status_lists = Arc::new(StatusListCache::new());
        let mut inner = lommebok::Verifier::new()
            .with_policy(policy)
            .with_status_source(status_lists.clone());
        if let Some(at) = options.at_time {
            inner = inner.with_clock(Arc::new(FixedClock(parse_time("at_time", &at)?)));
        }
        if !options.contexts.is_empty() {
            inner = inner.with_contexts(crate::context_registry(&options.contexts)?);
        }
        if let Some(trust) = &options.trust_lists {
            inner = inner.with_trust_lists(trust.inner.clone());
        }
        Ok(Arc::new(Verifier {
            inner,
            status_lists,
        }))
    }

    /// Gives the verifier the status list published at `url` (fetched by the app), replacing
    /// any earlier one: a status list credential (JSON) for W3C credentials, or a Status List
    /// Token (`statuslist+jwt`, from [`crate::Issuer::status_list_token`]) for SD-JWT VCs. It
    /// is verified when a credential's status needs it: a list that does not verify fails that
    /// credential's status check.
    pub fn add_status_list(&self, url: String, status_list_credential_json: String) {
        self.status_lists.insert(&url, &status_list_credential_json);
    }

    /// A new presentation request: a fresh random challenge (single use, expiring after the
    /// challenge lifetime), and `domain` if the presentation must name this verifier.
    #[uniffi::method(default(domain = None))]
    pub fn request(&self, domain: Option<String>) -> PresentationRequest {
        self.inner.request(domain.as_deref()).into()
    }

    /// Verifies a credential given as JSON.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] only when the input cannot be read as a credential at
    /// all (not JSON, too large, not VCDM 2.0). A credential that is forged, expired, revoked
    /// or from an untrusted issuer is a report with `valid` false.
    pub fn verify_credential(
        &self,
        credential_json: String,
    ) -> Result<VerificationReport, LommebokError> {
        Ok(self
            .inner
            .verify_credential(&credential_json)?
            .report
            .into())
    }

    /// Verifies a presentation given as JSON against `request` (which this verifier made;
    /// its challenge is used up, whatever the outcome).
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] only when the input cannot be read as a presentation at
    /// all. Everything else is a check in the report.
    pub fn verify_presentation(
        &self,
        presentation_json: String,
        request: PresentationRequest,
    ) -> Result<VerificationReport, LommebokError> {
        let verification = self
            .inner
            .verify_presentation(&presentation_json, &request.into())?;
        Ok(verification.report.into())
    }

    /// Verifies an SD-JWT VC presentation (`<JWT>~<disclosure>~…~<KB-JWT>`) signed by
    /// `issuer`. With `request` (which this verifier made; its challenge is used up, whatever
    /// the outcome), the Key Binding JWT must carry its challenge as `nonce` and its domain as
    /// `aud`; without, a credential bound to a holder key is refused. The claims come back only
    /// when every check passed.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] only when the input cannot be read as an SD-JWT at all,
    /// or the issuer's JWK is not a key. Everything else is a check in the report.
    #[uniffi::method(default(request = None))]
    pub fn verify_sd_jwt(
        &self,
        presentation: String,
        issuer: SdJwtIssuer,
        request: Option<PresentationRequest>,
    ) -> Result<SdJwtVerification, LommebokError> {
        let issuer = issuer.to_core()?;
        let request = request.map(lommebok::PresentationRequest::from);
        let verification = self
            .inner
            .verify_sd_jwt(&presentation, &issuer, request.as_ref())?;
        Ok(verification_of(verification))
    }

    /// Verifies every presentation of one response to `request` (a `vp_token` answering
    /// several Credential Queries carries several, all on the request's one challenge): the
    /// challenge is used up once, and each part is checked against it. One verification per
    /// part, in order; accept the response only when every one is valid.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when a part cannot be read at all, or an issuer JWK is
    /// not a key.
    pub fn verify_response(
        &self,
        request: PresentationRequest,
        parts: Vec<ResponsePart>,
    ) -> Result<Vec<SdJwtVerification>, LommebokError> {
        let issuers = parts
            .iter()
            .map(|part| match part {
                ResponsePart::SdJwt { issuer, .. } => issuer.to_core().map(Some),
                ResponsePart::DataIntegrity { .. } => Ok(None),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let core_parts: Vec<lommebok::ResponsePart<'_>> = parts
            .iter()
            .zip(&issuers)
            .map(|(part, issuer)| match (part, issuer) {
                (ResponsePart::SdJwt { presentation, .. }, Some(issuer)) => {
                    lommebok::ResponsePart::SdJwt {
                        presentation,
                        issuer,
                    }
                }
                (ResponsePart::SdJwt { presentation, .. }, None)
                | (ResponsePart::DataIntegrity { presentation }, _) => {
                    lommebok::ResponsePart::DataIntegrity(presentation)
                }
            })
            .collect();
        let request = lommebok::PresentationRequest::from(request);
        Ok(self
            .inner
            .verify_response(&request, &core_parts)?
            .into_iter()
            .map(|verified| match verified {
                lommebok::ResponseVerification::SdJwt(verification) => {
                    verification_of(*verification)
                }
                lommebok::ResponseVerification::DataIntegrity(verification) => SdJwtVerification {
                    report: verification.report.into(),
                    claims_json: None,
                },
            })
            .collect())
    }

    /// A signed request (OpenID4VP Request Object) for the DCQL query `query_json`, signed
    /// with `key` (the verifier's did:key), with a fresh challenge for the audience
    /// `decentralized_identifier:<DID>`; responses go to `response_uri`.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the query is not a DCQL query.
    pub fn signed_request(
        &self,
        key: Arc<crate::SoftwareKey>,
        query_json: String,
        response_uri: String,
    ) -> Result<crate::SignedRequest, LommebokError> {
        let signer = crate::key::core_signer_of_key(&key);
        crate::trust::signed_request(&self.inner, signer.as_ref(), &query_json, &response_uri)
    }

    /// As [`Verifier::signed_request`], signed by a platform key.
    ///
    /// # Errors
    /// As [`Verifier::signed_request`]; [`LommebokError::Signing`] when the signer fails.
    pub fn signed_request_with_signer(
        &self,
        signer: Arc<dyn crate::Signer>,
        query_json: String,
        response_uri: String,
    ) -> Result<crate::SignedRequest, LommebokError> {
        let signer = crate::key::ForeignSigner::new(signer)?.into_core();
        crate::trust::signed_request(&self.inner, signer.as_ref(), &query_json, &response_uri)
    }
}

/// One presentation of a response, for [`Verifier::verify_response`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ResponsePart {
    /// A Verifiable Presentation (JSON).
    DataIntegrity {
        /// The presentation.
        presentation: String,
    },
    /// An SD-JWT VC presentation with a Key Binding JWT.
    SdJwt {
        /// The presentation.
        presentation: String,
        /// Its issuer's key.
        issuer: SdJwtIssuer,
    },
}
