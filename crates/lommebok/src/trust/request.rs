//! Signed presentation requests: a verifier signs what it asks for, and the wallet checks who
//! is asking against the trust lists before the citizen sees the request.
//!
//! The request is an OpenID4VP 1.0 Request Object (§5, RFC 9101): a compact JWS with header
//! `typ` `oauth-authz-req+jwt` and `kid` a DID URL of the verifier's key, whose payload carries
//!
//! | claim | value |
//! |---|---|
//! | `client_id` | `decentralized_identifier:` + the verifier's DID (§5.9.3) |
//! | `response_type` | `vp_token` |
//! | `response_mode` | `direct_post` |
//! | `response_uri` | where the wallet sends the response |
//! | `nonce` | fresh, single use: the presentation's challenge |
//! | `dcql_query` | what is asked (§6) |
//! | `iat`, `exp` | when it was made, and until when it may be answered |
//! | `aud` | `https://self-issued.me/v2` |
//! | `state` | optional, echoed by the app |
//!
//! [`check_request`] verifies the signature with the key the `kid` names (resolved from the
//! verifier's DID, which must be the `client_id`'s), the times, and then looks the verifier up:
//! its registered name, whether it is registered at all, which requested claims exceed the
//! registration (over-asking), and whether the response address is registered. A request that
//! is not registered, over-asks or sends the response elsewhere is refused unless a `danger_…`
//! option of [`RequestPolicy`] allows it. The presentation is then made for the audience
//! `client_id` (a Data Integrity `domain`, an SD-JWT KB-JWT `aud`), with the `nonce` as
//! challenge: replayed to another verifier, it fails that verifier's audience check.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use super::{RegisteredVerifier, TrustLists, VerifierTrust};
use crate::did::{DidResolver, Relationship, split_did_url};
use crate::jws::{self, Jws, JwsError};
use crate::key::Signer;
use crate::query::{DcqlQuery, FormatQuery, PathElement};
use crate::verify::PresentationRequest;

/// The JWS `typ` of a Request Object (RFC 9101 §10.8).
pub const REQUEST_OBJECT_TYPE: &str = "oauth-authz-req+jwt";
/// The client identifier prefix of a verifier identified by a DID (OpenID4VP 1.0 §5.9.3).
pub const DID_CLIENT_PREFIX: &str = "decentralized_identifier:";
/// The `aud` of a Request Object sent to a wallet (OpenID4VP 1.0 §5.8).
pub const REQUEST_AUDIENCE: &str = "https://self-issued.me/v2";
/// Largest Request Object accepted, in bytes.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// Errors from making or checking a signed request. Any of these means the request cannot be
/// attributed to anyone: show nothing of it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Not a signed request: an unsigned (`alg` `none`, or no signature) or unreadable JWS.
    #[error("the request is not signed: {0}")]
    Unsigned(String),
    /// Signed, but not a well-formed request (a claim missing or of the wrong kind, a DCQL
    /// query that does not parse, a `kid` that is not the `client_id`'s DID).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The signature is not by a key of the verifier's DID (another key, a changed payload).
    #[error("the request's signature does not verify: {0}")]
    Signature(String),
    /// Made in the future, expired, or valid for longer than the policy allows.
    #[error("the request is not fresh: {0}")]
    Expired(String),
    /// Signing failed.
    #[error(transparent)]
    Signing(#[from] crate::key::KeyError),
}

/// What a verifier asks for, before it is signed.
#[derive(Debug, Clone)]
pub struct RequestParameters {
    /// The DCQL query (JSON object).
    pub dcql_query: Map<String, Value>,
    /// The challenge: a fresh nonce the verifier expects back (e.g. from
    /// [`crate::Verifier::request`]).
    pub nonce: String,
    /// Where the wallet sends the response.
    pub response_uri: String,
    /// Optional state echoed back.
    pub state: Option<String>,
}

