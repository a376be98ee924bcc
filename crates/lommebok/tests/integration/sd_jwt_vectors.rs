//! SD-JWT vectors from `spec-vectors/sd-jwt` (see its entry in SOURCES.md):
//! - draft-ietf-oauth-selective-disclosure-jwt-22 (the text of RFC 9901) §5 example, verified
//!   end to end through lommebok's verifier, its 87 printed disclosures, and the §4.2 format
//!   examples;
//! - the `!sd`-tagged YAML specifications of the draft's examples and of sd-jwt-python's test
//!   cases, which have no fixed outputs: each is a round trip (issue marking exactly the tagged
//!   claims, present `holder_disclosed_claims`, verify) compared with
//!   `expect_verified_user_claims` where the case has it, and always with the claims the
//!   specification implies.

use std::sync::Arc;

use chrono::DateTime;
use lommebok::clock::FixedClock;
use lommebok::sd_jwt::{self, ClaimPath, Disclosure, PathSegment, SdJwtIssuerKey, SdJwtOptions};
use lommebok::{Algorithm, CheckKind, Issuer, PresentationRequest, Verifier, Wallet};
use serde_json::{Map, Value, json};
use serde_norway::Value as Yaml;

use crate::sd_jwt::{issuer_key, user_claims, verify_valid};
use crate::support::{key, now};
use crate::vectors;

// --- draft-22 §5 (RFC 9901 §5) ---

