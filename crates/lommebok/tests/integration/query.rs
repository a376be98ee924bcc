//! DCQL (OpenID for Verifiable Presentations 1.0 §6, claims path pointers §7): parsing, matching
//! against held Data Integrity credentials and SD-JWT VCs, the spec's own example queries, the
//! minimal-disclosure property as a verifier sees it, and malformed queries.

use chrono::Duration;
use lommebok::query::{
    DcqlQuery, FormatQuery, HeldCredential, PathElement, QueryError, QueryMatch, Release,
    SdJwtRelease,
};
use lommebok::sd_jwt::{ClaimPath, SdJwtOptions};
use lommebok::{Algorithm, Credential, Issuer, Wallet};
use serde_json::{Value, json};

use crate::sd_jwt::{AUD, issuer_key, object, paths, pid_claims, pid_disclosable, verify_valid};
use crate::support::{self, now};

const PID: &str = "urn:eudi:pid:1";

fn issuer() -> Issuer {
    crate::sd_jwt::issuer(Algorithm::Ed25519)
}

fn wallet() -> Wallet {
    crate::sd_jwt::wallet(Algorithm::Ed25519)
}

/// An SD-JWT VC of type `vct` with `claims`, those at `disclosable` selectively disclosable,
/// bound to [`wallet`] when `bound`.
fn sd_jwt(vct: &str, claims: Value, disclosable: &[&str], bound: bool) -> String {
    let mut options = SdJwtOptions::new(vct).valid_until(now() + Duration::days(200));
    if bound {
        options = options.with_holder_key(wallet().public_key());
    }
    issuer()
        .issue_sd_jwt_at(
            &object(claims),
            &paths(disclosable),
            &options,
            now() - Duration::days(1),
        )
        .unwrap()
}

fn held_sd_jwt(id: &str, compact: &str) -> HeldCredential {
    HeldCredential::sd_jwt(id, compact).unwrap()
}

/// The PID of the SD-JWT fixtures, every claim disclosable, bound to the wallet.
fn held_pid(id: &str) -> HeldCredential {
    let compact = issuer()
        .issue_sd_jwt_at(
            &pid_claims(),
            &pid_disclosable(),
            &crate::sd_jwt::bound_options(&wallet()),
            now() - Duration::days(1),
        )
        .unwrap();
    held_sd_jwt(id, &compact)
}

/// A VCDM 2.0 credential (unsigned: matching does not verify) with the examples context.
fn w3c(types: &[&str], subject: Value) -> Credential {
    let mut builder = support::issuer()
        .credential()
        .with_context(json!("https://www.w3.org/ns/credentials/examples/v2"))
        .with_subject_id("did:example:holder");
    for t in types {
        builder = builder.with_type(*t);
    }
    for (name, value) in object(subject) {
        builder = builder.with_claim(name, value);
    }
    builder.build().unwrap()
}

fn query(value: Value) -> DcqlQuery {
    DcqlQuery::parse(&value.to_string()).unwrap()
}

fn sd_query(vct: &str, claims: Value) -> DcqlQuery {
    query(json!({"credentials": [{
        "id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": [vct]}, "claims": claims
    }]}))
}

/// The held ids of the candidates for query `id`.
fn candidates(result: &QueryMatch, id: &str) -> Vec<String> {
    result
        .credential(id)
        .unwrap()
        .candidates
        .iter()
        .map(|c| c.held_id.clone())
        .collect()
}

/// The dot paths each claim of the preferred way selected in the first candidate for `id`.
fn selected(result: &QueryMatch, id: &str) -> Vec<Vec<String>> {
    result.credential(id).unwrap().candidates[0]
        .preferred()
        .unwrap()
        .claims
        .iter()
        .map(|c| c.paths.iter().map(ToString::to_string).collect())
        .collect()
}

fn sd_release(result: &QueryMatch, id: &str) -> SdJwtRelease {
    match &result.credential(id).unwrap().candidates[0]
        .preferred()
        .unwrap()
        .release
    {
        Release::SdJwt(release) => release.clone(),
        other => panic!("not an SD-JWT release: {other:?}"),
    }
}

fn strings(paths: &[ClaimPath]) -> Vec<String> {
    paths.iter().map(ToString::to_string).collect()
}

// ---------------------------------------------------------------------------------------------
// Format and type

#[test]
fn format_and_vct_select_sd_jwt_credentials() {
    let other = held_sd_jwt(
        "other",
        &sd_jwt(
            "urn:example:other",
            json!({"given_name": "Kari"}),
            &["given_name"],
            true,
        ),
    );
    let di = HeldCredential::data_integrity(
        "di",
        support::residence(&support::issuer(), "did:example:holder"),
    );
    let held = [other, held_pid("pid"), di];
    let result = sd_query(PID, json!([{"path": ["given_name"]}])).matches(&held);
    assert_eq!(candidates(&result, "q"), ["pid"]);
    assert!(result.satisfiable);
    // Several vct values: either type is accepted.
    let result = query(json!({"credentials": [{
        "id": "q", "format": "dc+sd-jwt",
        "meta": {"vct_values": ["urn:example:other", PID]}
    }]}))
    .matches(&held);
    assert_eq!(candidates(&result, "q"), ["other", "pid"]);
}

#[test]
fn ldp_vc_type_values_match_expanded_iris_and_type_names() {
    let residence = support::residence(&support::issuer(), "did:example:holder");
    let held = [
        HeldCredential::data_integrity("residence", residence),
        held_pid("pid"),
    ];
    assert!(
        held[0]
            .type_values()
            .contains(&"https://www.w3.org/ns/credentials/examples#ResidenceCredential")
    );
    let matching = |type_values: Value| {
        let result = query(json!({"credentials": [{
            "id": "q", "format": "ldp_vc", "meta": {"type_values": type_values}
        }]}))
        .matches(&held);
        candidates(&result, "q")
    };
    assert_eq!(
        matching(json!([[
            "https://www.w3.org/2018/credentials#VerifiableCredential",
            "https://www.w3.org/ns/credentials/examples#ResidenceCredential"
        ]])),
        ["residence"]
    );
    assert_eq!(matching(json!([["ResidenceCredential"]])), ["residence"]);
    // Every type of an alternative must be present; any alternative will do.
    assert!(
        matching(json!([[
            "ResidenceCredential",
            "https://example.org/#Other"
        ]]))
        .is_empty()
    );
    assert_eq!(
        matching(json!([
            ["https://example.org/#Other"],
            ["VerifiableCredential"]
        ])),
        ["residence"]
    );
    assert!(
        matching(json!([[
            "https://www.w3.org/ns/credentials/examples#Other"
        ]]))
        .is_empty()
    );
}

