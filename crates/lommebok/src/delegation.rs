//! Acting for someone else, openly and revocably: delegation credentials.
//!
//! A citizen (the *principal*), or an authority that a trust list names as an issuer of
//! [`DELEGATION_TYPE`], issues a delegation credential to a helper's DID (the *delegate*): which
//! credential types the helper may present for the principal, optionally to which verifiers and
//! for which purposes, for how long; with a status entry, the issuer can revoke it at once.
//!
//! ```json
//! {
//!   "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/lommebok/delegation/v1"],
//!   "id": "urn:uuid:…",
//!   "type": ["VerifiableCredential", "DelegationCredential"],
//!   "issuer": "did:key:z6Mk…principal",
//!   "validFrom": "2026-11-01T00:00:00Z",
//!   "validUntil": "2027-11-01T00:00:00Z",
//!   "credentialSubject": {
//!     "id": "did:key:z6Mk…helper",
//!     "type": "Delegation",
//!     "onBehalfOf": "did:key:z6Mk…principal",
//!     "credentialTypes": ["ResidenceCredential"],
//!     "verifiers": ["did:key:zDna…pharmacy"]
//!   }
//! }
//! ```
//!
//! The helper presents the principal's credential and the delegation in one presentation that
//! the helper signs. The [`Verifier`](crate::Verifier) then accepts a credential about the
//! principal as bound ("presented by H on behalf of C under delegation D") only when the
//! delegation verified (proof, validity, status), names the presentation's holder as delegate
//! and the credential's subject as principal, covers the credential's types and this verifier,
//! and was issued by the principal or by an issuer the verifier's trust lists name for
//! [`DELEGATION_TYPE`]. Without such a delegation, a credential about someone else is refused
//! as before. Data Integrity credentials only: an SD-JWT is bound to one holder key.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::contexts::LOMMEBOK_DELEGATION_V1;
use crate::credential::Credential;
use crate::did::Did;

/// The credential type of a delegation.
pub const DELEGATION_TYPE: &str = "DelegationCredential";
/// The type of a delegation's subject.
pub const DELEGATION_SUBJECT_TYPE: &str = "Delegation";

/// Errors from reading or making a delegation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DelegationError {
    /// Not a delegation credential, or a member missing or of the wrong kind.
    #[error("not a delegation: {0}")]
    Malformed(String),
    /// The credential could not be built.
    #[error(transparent)]
    Lommebok(#[from] crate::Error),
}

fn malformed(why: impl Into<String>) -> DelegationError {
    DelegationError::Malformed(why.into())
}

/// What a delegation allows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DelegationScope {
    /// The credential types the delegate may present for the principal (`type` values as
    /// written or expanded, SD-JWT `vct`). Never empty in a delegation.
    pub credential_types: BTreeSet<String>,
    /// The verifiers it may present to (DIDs); empty for any.
    pub verifiers: BTreeSet<String>,
    /// The purposes it may present for, as the parties agree to name them; empty for any.
    pub purposes: BTreeSet<String>,
}

impl DelegationScope {
    /// Credentials of `credential_types`, to any verifier.
    pub fn new(credential_types: impl IntoIterator<Item = impl Into<String>>) -> Self {
        DelegationScope {
            credential_types: credential_types.into_iter().map(Into::into).collect(),
            ..DelegationScope::default()
        }
    }

    /// Only to `verifier` (a DID); repeatable.
    pub fn to_verifier(mut self, verifier: impl Into<String>) -> Self {
        self.verifiers.insert(verifier.into());
        self
    }

    /// Only for `purpose`; repeatable.
    pub fn for_purpose(mut self, purpose: impl Into<String>) -> Self {
        self.purposes.insert(purpose.into());
        self
    }
}

/// A delegation: `delegate` may present `principal`'s credentials within `scope`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delegation {
    /// The credential's id, if it has one (what the issuer revokes it by).
    pub id: Option<String>,
    /// Who issued it: the principal, or an authority.
    pub issuer: String,
    /// Who may act: the helper's DID (the credential's subject).
    pub delegate: String,
    /// For whom: the principal's DID.
    pub principal: String,
    /// What it allows.
    pub scope: DelegationScope,
    /// Its validity period.
    pub valid_from: Option<DateTime<Utc>>,
    /// Its end, if any.
    pub valid_until: Option<DateTime<Utc>>,
}