#[test]
fn rfc9901_5_example_disclosures_hash_to_their_digests() {
    let Some(root) = vectors::root() else { return };
    let example = vectors::object(&root, "sd-jwt/ietf-draft22-section5-example.json");
    let digests: Vec<&str> = example["sd_jwt_payload"]["_sd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    let disclosures = example["disclosures"].as_array().unwrap();
    assert_eq!(disclosures.len(), 10);
    for entry in disclosures {
        let encoded = entry["disclosure"].as_str().unwrap();
        let disclosure = Disclosure::parse(encoded).unwrap();
        assert_eq!(disclosure.digest(), entry["sha256_b64url"], "{encoded}");
        assert_eq!(sd_jwt::digest(encoded), entry["sha256_b64url"]);
        assert_eq!(contents(&disclosure), entry["decoded"]);
        // Each is referenced from the payload: top-level `_sd`, or a `nationalities` element.
        let digest = disclosure.digest();
        let in_array = example["sd_jwt_payload"]["nationalities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["..."] == digest);
        assert!(
            digests.contains(&digest) || in_array,
            "{digest} unreferenced"
        );
    }
}

#[test]
fn rfc9901_5_example_verifies_through_lommebok() {
    let Some(root) = vectors::root() else { return };
    let example = vectors::object(&root, "sd-jwt/ietf-draft22-section5-example.json");
    let presentation = example["sd_jwt_kb_presentation"].as_str().unwrap();
    let kb = &example["kb_jwt_payload"];
    // The verifier's clock a minute after the KB-JWT was made; its nonce issued by it.
    let kb_iat = DateTime::from_timestamp(kb["iat"].as_i64().unwrap(), 0).unwrap();
    let verifier =
        Verifier::new().with_clock(Arc::new(FixedClock(kb_iat + chrono::Duration::minutes(1))));
    let nonce = kb["nonce"].as_str().unwrap();
    verifier.expect_challenge(nonce);
    let request = PresentationRequest {
        challenge: nonce.into(),
        domain: Some(kb["aud"].as_str().unwrap().into()),
    };
    let issuer = SdJwtIssuerKey::from_jwk(&example["issuer_public_jwk"]).unwrap();
    // The draft's examples are typed `example+sd-jwt`, not `dc+sd-jwt`.
    assert_eq!(example["issuer_signed_jwt_header"]["typ"], "example+sd-jwt");
    let outcome = verifier
        .verify_sd_jwt_with_type(presentation, &issuer, Some(&request), "example+sd-jwt")
        .unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    let verified = outcome.into_verified().unwrap();
    assert_eq!(
        Value::Object(verified.claims().clone()),
        example["processed_payload"]
    );
    assert_eq!(verified.issuer(), Some("https://issuer.example.com"));
    assert_eq!(verified.vct(), None);
    let holder = lommebok::PublicKey::from_jwk(&example["holder_public_jwk"]).unwrap();
    assert_eq!(verified.holder_key(), Some(&holder));
    // The presented disclosures are the ones the example lists.
    let presented: Vec<Value> = sd_jwt::inspect(presentation)
        .unwrap()
        .disclosures
        .iter()
        .map(|d| json!(d.encoded()))
        .collect();
    assert_eq!(Value::Array(presented), example["presented_disclosures"]);
    assert_eq!(
        sd_jwt::digest(example["sd_hash_input"].as_str().unwrap()),
        kb["sd_hash"]
    );
}

#[test]
fn rfc9901_5_example_is_refused_as_an_sd_jwt_vc() {
    // Strict by default: the example's `typ` is not `dc+sd-jwt`.
    let Some(root) = vectors::root() else { return };
    let example = vectors::object(&root, "sd-jwt/ietf-draft22-section5-example.json");
    let kb = &example["kb_jwt_payload"];
    let kb_iat = DateTime::from_timestamp(kb["iat"].as_i64().unwrap(), 0).unwrap();
    let verifier = Verifier::new().with_clock(Arc::new(FixedClock(kb_iat)));
    let issuer = SdJwtIssuerKey::from_jwk(&example["issuer_public_jwk"]).unwrap();
    let nonce = kb["nonce"].as_str().unwrap();
    verifier.expect_challenge(nonce);
    let request = PresentationRequest {
        challenge: nonce.into(),
        domain: Some(kb["aud"].as_str().unwrap().into()),
    };
    let outcome = verifier
        .verify_sd_jwt(
            example["sd_jwt_kb_presentation"].as_str().unwrap(),
            &issuer,
            Some(&request),
        )
        .unwrap();
    let failed: Vec<CheckKind> = outcome.report.failures().map(|c| c.check).collect();
    assert_eq!(failed, [CheckKind::WellFormed, CheckKind::Proof]);
}

#[test]
fn rfc9901_5_example_issuance_reveals_every_claim() {
    let Some(root) = vectors::root() else { return };
    let example = vectors::object(&root, "sd-jwt/ietf-draft22-section5-example.json");
    let contents = sd_jwt::inspect(example["sd_jwt_issuance"].as_str().unwrap()).unwrap();
    let mut claims = contents.claims;
    for name in ["iss", "iat", "exp", "cnf"] {
        claims.remove(name);
    }
    assert_eq!(Value::Object(claims), example["input_claims"]);
    assert_eq!(contents.disclosable.len(), 10);
}

#[test]
fn draft22_all_disclosure_digests() {
    let Some(root) = vectors::root() else { return };
    let all = vectors::object(&root, "sd-jwt/ietf-draft22-all-disclosures.json");
    let entries = all["disclosures"].as_array().unwrap();
    assert_eq!(entries.len(), 87);
    for entry in entries {
        let encoded = entry["disclosure"].as_str().unwrap();
        let disclosure = Disclosure::parse(encoded).unwrap();
        assert_eq!(
            disclosure.digest(),
            entry["sha256_b64url"],
            "{}: {encoded}",
            entry["section"]
        );
        assert_eq!(contents(&disclosure), entry["decoded"], "{encoded}");
        // ssi's SD-JWT agrees.
        let theirs = ssi_sd_jwt::Disclosure::new(encoded).unwrap();
        assert_eq!(ssi_sd_jwt::SdAlg::Sha256.hash(theirs), disclosure.digest());
    }
}

#[test]
fn rfc9901_4_2_disclosure_format_examples() {
    let Some(root) = vectors::root() else { return };
    let examples = vectors::object(&root, "sd-jwt/ietf-draft22-disclosure-format-examples.json");
    let object = &examples["object_property_disclosure"];
    let disclosure = Disclosure::parse(object["disclosure"].as_str().unwrap()).unwrap();
    assert_eq!(disclosure.digest(), object["sha256_b64url"]);
    assert_eq!(contents(&disclosure), object["contents"]);
    // Other encodings of the same contents: same claim, other digests (the digest is over the
    // disclosure as sent, RFC 9901 §4.2.3).
    for variant in examples["equivalent_encodings_same_contents"]
        .as_array()
        .unwrap()
    {
        let other = Disclosure::parse(variant["disclosure"].as_str().unwrap()).unwrap();
        assert_eq!(
            contents(&other),
            object["contents"],
            "{}",
            variant["description"]
        );
        assert_eq!(other.digest(), variant["sha256_b64url_derived"]);
        assert_ne!(other.digest(), disclosure.digest());
    }
    let element = &examples["array_element_disclosure"];
    let disclosure = Disclosure::parse(element["disclosure"].as_str().unwrap()).unwrap();
    assert_eq!(disclosure.name(), None);
    assert_eq!(contents(&disclosure), element["contents"]);
    assert_eq!(disclosure.digest(), element["sha256_b64url_derived"]);
}

/// A disclosure's JSON array.
fn contents(disclosure: &Disclosure) -> Value {
    let mut items = vec![json!(disclosure.salt())];
    if let Some(name) = disclosure.name() {
        items.push(json!(name));
    }
    items.push(disclosure.value().clone());
    Value::Array(items)
}

// --- YAML specifications: round trips ---

macro_rules! spec_tests {
    ($($name:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $name() {
                run_spec($dir);
            }
        )*
    };
}

spec_tests! {
    ietf_example_address_only_flat => "ietf-draft-example-specs/address_only_flat",
    ietf_example_address_only_recursive => "ietf-draft-example-specs/address_only_recursive",
    ietf_example_address_only_structured => "ietf-draft-example-specs/address_only_structured",
    ietf_example_address_only_structured_one_open => "ietf-draft-example-specs/address_only_structured_one_open",
    ietf_example_arf_pid => "ietf-draft-example-specs/arf-pid",
    ietf_example_complex_eidas => "ietf-draft-example-specs/complex_eidas",
    ietf_example_complex_eidas_proposal => "ietf-draft-example-specs/complex_eidas_proposal",
    ietf_example_complex_ekyc => "ietf-draft-example-specs/complex_ekyc",
    ietf_example_json_serialization_flattened => "ietf-draft-example-specs/json_serialization_flattened",
    ietf_example_json_serialization_general => "ietf-draft-example-specs/json_serialization_general",
    ietf_example_jsonld => "ietf-draft-example-specs/jsonld",
    ietf_example_simple => "ietf-draft-example-specs/simple",
    ietf_example_simple_structured => "ietf-draft-example-specs/simple_structured",
    ietf_example_w3c_vc => "ietf-draft-example-specs/w3c-vc",
    ietf_example_w3c_vc_for_slide_deck => "ietf-draft-example-specs/w3c-vc_for_slide_deck",
    python_array_data_types => "sd-jwt-python-testcases/array_data_types",
    python_array_full_sd => "sd-jwt-python-testcases/array_full_sd",
    python_array_in_sd => "sd-jwt-python-testcases/array_in_sd",
    python_array_nested_in_plain => "sd-jwt-python-testcases/array_nested_in_plain",
    python_array_none_disclosed => "sd-jwt-python-testcases/array_none_disclosed",
    python_array_of_nulls => "sd-jwt-python-testcases/array_of_nulls",
    python_array_of_objects => "sd-jwt-python-testcases/array_of_objects",
    python_array_of_scalars => "sd-jwt-python-testcases/array_of_scalars",
    python_array_recursive_sd => "sd-jwt-python-testcases/array_recursive_sd",
    python_array_recursive_sd_some_disclosed => "sd-jwt-python-testcases/array_recursive_sd_some_disclosed",
    python_header_mod => "sd-jwt-python-testcases/header_mod",
    python_json_serialization_flattened => "sd-jwt-python-testcases/json_serialization_flattened",
    python_json_serialization_general => "sd-jwt-python-testcases/json_serialization_general",
    python_key_binding => "sd-jwt-python-testcases/key_binding",
    python_no_sd => "sd-jwt-python-testcases/no_sd",
    python_object_data_types => "sd-jwt-python-testcases/object_data_types",
    python_recursions => "sd-jwt-python-testcases/recursions",
}

const AUD: &str = "https://verifier.example.org";

/// Runs one specification as round trips with every pair of key types.
fn run_spec(dir: &str) {
    let Some(root) = vectors::root() else { return };
    let path = format!("sd-jwt/{dir}/specification.yml");
    if !root.join(&path).is_file() {
        panic!("{path} is missing from the vectors");
    }
    let spec: Yaml = serde_norway::from_str(&vectors::read(&root, &path)).unwrap();
    if let Some(reason) = skip_reason(&spec) {
        eprintln!("SKIP {dir}: {reason}");
        return;
    }
    if let Some(header) = spec.get("extra_header_parameters") {
        eprintln!(
            "NOTE {dir}: extra header parameters {} not set (lommebok sets typ dc+sd-jwt, alg and kid)",
            to_json(header)
        );
    }
    let tagged_claims = spec.get("user_claims").unwrap();
    let mut disclosable = Vec::new();
    let Value::Object(mut claims) = untag(tagged_claims, &mut Vec::new(), &mut disclosable) else {
        panic!("{dir}: user_claims is not a mapping");
    };
    let selection = spec.get("holder_disclosed_claims");
    let mut disclose = Vec::new();
    if let Some(selection) = selection {
        selection_paths(selection, &mut Vec::new(), &mut disclose);
    }
    let implied = reveal(tagged_claims, selection, false);

    // Registered claims the specification gives itself go through the options.
    let mut options = SdJwtOptions::new(
        claims
            .remove("vct")
            .map(|v| v.as_str().unwrap().to_owned())
            .unwrap_or_else(|| format!("urn:example:{dir}")),
    );
    if let Some(iss) = claims.remove("iss") {
        options = options.with_issuer(iss.as_str().unwrap());
    }
    let iat = match claims.remove("iat") {
        Some(iat) => DateTime::from_timestamp(iat.as_i64().unwrap(), 0).unwrap(),
        None => now(),
    };
    if spec.get("add_decoy_claims").and_then(Yaml::as_bool) == Some(true) {
        options = options.with_decoys(2);
    }
    let key_binding = spec.get("key_binding").and_then(Yaml::as_bool) == Some(true);

    for (issuer_alg, holder_alg) in [
        (Algorithm::Ed25519, Algorithm::P256),
        (Algorithm::P256, Algorithm::Ed25519),
        (Algorithm::P256, Algorithm::P256),
        (Algorithm::Ed25519, Algorithm::Ed25519),
    ] {
        let label = format!("{dir} ({issuer_alg} issuer, {holder_alg} holder)");
        let issuer = Issuer::new(key(issuer_alg, 1));
        let wallet = Wallet::new(key(holder_alg, 2));
        let mut options = options.clone();
        if key_binding {
            options = options.with_holder_key(wallet.public_key());
        }
        let sd_jwt = issuer
            .issue_sd_jwt_at(&claims, &disclosable, &options, iat)
            .unwrap_or_else(|e| panic!("{label}: issuing: {e}"));
        let verifier = Verifier::new().with_clock(Arc::new(FixedClock(now())));
        let (presentation, request) = if key_binding {
            let request = verifier.request(Some(AUD));
            let presentation = wallet
                .present_sd_jwt_at(&sd_jwt, &disclose, &request.challenge, AUD, now())
                .unwrap_or_else(|e| panic!("{label}: presenting: {e}"));
            (presentation, Some(request))
        } else {
            let presentation = wallet
                .present_sd_jwt_without_key_binding(&sd_jwt, &disclose)
                .unwrap_or_else(|e| panic!("{label}: presenting: {e}"));
            (presentation, None)
        };
        // With its own `iss`, the issuer key is given directly; else by its DID URL.
        let issuer_key = if options.issuer.is_some() {
            SdJwtIssuerKey::from(lommebok::Signer::public_key(key(issuer_alg, 1).as_ref()))
        } else {
            issuer_key(&issuer)
        };
        let verified = verify_valid(&verifier, &presentation, &issuer_key, request.as_ref());
        let seen = user_claims(&verified);
        let mut implied = implied.as_object().cloned().unwrap_or_default();
        for name in ["iss", "iat", "vct"] {
            implied.remove(name);
        }
        assert_eq!(
            Value::Object(seen.clone()),
            Value::Object(implied),
            "{label}"
        );
        if let Some(expected) = spec.get("expect_verified_user_claims") {
            assert_eq!(
                Value::Object(seen),
                to_json(expected),
                "{label}: expect_verified_user_claims"
            );
        }
    }
}

/// Why a specification is out of scope, if it is.
fn skip_reason(spec: &Yaml) -> Option<String> {
    if spec.get("serialization_format").and_then(Yaml::as_str) == Some("json") {
        return Some("the JSON serialization (RFC 9901 §8) is out of scope".into());
    }
    if let Some(alg) = spec
        .get("settings_override")
        .and_then(|s| s.get("hash_alg").or_else(|| s.get("sd_alg")))
    {
        return Some(format!("hash algorithm {alg:?}: only sha-256 is supported"));
    }
    if let Some(cnf) = spec.get("user_claims").and_then(|c| c.get("cnf")) {
        return Some(format!(
            "its claims set `cnf` themselves ({}), which lommebok sets from the holder's key \
             (and holder_disclosed_claims names claims the credential lacks)",
            to_json(cnf)
        ));
    }
    None
}

/// The YAML value as JSON, `!sd` tags dropped, the tagged positions collected as paths.
fn untag(yaml: &Yaml, at: &mut Vec<PathSegment>, disclosable: &mut Vec<ClaimPath>) -> Value {
    match yaml {
        Yaml::Tagged(tagged) => {
            assert_eq!(tagged.tag, "sd", "unknown tag at {at:?}");
            disclosable.push(ClaimPath::from_segments(at.clone()).unwrap());
            untag(&tagged.value, at, disclosable)
        }
        Yaml::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                let (name, tagged) = key_name(key);
                at.push(PathSegment::Name(name.clone()));
                if tagged {
                    disclosable.push(ClaimPath::from_segments(at.clone()).unwrap());
                }
                object.insert(name, untag(value, at, disclosable));
                at.pop();
            }
            Value::Object(object)
        }
        Yaml::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    at.push(PathSegment::Index(i));
                    let value = untag(item, at, disclosable);
                    at.pop();
                    value
                })
                .collect(),
        ),
        other => to_json(other),
    }
}

