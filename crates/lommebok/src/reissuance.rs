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
//! the old one is revoked. Data Integrity credentials; an SD-JWT VC is issued again by its
//! issuer's own flow.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use crate::credential::Credential;
use crate::did::{Did, DidResolver, Relationship, split_did_url};
use crate::jws::{self, Jws};
use crate::key::Signer;
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
    let credential = Credential::from_json_str(&text).map_err(|_| {
        ReissuanceError::Wallet("only Data Integrity credentials are re-issued".into())
    })?;
    let previous = wallet
        .previous_holders()
        .map_err(|e| ReissuanceError::Wallet(e.to_string()))?;
    let ids = credential.subject_ids();
    let Some(previous_holder) = ids
        .iter()
        .flatten()
        .find(|id| previous.iter().any(|p| p == *id))
    else {
        return Err(ReissuanceError::Wallet(format!(
            "credential `{credential_id}` is not about a previous holder of this wallet"
        )));
    };
    let mut payload = Map::new();
    payload.insert("aud".into(), credential.issuer().into());
    payload.insert(
        "credential".into(),
        Value::Object(credential.as_json().clone()),
    );
    payload.insert("previousHolder".into(), (*previous_holder).into());
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
/// (resolved with `resolver`), its times, and returns (signer DID, payload).
fn open_signed(
    what: &'static str,
    text: &str,
    expected: &str,
    resolver: &dyn DidResolver,
    at: DateTime<Utc>,
    skew: Duration,
) -> Result<(String, Map<String, Value>), ReissuanceError> {
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
    Ok((did.to_string(), jws.payload))
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

/// What [`Issuer::reissue`] did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Reissued {
    /// The credential issued to the new holder.
    pub credential: Credential,
    /// The id of the old credential, now revoked.
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
        let (signer, payload) =
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
        let old = payload
            .get("credential")
            .and_then(Value::as_object)
            .cloned()
            .ok_or_else(|| malformed(WHAT, "`credential` must be a credential object"))?;
        let old = Credential::from_json(old).map_err(|e| malformed(WHAT, e.to_string()))?;
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
        let old_id = old
            .id()
            .ok_or_else(|| ReissuanceError::Credential("it has no id to revoke it by".into()))?
            .to_owned();
        let report = verifier.verify_parsed_credential(old.clone()).report;
        if !report.is_valid() {
            return Err(ReissuanceError::Credential(crate::verify::failure_reasons(
                &report,
            )));
        }

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
                Ok((guardian, confirmed)) => {
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

        // The same claims, to the new holder: a new id, new status entries, a new proof.
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
        Ok(Reissued {
            credential,
            revoked: old_id,
            confirmed_by: confirmed_by.into_iter().collect(),
        })
    }
}
