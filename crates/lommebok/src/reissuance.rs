//! Re-issuance to a new key after a recovery: for credentials bound to a platform key that
//! could not leave the lost phone.
//!
//! After [`DeviceRecovery::restore_with_platform_key`](crate::wallet::recovery::DeviceRecovery::restore_with_platform_key),
//! the wallet holds its credentials again, but they name the old holder DID, whose key is gone.
//! The wallet asks each issuer to re-issue:
//!
//! ```text
//! guardian's wallet:  confirm(guardian key, previous DID, new DID)   -> confirmation (JWS)
//! restored wallet:    request(wallet, credential id, confirmations)  -> request (JWS, new key)
//! issuer:             Issuer::reissue(request, policy)               -> new credential, old revoked
//! ```
//!
//! A **confirmation** is a compact JWS (`typ` `lommebok-recovery-confirmation+jwt`) signed by a
//! guardian's holder key (`kid` a DID URL) with payload `{"previousHolder", "holder", "iat",
//! "exp"}`: the guardian vouches that the new holder DID is the same citizen as the old one,
//! after checking in person or by phone (the recovery's short code).
//!
//! A **request** is a compact JWS (`typ` `lommebok-reissuance+jwt`) signed by the new holder key
//! (`kid` its DID URL: proof of the new key) with payload `{"aud": <issuer DID>, "credential":
//! <the old credential>, "previousHolder", "holder", "confirmations": [<JWS>…], "iat", "exp"}`.
//!
//! The issuer checks that it issued the old credential (its proof verifies against the
//! issuer's key, and it is not revoked), that it was about the previous holder, that the
//! request is signed by the new holder's key and addressed to this issuer, fresh, and that
//! enough confirmations from distinct guardians it accepts ([`ReissuePolicy`]) name the same
//! previous and new holder. It then issues the same claims to the new holder (new id, new status
//! entries) and revokes the old credential in the same step: the new one is returned only once
//! the old one is revoked.
//!
//! Both formats are re-issued. A Data Integrity credential travels as its JSON object, names
//! the previous holder in `credentialSubject.id` and is revoked by its `id`. An SD-JWT VC
//! travels as the compact SD-JWT as issued (a JSON string, every disclosure), names the
//! previous holder by its `cnf` key (whose `did:key` is `previousHolder`), and comes back with
//! the same claims and the same selectively disclosable paths, bound to the new holder's key,
//! with a new entry in the same Token Status List; the old one is revoked at its
//! `status.status_list` entry.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use crate::credential::Credential;
use crate::did::{Did, DidResolver, Relationship, split_did_url};
use crate::jws::{self, Jws};
use crate::key::{PublicKey, Signer};
use crate::sd_jwt::{self, SdJwtIssuerKey, SdJwtOptions};
use crate::verify::Verifier;
use crate::wallet::HolderWallet;
use crate::{Error, Issuer};

/// The JWS `typ` of a guardian's confirmation.
pub const CONFIRMATION_TYPE: &str = "lommebok-recovery-confirmation+jwt";
/// The JWS `typ` of a re-issuance request.
pub const REQUEST_TYPE: &str = "lommebok-reissuance+jwt";
/// How long a confirmation or a request may be used.
pub const LIFETIME: Duration = Duration::days(7);
/// Largest request accepted, in bytes.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// The claims of an SD-JWT VC that the issuer sets from [`SdJwtOptions`] (or that
/// [`Issuer::issue_sd_jwt_at`] sets itself): not carried over from the old one.
const SET_BY_OPTIONS: [&str; 8] = [
    "iss", "iat", "nbf", "exp", "cnf", "vct", "status", "_sd_alg",
];

