//! Trust without a central provider: signed trust lists of issuers and verifiers, and signed
//! presentation requests checked against them.
//!
//! A **trust list** is a VCDM 2.0 credential of type [`TRUST_LIST_TYPE`], secured with Data
//! Integrity by a *trust anchor* (a national authority, say) whose DID the relying party has
//! chosen to trust. Its subject lists
//! - *issuers*: a DID, a legal name, the credential types it may issue, and when;
//! - *registered verifiers*: a DID, a name, the purpose, the claims it may request (per
//!   credential type) and the addresses its responses may go to.
//!
//! ```json
//! {
//!   "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/lommebok/trust/v1"],
//!   "type": ["VerifiableCredential", "TrustListCredential"],
//!   "issuer": "did:key:z6Mk…anchor",
//!   "validFrom": "2026-11-01T00:00:00Z",
//!   "validUntil": "2027-11-01T00:00:00Z",
//!   "credentialSubject": {
//!     "id": "urn:example:trust-list:no",
//!     "type": "TrustList",
//!     "sequence": 3,
//!     "issuers": [{
//!       "did": "did:key:z6Mk…municipality", "legalName": "Tromsø kommune",
//!       "credentialTypes": ["ExampleResidenceCredential", "urn:example:age"]
//!     }],
//!     "verifiers": [{
//!       "did": "did:key:z6Mk…pharmacy", "legalName": "Apotek Nord",
//!       "purpose": "age check for prescription medicine",
//!       "mayRequest": [{"credentialType": "urn:example:age", "claims": ["age_over_18"]}],
//!       "responseUris": ["https://apotek.example/response"]
//!     }]
//!   }
//! }
//! ```
//!
//! The terms are defined by lommebok's context `https://w3id.org/lommebok/trust/v1`
//! ([`LOMMEBOK_TRUST_V1`], bundled like the W3C contexts; never fetched), so the list is signed
//! with any lommebok suite (RDF or JCS). Because RDF canonicalization keeps neither order nor
//! duplicates, the format gives order no meaning (every array is a set), entries are
//! anonymous nodes keyed by a `did` string (not `id`: two entries with the same `id` would merge
//! into one node, and their members could be moved between them without breaking the
//! signature), and a list naming the same DID twice in one section is refused.
//!
//! [`TrustLists`] keeps the lists of several anchors. A list is added only when it verifies
//! with the [`Verifier`] given (proof, validity, status) and is signed by one of the anchors;
//! for each anchor and list id, a newer list (higher `sequence`) replaces an older one only if
//! it verifies. A [`Verifier`] with trust lists ([`Verifier::with_trust_lists`]) adds a
//! [`CheckKind::Trust`](crate::verify::CheckKind::Trust) check to each credential;
//! [`request`] checks a verifier's signed request against the registrations.

pub mod request;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::contexts::LOMMEBOK_TRUST_V1;
use crate::credential::{Credential, parse_date_time_stamp};
use crate::data_integrity::format_time;
use crate::verify::{VerificationReport, Verifier};

/// The credential type of a trust list.
pub const TRUST_LIST_TYPE: &str = "TrustListCredential";
/// The type of a trust list's subject.
pub const TRUST_LIST_SUBJECT_TYPE: &str = "TrustList";
/// Most entries (issuers plus verifiers) a trust list may hold.
pub const MAX_ENTRIES: usize = 10_000;

/// Errors from reading or adding a trust list.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// The input is not a trust list (not a credential, not of [`TRUST_LIST_TYPE`], a member
    /// missing or of the wrong kind, a DID listed twice, …).
    #[error("not a trust list: {0}")]
    Malformed(String),
    /// The trust list does not verify (tampered with, expired, revoked, …); the report says
    /// why.
    #[error("the trust list does not verify: {}", crate::verify::failure_reasons(.report))]
    NotVerified {
        /// Every check made.
        report: VerificationReport,
    },
    /// The trust list is signed by a party that is not one of the trust anchors.
    #[error("the trust list is signed by {issuer}, which is not a trust anchor")]
    NotAnAnchor {
        /// Who signed it.
        issuer: String,
    },
    /// A list with the same anchor and id, and the same or a higher sequence number, is already
    /// held: an older list never replaces a newer one.
    #[error("trust list {list_id} sequence {offered} is not newer than the one held ({held})")]
    NotNewer {
        /// The list's id.
        list_id: String,
        /// The sequence number held.
        held: u64,
        /// The sequence number offered.
        offered: u64,
    },
    /// The credential could not be read at all.
    #[error(transparent)]
    Lommebok(#[from] crate::Error),
}