/// Signs `parameters` as a Request Object with `signer`, the key of the verification method
/// `verification_method` (a DID URL; its DID is the verifier's), made at `at` and answerable
/// for `lifetime`.
///
/// # Errors
/// [`RequestError::Malformed`] when `verification_method` is not a DID URL or the query does
/// not parse; [`RequestError::Signing`].
pub fn sign_request(
    parameters: &RequestParameters,
    signer: &dyn Signer,
    verification_method: &str,
    at: DateTime<Utc>,
    lifetime: Duration,
) -> Result<String, RequestError> {
    let did = split_did_url(verification_method)
        .map_err(|e| RequestError::Malformed(format!("`{verification_method}`: {e}")))?;
    DcqlQuery::from_json(&parameters.dcql_query)
        .map_err(|e| RequestError::Malformed(format!("the DCQL query: {e}")))?;
    let expires = at
        .checked_add_signed(lifetime)
        .ok_or_else(|| RequestError::Malformed("the lifetime is too long".into()))?;
    let mut payload = Map::new();
    payload.insert(
        "client_id".into(),
        format!("{DID_CLIENT_PREFIX}{did}").into(),
    );
    payload.insert("response_type".into(), "vp_token".into());
    payload.insert("response_mode".into(), "direct_post".into());
    payload.insert(
        "response_uri".into(),
        parameters.response_uri.clone().into(),
    );
    payload.insert("nonce".into(), parameters.nonce.clone().into());
    payload.insert(
        "dcql_query".into(),
        Value::Object(parameters.dcql_query.clone()),
    );
    payload.insert("aud".into(), REQUEST_AUDIENCE.into());
    payload.insert("iat".into(), at.timestamp().into());
    payload.insert("exp".into(), expires.timestamp().into());
    if let Some(state) = &parameters.state {
        payload.insert("state".into(), state.clone().into());
    }
    jws::sign(
        &payload,
        REQUEST_OBJECT_TYPE,
        Some(verification_method),
        &Map::new(),
        signer,
    )
    .map_err(|e| match e {
        JwsError::Key(key) => RequestError::Signing(key),
        other => RequestError::Malformed(other.to_string()),
    })
}

/// What the wallet accepts of requests.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestPolicy {
    /// Tolerance for clocks that disagree. Default 60 s.
    pub clock_skew: Duration,
    /// Longest `exp - iat` accepted. Default 1 hour.
    pub max_lifetime: Duration,
    /// DANGER: accept requests from verifiers no trust list registers (the citizen is told
    /// the party is unknown). Off by default: this is how phishing gets in.
    pub danger_allow_unregistered: bool,
    /// DANGER: accept requests for more than the verifier's registration allows. Off by
    /// default.
    pub danger_allow_over_asking: bool,
    /// DANGER: accept a response address the registration does not name. Off by default.
    pub danger_allow_unregistered_response_uri: bool,
}

impl Default for RequestPolicy {
    fn default() -> Self {
        RequestPolicy {
            clock_skew: Duration::seconds(60),
            max_lifetime: Duration::hours(1),
            danger_allow_unregistered: false,
            danger_allow_over_asking: false,
            danger_allow_unregistered_response_uri: false,
        }
    }
}

/// A requested claim (or credential) beyond the verifier's registration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OverAsk {
    /// The Credential Query.
    pub query_id: String,
    /// What exceeds the registration: a claim path, or a description (`every claim`, `any
    /// credential type`).
    pub claim: String,
    /// Why.
    pub reason: String,
}

/// Why a signed request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// No trust list in force registers the verifier.
    NotRegistered,
    /// It asks for more than its registration allows.
    OverAsking(Vec<OverAsk>),
    /// The response would go to an address the registration does not name.
    ResponseUriNotRegistered(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotRegistered => f.write_str("the verifier is not registered"),
            Refusal::OverAsking(asks) => {
                f.write_str("the verifier asks for more than it is registered for: ")?;
                let claims: Vec<String> = asks
                    .iter()
                    .map(|a| format!("{} ({})", a.claim, a.reason))
                    .collect();
                f.write_str(&claims.join("; "))
            }
            Refusal::ResponseUriNotRegistered(uri) => write!(
                f,
                "the response would go to {uri}, which the registration does not name"
            ),
        }
    }
}