/// Errors from making or checking a re-issuance.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReissuanceError {
    /// Not a request or confirmation (not a JWS, a member missing or of the wrong kind).
    #[error("malformed re-issuance {what}: {reason}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The request is not signed by the key of the new holder it names, or is for another
    /// issuer, or is not fresh.
    #[error("the re-issuance request is refused: {0}")]
    Refused(String),
    /// The old credential is not one this issuer issued to the previous holder, does not
    /// verify, or is revoked.
    #[error("the credential cannot be re-issued: {0}")]
    Credential(String),
    /// Not enough accepted confirmations.
    #[error("{have} accepted guardian confirmation(s), {need} needed{}", details(.rejected))]
    NotConfirmed {
        /// How many were accepted.
        have: usize,
        /// How many the policy needs.
        need: usize,
        /// Why the others were not, one line each.
        rejected: Vec<String>,
    },
    /// The wallet has no such credential, or it is not bound to a previous holder.
    #[error("{0}")]
    Wallet(String),
    /// Signing, issuing or revoking failed.
    #[error(transparent)]
    Lommebok(#[from] Error),
}

fn details(rejected: &[String]) -> String {
    if rejected.is_empty() {
        String::new()
    } else {
        format!(" ({})", rejected.join("; "))
    }
}

fn malformed(what: &'static str, reason: impl Into<String>) -> ReissuanceError {
    ReissuanceError::Malformed {
        what,
        reason: reason.into(),
    }
}

/// What an issuer requires of guardians' confirmations.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReissuePolicy {
    /// How many distinct guardians must confirm. Default 2.
    pub min_confirmations: usize,
    /// The guardians' DIDs this issuer accepts (e.g. registered by the citizen at the service
    /// desk); `None` accepts any DID, which only makes sense with other checks in the app.
    pub accepted_guardians: Option<BTreeSet<String>>,
    /// Tolerance for clocks that disagree. Default 60 s.
    pub clock_skew: Duration,
}

impl Default for ReissuePolicy {
    fn default() -> Self {
        ReissuePolicy {
            min_confirmations: 2,
            accepted_guardians: None,
            clock_skew: Duration::seconds(60),
        }
    }
}

impl ReissuePolicy {
    /// `min_confirmations` of the guardians `accepted`.
    pub fn new(
        min_confirmations: usize,
        accepted: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        ReissuePolicy {
            min_confirmations,
            accepted_guardians: Some(accepted.into_iter().map(Into::into).collect()),
            ..ReissuePolicy::default()
        }
    }
}

fn kid_of(signer: &dyn Signer) -> String {
    Did::key_verification_method(&signer.public_key())
}

fn times(payload: &mut Map<String, Value>, at: DateTime<Utc>) {
    payload.insert("iat".into(), at.timestamp().into());
    payload.insert("exp".into(), (at + LIFETIME).timestamp().into());
}

/// A guardian's confirmation that `holder` (the new device's DID) is the citizen who was
/// `previous_holder`, signed with the guardian's holder key `guardian`.
///
/// # Errors
/// [`ReissuanceError::Lommebok`] when signing fails.
pub fn confirm(
    guardian: &dyn Signer,
    previous_holder: &str,
    holder: &str,
    at: DateTime<Utc>,
) -> Result<String, ReissuanceError> {
    let mut payload = Map::new();
    payload.insert("previousHolder".into(), previous_holder.into());
    payload.insert("holder".into(), holder.into());
    times(&mut payload, at);
    jws::sign(
        &payload,
        CONFIRMATION_TYPE,
        Some(&kid_of(guardian)),
        &Map::new(),
        guardian,
    )
    .map_err(|e| Error::SdJwt(crate::sd_jwt::SdJwtError::Jws(e)).into())
}

/// [`confirm`] with the holder key of the guardian's own wallet `guardian`.
///
/// # Errors
/// As [`confirm`].
pub fn confirm_with_wallet(
    guardian: &HolderWallet,
    previous_holder: &str,
    holder: &str,
    at: DateTime<Utc>,
) -> Result<String, ReissuanceError> {
    confirm(guardian.signer().as_ref(), previous_holder, holder, at)
}

