//! Trust lists and signed requests: [`TrustLists`] (held by verifiers and wallets), trust list
//! contents (what an anchor signs with [`crate::Issuer::issue_trust_list`]), and
//! [`check_request`] / [`RequestCheck`] for the wallet.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use lommebok::did::OfflineResolver;
use lommebok::trust::request::{self as core_request, RequestError};
use lommebok::trust::{self as core, TrustError};

use crate::time::{parse_time, time_text};
use crate::{LommebokError, PresentationRequest, Verifier};

fn optional_time(
    name: &str,
    text: &Option<String>,
) -> Result<Option<DateTime<Utc>>, LommebokError> {
    text.as_deref()
        .map(|text| parse_time(name, text))
        .transpose()
}

/// An issuer on a trust list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListedIssuer {
    /// Its DID.
    pub did: String,
    /// Its legal name.
    pub legal_name: String,
    /// The credential types it may issue (Data Integrity `type` values or IRIs, SD-JWT `vct`).
    pub credential_types: Vec<String>,
    /// From when the listing holds (ISO 8601), if limited.
    #[uniffi(default = None)]
    pub valid_from: Option<String>,
    /// Until when the listing holds (ISO 8601), if limited.
    #[uniffi(default = None)]
    pub valid_until: Option<String>,
}

/// What a registered verifier may ask of one credential type.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RequestScope {
    /// The credential type (an SD-JWT `vct`, or a Data Integrity type IRI).
    pub credential_type: String,
    /// The claims, as dot paths (`age_over_18`, `credentialSubject.birthDate`; `*` for every
    /// array element). Asking for a claim inside one listed is allowed.
    pub claims: Vec<String>,
}

/// A verifier registered on a trust list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RegisteredVerifier {
    /// Its DID.
    pub did: String,
    /// Its registered name: what the wallet shows.
    pub legal_name: String,
    /// What it asks for the data for.
    pub purpose: String,
    /// What it may request.
    pub may_request: Vec<RequestScope>,
    /// Where its responses may be sent.
    pub response_uris: Vec<String>,
    /// From when the registration holds (ISO 8601), if limited.
    #[uniffi(default = None)]
    pub valid_from: Option<String>,
    /// Until when the registration holds (ISO 8601), if limited.
    #[uniffi(default = None)]
    pub valid_until: Option<String>,
}

/// What a trust list lists. See the README's "Trust lists" for the wire form.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TrustListContents {
    /// The list's id, the same for every version.
    pub list_id: String,
    /// The version: a newer list has a higher number.
    pub sequence: u64,
    /// The issuers.
    pub issuers: Vec<ListedIssuer>,
    /// The registered verifiers.
    pub verifiers: Vec<RegisteredVerifier>,
}

impl TrustListContents {
    pub(crate) fn to_core(&self) -> Result<core::TrustListContents, LommebokError> {
        let mut contents = core::TrustListContents::new(&self.list_id, self.sequence);
        for issuer in &self.issuers {
            contents.add_issuer(
                core::ListedIssuer::new(&issuer.did, &issuer.legal_name, &issuer.credential_types)
                    .valid_between(
                        optional_time("valid_from", &issuer.valid_from)?,
                        optional_time("valid_until", &issuer.valid_until)?,
                    ),
            );
        }
        for verifier in &self.verifiers {
            let mut registered = core::RegisteredVerifier::new(
                &verifier.did,
                &verifier.legal_name,
                &verifier.purpose,
            )
            .valid_between(
                optional_time("valid_from", &verifier.valid_from)?,
                optional_time("valid_until", &verifier.valid_until)?,
            );
            for scope in &verifier.may_request {
                registered = registered.may_request(core::RequestScope::new(
                    &scope.credential_type,
                    &scope.claims,
                ));
            }
            for uri in &verifier.response_uris {
                registered = registered.response_uri(uri);
            }
            contents.add_verifier(registered);
        }
        Ok(contents)
    }
}

fn strings(set: &BTreeSet<String>) -> Vec<String> {
    set.iter().cloned().collect()
}

impl From<&core::RegisteredVerifier> for RegisteredVerifier {
    fn from(verifier: &core::RegisteredVerifier) -> Self {
        RegisteredVerifier {
            did: verifier.did.clone(),
            legal_name: verifier.legal_name.clone(),
            purpose: verifier.purpose.clone(),
            may_request: verifier
                .may_request
                .iter()
                .map(|scope| RequestScope {
                    credential_type: scope.credential_type.clone(),
                    claims: strings(&scope.claims),
                })
                .collect(),
            response_uris: strings(&verifier.response_uris),
            valid_from: time_text(verifier.valid_from),
            valid_until: time_text(verifier.valid_until),
        }
    }
}