/// A signed request whose signature and times verified, with what the trust lists say of the
/// verifier. Show [`CheckedRequest::registration`] and [`CheckedRequest::over_asking`] to the
/// citizen; answer only when [`CheckedRequest::refusals`] is empty.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CheckedRequest {
    /// The verifier's DID (it signed the request).
    pub verifier: String,
    /// The `client_id`: the presentation's audience.
    pub client_id: String,
    /// The registration, if a trust list in force has one.
    pub registration: Option<RegisteredVerifier>,
    /// The anchor whose list registers it.
    pub anchor: Option<String>,
    /// What the request asks beyond the registration (everything, when unregistered).
    pub over_asking: Vec<OverAsk>,
    /// Where the response goes.
    pub response_uri: String,
    /// The challenge.
    pub nonce: String,
    /// The query.
    pub query: DcqlQuery,
    /// The query as sent.
    pub query_json: Map<String, Value>,
    /// `state`, to send back.
    pub state: Option<String>,
    /// Why it is refused under the policy it was checked with; empty when it may be answered.
    pub refusals: Vec<Refusal>,
}

impl CheckedRequest {
    /// Whether it may be answered.
    pub fn is_acceptable(&self) -> bool {
        self.refusals.is_empty()
    }

    /// The challenge and audience to present with: the `nonce`, and the `client_id`.
    pub fn presentation_request(&self) -> PresentationRequest {
        PresentationRequest {
            challenge: self.nonce.clone(),
            domain: Some(self.client_id.clone()),
        }
    }

    /// The name to show and log: the registered name, or the DID of an unregistered verifier.
    pub fn verifier_name(&self) -> String {
        match &self.registration {
            Some(registration) => registration.legal_name.clone(),
            None => format!("unregistered verifier {}", self.verifier),
        }
    }
}

fn malformed(why: impl Into<String>) -> RequestError {
    RequestError::Malformed(why.into())
}

fn claim_text<'a>(payload: &'a Map<String, Value>, name: &str) -> Result<&'a str, RequestError> {
    payload
        .get(name)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| malformed(format!("`{name}` must be a non-empty string")))
}

fn numeric_date(payload: &Map<String, Value>, name: &str) -> Result<DateTime<Utc>, RequestError> {
    payload
        .get(name)
        .and_then(Value::as_i64)
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .ok_or_else(|| malformed(format!("`{name}` must be a NumericDate")))
}