/// The restored `wallet`'s request to re-issue its credential `credential_id` (bound to a
/// previous holder DID) to its current holder key, with the guardians' `confirmations`,
/// addressed to the credential's issuer and signed by the wallet's holder key.
///
/// # Errors
/// [`ReissuanceError::Wallet`] when there is no such credential or it is not about a previous
/// holder; [`ReissuanceError::Lommebok`] when signing fails.
pub fn request(
    wallet: &HolderWallet,
    credential_id: &str,
    confirmations: &[String],
    at: DateTime<Utc>,
) -> Result<String, ReissuanceError> {
    let text = wallet
        .export(credential_id)
        .map_err(|e| ReissuanceError::Wallet(e.to_string()))?;
    let previous = wallet
        .previous_holders()
        .map_err(|e| ReissuanceError::Wallet(e.to_string()))?;
    let not_about_previous = || {
        ReissuanceError::Wallet(format!(
            "credential `{credential_id}` is not about a previous holder of this wallet"
        ))
    };
    let text = text.trim();
    let (issuer, credential, previous_holder) = if text.starts_with('{') {
        let credential = Credential::from_json_str(text)
            .map_err(|e| ReissuanceError::Wallet(format!("credential `{credential_id}`: {e}")))?;
        let ids = credential.subject_ids();
        let previous_holder = ids
            .iter()
            .flatten()
            .find(|id| previous.iter().any(|p| p == *id))
            .map(|id| (*id).to_owned())
            .ok_or_else(not_about_previous)?;
        (
            credential.issuer().to_owned(),
            Value::Object(credential.as_json().clone()),
            previous_holder,
        )
    } else {
        let contents = sd_jwt::inspect(text)
            .map_err(|e| ReissuanceError::Wallet(format!("credential `{credential_id}`: {e}")))?;
        let holder = contents
            .claims
            .get("cnf")
            .and_then(|cnf| sd_jwt::holder_key(cnf).ok())
            .map(|key| Did::from_public_key(&key).to_string())
            .filter(|did| previous.contains(did))
            .ok_or_else(not_about_previous)?;
        let issuer = contents
            .claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ReissuanceError::Wallet(format!(
                    "credential `{credential_id}` names no issuer (`iss`) to ask"
                ))
            })?;
        (issuer.to_owned(), Value::String(text.to_owned()), holder)
    };
    let mut payload = Map::new();
    payload.insert("aud".into(), issuer.into());
    payload.insert("credential".into(), credential);
    payload.insert("previousHolder".into(), previous_holder.into());
    payload.insert("holder".into(), wallet.did().as_str().into());
    payload.insert(
        "confirmations".into(),
        confirmations.iter().cloned().map(Value::String).collect(),
    );
    times(&mut payload, at);
    let signer = wallet.signer();
    jws::sign(
        &payload,
        REQUEST_TYPE,
        Some(&kid_of(signer.as_ref())),
        &Map::new(),
        signer.as_ref(),
    )
    .map_err(|e| Error::SdJwt(crate::sd_jwt::SdJwtError::Jws(e)).into())
}

/// Decodes a JWS of `typ` `expected`, checks its signature with the key its `kid` names
/// (resolved with `resolver`), its times, and returns (signer DID, signer key, payload).
fn open_signed(
    what: &'static str,
    text: &str,
    expected: &str,
    resolver: &dyn DidResolver,
    at: DateTime<Utc>,
    skew: Duration,
) -> Result<(String, PublicKey, Map<String, Value>), ReissuanceError> {
    let jws = Jws::decode(text.trim()).map_err(|e| malformed(what, e.to_string()))?;
    let kid = jws
        .kid()
        .ok_or_else(|| malformed(what, "no `kid`"))?
        .to_owned();
    let did = split_did_url(&kid).map_err(|e| malformed(what, format!("`kid`: {e}")))?;
    let document = resolver
        .resolve(&did)
        .map_err(|e| ReissuanceError::Refused(format!("{what}: cannot resolve {did}: {e}")))?;
    let method = document
        .method_for(&kid, Relationship::Authentication)
        .map_err(|_| ReissuanceError::Refused(format!("{what}: {kid} is not a key of {did}")))?;
    jws.verify(&method.public_key, expected)
        .map_err(|e| ReissuanceError::Refused(format!("{what}: {e}")))?;
    let date = |name: &str| {
        jws.payload
            .get(name)
            .and_then(Value::as_i64)
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or_else(|| malformed(what, format!("`{name}` must be a NumericDate")))
    };
    let (issued, expires) = (date("iat")?, date("exp")?);
    if issued > at + skew || expires + skew <= at || expires - issued > LIFETIME {
        return Err(ReissuanceError::Refused(format!(
            "{what} is not fresh (made {issued}, valid until {expires})"
        )));
    }
    Ok((did.to_string(), method.public_key.clone(), jws.payload))
}