/// An issuer on a trust list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListedIssuer {
    /// Its DID.
    pub did: String,
    /// Its legal name.
    pub legal_name: String,
    /// The credential types it may issue: Data Integrity `type` values (as written in the
    /// credential, or expanded IRIs) or SD-JWT `vct` values.
    pub credential_types: BTreeSet<String>,
    /// From when the listing holds, if limited.
    pub valid_from: Option<DateTime<Utc>>,
    /// Until when the listing holds, if limited.
    pub valid_until: Option<DateTime<Utc>>,
}

impl ListedIssuer {
    /// An issuer `did` named `legal_name`, allowed to issue `credential_types`.
    pub fn new(
        did: impl Into<String>,
        legal_name: impl Into<String>,
        credential_types: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        ListedIssuer {
            did: did.into(),
            legal_name: legal_name.into(),
            credential_types: credential_types.into_iter().map(Into::into).collect(),
            valid_from: None,
            valid_until: None,
        }
    }

    /// Limits the listing to `from`..`until`.
    pub fn valid_between(
        mut self,
        from: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Self {
        self.valid_from = from;
        self.valid_until = until;
        self
    }
}

/// What a registered verifier may ask for of one credential type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub struct RequestScope {
    /// The credential type (an SD-JWT `vct`, or a Data Integrity type IRI as DCQL's
    /// `type_values` name it).
    pub credential_type: String,
    /// The claims it may request, as dot paths from the credential's root
    /// (`age_over_18`, `address.locality`, `credentialSubject.birthDate`; `*` for every element
    /// of an array). Asking for a claim inside one listed is allowed.
    pub claims: BTreeSet<String>,
}

impl RequestScope {
    /// Claims `claims` of credentials of type `credential_type`.
    pub fn new(
        credential_type: impl Into<String>,
        claims: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        RequestScope {
            credential_type: credential_type.into(),
            claims: claims.into_iter().map(Into::into).collect(),
        }
    }
}

/// A verifier registered on a trust list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegisteredVerifier {
    /// Its DID.
    pub did: String,
    /// Its registered name (what the wallet shows the citizen).
    pub legal_name: String,
    /// What it asks for the data for.
    pub purpose: String,
    /// What it may request.
    pub may_request: BTreeSet<RequestScope>,
    /// Where its responses may be sent.
    pub response_uris: BTreeSet<String>,
    /// From when the registration holds, if limited.
    pub valid_from: Option<DateTime<Utc>>,
    /// Until when the registration holds, if limited.
    pub valid_until: Option<DateTime<Utc>>,
}

impl RegisteredVerifier {
    /// A verifier `did` named `legal_name`, asking for `purpose`.
    pub fn new(
        did: impl Into<String>,
        legal_name: impl Into<String>,
        purpose: impl Into<String>,
    ) -> Self {
        RegisteredVerifier {
            did: did.into(),
            legal_name: legal_name.into(),
            purpose: purpose.into(),
            may_request: BTreeSet::new(),
            response_uris: BTreeSet::new(),
            valid_from: None,
            valid_until: None,
        }
    }

    /// Allows it to request `scope`.
    pub fn may_request(mut self, scope: RequestScope) -> Self {
        self.may_request.insert(scope);
        self
    }

    /// Allows responses to go to `uri`.
    pub fn response_uri(mut self, uri: impl Into<String>) -> Self {
        self.response_uris.insert(uri.into());
        self
    }

    /// Limits the registration to `from`..`until`.
    pub fn valid_between(
        mut self,
        from: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Self {
        self.valid_from = from;
        self.valid_until = until;
        self
    }
}

/// The contents of a trust list: its id and sequence number, and its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustListContents {
    /// The list's id (`credentialSubject.id`): the same for every version of the list.
    pub list_id: String,
    /// The version: a newer list has a higher number.
    pub sequence: u64,
    /// The issuers, by DID.
    pub issuers: BTreeMap<String, ListedIssuer>,
    /// The registered verifiers, by DID.
    pub verifiers: BTreeMap<String, RegisteredVerifier>,
}

