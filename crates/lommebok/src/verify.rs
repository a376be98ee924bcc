//! The [`Verifier`]: checks credentials and presentations offline and reports every check.
//!
//! Not-valid is a result, not an error: [`Verifier::verify_credential`] and
//! [`Verifier::verify_presentation`] return a [`Verification`] whose [`VerificationReport`]
//! lists each check with pass/fail and a reason a person can read. Only input that cannot be
//! read at all (not JSON, not a credential) is an [`Error`]. What passes every check comes back
//! as a [`VerifiedCredential`] / [`VerifiedPresentation`], types only the verifier constructs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rand_core::RngCore as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;
use crate::clock::{Clock, SystemClock};
use crate::contexts::ContextRegistry;
use crate::credential::{Credential, parse_date_time_stamp};
use crate::data_integrity::{self, format_time};
use crate::did::{DidResolver, OfflineResolver, Relationship, split_did_url};
use crate::json;
use crate::presentation::Presentation;
use crate::status::{
    Bitstring, MIN_ENTRIES, StatusEntry, StatusError, StatusPurpose, StatusSource,
};
use crate::trust::TrustLists;
use sha2::Digest as _;

/// The kinds of check a report lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckKind {
    /// The document is a well-formed VCDM 2.0 credential or presentation.
    WellFormed,
    /// Every JSON-LD context the document names is one the verifier knows (bundled or
    /// registered); checked for JCS suites too, which do not process contexts themselves.
    Context,
    /// A Data Integrity proof verifies (one check per proof of a proof set).
    Proof,
    /// The proof's purpose fits the document: `assertionMethod` for credentials,
    /// `authentication` for presentations.
    ProofPurpose,
    /// The signing key belongs to the issuer: the verification method is the issuer's DID's and
    /// is listed under `assertionMethod`.
    IssuerKey,
    /// `validFrom` / `validUntil` (and a proof's `expires`) hold at the verifier's time.
    ValidityPeriod,
    /// The credential's status (revocation, suspension).
    Status,
    /// The issuer is one the policy trusts.
    TrustedIssuer,
    /// The presentation's proof carries the challenge this verifier issued, unused and unexpired.
    Challenge,
    /// The presentation's proof carries the expected domain.
    Domain,
    /// The presentation is signed by its holder: the key is the holder DID's, listed under
    /// `authentication`.
    HolderKey,
    /// Each credential is about the holder (`credentialSubject.id` == holder).
    HolderBinding,
    /// An SD-JWT's disclosures are well-formed and each is referenced by exactly one digest,
    /// none twice, none hiding what may not be hidden (RFC 9901 §7.1).
    Disclosures,
    /// An SD-JWT presentation's Key Binding JWT is signed by the credential's holder key
    /// (`cnf`), is fresh, and covers exactly the disclosures presented (RFC 9901 §7.3).
    KeyBinding,
    /// The issuer is on a trust list the verifier trusts, for the credential's type
    /// ([`crate::trust`]).
    Trust,
}

/// One check of a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// What was checked: `credential`, `presentation`, or `credential[i]` inside a presentation.
    pub target: String,
    /// Which check.
    pub check: CheckKind,
    /// Whether it passed.
    pub passed: bool,
    /// Why, in words a person can read.
    pub reason: String,
}

/// Every check a verification made. Valid only when there is at least one check and all passed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationReport {
    /// Whether every check passed (kept in the JSON form for readers of the report).
    pub valid: bool,
    /// The checks, in the order they were made.
    pub checks: Vec<Check>,
}

impl VerificationReport {
    /// Whether every check passed.
    pub fn is_valid(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.passed)
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed)
    }

    /// Whether a check of this kind failed.
    pub fn failed(&self, check: CheckKind) -> bool {
        self.failures().any(|c| c.check == check)
    }

    fn add(&mut self, target: &str, check: CheckKind, passed: bool, reason: impl Into<String>) {
        self.checks.push(Check {
            target: target.to_owned(),
            check,
            passed,
            reason: reason.into(),
        });
        self.valid = self.is_valid();
    }
}

/// The outcome of a verification: the report, and the verified value when every check passed.
#[derive(Debug, Clone)]
pub struct Verification<T> {
    /// Every check made.
    pub report: VerificationReport,
    verified: Option<T>,
}

impl<T> Verification<T> {
    /// Whether every check passed.
    pub fn is_valid(&self) -> bool {
        self.verified.is_some()
    }

    /// The verified value, when every check passed.
    pub fn verified(&self) -> Option<&T> {
        self.verified.as_ref()
    }

    /// The verified value, or the report saying why not.
    ///
    /// # Errors
    /// The report, when a check failed.
    pub fn into_verified(self) -> Result<T, VerificationReport> {
        self.verified.ok_or(self.report)
    }
}

/// A credential that passed every check. Only a [`Verifier`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedCredential {
    credential: Credential,
}

impl VerifiedCredential {
    /// The credential.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }
}

/// A presentation that passed every check, with its credentials. Only a [`Verifier`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedPresentation {
    holder: String,
    credentials: Vec<VerifiedCredential>,
    presentation: Presentation,
}

impl VerifiedPresentation {
    /// The holder who signed it.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The verified credentials it carried.
    pub fn credentials(&self) -> &[VerifiedCredential] {
        &self.credentials
    }

    /// The presentation.
    pub fn presentation(&self) -> &Presentation {
        &self.presentation
    }
}

/// The failed checks of `report` as one line (`target: reason; …`), for error messages.
pub(crate) fn failure_reasons(report: &VerificationReport) -> String {
    let reasons: Vec<String> = report
        .failures()
        .map(|check| format!("{}: {}", check.target, check.reason))
        .collect();
    if reasons.is_empty() {
        "no check passed".to_owned()
    } else {
        reasons.join("; ")
    }
}

