//! did:key test vectors (`did-key/` in the vectors folder): the W3C CCG did-method-key vectors
//! (`did-method-key/*.json`) and the examples of the did:key spec (`did-key-spec/*.json`).
//!
//! Every Ed25519 and P-256 DID there must resolve offline to a document whose verification
//! method holds the key the vector gives (compared as [`PublicKey`]), and
//! [`Did::from_public_key`] of that key must give back the DID. DIDs of other key types, wrong
//! key lengths and bad encodings must give an error, never a panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lommebok::did::{Did, DidDocument, DidError, DidResolver, OfflineResolver, Relationship};
use lommebok::key::{Algorithm, PublicKey, Signer, SoftwareKey};
use serde_json::Value;

use crate::vectors;

/// One DID with the key (and optionally the secret) a vector gives for it.
struct Case {
    /// Where it comes from, for messages.
    source: String,
    did: String,
    key: PublicKey,
    /// Secrets the vector gives (Ed25519 seed or P-256 scalar), each with where it came from.
    secrets: Vec<(String, Algorithm, Vec<u8>)>,
    /// Verification methods of the vector's own DID document: (id, key).
    document_methods: Vec<(String, PublicKey)>,
}

/// The vector cases, plus DIDs of key types lommebok does not support (for the negative test).
#[derive(Default)]
struct Vectors {
    cases: Vec<Case>,
    unsupported: Vec<(String, String)>,
}

fn base58(s: &str) -> Vec<u8> {
    multibase::Base::Base58Btc
        .decode(s)
        .unwrap_or_else(|e| panic!("vector base58 `{s}`: {e}"))
}

fn base64url(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(s)
        .unwrap_or_else(|e| panic!("vector base64url `{s}`: {e}"))
}

fn str_member<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

/// The algorithm of a verification method in a vector, judged from the vector alone (its `type`
/// or JWK `crv`), never from what lommebok makes of it; `None` for other key types.
fn method_algorithm(vm: &Value) -> Option<Algorithm> {
    if let Some(jwk) = vm.get("publicKeyJwk") {
        return match str_member(jwk, "crv") {
            Some("Ed25519") => Some(Algorithm::Ed25519),
            Some("P-256") => Some(Algorithm::P256),
            _ => None,
        };
    }
    if let Some(mb) = str_member(vm, "publicKeyMultibase") {
        return match &base58(&mb[1..])[..2] {
            [0xed, 0x01] => Some(Algorithm::Ed25519),
            [0x80, 0x24] => Some(Algorithm::P256),
            _ => None,
        };
    }
    match str_member(vm, "type") {
        Some("Ed25519VerificationKey2018" | "Ed25519VerificationKey2020") => {
            Some(Algorithm::Ed25519)
        }
        Some("P256Key2021") => Some(Algorithm::P256),
        _ => None,
    }
}

/// The public key of a verification method in a vector (`publicKeyMultibase`, `publicKeyJwk`
/// or `publicKeyBase58`), or `None` when the vector says it is another key type.
fn method_key(vm: &Value) -> Option<PublicKey> {
    let algorithm = method_algorithm(vm)?;
    let id = str_member(vm, "id").unwrap_or("?");
    let key = if let Some(mb) = str_member(vm, "publicKeyMultibase") {
        PublicKey::from_multibase(mb)
    } else if let Some(jwk) = vm.get("publicKeyJwk") {
        PublicKey::from_jwk(jwk)
    } else if let Some(b58) = str_member(vm, "publicKeyBase58") {
        PublicKey::from_bytes(algorithm, &base58(b58))
    } else {
        panic!("{id}: no public key in the vector");
    };
    let key = key.unwrap_or_else(|e| panic!("{id}: lommebok rejects the vector's key: {e}"));
    assert_eq!(key.algorithm(), algorithm, "{id}");
    Some(key)
}