/// A mapping key's name and whether it is tagged `!sd`.
fn key_name(key: &Yaml) -> (String, bool) {
    match key {
        Yaml::Tagged(tagged) if tagged.tag == "sd" => (key_name(&tagged.value).0, true),
        Yaml::String(name) => (name.clone(), false),
        other => (to_json(other).to_string(), false),
    }
}

/// Plain YAML (no tags below) as JSON.
fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(*b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                json!(n.as_f64().unwrap())
            }
        }
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Mapping(mapping) => Value::Object(
            mapping
                .iter()
                .map(|(k, v)| (key_name(k).0, to_json(v)))
                .collect(),
        ),
        Yaml::Tagged(tagged) => to_json(&tagged.value),
    }
}

/// Whether a `holder_disclosed_claims` node asks for something: `true`, or an empty mapping or
/// sequence (the node as a whole), or a mapping or sequence asking for something inside.
fn asks(selection: &Yaml) -> bool {
    match selection {
        Yaml::Bool(b) => *b,
        Yaml::Mapping(m) => m.is_empty() || m.values().any(asks),
        Yaml::Sequence(s) => s.is_empty() || s.iter().any(asks),
        _ => false,
    }
}

/// The paths a `holder_disclosed_claims` node asks for: `true` or an empty mapping/sequence
/// discloses the node with everything in it; a mapping/sequence recurses.
fn selection_paths(selection: &Yaml, at: &mut Vec<PathSegment>, out: &mut Vec<ClaimPath>) {
    match selection {
        Yaml::Mapping(m) if !m.is_empty() => {
            for (key, value) in m {
                at.push(PathSegment::Name(key_name(key).0));
                selection_paths(value, at, out);
                at.pop();
            }
        }
        Yaml::Sequence(s) if !s.is_empty() => {
            for (i, value) in s.iter().enumerate() {
                at.push(PathSegment::Index(i));
                selection_paths(value, at, out);
                at.pop();
            }
        }
        other if asks(other) && !at.is_empty() => {
            out.push(ClaimPath::from_segments(at.clone()).unwrap());
        }
        _ => {}
    }
}