/// One presentation of a response, for [`Verifier::verify_response`].
#[derive(Debug, Clone, Copy)]
pub enum ResponsePart<'a> {
    /// A Verifiable Presentation (JSON text) secured with Data Integrity.
    DataIntegrity(&'a str),
    /// An SD-JWT VC presentation with a Key Binding JWT, and its issuer's key.
    SdJwt {
        /// The presentation.
        presentation: &'a str,
        /// The issuer's key.
        issuer: &'a crate::sd_jwt::SdJwtIssuerKey,
    },
}

/// The verification of one [`ResponsePart`].
#[derive(Debug, Clone)]
pub enum ResponseVerification {
    /// Of a Verifiable Presentation.
    DataIntegrity(Verification<VerifiedPresentation>),
    /// Of an SD-JWT VC presentation (boxed: it is much larger than the other).
    SdJwt(Box<Verification<crate::sd_jwt::VerifiedSdJwt>>),
}

impl ResponseVerification {
    /// The report.
    pub fn report(&self) -> &VerificationReport {
        match self {
            ResponseVerification::DataIntegrity(v) => &v.report,
            ResponseVerification::SdJwt(v) => &v.report,
        }
    }

    /// Whether every check passed.
    pub fn is_valid(&self) -> bool {
        match self {
            ResponseVerification::DataIntegrity(v) => v.is_valid(),
            ResponseVerification::SdJwt(v) => v.is_valid(),
        }
    }
}

/// What a verifier asks a holder for: a fresh challenge, and the domain the presentation is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresentationRequest {
    /// Single-use random challenge.
    pub challenge: String,
    /// The verifier's domain (audience), if it names one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub domain: Option<String>,
}

/// What the verifier accepts. Defaults are the strict ones.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Policy {
    /// Tolerance for clocks that disagree, applied to validity periods. Default 60 s.
    pub clock_skew: Duration,
    /// How long an issued challenge stays usable. Default 5 minutes.
    pub challenge_ttl: Duration,
    /// Largest document accepted. Default [`json::DEFAULT_MAX_BYTES`].
    pub max_document_bytes: usize,
    /// When set, only these issuers are trusted (a failed `trusted_issuer` check otherwise).
    pub trusted_issuers: Option<Vec<String>>,
    /// DANGER: accept credentials in a presentation whose subject is not the holder. Off by
    /// default: without holder binding, anyone holding a copy could present it.
    pub danger_allow_holder_not_subject: bool,
    /// Oldest SD-JWT Key Binding JWT accepted (its `iat`), before [`Policy::clock_skew`].
    /// Default 5 minutes.
    pub sd_jwt_kb_max_age: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            clock_skew: Duration::seconds(60),
            challenge_ttl: Duration::minutes(5),
            max_document_bytes: json::DEFAULT_MAX_BYTES,
            trusted_issuers: None,
            danger_allow_holder_not_subject: false,
            sd_jwt_kb_max_age: Duration::minutes(5),
        }
    }
}

/// Most verified status lists kept in memory; beyond this the cache starts over.
const MAX_CACHED_STATUS_LISTS: usize = 256;

/// Most outstanding challenges kept; beyond this, the oldest are forgotten.
const MAX_OUTSTANDING_CHALLENGES: usize = 10_000;

/// Verifies credentials and presentations offline.
pub struct Verifier {
    resolver: Arc<dyn DidResolver>,
    contexts: ContextRegistry,
    clock: Arc<dyn Clock>,
    policy: Policy,
    challenges: Mutex<HashMap<String, DateTime<Utc>>>,
    status_source: Option<Arc<dyn StatusSource>>,
    /// Status lists whose proof and issuer key passed, keyed by URL, with a digest of the text
    /// they were checked from. Their validity period is checked again at each use.
    status_lists: Mutex<StatusListCacheMap>,
    trust: Option<Arc<TrustLists>>,
}

/// Verified status lists by URL, with the SHA-256 of the text each was verified from.
type StatusListCacheMap = HashMap<String, ([u8; 32], Arc<CheckedList>)>;