/// Checks the signed request `request_jwt` at `at`: signature by a key of the verifier's DID
/// (resolved with `resolver`), times, form; then the verifier against `trust`, under `policy`.
///
/// # Errors
/// [`RequestError`] when the request cannot be attributed or is not fresh. Not registered,
/// over-asking and unregistered response addresses are [`CheckedRequest::refusals`], so that
/// the app can say who asked and what.
pub fn check_request(
    request_jwt: &str,
    trust: &TrustLists,
    resolver: &dyn DidResolver,
    policy: &RequestPolicy,
    at: DateTime<Utc>,
) -> Result<CheckedRequest, RequestError> {
    if request_jwt.len() > MAX_REQUEST_BYTES {
        return Err(malformed(format!("larger than {MAX_REQUEST_BYTES} bytes")));
    }
    let jws = Jws::decode(request_jwt.trim()).map_err(|e| RequestError::Unsigned(e.to_string()))?;
    let alg = jws.header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg.is_empty() || alg.eq_ignore_ascii_case("none") {
        return Err(RequestError::Unsigned(format!("`alg` is {alg:?}")));
    }
    let client_id = claim_text(&jws.payload, "client_id")?.to_owned();
    let did_text = client_id.strip_prefix(DID_CLIENT_PREFIX).ok_or_else(|| {
        malformed(format!(
            "`client_id` must start with `{DID_CLIENT_PREFIX}` (a verifier identified by its DID)"
        ))
    })?;
    let kid = jws
        .kid()
        .ok_or_else(|| malformed("the header has no `kid`"))?
        .to_owned();
    let kid_did = split_did_url(&kid).map_err(|e| malformed(format!("`kid`: {e}")))?;
    if kid_did.as_str() != did_text {
        return Err(RequestError::Signature(format!(
            "signed with {kid}, which is not a key of {did_text}"
        )));
    }
    let document = resolver
        .resolve(&kid_did)
        .map_err(|e| RequestError::Signature(format!("cannot resolve {kid_did}: {e}")))?;
    let method = document
        .method_for(&kid, Relationship::Authentication)
        .or_else(|_| document.method_for(&kid, Relationship::AssertionMethod))
        .map_err(|_| RequestError::Signature(format!("{kid} is not a key of {kid_did}")))?;
    jws.verify(&method.public_key, REQUEST_OBJECT_TYPE)
        .map_err(|e| match e {
            JwsError::Type { .. } | JwsError::Critical(_) => malformed(e.to_string()),
            other => RequestError::Signature(other.to_string()),
        })?;

    let payload = &jws.payload;
    for (name, expected) in [
        ("response_type", "vp_token"),
        ("response_mode", "direct_post"),
    ] {
        let found = claim_text(payload, name)?;
        if found != expected {
            return Err(malformed(format!(
                "`{name}` is `{found}`; lommebok answers `{expected}`"
            )));
        }
    }
    if let Some(aud) = payload.get("aud")
        && aud.as_str() != Some(REQUEST_AUDIENCE)
    {
        return Err(malformed(format!("`aud` must be `{REQUEST_AUDIENCE}`")));
    }
    let issued = numeric_date(payload, "iat")?;
    let expires = numeric_date(payload, "exp")?;
    if issued > at + policy.clock_skew {
        return Err(RequestError::Expired(format!(
            "made in the future ({issued})"
        )));
    }
    if expires + policy.clock_skew <= at {
        return Err(RequestError::Expired(format!("expired at {expires}")));
    }
    if expires - issued > policy.max_lifetime {
        return Err(RequestError::Expired(format!(
            "answerable for {} s, more than the {} s allowed",
            (expires - issued).num_seconds(),
            policy.max_lifetime.num_seconds()
        )));
    }
    let nonce = claim_text(payload, "nonce")?.to_owned();
    let response_uri = claim_text(payload, "response_uri")?.to_owned();
    let query_json = payload
        .get("dcql_query")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| malformed("`dcql_query` must be an object"))?;
    let query =
        DcqlQuery::from_json(&query_json).map_err(|e| malformed(format!("the DCQL query: {e}")))?;
    let state = match payload.get("state") {
        None => None,
        Some(Value::String(state)) => Some(state.clone()),
        Some(_) => return Err(malformed("`state` must be a string")),
    };

    let (registration, anchor) = match trust.verifier(did_text, at) {
        VerifierTrust::Registered {
            anchor,
            registration,
        } => (Some(registration), Some(anchor)),
        VerifierTrust::NotRegistered => (None, None),
    };
    let over_asking = match &registration {
        Some(registration) => over_asking(&query, registration),
        None => Vec::new(),
    };
    let mut refusals = Vec::new();
    match &registration {
        None if !policy.danger_allow_unregistered => refusals.push(Refusal::NotRegistered),
        None => {}
        Some(registration) => {
            if !over_asking.is_empty() && !policy.danger_allow_over_asking {
                refusals.push(Refusal::OverAsking(over_asking.clone()));
            }
            if !registration.response_uris.contains(&response_uri)
                && !policy.danger_allow_unregistered_response_uri
            {
                refusals.push(Refusal::ResponseUriNotRegistered(response_uri.clone()));
            }
        }
    }
    Ok(CheckedRequest {
        verifier: did_text.to_owned(),
        client_id,
        registration,
        anchor,
        over_asking,
        response_uri,
        nonce,
        query,
        query_json,
        state,
        refusals,
    })
}

/// A registered claim path: `.`-separated; `*` is every element of an array, digits an index.
fn registered_path(path: &str) -> Vec<PathElement> {
    path.split('.')
        .map(|segment| match segment {
            "*" => PathElement::AllElements,
            digits if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => digits
                .parse()
                .map(PathElement::Index)
                .unwrap_or_else(|_| PathElement::Name(digits.to_owned())),
            name => PathElement::Name(name.to_owned()),
        })
        .collect()
}

/// Whether the requested path lies within the registered one: the registered path is a prefix
/// of it, `*` covering any element (an index, or all of them) and an index only itself.
fn covers(registered: &[PathElement], requested: &[PathElement]) -> bool {
    registered.len() <= requested.len()
        && registered
            .iter()
            .zip(requested)
            .all(|(allowed, asked)| match (allowed, asked) {
                (PathElement::AllElements, PathElement::AllElements | PathElement::Index(_)) => {
                    true
                }
                (allowed, asked) => allowed == asked,
            })
}