/// The claims a verifier should see, worked out from the tagged claims and the selection alone
/// (independently of lommebok): a `!sd` node shows when the selection asks for it or for
/// something inside it; everything below a node selected as a whole (`whole`) shows.
fn reveal(yaml: &Yaml, selection: Option<&Yaml>, whole: bool) -> Value {
    let child_whole =
        |child: Option<&Yaml>| whole || child.is_some_and(|c| asks(c) && !has_children(c));
    match yaml {
        Yaml::Tagged(tagged) => reveal(&tagged.value, selection, whole),
        Yaml::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                let (name, key_tagged) = key_name(key);
                let child = selection
                    .and_then(|s| s.as_mapping())
                    .and_then(|m| m.get(name.as_str()));
                let tagged = key_tagged || matches!(value, Yaml::Tagged(_));
                if tagged && !whole && !child.is_some_and(asks) {
                    continue;
                }
                object.insert(name, reveal(value, child, child_whole(child)));
            }
            Value::Object(object)
        }
        Yaml::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    let child = selection
                        .and_then(|s| s.as_sequence())
                        .and_then(|s| s.get(i));
                    let tagged = matches!(item, Yaml::Tagged(_));
                    if tagged && !whole && !child.is_some_and(asks) {
                        return None;
                    }
                    Some(reveal(item, child, child_whole(child)))
                })
                .collect(),
        ),
        other => to_json(other),
    }
}

fn has_children(selection: &Yaml) -> bool {
    match selection {
        Yaml::Mapping(m) => !m.is_empty(),
        Yaml::Sequence(s) => !s.is_empty(),
        _ => false,
    }
}