/// A status list credential whose proof verified.
#[derive(Debug)]
struct CheckedList {
    credential: Credential,
    purposes: Vec<StatusPurpose>,
    bitstring: Bitstring,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("policy", &self.policy)
            .field("contexts", &self.contexts)
            .finish_non_exhaustive()
    }
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// A verifier with the built-in did:key resolver, the bundled contexts, the system clock and
    /// the default policy.
    pub fn new() -> Self {
        Verifier {
            resolver: Arc::new(OfflineResolver),
            contexts: ContextRegistry::new(),
            clock: Arc::new(SystemClock),
            policy: Policy::default(),
            challenges: Mutex::new(HashMap::new()),
            status_source: None,
            status_lists: Mutex::new(HashMap::new()),
            trust: None,
        }
    }

    /// Uses `resolver` for DIDs.
    pub fn with_resolver(mut self, resolver: Arc<dyn DidResolver>) -> Self {
        self.resolver = resolver;
        self
    }

    /// Uses `contexts` for JSON-LD.
    pub fn with_contexts(mut self, contexts: ContextRegistry) -> Self {
        self.contexts = contexts;
        self
    }

    /// Uses `clock` for the time.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Gets status list credentials from `source` (without one, any credential with a
    /// `credentialStatus` fails the status check).
    pub fn with_status_source(mut self, source: Arc<dyn StatusSource>) -> Self {
        self.status_source = Some(source);
        self
    }

    /// Trusts issuers only as `trust` lists them: every credential gets a
    /// [`CheckKind::Trust`] check ("issuer not listed", "listed but not for this type", "list
    /// expired", …).
    pub fn with_trust_lists(mut self, trust: Arc<TrustLists>) -> Self {
        self.trust = Some(trust);
        self
    }

    /// The trust lists in use, if any.
    pub fn trust_lists(&self) -> Option<&Arc<TrustLists>> {
        self.trust.as_ref()
    }

    /// Uses `policy`.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The DID resolver in use.
    pub fn resolver(&self) -> &dyn DidResolver {
        self.resolver.as_ref()
    }

    /// The verifier's time (its [`Clock`]).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Starts a presentation request: a fresh random challenge (128 bits), single-use and
    /// expiring after [`Policy::challenge_ttl`].
    pub fn request(&self, domain: Option<&str>) -> PresentationRequest {
        let mut bytes = [0u8; 16];
        rand_core::OsRng.fill_bytes(&mut bytes);
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        self.expect_challenge(&challenge);
        PresentationRequest {
            challenge,
            domain: domain.map(str::to_owned),
        }
    }

    /// Registers a challenge made elsewhere (e.g. by the application's server) as issued now.
    pub fn expect_challenge(&self, challenge: &str) {
        let now = self.clock.now();
        let mut challenges = self.lock_challenges();
        challenges.retain(|_, expires| *expires > now);
        while challenges.len() >= MAX_OUTSTANDING_CHALLENGES {
            let Some(oldest) = challenges
                .iter()
                .min_by_key(|(_, expires)| **expires)
                .map(|(c, _)| c.clone())
            else {
                break;
            };
            challenges.remove(&oldest);
        }
        let expires = now
            .checked_add_signed(self.policy.challenge_ttl)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        challenges.insert(challenge.to_owned(), expires);
    }

    fn lock_challenges(&self) -> std::sync::MutexGuard<'_, HashMap<String, DateTime<Utc>>> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still usable.
        self.challenges
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes the challenge out of the outstanding set: true if it was issued and unexpired.
    fn consume_challenge(&self, challenge: &str) -> bool {
        let now = self.clock.now();
        self.lock_challenges()
            .remove(challenge)
            .is_some_and(|expires| expires > now)
    }

    /// Verifies a credential given as JSON text.
    ///
    /// # Errors
    /// [`Error`] when the input is not a readable credential at all (malformed, too large, not
    /// VCDM 2.0). Every other problem is a failed check in the report.
    pub fn verify_credential(
        &self,
        input: &str,
    ) -> Result<Verification<VerifiedCredential>, Error> {
        Ok(self.verify_parsed_credential(self.parse_credential(input)?))
    }

    /// A credential read from JSON text, within [`Policy::max_document_bytes`].
    fn parse_credential(&self, input: &str) -> Result<Credential, Error> {
        Ok(Credential::from_json(json::parse_object_with_limit(
            input,
            self.policy.max_document_bytes,
        )?)?)
    }

    /// Verifies a parsed credential.
    pub fn verify_parsed_credential(
        &self,
        credential: Credential,
    ) -> Verification<VerifiedCredential> {
        self.verify_parsed_credential_as(credential, Viewer::Verifier)
    }

    /// Verifies a credential given as JSON text as its holder receives it from the issuer: as
    /// [`Verifier::verify_credential`], except that an `ecdsa-sd-2023` *base* proof is
    /// accepted and checked as a holder can ([`crate::ecdsa_sd::verify_base`]: every statement
    /// disclosed, the issuer's and every statement signature verified). A verifier refuses
    /// base proofs (vc-di-ecdsa §3.4.9 verifies derived proofs only); a wallet importing a
    /// credential uses this.
    ///
    /// # Errors
    /// As [`Verifier::verify_credential`].
    pub fn verify_credential_as_issued(
        &self,
        input: &str,
    ) -> Result<Verification<VerifiedCredential>, Error> {
        Ok(self.verify_parsed_credential_as(self.parse_credential(input)?, Viewer::Holder))
    }

    fn verify_parsed_credential_as(
        &self,
        credential: Credential,
        viewer: Viewer,
    ) -> Verification<VerifiedCredential> {
        let mut report = VerificationReport::default();
        self.check_credential(&mut report, "credential", &credential, viewer);
        let verified = report
            .is_valid()
            .then_some(VerifiedCredential { credential });
        Verification { report, verified }
    }

    fn check_credential(
        &self,
        report: &mut VerificationReport,
        target: &str,
        credential: &Credential,
        viewer: Viewer,
    ) {
        report.add(
            target,
            CheckKind::WellFormed,
            true,
            "a well-formed VCDM 2.0 credential",
        );
        self.check_contexts(report, target, credential.as_json());
        self.check_proofs(
            report,
            target,
            &credential.unsecured(),
            &credential.proofs(),
            credential.issuer(),
            Relationship::AssertionMethod,
            CheckKind::IssuerKey,
            viewer,
        );
        self.check_validity(report, target, credential);
        for entry in credential.status_entries() {
            let (passed, reason) = self.check_status(credential, entry);
            report.add(target, CheckKind::Status, passed, reason);
        }
        if let Some(trusted) = &self.policy.trusted_issuers {
            let ok = trusted.iter().any(|t| t == credential.issuer());
            report.add(
                target,
                CheckKind::TrustedIssuer,
                ok,
                if ok {
                    format!("issuer {} is trusted", credential.issuer())
                } else {
                    format!(
                        "issuer {} is not among the trusted issuers",
                        credential.issuer()
                    )
                },
            );
        }
        if let Some(trust) = &self.trust {
            let self_issued_delegation = crate::delegation::is_delegation(credential)
                && crate::delegation::Delegation::from_credential(credential)
                    .is_ok_and(|d| d.is_self_issued());
            if self_issued_delegation {
                report.add(
                    target,
                    CheckKind::Trust,
                    true,
                    "a delegation issued by its principal needs no trust list",
                );
            } else {
                let types = self.type_spellings(credential);
                let decision = trust.issuer(credential.issuer(), &types, self.clock.now());
                report.add(
                    target,
                    CheckKind::Trust,
                    decision.is_trusted(),
                    decision.reason(credential.issuer()),
                );
            }
        }
    }

    /// Each `type` of `credential` with its spellings: as written, and expanded to an IRI.
    fn type_spellings(&self, credential: &Credential) -> Vec<Vec<String>> {
        crate::query::type_spellings(credential, &self.contexts)
    }

    /// The delegations among a presentation's credentials that its holder may act under: they
    /// verified, name the holder as delegate, and were issued by their principal or (with
    /// trust lists, which then checked the issuer) by a listed authority.
    fn usable_delegations(
        &self,
        holder: &str,
        credentials: &[Credential],
        passed: &[bool],
    ) -> Vec<crate::delegation::Delegation> {
        credentials
            .iter()
            .zip(passed)
            .filter(|(credential, passed)| **passed && crate::delegation::is_delegation(credential))
            .filter_map(|(credential, _)| {
                crate::delegation::Delegation::from_credential(credential).ok()
            })
            .filter(|d| d.delegate == holder && (d.is_self_issued() || self.trust.is_some()))
            .collect()
    }

    fn check_contexts(
        &self,
        report: &mut VerificationReport,
        target: &str,
        json: &Map<String, Value>,
    ) {
        let unknown = self.contexts.unknown_in(&Value::Object(json.clone()));
        if unknown.is_empty() {
            report.add(target, CheckKind::Context, true, "every context is known");
        } else {
            report.add(
                target,
                CheckKind::Context,
                false,
                format!(
                    "unknown context {} (register its document to accept it)",
                    unknown.join(", ")
                ),
            );
        }
    }

    /// One `credentialStatus` entry (Bitstring Status List v1.0 §3.2): the list must be had,
    /// verify, come from the credential's issuer, have the entry's purpose, be within its
    /// validity period and hold the index; then the value decides.
    fn check_status(&self, credential: &Credential, entry: &Map<String, Value>) -> (bool, String) {
        let entry = match StatusEntry::from_json(entry) {
            Ok(entry) => entry,
            Err(e) => return (false, format!("unusable credentialStatus: {e}")),
        };
        let url = &entry.list_credential;
        let list = match self.status_list(url) {
            Ok(list) => list,
            Err(reason) => return (false, reason),
        };
        if list.credential.issuer() != credential.issuer() {
            return (
                false,
                format!(
                    "status list {url} is issued by {}, not by the credential's issuer",
                    list.credential.issuer()
                ),
            );
        }
        if !list.purposes.contains(&entry.purpose) {
            return (
                false,
                format!(
                    "status list {url} is not for {} (statusPurpose mismatch)",
                    entry.purpose
                ),
            );
        }
        let mut validity = VerificationReport::default();
        self.check_validity(&mut validity, "status list", &list.credential);
        if let Some(failure) = validity.failures().next() {
            return (
                false,
                format!("status list {url} is not current: {}", failure.reason),
            );
        }
        let minimum = MIN_ENTRIES * u64::from(entry.size);
        if list.bitstring.bits() < minimum {
            return (
                false,
                format!(
                    "status list {url}: {}",
                    StatusError::TooShort {
                        bits: list.bitstring.bits(),
                        minimum
                    }
                ),
            );
        }
        let value = match list.bitstring.get(entry.index, entry.size) {
            Ok(value) => value,
            Err(e) => return (false, format!("status list {url}: {e}")),
        };
        match (entry.purpose, value) {
            (StatusPurpose::Revocation, 0) => (true, "not revoked".into()),
            (StatusPurpose::Revocation, _) => (false, "revoked".into()),
            (StatusPurpose::Suspension, 0) => (true, "not suspended".into()),
            (StatusPurpose::Suspension, _) => (false, "suspended".into()),
            (StatusPurpose::Message, value) => (
                true,
                format!(
                    "status message 0x{value:x}: {}",
                    entry
                        .message_for(value)
                        .unwrap_or("(no message given for this value)")
                ),
            ),
            (StatusPurpose::Refresh, 0) => (true, "no refresh needed".into()),
            (StatusPurpose::Refresh, _) => (true, "a refreshed credential is available".into()),
        }
    }

    /// The status list credential at `url`, verified (cached while its text is unchanged).
    fn status_list(&self, url: &str) -> Result<Arc<CheckedList>, String> {
        let Some(source) = &self.status_source else {
            return Err(format!(
                "status list {url} cannot be had: this verifier has no status source"
            ));
        };
        let Some(text) = source.status_list_credential(url) else {
            return Err(format!(
                "status list {url} cannot be had (missing from the status source)"
            ));
        };
        let digest: [u8; 32] = sha2::Sha256::digest(text.as_bytes()).into();
        let cached = self
            .lock_status_lists()
            .get(url)
            .filter(|(d, _)| *d == digest)
            .map(|(_, list)| list.clone());
        if let Some(list) = cached {
            return Ok(list);
        }
        let list = Arc::new(self.check_status_list(url, &text)?);
        let mut lists = self.lock_status_lists();
        if lists.len() >= MAX_CACHED_STATUS_LISTS {
            lists.clear();
        }
        lists.insert(url.to_owned(), (digest, list.clone()));
        Ok(list)
    }

    fn lock_status_lists(&self) -> std::sync::MutexGuard<'_, StatusListCacheMap> {
        self.status_lists
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn check_status_list(&self, url: &str, text: &str) -> Result<CheckedList, String> {
        let not = |why: String| format!("status list {url} is not usable: {why}");
        let json = json::parse_object_with_limit(text, self.policy.max_document_bytes)
            .map_err(|e| not(e.to_string()))?;
        let credential = Credential::from_json(json).map_err(|e| not(e.to_string()))?;
        if credential.id() != Some(url) {
            return Err(not(format!(
                "its id is {:?}, not the URL it was fetched for",
                credential.id()
            )));
        }
        if !credential
            .types()
            .iter()
            .any(|t| t == "BitstringStatusListCredential")
        {
            return Err(not("it is not a BitstringStatusListCredential".into()));
        }
        if !credential.status_entries().is_empty() {
            return Err(not(
                "a status list must not itself have a credentialStatus".into()
            ));
        }
        // Proof and issuer key, as for any credential (validity is checked at each use).
        let mut report = VerificationReport::default();
        self.check_contexts(&mut report, "status list", credential.as_json());
        self.check_proofs(
            &mut report,
            "status list",
            &credential.unsecured(),
            &credential.proofs(),
            credential.issuer(),
            Relationship::AssertionMethod,
            CheckKind::IssuerKey,
            Viewer::Verifier,
        );
        if let Some(failure) = report.failures().next() {
            return Err(format!(
                "status list {url} does not verify: {}",
                failure.reason
            ));
        }
        let subject = credential
            .subjects()
            .first()
            .map(|s| (*s).clone())
            .unwrap_or_default();
        if subject.get("type").and_then(Value::as_str) != Some("BitstringStatusList") {
            return Err(not(
                "its credentialSubject is not a BitstringStatusList".into()
            ));
        }
        let purposes = match subject.get("statusPurpose") {
            Some(Value::String(p)) => {
                vec![p.parse::<StatusPurpose>().map_err(|e| not(e.to_string()))?]
            }
            Some(Value::Array(ps)) => ps
                .iter()
                .map(|p| {
                    p.as_str()
                        .ok_or_else(|| not("statusPurpose must be strings".into()))
                        .and_then(|p| p.parse::<StatusPurpose>().map_err(|e| not(e.to_string())))
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(not("it has no statusPurpose".into())),
        };
        let encoded = subject
            .get("encodedList")
            .and_then(Value::as_str)
            .ok_or_else(|| not("it has no encodedList".into()))?;
        let bitstring = Bitstring::decode(encoded).map_err(|e| not(e.to_string()))?;
        Ok(CheckedList {
            credential,
            purposes,
            bitstring,
        })
    }

    fn check_validity(
        &self,
        report: &mut VerificationReport,
        target: &str,
        credential: &Credential,
    ) {
        let now = self.clock.now();
        let skew = self.policy.clock_skew;
        // Saturating: a huge skew means "accept any time", never an overflow.
        let latest = now
            .checked_add_signed(skew)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let earliest = now
            .checked_sub_signed(skew)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        match (credential.valid_from(), credential.valid_until()) {
            (Some(from), _) if latest < from => report.add(
                target,
                CheckKind::ValidityPeriod,
                false,
                format!(
                    "not valid yet: valid from {}, now {}",
                    format_time(&from),
                    format_time(&now)
                ),
            ),
            (_, Some(until)) if earliest > until => report.add(
                target,
                CheckKind::ValidityPeriod,
                false,
                format!(
                    "expired: valid until {}, now {}",
                    format_time(&until),
                    format_time(&now)
                ),
            ),
            _ => report.add(
                target,
                CheckKind::ValidityPeriod,
                true,
                format!("valid at {}", format_time(&now)),
            ),
        }
    }

    /// Checks each proof of a proof set (or chain): signature, purpose, and that the key belongs
    /// to `controller` under `relationship`. Returns the proofs that passed every check.
    #[allow(clippy::too_many_arguments)]
    fn check_proofs<'p>(
        &self,
        report: &mut VerificationReport,
        target: &str,
        unsecured: &Map<String, Value>,
        proofs: &[&'p Map<String, Value>],
        controller: &str,
        relationship: Relationship,
        key_check: CheckKind,
        viewer: Viewer,
    ) -> Vec<&'p Map<String, Value>> {
        if proofs.is_empty() {
            report.add(target, CheckKind::Proof, false, "the document has no proof");
            return Vec::new();
        }
        let now = self.clock.now();
        let mut good = Vec::new();
        for (i, proof) in proofs.iter().enumerate() {
            let label = if proofs.len() == 1 {
                "proof".to_owned()
            } else {
                format!("proof[{i}]")
            };
            let before = report.checks.len();
            // Purpose.
            let purpose = proof.get("proofPurpose").and_then(Value::as_str);
            report.add(
                target,
                CheckKind::ProofPurpose,
                purpose == Some(relationship.as_str()),
                match purpose {
                    Some(p) if p == relationship.as_str() => format!("{label} is for {p}"),
                    Some(p) => format!("{label} is for {p}, expected {}", relationship.as_str()),
                    None => format!("{label} has no proofPurpose"),
                },
            );
            if let Some(expires) = proof.get("expires").and_then(Value::as_str) {
                let ok = parse_date_time_stamp(expires).is_some_and(|t| {
                    now.checked_sub_signed(self.policy.clock_skew)
                        .unwrap_or(DateTime::<Utc>::MIN_UTC)
                        <= t
                });
                report.add(
                    target,
                    CheckKind::ValidityPeriod,
                    ok,
                    if ok {
                        format!("{label} expires {expires}")
                    } else {
                        format!("{label} expired at {expires} (or the date is malformed)")
                    },
                );
            }
            // Key: resolve the verification method and check who controls it.
            let method = proof.get("verificationMethod").and_then(Value::as_str);
            let key = match method.map(|m| (m, split_did_url(m))) {
                None => {
                    report.add(
                        target,
                        key_check,
                        false,
                        format!("{label} has no verificationMethod"),
                    );
                    None
                }
                Some((m, Err(e))) => {
                    report.add(target, key_check, false, format!("{label}: {e} ({m})"));
                    None
                }
                Some((m, Ok(did))) => match self.resolver.resolve(&did) {
                    Err(e) => {
                        report.add(target, key_check, false, format!("{label}: {e}"));
                        None
                    }
                    Ok(document) => {
                        let listed = document.method_for(m, relationship);
                        let owned = did.as_str() == controller;
                        let (ok, reason) = match (&listed, owned) {
                            (Ok(_), true) => (
                                true,
                                format!("{label} is signed by {m}, a key of {controller}"),
                            ),
                            (_, false) => (
                                false,
                                format!(
                                    "{label} is signed by {m}, which is not a key of {controller}"
                                ),
                            ),
                            (Err(_), true) => (
                                false,
                                format!(
                                    "{label}: {m} is not listed under {} of {controller}",
                                    relationship.as_str()
                                ),
                            ),
                        };
                        report.add(target, key_check, ok, reason);
                        document
                            .verification_methods
                            .iter()
                            .find(|vm| vm.id == m)
                            .map(|vm| vm.public_key.clone())
                    }
                },
            };
            // Signature.
            match key {
                None => report.add(
                    target,
                    CheckKind::Proof,
                    false,
                    format!("{label}: no usable key to verify with"),
                ),
                Some(key) => match data_integrity::proof_input(unsecured, proofs, proof) {
                    Err(e) => report.add(target, CheckKind::Proof, false, format!("{label}: {e}")),
                    Ok(input) => match self.verify_signature(&input, proof, &key, viewer) {
                        Ok(true) => {
                            report.add(target, CheckKind::Proof, true, format!("{label} verifies"))
                        }
                        Ok(false) => report.add(
                            target,
                            CheckKind::Proof,
                            false,
                            format!("{label}: the signature does not verify"),
                        ),
                        Err(e) => {
                            report.add(target, CheckKind::Proof, false, format!("{label}: {e}"))
                        }
                    },
                },
            }
            if report.checks[before..].iter().all(|c| c.passed) {
                good.push(*proof);
            }
        }
        good
    }

    /// One proof's signature over `input`. A holder checks an `ecdsa-sd-2023` base proof with
    /// [`crate::ecdsa_sd::verify_base`]; anything else (and anything a verifier sees) goes to
    /// [`data_integrity::verify_proof`], which refuses base proofs.
    fn verify_signature(
        &self,
        input: &Map<String, Value>,
        proof: &Map<String, Value>,
        key: &crate::key::PublicKey,
        viewer: Viewer,
    ) -> Result<bool, data_integrity::ProofError> {
        let base = viewer == Viewer::Holder
            && proof.get("cryptosuite").and_then(Value::as_str)
                == Some(crate::ecdsa_sd::CRYPTOSUITE)
            && proof
                .get("proofValue")
                .and_then(Value::as_str)
                .and_then(|value| crate::ecdsa_sd::proof_kind(value).ok())
                == Some(crate::ecdsa_sd::ProofKind::Base);
        if !base {
            return data_integrity::verify_proof(input, proof, key, &self.contexts);
        }
        let mut document = input.clone();
        document.insert("proof".into(), Value::Object(proof.clone()));
        Ok(crate::ecdsa_sd::verify_base(
            &document,
            key,
            &self.contexts,
        )?)
    }

    /// Verifies a presentation given as JSON text against `request` (the challenge this verifier
    /// issued, consumed here whatever the outcome, and the expected domain).
    ///
    /// # Errors
    /// [`Error`] when the input is not a readable presentation at all.
    pub fn verify_presentation(
        &self,
        input: &str,
        request: &PresentationRequest,
    ) -> Result<Verification<VerifiedPresentation>, Error> {
        let challenge_known = self.consume_challenge(&request.challenge);
        self.verify_presentation_known(input, request, challenge_known)
    }

    /// Verifies every presentation of one response to `request` (an OpenID4VP `vp_token`
    /// answering several Credential Queries carries several, all on the request's one nonce):
    /// the challenge is consumed once, here, and each presentation is checked against it.
    /// Returns one verification per part, in order; accept the response only when all are
    /// valid.
    ///
    /// # Errors
    /// [`Error`] when a part cannot be read at all.
    pub fn verify_response(
        &self,
        request: &PresentationRequest,
        parts: &[ResponsePart<'_>],
    ) -> Result<Vec<ResponseVerification>, Error> {
        let challenge_known = self.consume_challenge(&request.challenge);
        parts
            .iter()
            .map(|part| match part {
                ResponsePart::DataIntegrity(input) => self
                    .verify_presentation_known(input, request, challenge_known)
                    .map(ResponseVerification::DataIntegrity),
                ResponsePart::SdJwt {
                    presentation,
                    issuer,
                } => self
                    .verify_sd_jwt_known(
                        presentation,
                        issuer,
                        Some((request, challenge_known)),
                        crate::sd_jwt::SD_JWT_VC_TYPE,
                    )
                    .map(|verification| ResponseVerification::SdJwt(Box::new(verification))),
            })
            .collect()
    }

    fn verify_presentation_known(
        &self,
        input: &str,
        request: &PresentationRequest,
        challenge_known: bool,
    ) -> Result<Verification<VerifiedPresentation>, Error> {
        let presentation = Presentation::from_json(json::parse_object_with_limit(
            input,
            self.policy.max_document_bytes,
        )?)?;
        let mut report = VerificationReport::default();
        let target = "presentation";
        report.add(
            target,
            CheckKind::WellFormed,
            true,
            "a well-formed VCDM 2.0 presentation",
        );
        self.check_contexts(
            &mut report,
            target,
            &presentation.unsecured_without_credentials(),
        );
        let holder = presentation.holder().unwrap_or_default().to_owned();
        if holder.is_empty() {
            report.add(
                target,
                CheckKind::HolderKey,
                false,
                "the presentation names no holder",
            );
        }
        let good = self.check_proofs(
            &mut report,
            target,
            &presentation.unsecured(),
            &presentation.proofs(),
            &holder,
            Relationship::Authentication,
            CheckKind::HolderKey,
            Viewer::Verifier,
        );
        // Challenge and domain, from a proof that passed; else from the first proof.
        let proofs = presentation.proofs();
        let proof = good.first().or(proofs.first());
        let challenge = proof
            .and_then(|p| p.get("challenge"))
            .and_then(Value::as_str);
        let (ok, reason) = match challenge {
            None => (false, "the proof carries no challenge".to_owned()),
            Some(c) if c != request.challenge => (false, "the proof's challenge is not the one asked for".to_owned()),
            Some(_) if !challenge_known => (
                false,
                "the challenge was not issued by this verifier, has expired, or was already used (replay)".to_owned(),
            ),
            Some(_) => (true, "the proof answers this verifier's fresh challenge".to_owned()),
        };
        report.add(target, CheckKind::Challenge, ok, reason);
        let domain = proof.and_then(|p| p.get("domain"));
        let domain_matches = |expected: &str| match domain {
            Some(Value::String(d)) => d == expected,
            Some(Value::Array(ds)) => ds.iter().any(|d| d.as_str() == Some(expected)),
            _ => false,
        };
        match &request.domain {
            Some(expected) if domain_matches(expected) => report.add(
                target,
                CheckKind::Domain,
                true,
                format!("the proof is for {expected}"),
            ),
            Some(expected) => report.add(
                target,
                CheckKind::Domain,
                false,
                format!(
                    "the proof is not for {expected} (it says {})",
                    domain
                        .map(Value::to_string)
                        .unwrap_or_else(|| "nothing".into())
                ),
            ),
            None => {}
        }
        if presentation.credentials().is_empty() {
            report.add(
                target,
                CheckKind::WellFormed,
                false,
                "the presentation carries no credential",
            );
        }
        let credentials = presentation.credentials();
        let mut passed = Vec::with_capacity(credentials.len());
        for (i, credential) in credentials.iter().enumerate() {
            let before = report.checks.len();
            self.check_credential(
                &mut report,
                &format!("credential[{i}]"),
                credential,
                Viewer::Verifier,
            );
            passed.push(report.checks[before..].iter().all(|c| c.passed));
        }
        let delegations = self.usable_delegations(&holder, credentials, &passed);
        for (i, credential) in credentials.iter().enumerate() {
            let target = format!("credential[{i}]");
            let ids = credential.subject_ids();
            let bound = !holder.is_empty() && ids.iter().all(|id| *id == Some(holder.as_str()));
            // A credential about someone else, under a delegation of that person to the holder.
            let mut not_covered = None;
            let on_behalf = match (bound, ids.as_slice()) {
                (false, [Some(principal)]) => {
                    let types = self.type_spellings(credential);
                    delegations
                        .iter()
                        .filter(|d| d.principal == *principal)
                        .find(|d| match d.covers(&types, request.domain.as_deref()) {
                            Ok(()) => true,
                            Err(why) => {
                                not_covered.get_or_insert(why);
                                false
                            }
                        })
                }
                _ => None,
            };
            if bound {
                report.add(
                    &target,
                    CheckKind::HolderBinding,
                    true,
                    "the credential is about the holder",
                );
            } else if let Some(delegation) = on_behalf {
                report.add(
                    &target,
                    CheckKind::HolderBinding,
                    true,
                    format!(
                        "presented by {holder} on behalf of {} under delegation {}",
                        delegation.principal,
                        delegation.id.as_deref().unwrap_or("(without id)")
                    ),
                );
            } else if self.policy.danger_allow_holder_not_subject {
                report.add(
                    &target,
                    CheckKind::HolderBinding,
                    true,
                    "DANGER: the credential is not about the holder; accepted by policy",
                );
            } else {
                report.add(
                    &target,
                    CheckKind::HolderBinding,
                    false,
                    match not_covered {
                        Some(why) => format!(
                            "the credential is about someone other than the holder, and {why}"
                        ),
                        None => "the credential is about someone other than the holder".to_owned(),
                    },
                );
            }
        }
        let verified = report.is_valid().then(|| VerifiedPresentation {
            holder,
            credentials: presentation
                .credentials()
                .iter()
                .cloned()
                .map(|credential| VerifiedCredential { credential })
                .collect(),
            presentation: presentation.clone(),
        });
        Ok(Verification { report, verified })
    }
}

/// Who checks a credential's proofs: a verifier, or its holder receiving it from the issuer
/// (who alone may check an `ecdsa-sd-2023` base proof).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Viewer {
    Verifier,
    Holder,
}