impl From<&core::TrustListContents> for TrustListContents {
    fn from(contents: &core::TrustListContents) -> Self {
        TrustListContents {
            list_id: contents.list_id.clone(),
            sequence: contents.sequence,
            issuers: contents
                .issuers
                .values()
                .map(|issuer| ListedIssuer {
                    did: issuer.did.clone(),
                    legal_name: issuer.legal_name.clone(),
                    credential_types: strings(&issuer.credential_types),
                    valid_from: time_text(issuer.valid_from),
                    valid_until: time_text(issuer.valid_until),
                })
                .collect(),
            verifiers: contents.verifiers.values().map(Into::into).collect(),
        }
    }
}

/// A trust list held, verified when it was added.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TrustListInfo {
    /// The anchor that signed it.
    pub anchor: String,
    /// Its validity (ISO 8601).
    pub valid_from: Option<String>,
    /// Its end, if any.
    pub valid_until: Option<String>,
    /// What it lists.
    pub contents: TrustListContents,
}

impl From<&core::TrustList> for TrustListInfo {
    fn from(list: &core::TrustList) -> Self {
        TrustListInfo {
            anchor: list.anchor.clone(),
            valid_from: time_text(list.valid_from),
            valid_until: time_text(list.valid_until),
            contents: (&list.contents).into(),
        }
    }
}

/// The trust lists a verifier or wallet relies on, for one or more trust anchors (e.g. the
/// national authority's DID). Give it to a [`Verifier`] (`VerifierOptions.trust_lists`) to
/// check every issuer against it, and to [`check_request`] to check who is asking.
#[derive(Debug, uniffi::Object)]
pub struct TrustLists {
    pub(crate) inner: Arc<core::TrustLists>,
}

#[uniffi::export]
impl TrustLists {
    /// Trusts lists signed by `anchors` (DIDs).
    #[uniffi::constructor]
    pub fn new(anchors: Vec<String>) -> Arc<Self> {
        Arc::new(TrustLists {
            inner: Arc::new(core::TrustLists::new(anchors)),
        })
    }

    /// Verifies the trust list `list_json` with `verifier` (signature, validity, status) and
    /// keeps it if an anchor signed it and it is newer than the list held with its id.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when it is not a trust list, does not verify (the
    /// reason names the failed checks), is not signed by an anchor, or is not newer than the
    /// one held. Nothing changes then.
    pub fn add(
        &self,
        list_json: String,
        verifier: Arc<Verifier>,
    ) -> Result<TrustListInfo, LommebokError> {
        match self.inner.add(&list_json, verifier.core()) {
            Ok(list) => Ok(list.as_ref().into()),
            Err(TrustError::Lommebok(e)) => Err(e.into()),
            Err(other) => Err(LommebokError::invalid(other.to_string())),
        }
    }

    /// Verifies every list held again with `verifier` (give it the anchor's latest status
    /// lists) and drops those that no longer verify: revoked, suspended or expired. Returns
    /// one line per list dropped (its id and why).
    pub fn recheck(&self, verifier: Arc<Verifier>) -> Vec<String> {
        self.inner
            .recheck(verifier.core())
            .into_iter()
            .map(|(list_id, why)| format!("{list_id}: {why}"))
            .collect()
    }

    /// The lists held.
    pub fn lists(&self) -> Vec<TrustListInfo> {
        self.inner
            .lists()
            .iter()
            .map(|list| list.as_ref().into())
            .collect()
    }

    /// The trust anchors.
    pub fn anchors(&self) -> Vec<String> {
        strings(self.inner.anchors())
    }
}

/// What the wallet accepts of signed requests. The defaults refuse; each `danger_…` option
/// lets something through that phishing uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct RequestPolicy {
    /// DANGER: answer verifiers no trust list registers.
    #[uniffi(default = false)]
    pub danger_allow_unregistered: bool,
    /// DANGER: answer requests for more than the registration allows.
    #[uniffi(default = false)]
    pub danger_allow_over_asking: bool,
    /// DANGER: send responses to an address the registration does not name.
    #[uniffi(default = false)]
    pub danger_allow_unregistered_response_uri: bool,
    /// Check as of this time (ISO 8601) instead of the system clock.
    #[uniffi(default = None)]
    pub at_time: Option<String>,
}