#[test]
fn w3c_paths_start_at_the_credential_root_and_the_whole_credential_leaves() {
    let credential = w3c(
        &["AddressCredential"],
        json!({"address": {"locality": "Tromsø", "country": "NO"}, "tags": ["a", "b"]}),
    );
    let held = [HeldCredential::data_integrity("addr", credential)];
    let ldp = |claims: Value| {
        query(json!({"credentials": [{
            "id": "q", "format": "ldp_vc",
            "meta": {"type_values": [["AddressCredential"]]},
            "claims": claims
        }]}))
        .matches(&held)
    };
    let result = ldp(json!([
        {"path": ["credentialSubject", "address", "locality"]},
        {"path": ["credentialSubject", "tags", null]},
        {"path": ["issuer"]}
    ]));
    assert_eq!(
        selected(&result, "q"),
        [
            vec!["credentialSubject.address.locality".to_owned()],
            vec![
                "credentialSubject.tags.0".to_owned(),
                "credentialSubject.tags.1".to_owned()
            ],
            vec!["issuer".to_owned()],
        ]
    );
    let way = result.credential("q").unwrap().candidates[0]
        .preferred()
        .unwrap();
    assert_eq!(way.release, Release::WholeCredential);
    assert_eq!(way.sd_jwt_paths(), None);
    // The path starts at the credential, not at the subject.
    assert!(
        ldp(json!([{"path": ["address", "locality"]}]))
            .credential("q")
            .unwrap()
            .candidates
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Claims paths

#[test]
fn claim_paths_select_object_members_array_indexes_and_all_elements() {
    let held = [held_pid("pid")];
    let result = sd_query(
        PID,
        json!([
            {"path": ["address", "locality"]},
            {"path": ["nationalities", 1]},
            {"path": ["nationalities", null]},
            {"path": ["address"]}
        ]),
    )
    .matches(&held);
    assert_eq!(
        selected(&result, "q"),
        [
            vec!["address.locality"],
            vec!["nationalities.1"],
            vec!["nationalities.0", "nationalities.1"],
            vec!["address"],
        ]
    );
}

#[test]
fn a_missing_claim_or_a_path_through_the_wrong_kind_of_value_is_no_match() {
    let held = [held_pid("pid")];
    for path in [
        json!(["no_such_claim"]),
        json!(["address", "no_such_member"]),
        json!(["nationalities", 2]),
        json!(["given_name", 0]),
        json!(["given_name", null]),
        json!(["address", null]),
        json!(["address", 0]),
        json!(["nationalities", "x"]),
        json!([0]),
        json!([null]),
    ] {
        let result = sd_query(
            PID,
            json!([{"path": path.clone()}, {"path": ["given_name"]}]),
        )
        .matches(&held);
        assert!(candidates(&result, "q").is_empty(), "{path}");
        assert!(!result.satisfiable, "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// Value filters

#[test]
fn value_filters_match_on_exact_json_values() {
    let held = [held_pid("pid")];
    let matches =
        |claim: Value| !candidates(&sd_query(PID, json!([claim])).matches(&held), "q").is_empty();
    assert!(matches(json!({"path": ["age_over_18"], "values": [true]})));
    assert!(matches(
        json!({"path": ["given_name"], "values": ["Ola", "Kari"]})
    ));
    assert!(matches(
        json!({"path": ["address", "country"], "values": ["NO"]})
    ));
    // Type and value both count: no string "true" for true, no case folding.
    assert!(!matches(
        json!({"path": ["age_over_18"], "values": ["true"]})
    ));
    assert!(!matches(
        json!({"path": ["age_over_18"], "values": [false]})
    ));
    assert!(!matches(
        json!({"path": ["given_name"], "values": ["kari"]})
    ));
    assert!(!matches(json!({"path": ["given_name"], "values": ["Ola"]})));
    // A filter on an object never matches.
    assert!(!matches(json!({"path": ["address"], "values": ["NO"]})));
}

#[test]
fn value_filter_with_wildcard_requests_only_the_matching_elements() {
    let held = [held_pid("pid")];
    let result = sd_query(
        PID,
        json!([{"path": ["nationalities", null], "values": ["SE"]}]),
    )
    .matches(&held);
    assert_eq!(selected(&result, "q"), [vec!["nationalities.1"]]);
    let release = sd_release(&result, "q");
    assert_eq!(strings(&release.disclosures), ["nationalities.1"]);
    let compact = sd_jwt(
        "urn:example:numbers",
        json!({"scores": [1, 2, 3]}),
        &["scores.0", "scores.1", "scores.2"],
        true,
    );
    let held = [held_sd_jwt("n", &compact)];
    let result = sd_query(
        "urn:example:numbers",
        json!([{"path": ["scores", null], "values": [2, 3]}]),
    )
    .matches(&held);
    assert_eq!(selected(&result, "q"), [vec!["scores.1", "scores.2"]]);
}

// ---------------------------------------------------------------------------------------------
// Claim sets

#[test]
fn claim_sets_list_every_satisfiable_set_in_preference_order() {
    let held = [held_pid("pid")];
    let result = query(json!({"credentials": [{
        "id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]},
        "claims": [
            {"id": "over18", "path": ["age_over_18"]},
            {"id": "over21", "path": ["age_over_21"]},
            {"id": "birth", "path": ["birthdate"]},
            {"id": "name", "path": ["given_name"]}
        ],
        "claim_sets": [["over21"], ["over18", "name"], ["birth"], ["over21", "birth"]]
    }]}))
    .matches(&held);
    let candidate = &result.credential("q").unwrap().candidates[0];
    let sets: Vec<Option<usize>> = candidate.ways.iter().map(|w| w.claim_set).collect();
    assert_eq!(sets, [Some(1), Some(2)]);
    let preferred = candidate.preferred().unwrap();
    assert_eq!(preferred.claim_set, Some(1));
    let ids: Vec<_> = preferred
        .claims
        .iter()
        .map(|c| c.id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["over18", "name"]);
    // Each way discloses only its own claims.
    let release = |i: usize| match &candidate.ways[i].release {
        Release::SdJwt(r) => strings(&r.disclosures),
        _ => panic!("not an SD-JWT release"),
    };
    assert_eq!(release(0), ["age_over_18", "given_name"]);
    assert_eq!(release(1), ["birthdate"]);
}

#[test]
fn claim_sets_none_satisfiable_is_no_match() {
    let held = [held_pid("pid")];
    let result = query(json!({"credentials": [{
        "id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]},
        "claims": [{"id": "a", "path": ["age_over_21"]}, {"id": "b", "path": ["given_name"]}],
        "claim_sets": [["a"], ["a", "b"]]
    }]}))
    .matches(&held);
    assert!(candidates(&result, "q").is_empty());
    assert!(!result.satisfiable);
}

// ---------------------------------------------------------------------------------------------
// Candidates, `multiple`, credential sets

#[test]
fn several_matching_credentials_are_all_candidates_in_wallet_order() {
    let held = [held_pid("first"), held_pid("second"), held_pid("third")];
    let result = sd_query(PID, json!([{"path": ["given_name"]}])).matches(&held);
    assert_eq!(candidates(&result, "q"), ["first", "second", "third"]);
    // Without `multiple`, the default selection is one credential.
    let single = result.credential("q").unwrap();
    assert!(!single.multiple);
    let chosen: Vec<_> = single
        .selection()
        .iter()
        .map(|c| c.held_id.as_str())
        .collect();
    assert_eq!(chosen, ["first"]);
}

#[test]
fn multiple_true_selects_every_candidate() {
    let held = [held_pid("first"), held_pid("second")];
    let result = query(json!({"credentials": [{
        "id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]},
        "multiple": true, "claims": [{"path": ["family_name"]}]
    }]}))
    .matches(&held);
    let q = result.credential("q").unwrap();
    assert!(q.multiple);
    let chosen: Vec<_> = q.selection().iter().map(|c| c.held_id.as_str()).collect();
    assert_eq!(chosen, ["first", "second"]);
    // `multiple` defaults to false and must be a boolean.
    let parsed = sd_query(PID, json!([{"path": ["family_name"]}]));
    assert!(!parsed.credentials[0].multiple);
}

#[test]
fn no_match_is_reported_and_the_query_is_unsatisfiable() {
    let held = [held_pid("pid")];
    let result = sd_query("urn:example:nothing", json!([{"path": ["given_name"]}])).matches(&held);
    assert!(candidates(&result, "q").is_empty());
    assert!(!result.satisfiable);
    assert!(
        !sd_query(PID, json!([{"path": ["given_name"]}]))
            .matches(&[])
            .satisfiable
    );
}

#[test]
fn credential_sets_required_and_optional_with_several_options() {
    let residence = HeldCredential::data_integrity(
        "residence",
        support::residence(&support::issuer(), "did:example:holder"),
    );
    let dcql = query(json!({
        "credentials": [
            {"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]}},
            {"id": "passport", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:example:passport"]}},
            {"id": "residence", "format": "ldp_vc", "meta": {"type_values": [["ResidenceCredential"]]}},
            {"id": "loyalty", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:example:loyalty"]}}
        ],
        "credential_sets": [
            {"options": [["passport"], ["pid", "residence"], ["pid"]]},
            {"required": false, "options": [["loyalty"]]}
        ]
    }));
    assert!(dcql.credential_sets.as_ref().unwrap()[0].required);
    assert!(!dcql.credential_sets.as_ref().unwrap()[1].required);

    let result = dcql.matches(&[held_pid("pid"), residence]);
    assert_eq!(result.credential_sets[0].satisfiable_options, [1, 2]);
    assert!(result.credential_sets[0].required);
    assert!(!result.credential_sets[1].is_satisfiable());
    // The optional set failing does not stop the answer.
    assert!(result.satisfiable);

    // Without a PID or a passport the required set fails.
    let result = dcql.matches(&[]);
    assert!(result.credential_sets[0].satisfiable_options.is_empty());
    assert!(!result.satisfiable);

    // Without credential_sets every credential query is required.
    let all = query(json!({"credentials": [
        {"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]}},
        {"id": "loyalty", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:example:loyalty"]}}
    ]}));
    assert!(!all.matches(&[held_pid("pid")]).satisfiable);
}

#[test]
fn holder_binding_is_required_by_default_for_sd_jwt() {
    let unbound = held_sd_jwt(
        "unbound",
        &sd_jwt(PID, json!({"given_name": "Kari"}), &["given_name"], false),
    );
    let held = [unbound, held_pid("bound")];
    let result = sd_query(PID, json!([{"path": ["given_name"]}])).matches(&held);
    assert_eq!(candidates(&result, "q"), ["bound"]);
    let result = query(json!({"credentials": [{
        "id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]},
        "require_cryptographic_holder_binding": false,
        "claims": [{"path": ["given_name"]}]
    }]}))
    .matches(&held);
    assert_eq!(candidates(&result, "q"), ["unbound", "bound"]);
}

// ---------------------------------------------------------------------------------------------
// What leaves the phone

#[test]
fn sd_jwt_release_names_disclosures_parents_and_always_visible_claims() {
    // `address` is itself disclosable, `address.country` is not.
    let held = [held_pid("pid")];
    let result = sd_query(PID, json!([{"path": ["address", "locality"]}])).matches(&held);
    let release = sd_release(&result, "q");
    assert_eq!(
        strings(&release.disclosures),
        ["address", "address.locality"]
    );
    assert_eq!(
        strings(&release.disclosed_claims),
        ["address.country", "address.locality"]
    );
    // `nationalities` is not disclosable but its elements are: the verifier sees it empty.
    assert_eq!(
        strings(&release.always_visible),
        ["cnf", "exp", "iat", "iss", "nationalities", "vct"]
    );
    let way = result.credential("q").unwrap().candidates[0]
        .preferred()
        .unwrap();
    assert_eq!(strings(way.sd_jwt_paths().unwrap()), ["address.locality"]);

    // Asking for the parent discloses what is inside it.
    let result = sd_query(PID, json!([{"path": ["address"]}])).matches(&held);
    let release = sd_release(&result, "q");
    assert_eq!(
        strings(&release.disclosures),
        ["address", "address.locality", "address.street_address"]
    );

    // No `claims`: only what is always visible.
    let result = query(json!({"credentials": [{
        "id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]}
    }]}))
    .matches(&held);
    let release = sd_release(&result, "q");
    assert!(release.disclosures.is_empty());
    assert!(release.disclosed_claims.is_empty());
    assert_eq!(
        result.credential("q").unwrap().candidates[0]
            .preferred()
            .unwrap()
            .sd_jwt_paths(),
        Some(&[][..])
    );

    // An always-visible user claim needs no disclosure.
    let compact = sd_jwt(
        "urn:example:mixed",
        json!({"public": "yes", "secret": "no"}),
        &["secret"],
        true,
    );
    let result = sd_query("urn:example:mixed", json!([{"path": ["public"]}]))
        .matches(&[held_sd_jwt("m", &compact)]);
    let release = sd_release(&result, "q");
    assert!(release.disclosures.is_empty());
    assert!(strings(&release.always_visible).contains(&"public".to_owned()));
    assert!(!strings(&release.always_visible).contains(&"secret".to_owned()));
}

#[test]
fn minimal_disclosure_checked_by_a_verifier() {
    let (issuer, wallet, verifier) = (issuer(), wallet(), support::verifier());
    // Every user claim selectively disclosable, at every level.
    let claims = json!({
        "given_name": "Kari",
        "family_name": "Nordmann",
        "birthdate": "1990-02-03",
        "address": {"street_address": "Storgata 1", "locality": "Tromsø"},
        "nationalities": ["NO", "SE"]
    });
    let compact = issuer
        .issue_sd_jwt_at(
            &object(claims),
            &paths(&[
                "given_name",
                "family_name",
                "birthdate",
                "address",
                "address.street_address",
                "address.locality",
                "nationalities",
                "nationalities.0",
                "nationalities.1",
            ]),
            &crate::sd_jwt::bound_options(&wallet),
            now() - Duration::days(1),
        )
        .unwrap();
    let held = [HeldCredential::sd_jwt("pid", &compact).unwrap()];
    let result = sd_query(
        PID,
        json!([{"path": ["given_name"]}, {"path": ["family_name"]}]),
    )
    .matches(&held);
    assert!(result.satisfiable);
    let way = result.credential("q").unwrap().candidates[0]
        .preferred()
        .unwrap();
    let Release::SdJwt(release) = &way.release else {
        panic!("an SD-JWT")
    };
    assert_eq!(strings(&release.disclosures), ["family_name", "given_name"]);
    assert_eq!(
        strings(&release.disclosed_claims),
        ["family_name", "given_name"]
    );
    assert_eq!(
        strings(&release.always_visible),
        ["cnf", "exp", "iat", "iss", "vct"]
    );

    let request = verifier.request(Some(AUD));
    let presentation = wallet
        .present_sd_jwt_at(
            held[0].sd_jwt_compact().unwrap(),
            way.sd_jwt_paths().unwrap(),
            &request.challenge,
            AUD,
            now(),
        )
        .unwrap();
    let verified = verify_valid(
        &verifier,
        &presentation,
        &issuer_key(&issuer),
        Some(&request),
    );
    // Exactly the requested claims and the always-visible registered ones.
    let mut seen: Vec<&str> = verified.claims().keys().map(String::as_str).collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        [
            "cnf",
            "exp",
            "family_name",
            "given_name",
            "iat",
            "iss",
            "vct"
        ]
    );
    assert_eq!(verified.claims()["given_name"], json!("Kari"));
    assert_eq!(verified.claims()["family_name"], json!("Nordmann"));
    assert_eq!(verified.vct(), Some(PID));
}

// ---------------------------------------------------------------------------------------------
// The OpenID4VP 1.0 examples (queries transcribed; credentials made here)

/// A credential of the spec's identity credential type with the claims the examples ask for.
fn identity_credential(id: &str, claims: Value) -> HeldCredential {
    let names: Vec<String> = object(claims.clone()).keys().cloned().collect();
    let mut disclosable: Vec<&str> = names.iter().map(String::as_str).collect();
    if claims.get("address").is_some() {
        disclosable.push("address.street_address");
    }
    held_sd_jwt(
        id,
        &sd_jwt(
            "https://credentials.example.com/identity_credential",
            claims,
            &disclosable,
            true,
        ),
    )
}

#[test]
fn openid4vp_7_4_dcql_example_simple_query() {
    // §7.4 "DCQL Examples": family_name, given_name and address.street_address of an identity
    // credential.
    let dcql = DcqlQuery::parse(
        r#"{
          "credentials": [
            {
              "id": "my_credential",
              "format": "dc+sd-jwt",
              "meta": {
                "vct_values": [ "https://credentials.example.com/identity_credential" ]
              },
              "claims": [
                  {"path": ["family_name"]},
                  {"path": ["given_name"]},
                  {"path": ["address", "street_address"]}
              ]
            }
          ]
        }"#,
    )
    .unwrap();
    assert_eq!(
        dcql.credentials[0].format,
        FormatQuery::SdJwtVc {
            vct_values: vec!["https://credentials.example.com/identity_credential".into()]
        }
    );
    let held = [identity_credential(
        "id",
        json!({
            "given_name": "Arthur", "family_name": "Dent", "birthdate": "1978-03-08",
            "address": {"street_address": "42 Market Street", "locality": "Milliways"}
        }),
    )];
    let result = dcql.matches(&held);
    assert!(result.satisfiable);
    let release = sd_release(&result, "my_credential");
    assert_eq!(
        strings(&release.disclosures),
        [
            "address",
            "address.street_address",
            "family_name",
            "given_name"
        ]
    );
}

#[test]
fn openid4vp_7_3_claims_path_pointer_examples() {
    // §7.3 "Claims Path Pointer Example", on an SD-JWT with every claim disclosable.
    let compact = sd_jwt(
        "urn:example:arthur",
        json!({
            "name": "Arthur Dent",
            "address": {
                "street_address": "42 Market Street",
                "locality": "Milliways",
                "postal_code": "12345"
            },
            "degrees": [
                {"type": "Bachelor of Science", "university": "University of Betelgeuse"},
                {"type": "Master of Science", "university": "University of Betelgeuse"}
            ],
            "nationalities": ["British", "Betelgeusian"]
        }),
        &[
            "name",
            "address",
            "address.street_address",
            "degrees.0",
            "degrees.1",
            "nationalities.0",
            "nationalities.1",
        ],
        true,
    );
    let held = [held_sd_jwt("arthur", &compact)];
    let result = sd_query(
        "urn:example:arthur",
        json!([
            {"path": ["name"]},
            {"path": ["address"]},
            {"path": ["address", "street_address"]},
            {"path": ["degrees", null, "type"]},
            {"path": ["nationalities", 1]}
        ]),
    )
    .matches(&held);
    assert_eq!(
        selected(&result, "q"),
        [
            vec!["name"],
            vec!["address"],
            vec!["address.street_address"],
            vec!["degrees.0.type", "degrees.1.type"],
            vec!["nationalities.1"],
        ]
    );
}

#[test]
fn openid4vp_appendix_dcql_example_claims_alternatives() {
    // "Examples for DCQL Queries": last_name and date_of_birth, and either postal_code or both
    // locality and region — locality and region preferred.
    let dcql = DcqlQuery::parse(
        r#"{
          "credentials": [
            {
              "id": "pid",
              "format": "dc+sd-jwt",
              "meta": {
                "vct_values": [ "https://credentials.example.com/identity_credential" ]
              },
              "claims": [
                {"id": "a", "path": ["last_name"]},
                {"id": "b", "path": ["postal_code"]},
                {"id": "c", "path": ["locality"]},
                {"id": "d", "path": ["region"]},
                {"id": "e", "path": ["date_of_birth"]}
              ],
              "claim_sets": [
                ["a", "c", "d", "e"],
                ["a", "b", "e"]
              ]
            }
          ]
        }"#,
    )
    .unwrap();
    let with_postal_code = identity_credential(
        "postal",
        json!({"last_name": "Dent", "postal_code": "12345", "date_of_birth": "1978-03-08"}),
    );
    let with_everything = identity_credential(
        "all",
        json!({
            "last_name": "Dent", "postal_code": "12345", "locality": "Milliways",
            "region": "Outer", "date_of_birth": "1978-03-08"
        }),
    );
    let result = dcql.matches(&[with_postal_code, with_everything]);
    let pid = result.credential("pid").unwrap();
    let ways = |i: usize| -> Vec<Option<usize>> {
        pid.candidates[i].ways.iter().map(|w| w.claim_set).collect()
    };
    assert_eq!(ways(0), [Some(1)]);
    assert_eq!(ways(1), [Some(0), Some(1)]);
    let Release::SdJwt(release) = &pid.candidates[1].ways[0].release else {
        panic!()
    };
    assert_eq!(
        strings(&release.disclosures),
        ["date_of_birth", "last_name", "locality", "region"]
    );
}

#[test]
fn openid4vp_appendix_dcql_example_credentials_alternatives() {
    // "Examples for DCQL Queries": pid, or other_pid, or both reduced credentials; the
    // nice_to_have credential optionally.
    let dcql = DcqlQuery::parse(
        r#"{
          "credentials": [
            {
              "id": "pid",
              "format": "dc+sd-jwt",
              "meta": {
                "vct_values": ["https://credentials.example.com/identity_credential"]
              },
              "claims": [
                {"path": ["given_name"]},
                {"path": ["family_name"]},
                {"path": ["address", "street_address"]}
              ]
            },
            {
              "id": "other_pid",
              "format": "dc+sd-jwt",
              "meta": {
                "vct_values": ["https://othercredentials.example/pid"]
              },
              "claims": [
                {"path": ["given_name"]},
                {"path": ["family_name"]},
                {"path": ["address", "street_address"]}
              ]
            },
            {
              "id": "pid_reduced_cred_1",
              "format": "dc+sd-jwt",
              "meta": {
                "vct_values": ["https://credentials.example.com/reduced_identity_credential"]
              },
              "claims": [
                {"path": ["family_name"]},
                {"path": ["given_name"]}
              ]
            },
            {
              "id": "pid_reduced_cred_2",
              "format": "dc+sd-jwt",
              "meta": {
                "vct_values": ["https://cred.example/residence_credential"]
              },
              "claims": [
                {"path": ["postal_code"]},
                {"path": ["locality"]},
                {"path": ["region"]}
              ]
            },
            {
              "id": "nice_to_have",
              "format": "dc+sd-jwt",
              "meta": {
                "vct_values": ["https://company.example/company_rewards"]
              },
              "claims": [
                {"path": ["rewards_number"]}
              ]
            }
          ],
          "credential_sets": [
            {
              "options": [
                [ "pid" ],
                [ "other_pid" ],
                [ "pid_reduced_cred_1", "pid_reduced_cred_2" ]
              ]
            },
            {
              "required": false,
              "options": [
                [ "nice_to_have" ]
              ]
            }
          ]
        }"#,
    )
    .unwrap();
    let reduced_1 = held_sd_jwt(
        "r1",
        &sd_jwt(
            "https://credentials.example.com/reduced_identity_credential",
            json!({"family_name": "Dent", "given_name": "Arthur"}),
            &["family_name", "given_name"],
            true,
        ),
    );
    let reduced_2 = held_sd_jwt(
        "r2",
        &sd_jwt(
            "https://cred.example/residence_credential",
            json!({"postal_code": "12345", "locality": "Milliways", "region": "Outer"}),
            &["postal_code", "locality", "region"],
            true,
        ),
    );
    let rewards = held_sd_jwt(
        "rewards",
        &sd_jwt(
            "https://company.example/company_rewards",
            json!({"rewards_number": 42}),
            &["rewards_number"],
            true,
        ),
    );
    let result = dcql.matches(&[reduced_1.clone(), reduced_2, rewards]);
    assert!(result.satisfiable);
    assert_eq!(result.credential_sets[0].satisfiable_options, [2]);
    assert_eq!(result.credential_sets[1].satisfiable_options, [0]);
    // Only half of the reduced pair: the required set fails, so nothing may be returned.
    let result = dcql.matches(&[reduced_1]);
    assert!(!result.satisfiable);
}

#[test]
fn openid4vp_appendix_dcql_example_multi_credentials_with_mdoc() {
    // "Examples for DCQL Queries": an SD-JWT VC and an mdoc, both required. The mdoc format is
    // accepted and never matched by a lommebok wallet.
    let dcql = DcqlQuery::parse(
        r#"{
          "credentials": [
            {
              "id": "pid",
              "format": "dc+sd-jwt",
              "meta": {
                "vct_values": ["https://credentials.example.com/identity_credential"]
              },
              "claims": [
                {"path": ["given_name"]},
                {"path": ["family_name"]},
                {"path": ["address", "street_address"]}
              ]
            },
            {
              "id": "mdl",
              "format": "mso_mdoc",
              "meta": {
                "doctype_value": "org.iso.7367.1.mVRC"
              },
              "claims": [
                {"path": ["org.iso.7367.1", "vehicle_holder"]},
                {"path": ["org.iso.18013.5.1", "given_name"]}
              ]
            }
          ]
        }"#,
    )
    .unwrap();
    assert_eq!(dcql.credentials[1].format.identifier(), "mso_mdoc");
    let held = [identity_credential(
        "id",
        json!({"given_name": "Arthur", "family_name": "Dent", "address": {"street_address": "42 Market Street"}}),
    )];
    let result = dcql.matches(&held);
    assert_eq!(candidates(&result, "pid"), ["id"]);
    assert!(candidates(&result, "mdl").is_empty());
    assert!(!result.satisfiable);
}

#[test]
fn openid4vp_appendix_dcql_example_value_matching() {
    // "Examples for DCQL Queries": family_name must be "Doe", postal_code 90210 or 90211.
    let dcql = DcqlQuery::parse(
        r#"{
          "credentials": [
            {
              "id": "my_credential",
              "format": "dc+sd-jwt",
              "meta": {
                "vct_values": [ "https://credentials.example.com/identity_credential" ]
              },
              "claims": [
                  {
                    "path": ["family_name"],
                    "values": ["Doe"]
                  },
                  {"path": ["given_name"]},
                  {"path": ["address", "street_address"]},
                  {
                    "path": ["postal_code"],
                    "values": ["90210", "90211"]
                  }
              ]
            }
          ]
        }"#,
    )
    .unwrap();
    let person = |id: &str, family_name: &str, postal_code: &str| {
        identity_credential(
            id,
            json!({
                "given_name": "John", "family_name": family_name, "postal_code": postal_code,
                "address": {"street_address": "123 Main St"}
            }),
        )
    };
    let held = [
        person("match", "Doe", "90211"),
        person("wrong_name", "Dent", "90210"),
        person("wrong_code", "Doe", "12345"),
    ];
    assert_eq!(candidates(&dcql.matches(&held), "my_credential"), ["match"]);
}

#[test]
fn openid4vp_b_1_1_type_values_example() {
    // Appendix B.1.1's `type_values` example, in a query of our own. Its first two alternatives
    // use VCDM 1.1's example vocabulary (a context lommebok does not bundle); the third is a
    // type name that a credential matches by name.
    let dcql = query(json!({"credentials": [{
        "id": "q", "format": "ldp_vc",
        "meta": {"type_values": [
            [
                "https://www.w3.org/2018/credentials#VerifiableCredential",
                "https://example.org/examples#AlumniCredential",
                "https://example.org/examples#BachelorDegree"
            ],
            [
                "https://www.w3.org/2018/credentials#VerifiableCredential",
                "https://example.org/examples#UniversityDegreeCredential"
            ],
            [
                "IdentityCredential"
            ]
        ]}
    }]}));
    let held = [
        HeldCredential::data_integrity(
            "identity",
            w3c(&["IdentityCredential"], json!({"name": "A"})),
        ),
        HeldCredential::data_integrity(
            "degree",
            w3c(&["UniversityDegreeCredential"], json!({"name": "B"})),
        ),
    ];
    assert_eq!(candidates(&dcql.matches(&held), "q"), ["identity"]);
}

// ---------------------------------------------------------------------------------------------
// Parsing details

#[test]
fn parse_reads_every_member_and_defaults() {
    let dcql = query(json!({
        "credentials": [{
            "id": "a-1_B", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]},
            "trusted_authorities": [{"type": "aki", "values": ["s9tIpPmhxdiuNkHMEWNpYim8S8Y"]}],
            "claims": [{"id": "x", "path": ["a", 0, null], "values": ["s", 7, true]}],
            "claim_sets": [["x"]],
            "some_future_member": {"ignored": true}
        }],
        "also_ignored": 1
    }));
    let c = &dcql.credentials[0];
    assert_eq!(c.id, "a-1_B");
    assert!(!c.multiple);
    assert!(c.require_cryptographic_holder_binding);
    assert_eq!(c.trusted_authorities.as_ref().unwrap()[0].kind, "aki");
    let claim = &c.claims.as_ref().unwrap()[0];
    assert_eq!(
        claim.path,
        [
            PathElement::Name("a".into()),
            PathElement::Index(0),
            PathElement::AllElements
        ]
    );
    assert_eq!(
        claim.values.as_ref().unwrap(),
        &[json!("s"), json!(7), json!(true)]
    );
    assert_eq!(c.claim_sets.as_ref().unwrap(), &[vec!["x".to_owned()]]);
    assert!(dcql.credential_sets.is_none());
    assert!(dcql.credential("a-1_B").is_some());
}

// ---------------------------------------------------------------------------------------------
// Malformed queries

fn parse_err(value: Value) -> QueryError {
    DcqlQuery::parse(&value.to_string()).unwrap_err()
}

fn one(credential: Value) -> Value {
    json!({"credentials": [credential]})
}

fn sd(extra: Value) -> Value {
    let mut credential = json!({"id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]}});
    for (k, v) in object(extra) {
        credential[k] = v;
    }
    one(credential)
}

#[test]
fn malformed_not_json_or_not_an_object() {
    assert!(matches!(DcqlQuery::parse("{"), Err(QueryError::Json(_))));
    assert!(matches!(DcqlQuery::parse("[]"), Err(QueryError::Json(_))));
    assert!(matches!(
        DcqlQuery::parse(r#"{"credentials": [], "credentials": []}"#),
        Err(QueryError::Json(_))
    ));
}

#[test]
fn malformed_missing_credentials() {
    let err = parse_err(json!({"credential_sets": []}));
    assert!(
        matches!(
            err,
            QueryError::Missing {
                member: "credentials",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn malformed_empty_credentials() {
    let err = parse_err(json!({"credentials": []}));
    assert!(
        matches!(&err, QueryError::Empty { at } if at == "credentials"),
        "{err}"
    );
}

#[test]
fn malformed_credentials_not_an_array_or_entries_not_objects() {
    assert!(matches!(
        parse_err(json!({"credentials": {}})),
        QueryError::WrongType { .. }
    ));
    assert!(matches!(
        parse_err(json!({"credentials": ["q"]})),
        QueryError::WrongType { .. }
    ));
}

#[test]
fn malformed_duplicate_credential_ids() {
    let q = json!({"id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]}});
    let err = parse_err(json!({"credentials": [q.clone(), q]}));
    assert!(
        matches!(&err, QueryError::DuplicateId { id, at } if id == "q" && at == "credentials[1].id"),
        "{err}"
    );
}

#[test]
fn malformed_bad_id_characters() {
    for id in ["", "has space", "dot.ted", "ø", "a/b"] {
        let err = parse_err(one(
            json!({"id": id, "format": "dc+sd-jwt", "meta": {"vct_values": [PID]}}),
        ));
        assert!(matches!(err, QueryError::InvalidId { .. }), "{id:?}: {err}");
    }
    let err = parse_err(sd(json!({"claims": [{"id": "a b", "path": ["x"]}]})));
    assert!(matches!(err, QueryError::InvalidId { .. }), "{err}");
}

#[test]
fn malformed_missing_or_non_string_id() {
    let err = parse_err(one(
        json!({"format": "dc+sd-jwt", "meta": {"vct_values": [PID]}}),
    ));
    assert!(
        matches!(err, QueryError::Missing { member: "id", .. }),
        "{err}"
    );
    let err = parse_err(one(
        json!({"id": 1, "format": "dc+sd-jwt", "meta": {"vct_values": [PID]}}),
    ));
    assert!(matches!(err, QueryError::WrongType { .. }), "{err}");
}

#[test]
fn malformed_missing_or_non_string_format() {
    let err = parse_err(one(json!({"id": "q", "meta": {}})));
    assert!(
        matches!(
            err,
            QueryError::Missing {
                member: "format",
                ..
            }
        ),
        "{err}"
    );
    let err = parse_err(one(json!({"id": "q", "format": ["dc+sd-jwt"], "meta": {}})));
    assert!(matches!(err, QueryError::WrongType { .. }), "{err}");
}

#[test]
fn unknown_format_is_accepted_and_never_matches() {
    let dcql = query(one(
        json!({"id": "q", "format": "jwt_vc_json", "meta": {"type_values": [["X"]]}}),
    ));
    assert!(
        matches!(&dcql.credentials[0].format, FormatQuery::Other { format, .. } if format == "jwt_vc_json")
    );
    assert!(candidates(&dcql.matches(&[held_pid("pid")]), "q").is_empty());
}

#[test]
fn malformed_missing_meta() {
    let err = parse_err(one(json!({"id": "q", "format": "dc+sd-jwt"})));
    assert!(
        matches!(err, QueryError::Missing { member: "meta", .. }),
        "{err}"
    );
    let err = parse_err(one(json!({"id": "q", "format": "dc+sd-jwt", "meta": []})));
    assert!(matches!(err, QueryError::WrongType { .. }), "{err}");
}

#[test]
fn malformed_missing_or_empty_vct_values() {
    let err = parse_err(one(json!({"id": "q", "format": "dc+sd-jwt", "meta": {}})));
    assert!(
        matches!(
            err,
            QueryError::Missing {
                member: "vct_values",
                ..
            }
        ),
        "{err}"
    );
    let err = parse_err(one(
        json!({"id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": []}}),
    ));
    assert!(matches!(err, QueryError::Empty { .. }), "{err}");
    let err = parse_err(one(
        json!({"id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": [1]}}),
    ));
    assert!(matches!(err, QueryError::WrongType { .. }), "{err}");
}

#[test]
fn malformed_type_values() {
    let ldp = |meta: Value| parse_err(one(json!({"id": "q", "format": "ldp_vc", "meta": meta})));
    assert!(matches!(
        ldp(json!({})),
        QueryError::Missing {
            member: "type_values",
            ..
        }
    ));
    assert!(matches!(
        ldp(json!({"type_values": []})),
        QueryError::Empty { .. }
    ));
    assert!(matches!(
        ldp(json!({"type_values": [[]]})),
        QueryError::Empty { .. }
    ));
    assert!(matches!(
        ldp(json!({"type_values": ["VerifiableCredential"]})),
        QueryError::WrongType { .. }
    ));
    assert!(matches!(
        ldp(json!({"type_values": [[1]]})),
        QueryError::WrongType { .. }
    ));
}

#[test]
fn malformed_empty_claims() {
    let err = parse_err(sd(json!({"claims": []})));
    assert!(matches!(err, QueryError::Empty { .. }), "{err}");
}

#[test]
fn malformed_claim_sets_refer_to_unknown_claim_ids() {
    let err = parse_err(sd(json!({
        "claims": [{"id": "a", "path": ["x"]}],
        "claim_sets": [["a"], ["a", "b"]]
    })));
    assert!(
        matches!(&err, QueryError::UnknownClaimId { id, at } if id == "b" && at == "credentials[0].claim_sets[1][1]"),
        "{err}"
    );
}

#[test]
fn malformed_claim_sets_without_claims() {
    let err = parse_err(sd(json!({"claim_sets": [["a"]]})));
    assert!(
        matches!(err, QueryError::ClaimSetsWithoutClaims { .. }),
        "{err}"
    );
}

#[test]
fn malformed_claim_without_id_when_claim_sets_present() {
    let err = parse_err(sd(json!({
        "claims": [{"id": "a", "path": ["x"]}, {"path": ["y"]}],
        "claim_sets": [["a"]]
    })));
    assert!(matches!(err, QueryError::ClaimWithoutId { .. }), "{err}");
}

#[test]
fn malformed_empty_claim_sets_or_empty_claim_set() {
    let claims = json!([{"id": "a", "path": ["x"]}]);
    let err = parse_err(sd(json!({"claims": claims, "claim_sets": []})));
    assert!(matches!(err, QueryError::Empty { .. }), "{err}");
    let err = parse_err(sd(json!({"claims": claims, "claim_sets": [[]]})));
    assert!(matches!(err, QueryError::Empty { .. }), "{err}");
    let err = parse_err(sd(json!({"claims": claims, "claim_sets": ["a"]})));
    assert!(matches!(err, QueryError::WrongType { .. }), "{err}");
}

#[test]
fn malformed_duplicate_claim_ids() {
    let err = parse_err(sd(
        json!({"claims": [{"id": "a", "path": ["x"]}, {"id": "a", "path": ["y"]}]}),
    ));
    assert!(
        matches!(&err, QueryError::DuplicateId { id, .. } if id == "a"),
        "{err}"
    );
}

#[test]
fn malformed_path_segments_of_the_wrong_type() {
    for bad in [json!(-1), json!(1.5), json!(true), json!({}), json!([0])] {
        let err = parse_err(sd(json!({"claims": [{"path": ["x", bad.clone()]}]})));
        assert!(
            matches!(&err, QueryError::InvalidPathSegment { at } if at == "credentials[0].claims[0].path[1]"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn malformed_missing_or_empty_path() {
    let err = parse_err(sd(json!({"claims": [{"id": "a"}]})));
    assert!(
        matches!(err, QueryError::Missing { member: "path", .. }),
        "{err}"
    );
    let err = parse_err(sd(json!({"claims": [{"path": []}]})));
    assert!(matches!(err, QueryError::Empty { .. }), "{err}");
    let err = parse_err(sd(json!({"claims": [{"path": "x"}]})));
    assert!(matches!(err, QueryError::WrongType { .. }), "{err}");
}

#[test]
fn malformed_values_that_are_not_strings_integers_or_booleans() {
    for bad in [json!(null), json!({}), json!([1]), json!(1.5)] {
        let err = parse_err(sd(
            json!({"claims": [{"path": ["x"], "values": ["ok", bad.clone()]}]}),
        ));
        assert!(
            matches!(&err, QueryError::InvalidValue { at } if at == "credentials[0].claims[0].values[1]"),
            "{bad}: {err}"
        );
    }
    let err = parse_err(sd(json!({"claims": [{"path": ["x"], "values": []}]})));
    assert!(matches!(err, QueryError::Empty { .. }), "{err}");
}

#[test]
fn malformed_booleans() {
    for member in ["multiple", "require_cryptographic_holder_binding"] {
        let err = parse_err(sd(json!({member: "true"})));
        assert!(
            matches!(err, QueryError::WrongType { .. }),
            "{member}: {err}"
        );
    }
}

#[test]
fn malformed_trusted_authorities() {
    let err = parse_err(sd(json!({"trusted_authorities": []})));
    assert!(matches!(err, QueryError::Empty { .. }), "{err}");
    let err = parse_err(sd(json!({"trusted_authorities": [{"type": "aki"}]})));
    assert!(
        matches!(
            err,
            QueryError::Missing {
                member: "values",
                ..
            }
        ),
        "{err}"
    );
    let err = parse_err(sd(json!({"trusted_authorities": [{"values": ["x"]}]})));
    assert!(
        matches!(err, QueryError::Missing { member: "type", .. }),
        "{err}"
    );
}

#[test]
fn malformed_credential_sets() {
    let with_sets = |sets: Value| {
        let mut q = sd(json!({}));
        q["credential_sets"] = sets;
        parse_err(q)
    };
    assert!(matches!(with_sets(json!([])), QueryError::Empty { .. }));
    assert!(matches!(with_sets(json!({})), QueryError::WrongType { .. }));
    assert!(matches!(
        with_sets(json!([{}])),
        QueryError::Missing {
            member: "options",
            ..
        }
    ));
    assert!(matches!(
        with_sets(json!([{"options": []}])),
        QueryError::Empty { .. }
    ));
    assert!(matches!(
        with_sets(json!([{"options": [[]]}])),
        QueryError::Empty { .. }
    ));
    assert!(matches!(
        with_sets(json!([{"options": ["q"]}])),
        QueryError::WrongType { .. }
    ));
    assert!(matches!(
        with_sets(json!([{"options": [["q"]], "required": "yes"}])),
        QueryError::WrongType { .. }
    ));
}

#[test]
fn malformed_credential_set_refers_to_unknown_credential_id() {
    let mut q = sd(json!({}));
    q["credential_sets"] = json!([{"options": [["q"], ["q", "nope"]]}]);
    let err = parse_err(q);
    assert!(
        matches!(&err, QueryError::UnknownCredentialId { id, at } if id == "nope" && at == "credential_sets[0].options[1][1]"),
        "{err}"
    );
}