/// SD-JWT VC ([`crate::sd_jwt`]).
impl Verifier {
    /// Verifies an SD-JWT VC presentation (compact `<JWT>~<disclosure>~…~[<KB-JWT>]`) signed by
    /// `issuer`, strictly (RFC 9901 §7): the issuer signature with `alg` pinned to the key and
    /// header `typ` `dc+sd-jwt`; every disclosure well-formed and referenced by exactly one
    /// digest; `exp`, `nbf`, `iat` NumericDates that hold with [`Policy::clock_skew`]; and key
    /// binding when the credential has `cnf` or `expected` is given: a KB-JWT signed by the
    /// `cnf` key, `typ` `kb+jwt`, `nonce` the request's challenge (one this verifier issued,
    /// consumed here whatever the outcome), `aud` the request's domain (which the request must
    /// name), `iat` within [`Policy::sd_jwt_kb_max_age`], and `sd_hash` over exactly what
    /// precedes it.
    ///
    /// Pass `expected: None` only for credentials without `cnf` presented without key binding.
    /// A credential with a `status` claim fails the `status` check until token status lists
    /// are checked.
    ///
    /// # Errors
    /// [`Error`] when the input cannot be read at all (not a compact SD-JWT, the issuer-signed
    /// JWT not base64url JSON, larger than [`Policy::max_document_bytes`]). Every other problem
    /// is a failed check in the report.
    pub fn verify_sd_jwt(
        &self,
        presentation: &str,
        issuer: &crate::sd_jwt::SdJwtIssuerKey,
        expected: Option<&PresentationRequest>,
    ) -> Result<Verification<crate::sd_jwt::VerifiedSdJwt>, Error> {
        self.verify_sd_jwt_with_type(
            presentation,
            issuer,
            expected,
            crate::sd_jwt::SD_JWT_VC_TYPE,
        )
    }