/// A requested claim beyond the verifier's registration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OverAsk {
    /// The Credential Query.
    pub query_id: String,
    /// The claim (dot path) or what else exceeds the registration.
    pub claim: String,
    /// Why.
    pub reason: String,
}

/// A signed request whose signature verified, and what the trust lists say of its verifier.
/// Show [`RequestCheck::verifier_name`], [`RequestCheck::purpose`] and
/// [`RequestCheck::over_asking`]; answer with `HolderWallet.present_to` only when
/// [`RequestCheck::acceptable`].
#[derive(Debug, uniffi::Object)]
pub struct RequestCheck {
    pub(crate) inner: core_request::CheckedRequest,
}

#[uniffi::export]
impl RequestCheck {
    /// Whether it may be answered under the policy it was checked with.
    pub fn acceptable(&self) -> bool {
        self.inner.is_acceptable()
    }

    /// Why not, one sentence each (empty when acceptable).
    pub fn refusals(&self) -> Vec<String> {
        self.inner
            .refusals
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// Whether a trust list registers the verifier.
    pub fn registered(&self) -> bool {
        self.inner.registration.is_some()
    }

    /// The registered name, or `unregistered verifier <DID>`.
    pub fn verifier_name(&self) -> String {
        self.inner.verifier_name()
    }

    /// The verifier's DID (it signed the request).
    pub fn verifier_did(&self) -> String {
        self.inner.verifier.clone()
    }

    /// The registration, if any.
    pub fn registration(&self) -> Option<RegisteredVerifier> {
        self.inner.registration.as_ref().map(Into::into)
    }

    /// The registered purpose, if registered.
    pub fn purpose(&self) -> Option<String> {
        self.inner
            .registration
            .as_ref()
            .map(|registration| registration.purpose.clone())
    }

    /// What it asks beyond its registration.
    pub fn over_asking(&self) -> Vec<OverAsk> {
        self.inner
            .over_asking
            .iter()
            .map(|ask| OverAsk {
                query_id: ask.query_id.clone(),
                claim: ask.claim.clone(),
                reason: ask.reason.clone(),
            })
            .collect()
    }

    /// Where the response must be sent (and nowhere else).
    pub fn response_uri(&self) -> String {
        self.inner.response_uri.clone()
    }

    /// The DCQL query, as JSON: for `HolderWallet.answers`.
    pub fn query_json(&self) -> String {
        serde_json::Value::Object(self.inner.query_json.clone()).to_string()
    }

    /// `state`, to send back with the response.
    pub fn state(&self) -> Option<String> {
        self.inner.state.clone()
    }

    /// The challenge (`nonce`) and audience (`client_id`) the presentations are made for.
    pub fn presentation_request(&self) -> PresentationRequest {
        self.inner.presentation_request().into()
    }
}

/// Checks the signed request `request_object` (an OpenID4VP Request Object, compact JWS): the
/// signature by a key of the verifier's DID, its times, and then the verifier against
/// `trust`. Refusals (unregistered, over-asking, response address not registered) are in the
/// result, so the app can say who asked for what.
///
/// # Errors
/// [`LommebokError::InvalidInput`] when the request is unsigned, signed by another key than
/// the verifier's, expired or malformed: show nothing of it.
#[uniffi::export(default(policy = None))]
pub fn check_request(
    request_object: String,
    trust: Arc<TrustLists>,
    policy: Option<RequestPolicy>,
) -> Result<Arc<RequestCheck>, LommebokError> {
    let policy = policy.unwrap_or_default();
    let at = match &policy.at_time {
        Some(at) => parse_time("at_time", at)?,
        None => Utc::now(),
    };
    let mut core_policy = core_request::RequestPolicy::default();
    core_policy.danger_allow_unregistered = policy.danger_allow_unregistered;
    core_policy.danger_allow_over_asking = policy.danger_allow_over_asking;
    core_policy.danger_allow_unregistered_response_uri =
        policy.danger_allow_unregistered_response_uri;
    let checked = core_request::check_request(
        &request_object,
        &trust.inner,
        &OfflineResolver,
        &core_policy,
        at,
    )
    .map_err(|e| match e {
        RequestError::Signing(key) => key.into(),
        other => LommebokError::invalid(other.to_string()),
    })?;
    Ok(Arc::new(RequestCheck { inner: checked }))
}

/// A signed request, made by [`Verifier::signed_request`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedRequest {
    /// The Request Object (compact JWS) to hand to the wallet.
    pub request_object: String,
    /// The challenge and audience to verify the response with.
    pub request: PresentationRequest,
}