impl Delegation {
    /// Reads a delegation credential (nothing is verified here).
    ///
    /// # Errors
    /// [`DelegationError::Malformed`].
    pub fn from_credential(credential: &Credential) -> Result<Self, DelegationError> {
        if !is_delegation(credential) {
            return Err(malformed(format!(
                "the credential's type does not include {DELEGATION_TYPE}"
            )));
        }
        let subjects = credential.subjects();
        let [subject] = subjects.as_slice() else {
            return Err(malformed("a delegation has exactly one subject"));
        };
        if subject.get("type").and_then(Value::as_str) != Some(DELEGATION_SUBJECT_TYPE) {
            return Err(malformed(format!(
                "the subject's type is not {DELEGATION_SUBJECT_TYPE}"
            )));
        }
        let did = |name: &str| -> Result<String, DelegationError> {
            let text = subject
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| malformed(format!("`{name}` must be a DID")))?;
            Did::parse(text).map_err(|e| malformed(format!("`{name}`: {e}")))?;
            Ok(text.to_owned())
        };
        let scope = DelegationScope {
            credential_types: strings(subject, "credentialTypes")?,
            verifiers: strings(subject, "verifiers")?,
            purposes: strings(subject, "purposes")?,
        };
        if scope.credential_types.is_empty() {
            return Err(malformed(
                "`credentialTypes` must name at least one credential type",
            ));
        }
        Ok(Delegation {
            id: credential.id().map(str::to_owned),
            issuer: credential.issuer().to_owned(),
            delegate: did("id")?,
            principal: did("onBehalfOf")?,
            scope,
            valid_from: credential.valid_from(),
            valid_until: credential.valid_until(),
        })
    }

    /// The unsigned delegation credential `id`: `issuer` lets `delegate` present
    /// `principal`'s credentials within `scope`, valid `from`..`until`. Sign it with the
    /// issuer's [`Issuer`](crate::Issuer); with a status registry, it gets a status entry the
    /// issuer revokes it by (by `id`).
    ///
    /// # Errors
    /// [`DelegationError::Malformed`] for an empty scope; [`DelegationError::Lommebok`] when the
    /// credential cannot be built.
    pub fn to_credential(
        id: &str,
        issuer: &Did,
        delegate: &Did,
        principal: &Did,
        scope: &DelegationScope,
        from: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Credential, DelegationError> {
        if scope.credential_types.is_empty() {
            return Err(malformed(
                "a delegation must name at least one credential type",
            ));
        }
        let mut builder = crate::CredentialBuilder::new(issuer.clone())
            .with_context(Value::String(LOMMEBOK_DELEGATION_V1.to_owned()))
            .with_id(id)
            .with_type(DELEGATION_TYPE)
            .with_subject_id(delegate.as_str())
            .valid_from(from);
        if let Some(until) = until {
            builder = builder.valid_until(until);
        }
        let mut json = builder.build().map_err(crate::Error::from)?.into_json();
        let mut subject = Map::new();
        subject.insert("id".into(), delegate.as_str().into());
        subject.insert("type".into(), DELEGATION_SUBJECT_TYPE.into());
        subject.insert("onBehalfOf".into(), principal.as_str().into());
        let list =
            |set: &BTreeSet<String>| Value::Array(set.iter().cloned().map(Value::String).collect());
        subject.insert("credentialTypes".into(), list(&scope.credential_types));
        if !scope.verifiers.is_empty() {
            subject.insert("verifiers".into(), list(&scope.verifiers));
        }
        if !scope.purposes.is_empty() {
            subject.insert("purposes".into(), list(&scope.purposes));
        }
        json.insert("credentialSubject".into(), Value::Object(subject));
        Ok(Credential::from_json(json).map_err(crate::Error::from)?)
    }

    /// Whether the principal issued it themself.
    pub fn is_self_issued(&self) -> bool {
        self.issuer == self.principal
    }

    /// Whether it lets its delegate present a credential of `types` (each type with its
    /// spellings: as written, expanded) to the verifier `audience` (a DID, or an OpenID4VP
    /// `decentralized_identifier:` client id, or `None` when the request names none). `Err`
    /// says why not.
    ///
    /// # Errors
    /// A sentence for the verification report.
    pub fn covers(&self, types: &[Vec<String>], audience: Option<&str>) -> Result<(), String> {
        self.covers_types(types)?;
        self.covers_audience(audience)
    }

    /// Whether it covers a credential of `types` (each with its spellings), whoever asks.
    ///
    /// # Errors
    /// A sentence naming the types not covered.
    pub fn covers_types(&self, types: &[Vec<String>]) -> Result<(), String> {
        let uncovered: Vec<&str> = types
            .iter()
            .filter(|spellings| {
                !spellings
                    .iter()
                    .any(|t| t == "VerifiableCredential" || self.scope.credential_types.contains(t))
            })
            .filter_map(|spellings| spellings.first().map(String::as_str))
            .collect();
        if uncovered.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the delegation does not cover {}",
                uncovered.join(", ")
            ))
        }
    }

    /// Whether it lets its delegate present to `audience` (see [`Delegation::covers`]).
    ///
    /// # Errors
    /// A sentence saying why not.
    pub fn covers_audience(&self, audience: Option<&str>) -> Result<(), String> {
        if self.scope.verifiers.is_empty() {
            return Ok(());
        }
        let audience_did = audience.map(|a| {
            a.strip_prefix(crate::trust::request::DID_CLIENT_PREFIX)
                .unwrap_or(a)
        });
        match audience_did {
            Some(did) if self.scope.verifiers.contains(did) => Ok(()),
            Some(did) => Err(format!("the delegation does not allow presenting to {did}")),
            None => Err(
                "the delegation names its verifiers, and the request names none (no domain)"
                    .to_owned(),
            ),
        }
    }
}