    /// As [`Verifier::verify_sd_jwt`], for SD-JWTs of another profile whose header `typ` is
    /// `expected_type` (e.g. RFC 9901's examples, `example+sd-jwt`). The `typ` must still be
    /// there and equal; `vct` is required only for `dc+sd-jwt`.
    ///
    /// # Errors
    /// As [`Verifier::verify_sd_jwt`].
    pub fn verify_sd_jwt_with_type(
        &self,
        presentation: &str,
        issuer: &crate::sd_jwt::SdJwtIssuerKey,
        expected: Option<&PresentationRequest>,
        expected_type: &str,
    ) -> Result<Verification<crate::sd_jwt::VerifiedSdJwt>, Error> {
        let request = expected.map(|r| (r, self.consume_challenge(&r.challenge)));
        self.verify_sd_jwt_known(presentation, issuer, request, expected_type)
    }

    fn verify_sd_jwt_known(
        &self,
        presentation: &str,
        issuer: &crate::sd_jwt::SdJwtIssuerKey,
        request: Option<(&PresentationRequest, bool)>,
        expected_type: &str,
    ) -> Result<Verification<crate::sd_jwt::VerifiedSdJwt>, Error> {
        let context = crate::sd_jwt::VerifyContext {
            now: self.clock.now(),
            policy: &self.policy,
            resolver: self.resolver.as_ref(),
            request,
            expected_type,
            status_source: self.status_source.as_deref(),
            trust: self.trust.as_deref(),
        };
        let (report, value) = crate::sd_jwt::verify(presentation, issuer, &context)?;
        let verified = report.is_valid().then_some(value);
        Ok(Verification { report, verified })
    }