/// The supported verification methods of a vector's DID document, by absolute id.
fn document_methods(did: &str, doc: &Value) -> Vec<(String, PublicKey)> {
    assert_eq!(str_member(doc, "id"), Some(did), "vector document id");
    let mut out = Vec::new();
    for vm in doc
        .get("verificationMethod")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(key) = method_key(vm) {
            let id = str_member(vm, "id").unwrap_or_default();
            let id = if id.starts_with('#') {
                format!("{did}{id}")
            } else {
                id.to_owned()
            };
            out.push((id, key));
        }
    }
    out
}

/// `did-method-key/ed25519-x25519.json`: seed, Ed25519 key pair (base58 or JWK), DID document.
fn ed25519_x25519(root: &Path, into: &mut Vectors) {
    let file = "did-key/did-method-key/ed25519-x25519.json";
    for (did, v) in vectors::object(root, file) {
        let pair = &v["verificationKeyPair"];
        let key = method_key(pair).unwrap_or_else(|| panic!("{did}: not an Ed25519 vector"));
        let mut secrets = Vec::new();
        if let Some(seed) = str_member(&v, "seed") {
            secrets.push((
                "seed".to_owned(),
                Algorithm::Ed25519,
                hex::decode(seed).unwrap(),
            ));
        }
        if let Some(d) = pair.get("privateKeyJwk").and_then(|j| str_member(j, "d")) {
            secrets.push((
                "privateKeyJwk.d".to_owned(),
                Algorithm::Ed25519,
                base64url(d),
            ));
        }
        into.cases.push(Case {
            source: format!("{file} {did}"),
            document_methods: document_methods(&did, &v["didDocument"]),
            did,
            key,
            secrets,
        });
    }
}

/// `did-method-key/nist-curves.json`: P-256 (JWK or `P256Key2021` base58), P-384, P-521.
fn nist_curves(root: &Path, into: &mut Vectors) {
    let file = "did-key/did-method-key/nist-curves.json";
    for (did, v) in vectors::object(root, file) {
        let vm = &v["verificationMethod"];
        let Some(key) = method_key(vm) else {
            let crv = vm
                .get("publicKeyJwk")
                .and_then(|j| str_member(j, "crv"))
                .unwrap_or("?");
            into.unsupported.push((format!("{file} ({crv})"), did));
            continue;
        };
        let mut secrets = Vec::new();
        if let Some(d) = vm.get("privateKeyJwk").and_then(|j| str_member(j, "d")) {
            secrets.push(("privateKeyJwk.d".to_owned(), Algorithm::P256, base64url(d)));
        }
        if let Some(b58) = str_member(vm, "privateKeyBase58") {
            secrets.push(("privateKeyBase58".to_owned(), Algorithm::P256, base58(b58)));
        }
        into.cases.push(Case {
            source: format!("{file} {did}"),
            document_methods: document_methods(&did, &v["didDocument"]),
            did,
            key,
            secrets,
        });
    }
}

/// `did-key-spec/spec-example-dids-decoded.json`: every DID of the spec, decoded to raw key
/// bytes, JWK and (for Ed25519) base58.
fn spec_examples(root: &Path, into: &mut Vectors) {
    let file = "did-key/did-key-spec/spec-example-dids-decoded.json";
    let object = vectors::object(root, file);
    let dids = object["dids"].as_array().unwrap();
    for entry in dids {
        let did = str_member(entry, "did").unwrap().to_owned();
        let name = str_member(entry, "multicodec_name").unwrap();
        let algorithm = match name {
            "ed25519-pub" => Algorithm::Ed25519,
            "p256-pub" => Algorithm::P256,
            _ => {
                into.unsupported.push((format!("{file} ({name})"), did));
                continue;
            }
        };
        let raw = hex::decode(str_member(entry, "public_key_hex").unwrap()).unwrap();
        let key = PublicKey::from_bytes(algorithm, &raw).unwrap();
        // The other forms the entry gives must be the same key.
        assert_eq!(
            PublicKey::from_jwk(&entry["jwk"]).unwrap(),
            key,
            "{did}: jwk"
        );
        if let Some(b58) = str_member(entry, "publicKeyBase58") {
            assert_eq!(
                PublicKey::from_bytes(algorithm, &base58(b58)).unwrap(),
                key,
                "{did}: publicKeyBase58"
            );
        }
        into.cases.push(Case {
            source: format!("{file} {did}"),
            did,
            key,
            secrets: Vec::new(),
            document_methods: Vec::new(),
        });
    }
}