impl TrustListContents {
    /// An empty list `list_id`, version `sequence`.
    pub fn new(list_id: impl Into<String>, sequence: u64) -> Self {
        TrustListContents {
            list_id: list_id.into(),
            sequence,
            issuers: BTreeMap::new(),
            verifiers: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) an issuer.
    pub fn add_issuer(&mut self, issuer: ListedIssuer) {
        self.issuers.insert(issuer.did.clone(), issuer);
    }

    /// Adds (or replaces) a verifier.
    pub fn add_verifier(&mut self, verifier: RegisteredVerifier) {
        self.verifiers.insert(verifier.did.clone(), verifier);
    }

    /// The credential subject, in the wire form the module documentation shows.
    pub fn to_subject(&self) -> Map<String, Value> {
        let validity = |entry: &mut Map<String, Value>,
                        from: &Option<DateTime<Utc>>,
                        until: &Option<DateTime<Utc>>| {
            if let Some(from) = from {
                entry.insert("validFrom".into(), format_time(from).into());
            }
            if let Some(until) = until {
                entry.insert("validUntil".into(), format_time(until).into());
            }
        };
        let issuers: Vec<Value> = self
            .issuers
            .values()
            .map(|issuer| {
                let mut entry = Map::new();
                entry.insert("did".into(), issuer.did.clone().into());
                entry.insert("legalName".into(), issuer.legal_name.clone().into());
                entry.insert(
                    "credentialTypes".into(),
                    issuer.credential_types.iter().cloned().collect(),
                );
                validity(&mut entry, &issuer.valid_from, &issuer.valid_until);
                Value::Object(entry)
            })
            .collect();
        let verifiers: Vec<Value> = self
            .verifiers
            .values()
            .map(|verifier| {
                let mut entry = Map::new();
                entry.insert("did".into(), verifier.did.clone().into());
                entry.insert("legalName".into(), verifier.legal_name.clone().into());
                entry.insert("purpose".into(), verifier.purpose.clone().into());
                entry.insert(
                    "mayRequest".into(),
                    verifier
                        .may_request
                        .iter()
                        .map(|scope| {
                            json!({
                                "credentialType": scope.credential_type,
                                "claims": scope.claims,
                            })
                        })
                        .collect(),
                );
                entry.insert(
                    "responseUris".into(),
                    verifier.response_uris.iter().cloned().collect(),
                );
                validity(&mut entry, &verifier.valid_from, &verifier.valid_until);
                Value::Object(entry)
            })
            .collect();
        let mut subject = Map::new();
        subject.insert("id".into(), self.list_id.clone().into());
        subject.insert("type".into(), TRUST_LIST_SUBJECT_TYPE.into());
        subject.insert("sequence".into(), self.sequence.into());
        subject.insert("issuers".into(), issuers.into());
        subject.insert("verifiers".into(), verifiers.into());
        subject
    }

    /// The unsigned trust list credential, issued by `anchor` and valid `from`..`until`: sign
    /// it with the anchor's [`Issuer`](crate::Issuer).
    ///
    /// # Errors
    /// [`TrustError::Lommebok`] when the anchor is not a DID; [`TrustError::Malformed`] when
    /// an entry could not be read back (a DID that is not one, an empty name).
    pub fn to_credential(
        &self,
        anchor: &crate::Did,
        from: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Credential, TrustError> {
        let mut builder = crate::CredentialBuilder::new(anchor.clone())
            .with_context(Value::String(LOMMEBOK_TRUST_V1.to_owned()))
            .with_type(TRUST_LIST_TYPE)
            .with_subject_id(&self.list_id)
            .valid_from(from);
        if let Some(until) = until {
            builder = builder.valid_until(until);
        }
        let mut json = builder.build().map_err(crate::Error::from)?.into_json();
        json.insert("credentialSubject".into(), Value::Object(self.to_subject()));
        let credential = Credential::from_json(json).map_err(crate::Error::from)?;
        // What is signed must read back: an entry whose DID is not a DID, or an empty name,
        // would make a list nobody can use.
        let read = TrustListContents::from_credential(&credential)?;
        if read != *self {
            return Err(malformed(
                "the contents do not read back as given (an entry listed under another DID?)",
            ));
        }
        Ok(credential)
    }

    /// Reads the contents of a trust list credential (nothing is verified here).
    ///
    /// # Errors
    /// [`TrustError::Malformed`].
    pub fn from_credential(credential: &Credential) -> Result<Self, TrustError> {
        if !credential.types().iter().any(|t| t == TRUST_LIST_TYPE) {
            return Err(malformed(format!(
                "the credential's type does not include {TRUST_LIST_TYPE}"
            )));
        }
        let subjects = credential.subjects();
        let [subject] = subjects.as_slice() else {
            return Err(malformed("a trust list has exactly one subject"));
        };
        if subject.get("type").and_then(Value::as_str) != Some(TRUST_LIST_SUBJECT_TYPE) {
            return Err(malformed(format!(
                "the subject's type is not {TRUST_LIST_SUBJECT_TYPE}"
            )));
        }
        let list_id = text(subject, "id", "the subject")?;
        let sequence = subject
            .get("sequence")
            .and_then(Value::as_u64)
            .ok_or_else(|| malformed("`sequence` must be a whole number"))?;
        let issuers = entries(subject, "issuers")?;
        let verifiers = entries(subject, "verifiers")?;
        if issuers.len() + verifiers.len() > MAX_ENTRIES {
            return Err(malformed(format!(
                "more than {MAX_ENTRIES} entries in one list"
            )));
        }
        let mut contents = TrustListContents::new(list_id, sequence);
        for entry in issuers {
            let issuer = ListedIssuer {
                did: did(entry)?,
                legal_name: text(entry, "legalName", "an issuer")?,
                credential_types: strings(entry, "credentialTypes")?,
                valid_from: date(entry, "validFrom")?,
                valid_until: date(entry, "validUntil")?,
            };
            if contents.issuers.contains_key(&issuer.did) {
                return Err(malformed(format!("issuer {} is listed twice", issuer.did)));
            }
            contents.add_issuer(issuer);
        }
        for entry in verifiers {
            let mut may_request = BTreeSet::new();
            for scope in entries(entry, "mayRequest")? {
                may_request.insert(RequestScope {
                    credential_type: text(scope, "credentialType", "a request scope")?,
                    claims: strings(scope, "claims")?,
                });
            }
            let verifier = RegisteredVerifier {
                did: did(entry)?,
                legal_name: text(entry, "legalName", "a verifier")?,
                purpose: text(entry, "purpose", "a verifier")?,
                may_request,
                response_uris: strings(entry, "responseUris")?,
                valid_from: date(entry, "validFrom")?,
                valid_until: date(entry, "validUntil")?,
            };
            if contents.verifiers.contains_key(&verifier.did) {
                return Err(malformed(format!(
                    "verifier {} is listed twice",
                    verifier.did
                )));
            }
            contents.add_verifier(verifier);
        }
        Ok(contents)
    }
}

fn malformed(why: impl Into<String>) -> TrustError {
    TrustError::Malformed(why.into())
}

fn text(entry: &Map<String, Value>, name: &str, what: &str) -> Result<String, TrustError> {
    match entry.get(name) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
        _ => Err(malformed(format!(
            "{what} needs `{name}` as a non-empty string"
        ))),
    }
}

fn did(entry: &Map<String, Value>) -> Result<String, TrustError> {
    let did = text(entry, "did", "an entry")?;
    crate::Did::parse(&did).map_err(|e| malformed(format!("`{did}` is not a DID: {e}")))?;
    Ok(did)
}

/// An array of objects (absent: none; a single object: one).
fn entries<'a>(
    entry: &'a Map<String, Value>,
    name: &str,
) -> Result<Vec<&'a Map<String, Value>>, TrustError> {
    let items: Vec<&Value> = match entry.get(name) {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    items
        .into_iter()
        .map(|item| {
            item.as_object()
                .ok_or_else(|| malformed(format!("each of `{name}` must be an object")))
        })
        .collect()
}