    /// Verifies an SD-JWT VC *as issued* (`<JWT>~<disclosure>~…~`, no Key Binding JWT), as a
    /// wallet does before it accepts one: every check of [`Verifier::verify_sd_jwt`] (issuer
    /// signature, disclosures, validity, status, trusted issuers) except key binding, which
    /// only a presentation can carry. A credential with `cnf` passes here when its holder key
    /// is usable; [`VerifiedSdJwt::holder_key`](crate::sd_jwt::VerifiedSdJwt::holder_key) then
    /// names it, for the wallet to compare with its own. An input that carries a Key Binding
    /// JWT is a presentation, not an SD-JWT as issued, and fails the `key_binding` check.
    ///
    /// No challenge is consumed.
    ///
    /// # Errors
    /// As [`Verifier::verify_sd_jwt`].
    pub fn verify_sd_jwt_as_issued(
        &self,
        sd_jwt: &str,
        issuer: &crate::sd_jwt::SdJwtIssuerKey,
    ) -> Result<Verification<crate::sd_jwt::VerifiedSdJwt>, Error> {
        let context = crate::sd_jwt::VerifyContext {
            now: self.clock.now(),
            policy: &self.policy,
            resolver: self.resolver.as_ref(),
            request: None,
            expected_type: crate::sd_jwt::SD_JWT_VC_TYPE,
            status_source: self.status_source.as_deref(),
            trust: self.trust.as_deref(),
        };
        let (mut report, value) = crate::sd_jwt::verify(sd_jwt, issuer, &context)?;
        // Key binding is for presentations: its checks are replaced by one about the form.
        report.checks.retain(|check| {
            !matches!(
                check.check,
                CheckKind::KeyBinding | CheckKind::Challenge | CheckKind::Domain
            )
        });
        let (passed, reason) = if !sd_jwt.ends_with('~') {
            (
                false,
                "this is a presentation (it ends with a Key Binding JWT), not an SD-JWT as issued",
            )
        } else if value.claims.contains_key("cnf") && value.holder_key.is_none() {
            (
                false,
                "the credential's holder key (`cnf.jwk`) is not usable",
            )
        } else if value.holder_key.is_some() {
            (
                true,
                "as issued: bound to a holder key (`cnf`); key binding is checked when it is presented",
            )
        } else {
            (true, "as issued: not bound to a holder key (no `cnf`)")
        };
        report.add("credential", CheckKind::KeyBinding, passed, reason);
        let verified = report.is_valid().then_some(value);
        Ok(Verification { report, verified })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn report_json_shape_is_pinned() {
        let mut report = VerificationReport::default();
        report.add("credential", CheckKind::Proof, true, "proof verifies");
        report.add(
            "credential[0]",
            CheckKind::HolderBinding,
            false,
            "the credential is about someone other than the holder",
        );
        assert_eq!(
            serde_json::to_value(&report).unwrap(),
            json!({
                "valid": false,
                "checks": [
                    {"target": "credential", "check": "proof", "passed": true, "reason": "proof verifies"},
                    {"target": "credential[0]", "check": "holder_binding", "passed": false,
                     "reason": "the credential is about someone other than the holder"}
                ]
            })
        );
    }

    #[test]
    fn check_kind_names_are_pinned() {
        let names: Vec<Value> = [
            CheckKind::WellFormed,
            CheckKind::Context,
            CheckKind::Proof,
            CheckKind::ProofPurpose,
            CheckKind::IssuerKey,
            CheckKind::ValidityPeriod,
            CheckKind::Status,
            CheckKind::TrustedIssuer,
            CheckKind::Challenge,
            CheckKind::Domain,
            CheckKind::HolderKey,
            CheckKind::HolderBinding,
            CheckKind::Disclosures,
            CheckKind::KeyBinding,
            CheckKind::Trust,
        ]
        .iter()
        .map(|k| serde_json::to_value(k).unwrap())
        .collect();
        assert_eq!(
            Value::Array(names),
            json!([
                "well_formed",
                "context",
                "proof",
                "proof_purpose",
                "issuer_key",
                "validity_period",
                "status",
                "trusted_issuer",
                "challenge",
                "domain",
                "holder_key",
                "holder_binding",
                "disclosures",
                "key_binding",
                "trust"
            ])
        );
    }

    #[test]
    fn empty_report_is_not_valid() {
        assert!(!VerificationReport::default().is_valid());
    }

    #[test]
    fn request_json_shape_is_pinned() {
        let request = PresentationRequest {
            challenge: "abc".into(),
            domain: Some("apotek.example".into()),
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"challenge": "abc", "domain": "apotek.example"})
        );
        let no_domain = PresentationRequest {
            challenge: "abc".into(),
            domain: None,
        };
        assert_eq!(
            serde_json::to_value(&no_domain).unwrap(),
            json!({"challenge": "abc"})
        );
    }

    #[test]
    fn challenges_are_random_and_single_use() {
        let verifier = Verifier::new();
        let a = verifier.request(None);
        let b = verifier.request(None);
        assert_ne!(a.challenge, b.challenge);
        assert!(a.challenge.len() >= 22);
        assert!(verifier.consume_challenge(&a.challenge));
        assert!(!verifier.consume_challenge(&a.challenge));
    }

    #[test]
    fn outstanding_challenges_are_bounded() {
        let verifier = Verifier::new();
        for i in 0..MAX_OUTSTANDING_CHALLENGES + 10 {
            verifier.expect_challenge(&format!("c{i}"));
        }
        assert!(verifier.lock_challenges().len() <= MAX_OUTSTANDING_CHALLENGES);
    }
}