fn text_member<'a>(
    what: &'static str,
    payload: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, ReissuanceError> {
    payload
        .get(name)
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| malformed(what, format!("`{name}` must be a non-empty string")))
}

/// A credential [`Issuer::reissue`] issued, in the format of the old one.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ReissuedCredential {
    /// A Data Integrity credential.
    DataIntegrity(Credential),
    /// An SD-JWT VC, compact, as issued (every disclosure, no Key Binding JWT).
    SdJwt(String),
}

impl ReissuedCredential {
    /// The credential as text, as a wallet imports it: JSON for a Data Integrity credential,
    /// the compact SD-JWT for an SD-JWT VC.
    pub fn to_text(&self) -> String {
        match self {
            ReissuedCredential::DataIntegrity(credential) => credential.to_json_string(),
            ReissuedCredential::SdJwt(text) => text.clone(),
        }
    }

    /// The Data Integrity credential, if it is one.
    pub fn as_data_integrity(&self) -> Option<&Credential> {
        match self {
            ReissuedCredential::DataIntegrity(credential) => Some(credential),
            ReissuedCredential::SdJwt(_) => None,
        }
    }

    /// The compact SD-JWT, if it is one.
    pub fn as_sd_jwt(&self) -> Option<&str> {
        match self {
            ReissuedCredential::SdJwt(text) => Some(text),
            ReissuedCredential::DataIntegrity(_) => None,
        }
    }
}

/// What [`Issuer::reissue`] did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Reissued {
    /// The credential issued to the new holder, in the format of the old one.
    pub credential: ReissuedCredential,
    /// What was revoked: the old credential's id, or for an SD-JWT VC its Token Status List
    /// entry (`<list URL>#<index>`).
    pub revoked: String,
    /// The guardians whose confirmations were accepted.
    pub confirmed_by: Vec<String>,
}