/// A set of non-empty strings (absent: empty; a single string: one).
fn strings(entry: &Map<String, Value>, name: &str) -> Result<BTreeSet<String>, TrustError> {
    crate::json::string_set(entry, name).map_err(malformed)
}

fn date(entry: &Map<String, Value>, name: &str) -> Result<Option<DateTime<Utc>>, TrustError> {
    match entry.get(name) {
        None => Ok(None),
        Some(Value::String(text)) => parse_date_time_stamp(text)
            .map(Some)
            .ok_or_else(|| malformed(format!("`{name}` is not a date-time with a time zone"))),
        Some(_) => Err(malformed(format!("`{name}` must be a date-time string"))),
    }
}

/// A trust list that verified when it was added.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TrustList {
    /// The anchor that signed it.
    pub anchor: String,
    /// What it lists.
    pub contents: TrustListContents,
    /// Its validity period (the credential's).
    pub valid_from: Option<DateTime<Utc>>,
    /// Its end, if any.
    pub valid_until: Option<DateTime<Utc>>,
    /// The signed credential.
    pub credential: Credential,
}

impl TrustList {
    fn in_force(&self, at: DateTime<Utc>) -> bool {
        within(self.valid_from, self.valid_until, at)
    }
}

fn within(from: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>, at: DateTime<Utc>) -> bool {
    from.is_none_or(|from| from <= at) && until.is_none_or(|until| at < until)
}