pub(crate) fn signed_request(
    verifier: &lommebok::Verifier,
    signer: &dyn lommebok::Signer,
    query_json: &str,
    response_uri: &str,
) -> Result<SignedRequest, LommebokError> {
    let query = lommebok::json::parse_object(query_json)
        .map_err(|e| LommebokError::invalid(format!("the DCQL query: {e}")))?;
    let method = lommebok::Did::key_verification_method(&signer.public_key());
    let (request_object, request) = verifier
        .signed_request(signer, &method, &query, response_uri)
        .map_err(|e| match e {
            RequestError::Signing(key) => key.into(),
            other => LommebokError::invalid(other.to_string()),
        })?;
    Ok(SignedRequest {
        request_object,
        request: request.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        CheckKind, Choice, HolderWallet, ImportResult, Issuer, KeyAlgorithm, ResponsePart,
        SdJwtIssuer, SdJwtOptions, SoftwareKey, StoreKey, VerifierOptions,
    };

    const AGE: &str = "urn:example:age";
    const RESPONSE: &str = "https://apotek.example/response";
    const QUERY: &str = r#"{"credentials": [{"id": "age", "format": "dc+sd-jwt",
        "meta": {"vct_values": ["urn:example:age"]}, "claims": [{"path": ["age_over_18"]}]}]}"#;

    struct World {
        anchor: Arc<Issuer>,
        municipality: Arc<Issuer>,
        pharmacy_key: Arc<SoftwareKey>,
        trust: Arc<TrustLists>,
    }

    fn world() -> World {
        let anchor = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
        let municipality = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
        let pharmacy_key = SoftwareKey::generate(KeyAlgorithm::P256);
        let list = anchor
            .issue_trust_list(
                TrustListContents {
                    list_id: "urn:example:trust-list:no".into(),
                    sequence: 1,
                    issuers: vec![ListedIssuer {
                        did: municipality.did(),
                        legal_name: "Tromsø kommune".into(),
                        credential_types: vec![AGE.into()],
                        valid_from: None,
                        valid_until: None,
                    }],
                    verifiers: vec![RegisteredVerifier {
                        did: pharmacy_key.did(),
                        legal_name: "Apotek Nord".into(),
                        purpose: "age check".into(),
                        may_request: vec![RequestScope {
                            credential_type: AGE.into(),
                            claims: vec!["age_over_18".into()],
                        }],
                        response_uris: vec![RESPONSE.into()],
                        valid_from: None,
                        valid_until: None,
                    }],
                },
                None,
            )
            .unwrap();
        let trust = TrustLists::new(vec![anchor.did()]);
        let info = trust.add(list, Verifier::new()).unwrap();
        assert_eq!(info.contents.verifiers[0].legal_name, "Apotek Nord");
        World {
            anchor,
            municipality,
            pharmacy_key,
            trust,
        }
    }

    fn trusting_verifier(trust: &Arc<TrustLists>) -> Arc<Verifier> {
        Verifier::with_options(VerifierOptions {
            trust_lists: Some(trust.clone()),
            ..VerifierOptions::default()
        })
        .unwrap()
    }

    #[test]
    fn a_signed_request_from_a_registered_verifier_is_answered_and_verified() {
        let world = world();
        let dir = tempfile::tempdir().unwrap();
        let wallet = HolderWallet::open(
            dir.path().join("w.db").to_string_lossy().into_owned(),
            StoreKey::Passphrase {
                passphrase: "p".into(),
            },
            None,
            vec![],
        )
        .unwrap();
        let sd_jwt = world
            .municipality
            .issue_sd_jwt(
                r#"{"age_over_18": true, "birthdate": "1950-02-01"}"#.into(),
                vec!["age_over_18".into(), "birthdate".into()],
                SdJwtOptions {
                    vct: AGE.into(),
                    holder_key_jwk: Some(wallet.public_key_jwk()),
                    issuer: None,
                    valid_from: None,
                    valid_until: None,
                    decoys: 0,
                    status_list_url: None,
                    status_credential_id: None,
                },
            )
            .unwrap();
        let issuer = SdJwtIssuer::DidUrl {
            url: world.municipality.verification_method(),
        };
        let imported = wallet
            .import_credential(sd_jwt, Verifier::new(), Some(issuer.clone()))
            .unwrap();
        assert!(matches!(imported, ImportResult::Imported { .. }));

        let pharmacy = trusting_verifier(&world.trust);
        let signed = pharmacy
            .signed_request(world.pharmacy_key.clone(), QUERY.into(), RESPONSE.into())
            .unwrap();
        let check =
            check_request(signed.request_object.clone(), world.trust.clone(), None).unwrap();
        assert!(check.acceptable(), "{:?}", check.refusals());
        assert_eq!(check.verifier_name(), "Apotek Nord");
        assert_eq!(check.response_uri(), RESPONSE);
        let answers = wallet.answers(check.query_json()).unwrap();
        let made = wallet
            .present_to(check.clone(), answers.default_choices)
            .unwrap();
        let verified = pharmacy
            .verify_response(
                signed.request,
                vec![ResponsePart::SdJwt {
                    presentation: made.presentations[0].presentation.clone(),
                    issuer,
                }],
            )
            .unwrap();
        assert!(verified[0].report.valid, "{:?}", verified[0].report);
        assert!(
            verified[0]
                .report
                .checks
                .iter()
                .any(|c| c.check == CheckKind::Trust && c.passed)
        );
        assert_eq!(
            wallet.activity().unwrap().entries[0].verifier,
            "Apotek Nord"
        );
    }

    #[test]
    fn a_look_alike_verifier_is_refused_and_an_unlisted_issuer_fails_trust() {
        let world = world();
        let look_alike = SoftwareKey::generate(KeyAlgorithm::P256);
        let signed = Verifier::new()
            .signed_request(look_alike, QUERY.into(), RESPONSE.into())
            .unwrap();
        let check =
            check_request(signed.request_object.clone(), world.trust.clone(), None).unwrap();
        assert!(!check.acceptable());
        assert!(!check.registered());
        assert_eq!(
            check.refusals(),
            vec!["the verifier is not registered".to_owned()]
        );
        let dir = tempfile::tempdir().unwrap();
        let wallet = HolderWallet::open(
            dir.path().join("w.db").to_string_lossy().into_owned(),
            StoreKey::Passphrase {
                passphrase: "p".into(),
            },
            None,
            vec![],
        )
        .unwrap();
        let refused = wallet.present_to(
            check,
            vec![Choice {
                query_id: "age".into(),
                held_id: "x".into(),
                claim_set: None,
            }],
        );
        assert!(matches!(refused, Err(LommebokError::InvalidInput { .. })));
        assert!(wallet.activity().unwrap().entries.is_empty());

        // Garbage and tampering are errors, never a panic.
        for bad in ["", "a.b.c", "{}", &signed.request_object[..20]] {
            assert!(
                check_request(bad.into(), world.trust.clone(), None).is_err(),
                "{bad}"
            );
        }

        // A credential from an issuer on no list: the trust check fails.
        let stranger = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
        let credential = stranger
            .issue(format!(
                r#"{{"@context": ["https://www.w3.org/ns/credentials/v2"],
                  "type": ["VerifiableCredential"], "issuer": "{}",
                  "credentialSubject": {{"id": "did:example:kari"}}}}"#,
                stranger.did()
            ))
            .unwrap();
        let report = trusting_verifier(&world.trust)
            .verify_credential(credential)
            .unwrap();
        assert!(!report.valid);
        let trust = report
            .checks
            .iter()
            .find(|c| c.check == CheckKind::Trust)
            .unwrap();
        assert!(
            trust.reason.starts_with("issuer not listed"),
            "{}",
            trust.reason
        );
        // A list signed by someone else is refused, and the held list stays.
        let forged = stranger
            .issue_trust_list(
                TrustListContents {
                    list_id: "urn:example:trust-list:no".into(),
                    sequence: 9,
                    issuers: vec![],
                    verifiers: vec![],
                },
                None,
            )
            .unwrap();
        assert!(world.trust.add(forged, Verifier::new()).is_err());
        assert_eq!(world.trust.lists()[0].contents.sequence, 1);
        assert_eq!(world.trust.anchors(), vec![world.anchor.did()]);
    }
}