impl Issuer {
    /// Re-issues the credential in `request` ([`request`]) to its new holder and revokes the
    /// old one, after the checks the module documentation lists. `verifier` checks the old
    /// credential (give it this issuer's status lists so a revoked credential is refused) and
    /// resolves DIDs.
    ///
    /// # Errors
    /// [`ReissuanceError`] naming the first thing wrong; nothing is revoked then.
    pub fn reissue(
        &self,
        request: &str,
        policy: &ReissuePolicy,
        verifier: &Verifier,
    ) -> Result<Reissued, ReissuanceError> {
        const WHAT: &str = "request";
        if request.len() > MAX_REQUEST_BYTES {
            return Err(malformed(
                WHAT,
                format!("larger than {MAX_REQUEST_BYTES} bytes"),
            ));
        }
        let at = verifier.now();
        let resolver = verifier.resolver();
        let (signer, holder_key, payload) =
            open_signed(WHAT, request, REQUEST_TYPE, resolver, at, policy.clock_skew)?;
        let holder = text_member(WHAT, &payload, "holder")?;
        let previous = text_member(WHAT, &payload, "previousHolder")?;
        if signer != holder {
            return Err(ReissuanceError::Refused(format!(
                "signed by {signer}, not by the new holder {holder}"
            )));
        }
        if text_member(WHAT, &payload, "aud")? != self.did().as_str() {
            return Err(ReissuanceError::Refused(format!(
                "addressed to another issuer, not {}",
                self.did()
            )));
        }
        let old = match payload.get("credential") {
            Some(Value::Object(json)) => {
                let old = Credential::from_json(json.clone())
                    .map_err(|e| malformed(WHAT, e.to_string()))?;
                Old::DataIntegrity(self.check_data_integrity(old, previous, verifier)?)
            }
            Some(Value::String(text)) => Old::SdJwt(self.check_sd_jwt(text, previous, verifier)?),
            _ => {
                return Err(malformed(
                    WHAT,
                    "`credential` must be a credential object or a compact SD-JWT",
                ));
            }
        };

        // Confirmations: distinct accepted guardians naming the same previous and new holder.
        let mut confirmed_by = BTreeSet::new();
        let mut rejected = Vec::new();
        let confirmations = payload
            .get("confirmations")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed(WHAT, "`confirmations` must be an array"))?;
        for (index, confirmation) in confirmations.iter().enumerate() {
            let Some(text) = confirmation.as_str() else {
                rejected.push(format!("confirmation {index} is not a string"));
                continue;
            };
            match open_signed(
                "confirmation",
                text,
                CONFIRMATION_TYPE,
                resolver,
                at,
                policy.clock_skew,
            ) {
                Err(e) => rejected.push(format!("confirmation {index}: {e}")),
                Ok((guardian, _, confirmed)) => {
                    let names = |name: &str| confirmed.get(name).and_then(Value::as_str);
                    if names("previousHolder") != Some(previous) || names("holder") != Some(holder)
                    {
                        rejected.push(format!(
                            "confirmation {index} by {guardian} is for other holders"
                        ));
                    } else if guardian == previous || guardian == holder {
                        rejected.push(format!(
                            "confirmation {index} is by the citizen, not a guardian"
                        ));
                    } else if policy
                        .accepted_guardians
                        .as_ref()
                        .is_some_and(|accepted| !accepted.contains(&guardian))
                    {
                        rejected.push(format!(
                            "confirmation {index} is by {guardian}, not an accepted guardian"
                        ));
                    } else {
                        confirmed_by.insert(guardian);
                    }
                }
            }
        }
        if confirmed_by.len() < policy.min_confirmations.max(1) {
            return Err(ReissuanceError::NotConfirmed {
                have: confirmed_by.len(),
                need: policy.min_confirmations.max(1),
                rejected,
            });
        }