/// What the trust lists say of an issuer and the types of one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssuerTrust {
    /// Listed, in force, for every type of the credential.
    Trusted {
        /// The anchor whose list says so.
        anchor: String,
        /// The list's id.
        list_id: String,
        /// The issuer's legal name.
        legal_name: String,
    },
    /// No list names the issuer.
    NotListed,
    /// Listed, but not for (every one of) these types.
    NotForType {
        /// The issuer's legal name.
        legal_name: String,
        /// The credential's types that the listing does not cover.
        types: Vec<String>,
    },
    /// Listed only on lists that are not in force now (expired, or not yet valid).
    ListExpired {
        /// The list's id.
        list_id: String,
    },
    /// Listed, but the listing itself is not in force now.
    ListingNotInForce {
        /// The issuer's legal name.
        legal_name: String,
    },
}

impl IssuerTrust {
    /// Whether the issuer is trusted for the credential.
    pub fn is_trusted(&self) -> bool {
        matches!(self, IssuerTrust::Trusted { .. })
    }

    /// A sentence for the verification report.
    pub fn reason(&self, issuer: &str) -> String {
        match self {
            IssuerTrust::Trusted {
                anchor,
                list_id,
                legal_name,
            } => format!("issuer {legal_name} ({issuer}) is listed on {list_id} by {anchor}"),
            IssuerTrust::NotListed => format!("issuer not listed: {issuer}"),
            IssuerTrust::NotForType { legal_name, types } => format!(
                "listed but not for this type: {legal_name} ({issuer}) may not issue {}",
                types.join(", ")
            ),
            IssuerTrust::ListExpired { list_id } => {
                format!("list expired: {list_id}, the only list naming {issuer}, is not in force")
            }
            IssuerTrust::ListingNotInForce { legal_name } => {
                format!("the listing of {legal_name} ({issuer}) is not in force now")
            }
        }
    }
}

/// What the trust lists say of a verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifierTrust {
    /// Registered, in force.
    Registered {
        /// The anchor whose list says so.
        anchor: String,
        /// The registration.
        registration: RegisteredVerifier,
    },
    /// No list in force registers it.
    NotRegistered,
}

/// The trust lists a relying party holds, for one or more trust anchors.
#[derive(Debug)]
pub struct TrustLists {
    anchors: BTreeSet<String>,
    /// By (anchor, list id).
    lists: RwLock<BTreeMap<(String, String), Arc<TrustList>>>,
}

impl TrustLists {
    /// Trusts lists signed by `anchors` (DIDs).
    pub fn new(anchors: impl IntoIterator<Item = impl Into<String>>) -> Self {
        TrustLists {
            anchors: anchors.into_iter().map(Into::into).collect(),
            lists: RwLock::new(BTreeMap::new()),
        }
    }