/// `did-key-spec/ed25519-x25519-multikey-did-document.json`: the spec's example DID document.
fn spec_document(root: &Path, into: &mut Vectors) {
    let file = "did-key/did-key-spec/ed25519-x25519-multikey-did-document.json";
    let doc = Value::Object(vectors::object(root, file));
    let did = str_member(&doc, "id").unwrap().to_owned();
    let methods = document_methods(&did, &doc);
    let key = methods
        .iter()
        .find(|(id, _)| id.split_once('#').map(|(_, f)| f) == did.strip_prefix("did:key:"))
        .map(|(_, key)| key.clone())
        .unwrap_or_else(|| panic!("{file}: no method for the DID's own key"));
    into.cases.push(Case {
        source: format!("{file} {did}"),
        did,
        key,
        secrets: Vec::new(),
        document_methods: methods,
    });
}

/// DIDs of other key types: secp256k1, X25519, BLS12-381, RSA.
fn other_key_types(root: &Path, into: &mut Vectors) {
    for file in [
        "did-key/did-method-key/secp256k1.json",
        "did-key/did-method-key/bls12381.json",
        "did-key/did-method-key/rsa.json",
    ] {
        for did in vectors::object(root, file).keys() {
            into.unsupported.push((file.to_owned(), did.clone()));
        }
    }
    let file = "did-key/did-method-key/x25519.json";
    let object = vectors::object(root, file);
    for did in object["didDocument"].as_object().unwrap().keys() {
        into.unsupported.push((file.to_owned(), did.clone()));
    }
}

/// All did:key vectors, or `None` (after printing why) when the vectors folder is absent.
fn load() -> Option<Vectors> {
    let root = vectors::root()?;
    let mut v = Vectors::default();
    ed25519_x25519(&root, &mut v);
    nist_curves(&root, &mut v);
    spec_examples(&root, &mut v);
    spec_document(&root, &mut v);
    other_key_types(&root, &mut v);
    Some(v)
}

/// Parses and resolves `did`, turning a panic into an `Err` message of its own so one bad case
/// does not hide the others.
fn resolve(did: &str) -> Result<Result<DidDocument, DidError>, String> {
    catch_unwind(AssertUnwindSafe(|| {
        Did::parse(did).and_then(|d| OfflineResolver.resolve(&d))
    }))
    .map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    })
}