        let (credential, revoked) = match old {
            Old::DataIntegrity(old) => self.reissue_data_integrity(&old, holder, at)?,
            Old::SdJwt(old) => self.reissue_sd_jwt(&old, holder_key, at)?,
        };
        Ok(Reissued {
            credential,
            revoked,
            confirmed_by: confirmed_by.into_iter().collect(),
        })
    }

    /// The old Data Integrity credential: issued by this issuer, about `previous` only, with an
    /// id to revoke it by, and valid (not revoked) as `verifier` sees it.
    fn check_data_integrity(
        &self,
        old: Credential,
        previous: &str,
        verifier: &Verifier,
    ) -> Result<Credential, ReissuanceError> {
        if old.issuer() != self.did().as_str() {
            return Err(ReissuanceError::Credential(format!(
                "issued by {}, not by this issuer",
                old.issuer()
            )));
        }
        if old.subject_ids() != vec![Some(previous)] {
            return Err(ReissuanceError::Credential(format!(
                "it is not about the previous holder {previous}"
            )));
        }
        if old.id().is_none() {
            return Err(ReissuanceError::Credential(
                "it has no id to revoke it by".into(),
            ));
        }
        let report = verifier.verify_parsed_credential(old.clone()).report;
        if !report.is_valid() {
            return Err(ReissuanceError::Credential(crate::verify::failure_reasons(
                &report,
            )));
        }
        Ok(old)
    }

    /// The old SD-JWT VC: valid as issued by this issuer's key (not forged, not revoked, as
    /// `verifier` sees it), bound (`cnf`) to the key of `previous`, with a Token Status List
    /// entry to revoke it by.
    fn check_sd_jwt(
        &self,
        text: &str,
        previous: &str,
        verifier: &Verifier,
    ) -> Result<OldSdJwt, ReissuanceError> {
        let method = self.sd_jwt_verification_method();
        let verification = verifier
            .verify_sd_jwt_as_issued(text, &SdJwtIssuerKey::VerificationMethod(method))
            .map_err(|e| ReissuanceError::Credential(e.to_string()))?;
        let verified = verification.into_verified().map_err(|report| {
            ReissuanceError::Credential(crate::verify::failure_reasons(&report))
        })?;
        let bound = verified.holder_key().map(Did::from_public_key);
        if bound.as_ref().map(Did::as_str) != Some(previous) {
            return Err(ReissuanceError::Credential(format!(
                "it is not bound (`cnf`) to the previous holder {previous}"
            )));
        }
        let list = verified
            .status()
            .and_then(|status| status.get("status_list"))
            .and_then(|list| Some((list.get("uri")?.as_str()?, list.get("idx")?.as_u64()?)));
        let Some((list_url, index)) = list else {
            return Err(ReissuanceError::Credential(
                "it has no Token Status List entry (`status.status_list`) to revoke it by".into(),
            ));
        };
        let contents =
            sd_jwt::inspect(text).map_err(|e| ReissuanceError::Credential(e.to_string()))?;
        Ok(OldSdJwt {
            contents,
            vct: verified.vct().unwrap_or_default().to_owned(),
            list_url: list_url.to_owned(),
            index,
        })
    }

    /// The same claims as `old`, to `holder`: a new id, new status entries, a new proof; then
    /// `old` revoked. Returns (new credential, old id).
    fn reissue_data_integrity(
        &self,
        old: &Credential,
        holder: &str,
        at: DateTime<Utc>,
    ) -> Result<(ReissuedCredential, String), ReissuanceError> {
        let old_id = old
            .id()
            .ok_or_else(|| ReissuanceError::Credential("it has no id to revoke it by".into()))?
            .to_owned();
        let mut json = old.unsecured();
        json.remove("credentialStatus");
        json.insert(
            "id".into(),
            format!("urn:uuid:{}", uuid::Uuid::new_v4()).into(),
        );
        if let Some(Value::Object(subject)) = json.get_mut("credentialSubject") {
            subject.insert("id".into(), holder.into());
        }
        let unsigned = Credential::from_json(json).map_err(Error::from)?;
        let credential = self.issue_at(&unsigned, at)?;
        self.revoke(&old_id)?;
        Ok((ReissuedCredential::DataIntegrity(credential), old_id))
    }

    /// The same claims and disclosable paths as `old`, bound to `holder_key`, valid until the
    /// old `exp`, with a new entry in the same Token Status List; then the old entry set to
    /// INVALID. Returns (new SD-JWT, old entry `<list URL>#<index>`).
    fn reissue_sd_jwt(
        &self,
        old: &OldSdJwt,
        holder_key: PublicKey,
        at: DateTime<Utc>,
    ) -> Result<(ReissuedCredential, String), ReissuanceError> {
        let mut claims = old.contents.claims.clone();
        let exp = claims.get("exp").and_then(Value::as_i64);
        for registered in SET_BY_OPTIONS {
            claims.remove(registered);
        }
        let mut options = SdJwtOptions::new(old.vct.clone())
            .with_holder_key(holder_key)
            .with_status(
                old.list_url.clone(),
                format!("urn:uuid:{}", uuid::Uuid::new_v4()),
            );
        if let Some(exp) = exp.and_then(|exp| DateTime::from_timestamp(exp, 0)) {
            options = options.valid_until(exp);
        }
        let credential = self.issue_sd_jwt_at(&claims, &old.contents.disclosable, &options, at)?;
        let registry = self.status_registry().ok_or(Error::NoStatusRegistry)?;
        registry
            .set_at(
                &old.list_url,
                old.index,
                crate::token_status::TokenStatus::INVALID,
            )
            .map_err(Error::from)?;
        Ok((
            ReissuedCredential::SdJwt(credential),
            format!("{}#{}", old.list_url, old.index),
        ))
    }
}

/// The credential a request asks to re-issue, checked.
enum Old {
    DataIntegrity(Credential),
    SdJwt(OldSdJwt),
}

/// An SD-JWT VC to re-issue: what it holds and where its status lives.
struct OldSdJwt {
    contents: sd_jwt::SdJwtContents,
    vct: String,
    list_url: String,
    index: u64,
}