    /// The trust anchors.
    pub fn anchors(&self) -> &BTreeSet<String> {
        &self.anchors
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<(String, String), Arc<TrustList>>> {
        // A poisoned lock only means a panic elsewhere; the map is replaced whole or not at all.
        self.lists
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Verifies `credential_json` with `verifier` (proof, validity period, status, …) and, if
    /// it is a trust list signed by an anchor and newer than the one held for that anchor and
    /// id, keeps it. Returns what it holds.
    ///
    /// # Errors
    /// [`TrustError::NotVerified`], [`TrustError::NotAnAnchor`], [`TrustError::Malformed`],
    /// [`TrustError::NotNewer`]; [`TrustError::Lommebok`] for input that is not a credential.
    /// Nothing changes on error.
    pub fn add(
        &self,
        credential_json: &str,
        verifier: &Verifier,
    ) -> Result<Arc<TrustList>, TrustError> {
        let verification = verifier.verify_credential(credential_json)?;
        let credential = verification
            .into_verified()
            .map_err(|report| TrustError::NotVerified { report })?
            .credential()
            .clone();
        if !self.anchors.contains(credential.issuer()) {
            return Err(TrustError::NotAnAnchor {
                issuer: credential.issuer().to_owned(),
            });
        }
        let contents = TrustListContents::from_credential(&credential)?;
        let list = Arc::new(TrustList {
            anchor: credential.issuer().to_owned(),
            valid_from: credential.valid_from(),
            valid_until: credential.valid_until(),
            contents,
            credential,
        });
        let key = (list.anchor.clone(), list.contents.list_id.clone());
        let mut lists = self
            .lists
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(held) = lists.get(&key)
            && held.contents.sequence >= list.contents.sequence
        {
            return Err(TrustError::NotNewer {
                list_id: key.1,
                held: held.contents.sequence,
                offered: list.contents.sequence,
            });
        }
        lists.insert(key, list.clone());
        Ok(list)
    }

    /// Verifies every list held again with `verifier` (for its status: an anchor revokes or
    /// suspends a list through the list's own `credentialStatus`; and its validity) and drops
    /// those that no longer verify. Returns the ids of the lists dropped, with why. Run it
    /// whenever the anchor's status lists are refreshed.
    pub fn recheck(&self, verifier: &Verifier) -> Vec<(String, TrustError)> {
        let held = self.lists();
        let mut dropped = Vec::new();
        for list in held {
            let outcome = verifier.verify_parsed_credential(list.credential.clone());
            if outcome.is_valid() {
                continue;
            }
            let key = (list.anchor.clone(), list.contents.list_id.clone());
            let mut lists = self
                .lists
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Only the version that was checked: a newer one added meanwhile stays.
            if lists
                .get(&key)
                .is_some_and(|current| Arc::ptr_eq(current, &list))
            {
                lists.remove(&key);
                dropped.push((
                    key.1,
                    TrustError::NotVerified {
                        report: outcome.report,
                    },
                ));
            }
        }
        dropped
    }

    /// The lists held.
    pub fn lists(&self) -> Vec<Arc<TrustList>> {
        self.read().values().cloned().collect()
    }

    /// Whether `issuer` may issue a credential of `types` at `at`. `types` are the values to
    /// match: the credential's `type` values (as written, and expanded) or an SD-JWT's `vct`;
    /// the generic `VerifiableCredential` needs no listing. A type counts as covered when any
    /// of its spellings is listed, so give each type's spellings as one group.
    pub fn issuer(&self, issuer: &str, types: &[Vec<String>], at: DateTime<Utc>) -> IssuerTrust {
        let lists = self.read();
        let mut expired: Option<String> = None;
        let mut not_in_force: Option<String> = None;
        let mut not_for_type: Option<IssuerTrust> = None;
        for list in lists.values() {
            let Some(listed) = list.contents.issuers.get(issuer) else {
                continue;
            };
            if !list.in_force(at) {
                expired.get_or_insert_with(|| list.contents.list_id.clone());
                continue;
            }
            if !within(listed.valid_from, listed.valid_until, at) {
                not_in_force.get_or_insert_with(|| listed.legal_name.clone());
                continue;
            }
            let uncovered: Vec<String> = types
                .iter()
                .filter(|spellings| {
                    !spellings
                        .iter()
                        .any(|t| t == GENERIC_TYPE || listed.credential_types.contains(t))
                })
                .filter_map(|spellings| spellings.first().cloned())
                .collect();
            if uncovered.is_empty() {
                return IssuerTrust::Trusted {
                    anchor: list.anchor.clone(),
                    list_id: list.contents.list_id.clone(),
                    legal_name: listed.legal_name.clone(),
                };
            }
            not_for_type.get_or_insert(IssuerTrust::NotForType {
                legal_name: listed.legal_name.clone(),
                types: uncovered,
            });
        }
        if let Some(not_for_type) = not_for_type {
            return not_for_type;
        }
        if let Some(legal_name) = not_in_force {
            return IssuerTrust::ListingNotInForce { legal_name };
        }
        match expired {
            Some(list_id) => IssuerTrust::ListExpired { list_id },
            None => IssuerTrust::NotListed,
        }
    }

    /// The registration of the verifier `did` in force at `at`, if any.
    pub fn verifier(&self, did: &str, at: DateTime<Utc>) -> VerifierTrust {
        let lists = self.read();
        for list in lists.values() {
            if !list.in_force(at) {
                continue;
            }
            if let Some(registration) = list.contents.verifiers.get(did)
                && within(registration.valid_from, registration.valid_until, at)
            {
                return VerifierTrust::Registered {
                    anchor: list.anchor.clone(),
                    registration: registration.clone(),
                };
            }
        }
        VerifierTrust::NotRegistered
    }
}

/// The type every credential has; it needs no listing.
const GENERIC_TYPE: &str = "VerifiableCredential";