/// Whether `credential` is typed a delegation.
pub fn is_delegation(credential: &Credential) -> bool {
    credential.types().iter().any(|t| t == DELEGATION_TYPE)
}

fn strings(entry: &Map<String, Value>, name: &str) -> Result<BTreeSet<String>, DelegationError> {
    crate::json::string_set(entry, name).map_err(malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Algorithm, Signer as _, SoftwareKey};

    fn did(byte: u8) -> Did {
        Did::from_public_key(
            &SoftwareKey::from_secret_bytes(Algorithm::Ed25519, &[byte; 32])
                .unwrap()
                .public_key(),
        )
    }

    fn types(list: &[&str]) -> Vec<Vec<String>> {
        list.iter().map(|t| vec![(*t).to_owned()]).collect()
    }

    #[test]
    fn a_delegation_reads_back_as_made_and_its_wire_form_is_pinned() {
        let (citizen, helper, pharmacy) = (did(1), did(2), did(3));
        let scope = DelegationScope::new(["ResidenceCredential"]).to_verifier(pharmacy.as_str());
        let at = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let credential = Delegation::to_credential(
            "urn:uuid:6f1c0000-0000-4000-8000-000000000001",
            &citizen,
            &helper,
            &citizen,
            &scope,
            at,
            None,
        )
        .unwrap();
        assert_eq!(
            Value::Object(credential.as_json().clone()),
            serde_json::json!({
                "@context": ["https://www.w3.org/ns/credentials/v2",
                             "https://w3id.org/lommebok/delegation/v1"],
                "id": "urn:uuid:6f1c0000-0000-4000-8000-000000000001",
                "type": ["VerifiableCredential", "DelegationCredential"],
                "issuer": citizen.as_str(),
                "validFrom": "2026-11-01T00:00:00Z",
                "credentialSubject": {
                    "id": helper.as_str(),
                    "type": "Delegation",
                    "onBehalfOf": citizen.as_str(),
                    "credentialTypes": ["ResidenceCredential"],
                    "verifiers": [pharmacy.as_str()],
                }
            })
        );
        let read = Delegation::from_credential(&credential).unwrap();
        assert_eq!(read.delegate, helper.as_str());
        assert_eq!(read.principal, citizen.as_str());
        assert!(read.is_self_issued());
        assert_eq!(read.scope, scope);
    }

    #[test]
    fn a_delegation_covers_its_types_and_verifiers_only() {
        let (citizen, helper, pharmacy, bank) = (did(1), did(2), did(3), did(4));
        let delegation = Delegation {
            id: None,
            issuer: citizen.to_string(),
            delegate: helper.to_string(),
            principal: citizen.to_string(),
            scope: DelegationScope::new(["ResidenceCredential"]).to_verifier(pharmacy.as_str()),
            valid_from: None,
            valid_until: None,
        };
        let client = format!("decentralized_identifier:{pharmacy}");
        let residence = types(&["VerifiableCredential", "ResidenceCredential"]);
        assert!(
            delegation
                .covers(&residence, Some(pharmacy.as_str()))
                .is_ok()
        );
        assert!(delegation.covers(&residence, Some(&client)).is_ok());
        let other_type = delegation
            .covers(
                &types(&["VerifiableCredential", "BenefitCredential"]),
                Some(&client),
            )
            .unwrap_err();
        assert!(other_type.contains("BenefitCredential"), "{other_type}");
        assert!(delegation.covers(&residence, Some(bank.as_str())).is_err());
        assert!(delegation.covers(&residence, None).is_err());
        let anyone = Delegation {
            scope: DelegationScope::new(["ResidenceCredential"]),
            ..delegation
        };
        assert!(anyone.covers(&residence, None).is_ok());
    }

    #[test]
    fn malformed_delegations_are_refused() {
        let citizen = did(1);
        assert!(
            Delegation::to_credential(
                "urn:uuid:6f1c0000-0000-4000-8000-000000000002",
                &citizen,
                &did(2),
                &citizen,
                &DelegationScope::default(),
                Utc::now(),
                None,
            )
            .is_err()
        );
        let good = Delegation::to_credential(
            "urn:uuid:6f1c0000-0000-4000-8000-000000000003",
            &citizen,
            &did(2),
            &citizen,
            &DelegationScope::new(["ResidenceCredential"]),
            Utc::now(),
            None,
        )
        .unwrap();
        for (member, value) in [
            ("onBehalfOf", Value::from("not a did")),
            ("onBehalfOf", Value::Null),
            ("type", Value::from("Other")),
            ("credentialTypes", serde_json::json!([])),
            ("credentialTypes", serde_json::json!([7])),
        ] {
            let mut json = good.as_json().clone();
            json["credentialSubject"][member] = value.clone();
            let credential = Credential::from_json(json).unwrap();
            assert!(
                Delegation::from_credential(&credential).is_err(),
                "{member} = {value}"
            );
        }
    }
}