/// Asserts that every `(label, did)` gives an error (not a document, not a panic), and prints
/// each error message.
fn assert_all_rejected(what: &str, cases: &[(String, String)]) {
    assert!(!cases.is_empty(), "{what}: no cases");
    let mut wrong = Vec::new();
    for (label, did) in cases {
        match resolve(did) {
            Ok(Err(e)) => {
                let message = e.to_string();
                assert!(!message.is_empty(), "{label} {did}: empty error message");
                println!("{what}: {label}: {message}");
            }
            Ok(Ok(doc)) => wrong.push(format!(
                "{label} {did}: resolved (methods {:?})",
                doc.verification_methods
            )),
            Err(panic) => wrong.push(format!("{label} {did}: PANIC {panic}")),
        }
    }
    println!("{what}: {} DIDs checked", cases.len());
    assert!(
        wrong.is_empty(),
        "{what}: {} of {} were not rejected cleanly:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

/// `did:key:` + base58btc(multicodec prefix || key bytes).
fn did_key(prefix: &[u8], key: &[u8]) -> String {
    let mut bytes = prefix.to_vec();
    bytes.extend_from_slice(key);
    format!(
        "did:key:{}",
        multibase::encode(multibase::Base::Base58Btc, bytes)
    )
}

const ED25519_PUB: [u8; 2] = [0xed, 0x01];
const P256_PUB: [u8; 2] = [0x80, 0x24];
const X25519_PUB: [u8; 2] = [0xec, 0x01];

fn ed25519_key_bytes() -> Vec<u8> {
    SoftwareKey::from_secret_bytes(Algorithm::Ed25519, &[7; 32])
        .unwrap()
        .public_key()
        .to_bytes()
}

#[test]
fn did_key_vectors_resolve_to_the_vector_key() {
    let Some(v) = load() else { return };
    let mut per_file = std::collections::BTreeMap::<String, usize>::new();
    for case in &v.cases {
        let Case {
            source, did, key, ..
        } = case;
        let doc = OfflineResolver
            .resolve(&Did::parse(did).unwrap())
            .unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(doc.id.as_str(), did, "{source}: document id");
        let url = Did::key_verification_method(key);
        assert_eq!(
            url,
            format!("{did}#{}", &did["did:key:".len()..]),
            "{source}"
        );
        for relationship in [Relationship::AssertionMethod, Relationship::Authentication] {
            let vm = doc
                .method_for(&url, relationship)
                .unwrap_or_else(|e| panic!("{source}: {relationship:?}: {e}"));
            assert_eq!(&vm.public_key, key, "{source}: resolved key");
            assert_eq!(vm.controller, *did, "{source}: controller");
        }
        // The signature keys of the vector's own DID document are the resolved ones too.
        for (id, expected) in &case.document_methods {
            let vm = doc
                .verification_methods
                .iter()
                .find(|m| &m.id == id)
                .unwrap_or_else(|| panic!("{source}: resolved document lacks {id}"));
            assert_eq!(&vm.public_key, expected, "{source}: {id}");
        }
        assert_eq!(
            Did::from_public_key(key).as_str(),
            did,
            "{source}: from_public_key"
        );
        let file = source.split_once(' ').map_or(source.as_str(), |(f, _)| f);
        *per_file.entry(file.to_owned()).or_default() += 1;
    }
    for (file, n) in &per_file {
        println!("{file}: {n} Ed25519/P-256 DIDs resolved to the vector key");
    }
    for file in [
        "did-key/did-method-key/ed25519-x25519.json",
        "did-key/did-method-key/nist-curves.json",
        "did-key/did-key-spec/spec-example-dids-decoded.json",
        "did-key/did-key-spec/ed25519-x25519-multikey-did-document.json",
    ] {
        assert!(
            per_file.get(file).copied().unwrap_or(0) > 0,
            "{file}: no DIDs ran"
        );
    }
    let algorithms: Vec<Algorithm> = v.cases.iter().map(|c| c.key.algorithm()).collect();
    assert!(algorithms.contains(&Algorithm::Ed25519) && algorithms.contains(&Algorithm::P256));
}

#[test]
fn did_key_vector_secrets_give_the_vector_public_key() {
    let Some(v) = load() else { return };
    let mut n = [0usize; 2];
    for case in &v.cases {
        for (what, algorithm, secret) in &case.secrets {
            let key = SoftwareKey::from_secret_bytes(*algorithm, secret)
                .unwrap_or_else(|e| panic!("{} {what}: {e}", case.source));
            assert_eq!(key.public_key(), case.key, "{} {what}", case.source);
            n[usize::from(*algorithm == Algorithm::P256)] += 1;
        }
    }
    println!(
        "{} Ed25519 seeds and {} P-256 secret scalars give the vector public key",
        n[0], n[1]
    );
    assert!(n[0] > 0, "no Ed25519 seed ran");
    assert!(n[1] > 0, "no P-256 secret ran");
}

#[test]
fn did_key_wrong_multicodec_is_a_clear_error() {
    // Built here, so this part runs without the vectors folder too.
    let mut cases = vec![
        (
            "X25519 (0xec) key, built here".to_owned(),
            did_key(&X25519_PUB, &[9; 32]),
        ),
        (
            "raw (0x55) multicodec, built here".to_owned(),
            did_key(&[0x55], &ed25519_key_bytes()),
        ),
    ];
    // secp256k1, X25519, BLS12-381, RSA, P-384 and P-521 DIDs from the vectors.
    if let Some(v) = load() {
        assert!(v.unsupported.len() > 10, "too few other-key-type vectors");
        cases.extend(v.unsupported);
    }
    assert_all_rejected("wrong multicodec", &cases);
}

#[test]
fn did_key_wrong_key_length_is_rejected() {
    let key = ed25519_key_bytes();
    let mut long = key.clone();
    long.push(0);
    let p256 = SoftwareKey::from_secret_bytes(Algorithm::P256, &[7; 32])
        .unwrap()
        .public_key()
        .to_bytes();
    let cases = [
        ("Ed25519, 31 key bytes", did_key(&ED25519_PUB, &key[..31])),
        ("Ed25519, 33 key bytes", did_key(&ED25519_PUB, &long)),
        ("Ed25519, no key bytes", did_key(&ED25519_PUB, &[])),
        ("P-256, 32 key bytes", did_key(&P256_PUB, &p256[..32])),
    ];
    let cases: Vec<(String, String)> = cases
        .into_iter()
        .map(|(label, did)| (label.to_owned(), did))
        .collect();
    assert_all_rejected("wrong key length", &cases);
}

#[test]
fn did_key_bad_base58_is_rejected() {
    let good = did_key(&ED25519_PUB, &ed25519_key_bytes());
    let good_id = &good["did:key:z".len()..];
    // 0, O, I and l are not in the base58btc alphabet.
    let cases = [
        ("not base58 (0OIl)", "did:key:z0OIl".to_owned()),
        ("not base58 (0)", format!("did:key:z0{}", &good_id[1..])),
        (
            "not base58 (O)",
            format!("did:key:z{}O", &good_id[..good_id.len() - 1]),
        ),
        ("not base58 (l)", format!("did:key:zl{good_id}")),
        ("empty base58", "did:key:z".to_owned()),
        ("base58 of too few bytes", "did:key:z1".to_owned()),
        ("no multibase prefix", format!("did:key:{good_id}")),
    ];
    let cases: Vec<(String, String)> = cases
        .into_iter()
        .map(|(label, did)| (label.to_owned(), did))
        .collect();
    assert_all_rejected("bad base58", &cases);
}

// The two tests below state what the did:key spec requires and lommebok does not do yet
// (`did-method-key` decodes any multibase and does not check key lengths, and lommebok's
// `from_bytes` takes uncompressed P-256 points). Each lets another string name the same key,
// so a DID compared as a string (deny lists, issuer allow lists) can be dodged. A fix in
// `resolve_did_key`: require `Did::from_public_key(&key) == did` for the resolved key.

/// did:key spec, Document Creation Algorithm step 3: "The multibaseValue MUST be a string and
/// begin with the letter `z`", else `invalidDid`.
#[test]
fn did_key_non_base58btc_multibase_is_rejected() {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend(ed25519_key_bytes());
    let cases: Vec<(String, String)> = [
        multibase::Base::Base16Lower,
        multibase::Base::Base32Lower,
        multibase::Base::Base58Flickr,
        multibase::Base::Base64Url,
    ]
    .into_iter()
    .map(|base| {
        (
            format!("{base:?} multibase"),
            format!("did:key:{}", multibase::encode(base, &bytes)),
        )
    })
    .collect();
    assert_all_rejected("not base58btc", &cases);
}

/// did:key spec, Signature Method Creation Algorithm: a `p256-pub` key is 33 bytes (compressed),
/// else `invalidPublicKeyLength`.
#[test]
fn did_key_uncompressed_p256_key_is_rejected() {
    let key = SoftwareKey::from_secret_bytes(Algorithm::P256, &[7; 32])
        .unwrap()
        .public_key();
    let jwk = key.to_jwk();
    let mut sec1 = vec![0x04];
    sec1.extend(base64url(jwk["x"].as_str().unwrap()));
    sec1.extend(base64url(jwk["y"].as_str().unwrap()));
    assert_eq!(PublicKey::from_bytes(Algorithm::P256, &sec1).unwrap(), key);
    let did = did_key(&P256_PUB, &sec1);
    assert_ne!(Did::from_public_key(&key).as_str(), did);
    assert_all_rejected(
        "uncompressed P-256",
        &[("P-256, 65 key bytes (uncompressed)".to_owned(), did)],
    );
}