fn display_path(path: &[PathElement]) -> String {
    path.iter()
        .map(|element| match element {
            PathElement::Name(name) => name.clone(),
            PathElement::Index(index) => index.to_string(),
            PathElement::AllElements => "*".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// What `query` asks beyond `registration`.
pub fn over_asking(query: &DcqlQuery, registration: &RegisteredVerifier) -> Vec<OverAsk> {
    let mut asks = Vec::new();
    for credential in &query.credentials {
        let types: Vec<&str> = match &credential.format {
            FormatQuery::SdJwtVc { vct_values } => vct_values.iter().map(String::as_str).collect(),
            FormatQuery::LdpVc { type_values } => type_values
                .iter()
                .flat_map(|alternatives| alternatives.iter().map(String::as_str))
                .collect(),
            _ => Vec::new(),
        };
        let scopes: Vec<&super::RequestScope> = registration
            .may_request
            .iter()
            .filter(|scope| types.contains(&scope.credential_type.as_str()))
            .collect();
        let ask = |claim: String, reason: &str| OverAsk {
            query_id: credential.id.clone(),
            claim,
            reason: reason.to_owned(),
        };
        if types.is_empty() {
            asks.push(ask(
                "any credential type".into(),
                "the query does not restrict the credential type",
            ));
            continue;
        }
        if scopes.is_empty() {
            asks.push(ask(
                types.join(" or "),
                "not registered for this credential type",
            ));
            continue;
        }
        let Some(claims) = &credential.claims else {
            asks.push(ask(
                "every claim".into(),
                "the query asks for the whole credential",
            ));
            continue;
        };
        for claim in claims {
            let allowed = scopes.iter().any(|scope| {
                scope
                    .claims
                    .iter()
                    .any(|path| covers(&registered_path(path), &claim.path))
            });
            if !allowed {
                asks.push(ask(
                    display_path(&claim.path),
                    "not registered for this claim",
                ));
            }
        }
    }
    asks
}

impl crate::Verifier {
    /// Starts a signed request: a fresh challenge (as [`crate::Verifier::request`], for the
    /// audience `decentralized_identifier:<DID>`), signed with `signer`, the key of
    /// `verification_method` (a DID URL of the verifier's DID), answerable for
    /// [`crate::verify::Policy::challenge_ttl`]. Returns the Request Object to hand to the
    /// wallet and the request to verify the answer with.
    ///
    /// # Errors
    /// As [`sign_request`].
    pub fn signed_request(
        &self,
        signer: &dyn Signer,
        verification_method: &str,
        dcql_query: &Map<String, Value>,
        response_uri: &str,
    ) -> Result<(String, PresentationRequest), RequestError> {
        let did = split_did_url(verification_method)
            .map_err(|e| RequestError::Malformed(format!("`{verification_method}`: {e}")))?;
        let request = self.request(Some(&format!("{DID_CLIENT_PREFIX}{did}")));
        let parameters = RequestParameters {
            dcql_query: dcql_query.clone(),
            nonce: request.challenge.clone(),
            response_uri: response_uri.to_owned(),
            state: None,
        };
        let jwt = sign_request(
            &parameters,
            signer,
            verification_method,
            self.now(),
            self.policy().challenge_ttl,
        )?;
        Ok((jwt, request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(elements: &[Value]) -> Vec<PathElement> {
        elements
            .iter()
            .map(|e| match e {
                Value::String(name) => PathElement::Name(name.clone()),
                Value::Number(n) => PathElement::Index(n.as_u64().unwrap() as usize),
                _ => PathElement::AllElements,
            })
            .collect()
    }

    #[test]
    fn a_registered_path_covers_itself_and_what_is_inside_it_only() {
        use serde_json::json;
        let cases = [
            ("address", json!(["address"]), true),
            ("address", json!(["address", "locality"]), true),
            ("address.locality", json!(["address"]), false),
            (
                "address.locality",
                json!(["address", "street_address"]),
                false,
            ),
            ("nationalities.*", json!(["nationalities", null]), true),
            ("nationalities.*", json!(["nationalities", 2]), true),
            ("nationalities.0", json!(["nationalities", 0]), true),
            ("nationalities.0", json!(["nationalities", 1]), false),
            ("nationalities.0", json!(["nationalities", null]), false),
            ("age_over_18", json!(["age_over_180"]), false),
        ];
        for (registered, requested, expected) in cases {
            let requested = path(requested.as_array().unwrap());
            assert_eq!(
                covers(&registered_path(registered), &requested),
                expected,
                "{registered} covering {requested:?}"
            );
        }
    }
}
