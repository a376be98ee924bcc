//! Vectors lommebok generates for other implementations to test against: the top-level
//! `spec-vectors/` folder.
//!
//! This module is their only generator. [`committed_vectors_match_what_lommebok_generates`]
//! builds every file in memory (fixed keys, fixed `created` times, fixed challenge and domain),
//! verifies the signed ones with the public [`Verifier`], and fails if any committed file differs
//! (or is missing, or is not one it generates). With `LOMMEBOK_REGENERATE=1` it writes the files
//! instead:
//!
//! ```text
//! LOMMEBOK_REGENERATE=1 cargo test -p lommebok --test integration generated_vectors
//! ```
//!
//! [`committed_vectors_are_consistent_without_lommebok`] checks the committed files against each
//! other with `sha2`, `ed25519-dalek`, `p256`, `multibase` and `serde_jcs` directly, so that they
//! are known to be internally consistent without trusting lommebok's own code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use lommebok::clock::FixedClock;
use lommebok::contexts::ContextRegistry;
use lommebok::data_integrity::{self, Cryptosuite, HashData, ProofOptions};
use lommebok::{
    Algorithm, Credential, CredentialBuilder, Did, PresentationRequest, Signer, SoftwareKey,
    Verifier, Wallet,
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Set to `1` to write the vectors instead of checking them.
const REGENERATE: &str = "LOMMEBOK_REGENERATE";

/// `created` of every credential proof.
const CREDENTIAL_CREATED: &str = "2026-01-01T00:00:00Z";
/// `created` of the presentation proof, and the time the vectors are verified at.
const PRESENTATION_CREATED: &str = "2026-06-01T12:00:00Z";
const VALID_FROM: &str = "2026-01-01T00:00:00Z";
const VALID_UNTIL: &str = "2031-01-01T00:00:00Z";
const CHALLENGE: &str = "lommebok-spec-vectors-challenge-2026";
const DOMAIN: &str = "apotek.example";
const EXAMPLES_V2: &str = "https://www.w3.org/ns/credentials/examples/v2";
const CREDENTIAL_ID_ED25519: &str = "urn:uuid:6f1c3a52-8e0b-4d2a-9b7e-1a2b3c4d5e60";
const CREDENTIAL_ID_P256: &str = "urn:uuid:6f1c3a52-8e0b-4d2a-9b7e-1a2b3c4d5e61";

/// The `spec-vectors/` folder at the top of the workspace.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec-vectors")
}

fn regenerating() -> bool {
    std::env::var_os(REGENERATE).is_some_and(|v| v == "1")
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().into()
}

/// One of the four fixed keys.
struct NamedKey {
    /// File stem under `keys/`.
    name: &'static str,
    algorithm: Algorithm,
    /// The secret bytes: an Ed25519 seed, or a P-256 scalar (big-endian).
    secret: [u8; 32],
}

const ISSUER_ED25519: NamedKey = NamedKey {
    name: "issuer-ed25519",
    algorithm: Algorithm::Ed25519,
    secret: [0x01; 32],
};
const HOLDER_ED25519: NamedKey = NamedKey {
    name: "holder-ed25519",
    algorithm: Algorithm::Ed25519,
    secret: [0x02; 32],
};
const ISSUER_P256: NamedKey = NamedKey {
    name: "issuer-p256",
    algorithm: Algorithm::P256,
    secret: [0x03; 32],
};
const HOLDER_P256: NamedKey = NamedKey {
    name: "holder-p256",
    algorithm: Algorithm::P256,
    secret: [0x04; 32],
};
const KEYS: [&NamedKey; 4] = [&ISSUER_ED25519, &HOLDER_ED25519, &ISSUER_P256, &HOLDER_P256];

impl NamedKey {
    fn key(&self) -> SoftwareKey {
        SoftwareKey::from_secret_bytes(self.algorithm, &self.secret).unwrap()
    }

    fn did(&self) -> Did {
        Did::from_public_key(&self.key().public_key())
    }

    fn verification_method(&self) -> String {
        Did::key_verification_method(&self.key().public_key())
    }
}

/// Pretty JSON with a trailing newline, as every JSON vector is written.
fn pretty(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap();
    text.push('\n');
    text
}

/// The unsigned residence credential from `issuer` about `holder`. The claims carry non-ASCII
/// text and a quotation mark so that the JCS and N-Quads escaping rules are exercised.
fn residence(id: &str, issuer: &NamedKey, holder: &NamedKey) -> Map<String, Value> {
    CredentialBuilder::new(issuer.did())
        .with_context(json!(EXAMPLES_V2))
        .with_id(id)
        .with_type("ResidenceCredential")
        .valid_from(time(VALID_FROM))
        .valid_until(time(VALID_UNTIL))
        .with_subject_id(holder.did().as_str())
        .with_claim("givenName", json!("Åse"))
        .with_claim("familyName", json!("Ødegård"))
        .with_claim("municipality", json!("Tromsø"))
        .with_claim(
            "address",
            json!({
                "streetAddress": "Storgata 1",
                "postalCode": "9008",
                "addressLocality": "Tromsø",
                "addressCountry": "NO"
            }),
        )
        .with_claim("note", json!("Bor i «Nordens Paris», \"Tromsø\" — 北极"))
        .build()
        .unwrap()
        .into_json()
}

/// The intermediate files of one proof: proof configuration, canonical forms, hashes, signature.
fn add_intermediates(
    files: &mut BTreeMap<String, String>,
    dir: &str,
    config: &Map<String, Value>,
    hash: &HashData,
    signature: &[u8],
) {
    files.insert(format!("{dir}/proof-config.json"), pretty(config));
    files.insert(
        format!("{dir}/canonical-document.txt"),
        hash.canonical_document.clone(),
    );
    files.insert(
        format!("{dir}/canonical-proof-config.txt"),
        hash.canonical_proof_config.clone(),
    );
    files.insert(
        format!("{dir}/document-hash.txt"),
        hex::encode(hash.document_hash),
    );
    files.insert(
        format!("{dir}/proof-hash.txt"),
        hex::encode(hash.proof_hash),
    );
    files.insert(format!("{dir}/signature.hex"), hex::encode(signature));
}

/// The `proofValue` of a proof the signer made: base58btc multibase of the signature.
fn proof_value(signature: &[u8]) -> String {
    multibase::encode(multibase::Base::Base58Btc, signature)
}

/// Every file of `spec-vectors/`, by path relative to it.
fn generate() -> BTreeMap<String, String> {
    let contexts = ContextRegistry::new();
    let mut files = BTreeMap::new();

    // Keys.
    let mut dids = Map::new();
    for named in KEYS {
        let key = named.key();
        files.insert(
            format!("keys/{}.json", named.name),
            format!("{}\n", key.to_multikey_json().as_str()),
        );
        dids.insert(
            named.name.into(),
            json!({
                "algorithm": named.algorithm.to_string(),
                "secretKeyHex": hex::encode(named.secret),
                "publicKeyMultibase": key.public_key().to_multibase(),
                "did": named.did().as_str(),
                "verificationMethod": named.verification_method(),
            }),
        );
    }
    files.insert("keys/dids.json".into(), pretty(&dids));

    // Credentials, one per suite.
    let unsigned_ed25519 = residence(CREDENTIAL_ID_ED25519, &ISSUER_ED25519, &HOLDER_ED25519);
    let unsigned_p256 = residence(CREDENTIAL_ID_P256, &ISSUER_P256, &HOLDER_P256);
    files.insert("credential/unsigned.json".into(), pretty(&unsigned_ed25519));
    files.insert(
        "credential/unsigned-p256.json".into(),
        pretty(&unsigned_p256),
    );
    let mut signed_eddsa_rdfc = None;
    let mut high_s = Vec::new();
    for suite in Cryptosuite::ALL.into_iter().filter(|s| !s.is_selective()) {
        let (unsigned, issuer) = match suite.algorithm() {
            Algorithm::Ed25519 => (&unsigned_ed25519, &ISSUER_ED25519),
            Algorithm::P256 => (&unsigned_p256, &ISSUER_P256),
        };
        let key = issuer.key();
        let options = ProofOptions {
            cryptosuite: suite,
            verification_method: issuer.verification_method(),
            proof_purpose: "assertionMethod".into(),
            created: Some(time(CREDENTIAL_CREATED)),
            expires: None,
            challenge: None,
            domain: None,
        };
        let config = data_integrity::proof_configuration(unsigned, &options);
        let hash = data_integrity::hash_data(unsigned, &config, suite, &contexts).unwrap();
        let signature = key.sign(&hash.combined()).unwrap();
        let signed = data_integrity::add_proof(unsigned, &options, &key, &contexts).unwrap();
        // The intermediates are those of the proof in signed.json.
        assert_eq!(
            signed["proof"]["proofValue"].as_str(),
            Some(proof_value(&signature).as_str()),
            "{suite}: add_proof signed something other than proof-hash || document-hash"
        );
        if suite.algorithm() == Algorithm::P256
            && p256::ecdsa::Signature::from_slice(&signature)
                .unwrap()
                .normalize_s()
                .is_some()
        {
            high_s.push(suite.name());
        }
        let dir = format!("credential/{suite}");
        add_intermediates(&mut files, &dir, &config, &hash, &signature);
        files.insert(format!("{dir}/signed.json"), pretty(&signed));
        if suite == Cryptosuite::EddsaRdfc2022 {
            signed_eddsa_rdfc = Some(signed);
        }
    }

    // The presentation: the Ed25519 holder presents the eddsa-rdfc-2022 credential.
    let request = PresentationRequest {
        challenge: CHALLENGE.into(),
        domain: Some(DOMAIN.into()),
    };
    files.insert("presentation/request.json".into(), pretty(&request));
    let credential = Credential::from_json(signed_eddsa_rdfc.unwrap()).unwrap();
    let holder = HOLDER_ED25519.key();
    let wallet = Wallet::new(Arc::new(holder.clone()));
    let vp = wallet
        .present_at(&[credential], &request, time(PRESENTATION_CREATED))
        .unwrap();
    let unsecured = vp.unsecured();
    let options = ProofOptions {
        cryptosuite: Cryptosuite::EddsaRdfc2022,
        verification_method: HOLDER_ED25519.verification_method(),
        proof_purpose: "authentication".into(),
        created: Some(time(PRESENTATION_CREATED)),
        expires: None,
        challenge: Some(CHALLENGE.into()),
        domain: Some(DOMAIN.into()),
    };
    let config = data_integrity::proof_configuration(&unsecured, &options);
    let hash =
        data_integrity::hash_data(&unsecured, &config, Cryptosuite::EddsaRdfc2022, &contexts)
            .unwrap();
    let signature = holder.sign(&hash.combined()).unwrap();
    let [proof] = vp.proofs()[..] else {
        panic!("the presentation should carry one proof");
    };
    let mut proof_without_value = proof.clone();
    proof_without_value.remove("proofValue");
    let mut config_without_context = config.clone();
    config_without_context.remove("@context");
    assert_eq!(
        proof_without_value, config_without_context,
        "the wallet's proof options are not the ones reproduced here"
    );
    assert_eq!(
        proof["proofValue"].as_str(),
        Some(proof_value(&signature).as_str()),
        "the wallet signed something other than proof-hash || document-hash"
    );
    files.insert(
        "presentation/eddsa-rdfc-2022/unsigned.json".into(),
        pretty(&unsecured),
    );
    add_intermediates(
        &mut files,
        "presentation/eddsa-rdfc-2022",
        &config,
        &hash,
        &signature,
    );
    files.insert(
        "presentation/signed-eddsa-rdfc-2022.json".into(),
        pretty(vp.as_json()),
    );

    // lommebok signs P-256 in low-S form.
    assert!(high_s.is_empty(), "high-S signatures from {high_s:?}");
    files.insert("README.md".into(), readme(&high_s));
    // Canonical forms and hashes are byte-exact: no line-ending conversion on checkout.
    files.insert(".gitattributes".into(), "* -text\n".into());
    files
}

/// The README, with the DIDs filled in. `high_s`: the ECDSA suites whose signature has
/// s > n/2.
fn readme(high_s: &[&str]) -> String {
    let mut keys = String::new();
    for named in KEYS {
        let seed = format!("0x{:02x}", named.secret[0]);
        keys.push_str(&format!(
            "| `keys/{name}.json` | {algorithm} | 32 bytes of `{seed}` | `{did}` |\n",
            name = named.name,
            algorithm = match named.algorithm {
                Algorithm::Ed25519 => "Ed25519",
                Algorithm::P256 => "P-256",
            },
            did = named.did(),
        ));
    }
    let high_s = match high_s {
        [] => "None of the P-256 signatures here is high-S.".to_owned(),
        suites => format!(
            "Here the signature of {} is high-S.",
            suites
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    };
    format!(
        r#"# lommebok's generated test vectors

These vectors are **lommebok's own output**, made with fixed, published keys so that other
implementations of W3C Verifiable Credentials and Data Integrity can test against them. They are
**not** official W3C test vectors (those are in the specifications' appendices and test suites);
where the two disagree, the specifications win, and a disagreement is a bug worth reporting.

Every value is deterministic: fixed keys, fixed `created` times, fixed challenge and domain.
Ed25519 signatures are deterministic by design, and the ECDSA P-256 signatures are too
(RFC 6979 nonces, as the `p256` crate makes them), so every byte here is pinned.

## How they are made, and kept honest

One test generates all of them: `crates/lommebok/tests/integration/generated_vectors.rs`.
It rebuilds every file in memory, verifies the signed credentials and the presentation with
lommebok's public `Verifier`, and fails if any file here differs. To rewrite them:

```sh
LOMMEBOK_REGENERATE=1 cargo test -p lommebok --test integration generated_vectors
```

A second test in the same module checks the committed files against each other without
lommebok's code: it recomputes both SHA-256 hashes from the canonical text files, compares
`signature.hex` with the `proofValue` in the signed document, checks the JCS canonical forms with
`serde_jcs`, and verifies the signature with `ed25519-dalek` (Ed25519, `verify_strict`) or `p256`
(ECDSA P-256 with SHA-256) directly.

## Keys

The secret of each key is 32 fixed bytes: the Ed25519 seed (RFC 8032), or the P-256 secret scalar
(big-endian). They are public: never use them for anything but tests.

| File | Algorithm | Secret | DID (`did:key`) |
|------|-----------|--------|-----------------|
{keys}
Each key file is a W3C Multikey with its secret (`publicKeyMultibase`, `secretKeyMultibase`;
multicodec `0xed01` / `0x8026` for Ed25519, `0x8024` / `0x8626` for P-256, base58btc).
`keys/dids.json` lists, for each key, its secret in hex, its `publicKeyMultibase`, its `did:key`
and its verification method (`did:key:z…#z…`, the one the proofs name).

## Files

- `credential/unsigned.json`: a `ResidenceCredential` (contexts `credentials/v2` and
  `credentials/examples/v2`) from the Ed25519 issuer about the Ed25519 holder,
  `validFrom` {valid_from}, `validUntil` {valid_until}.
  Its claims hold non-ASCII text (`Tromsø`, `Ødegård`, `北极`) and a quotation mark, to exercise
  the JCS and N-Quads escaping rules, and a nested object (a blank node in RDF).
- `credential/unsigned-p256.json`: the same credential from the P-256 issuer about the P-256
  holder (another `id`), for the ECDSA suites.
- `credential/<suite>/` for `eddsa-rdfc-2022`, `eddsa-jcs-2022` (Ed25519 issuer, unsigned.json)
  and `ecdsa-rdfc-2019`, `ecdsa-jcs-2019` (P-256 issuer, unsigned-p256.json), each proof
  `created` {credential_created} with `proofPurpose` `assertionMethod`:
  - `proof-config.json`: the proof configuration (the proof options without `proofValue`, with
    the document's `@context`, as the suites' "Proof Configuration" algorithms make it);
  - `canonical-document.txt`, `canonical-proof-config.txt`: the unsigned document and the proof
    configuration canonicalized (RDFC-1.0 N-Quads for the `rdfc` suites, RFC 8785 JCS for the
    `jcs` suites);
  - `document-hash.txt`, `proof-hash.txt`: SHA-256 of those, lowercase hex;
  - `signature.hex`: the signature over `proof-hash || document-hash` (64 bytes: Ed25519, or P-256
    `r || s` of ECDSA with SHA-256 over those 64 bytes), lowercase hex;
  - `signed.json`: the unsigned credential with the proof added (`proofValue` is the signature in
    base58btc multibase). The proofs of the `rdfc` suites do not carry `@context`; those of the
    `jcs` suites do.
- `presentation/request.json`: the verifier's request:
  challenge `{challenge}`, domain `{domain}`.
- `presentation/signed-eddsa-rdfc-2022.json`: the Ed25519 holder presenting the
  `eddsa-rdfc-2022` credential in answer to that request: a `VerifiablePresentation` with
  `holder` and one credential, signed with `eddsa-rdfc-2022`, `proofPurpose` `authentication`,
  `created` {presentation_created}.
- `presentation/eddsa-rdfc-2022/`: its intermediates, named as for the credentials, plus
  `unsigned.json` (the presentation without its proof, the document that is canonicalized).

The text files (`.txt`, `.hex`) are exactly the computed values: nothing is added, so the JCS
forms and the hex files end without a newline, and the N-Quads end with the newline of their last
quad. The JSON files are pretty-printed with 2-space indentation and end with a newline; the bytes
of a JSON file do not matter to any hash (the canonical forms do). `.gitattributes` keeps Git from
converting line endings.

## Using them

All the contexts used are `https://www.w3.org/ns/credentials/v2` and
`https://www.w3.org/ns/credentials/examples/v2`, which implementations normally bundle.

1. **Signing.** From `unsigned.json` (or `unsigned-p256.json`), the issuer's key and
   `created` = {credential_created}, make a proof with each suite. Compare your proof
   configuration, canonical forms, hashes and signature with the files in `credential/<suite>/`;
   your `proofValue` should be identical, and your signed credential the same JSON as
   `signed.json` (member order and whitespace aside). The signatures are deterministic, for
   P-256 if you use RFC 6979 nonces; with random nonces, check that your signature verifies
   instead.
   lommebok normalizes its P-256 signatures to low-S (RFC 6979 nonce, then S := n - S when
   S > n/2). ES256 and the ECDSA suites do not require low-S, so a verifier must accept either
   form. {high_s}
2. **Verifying.** Verify each `credential/<suite>/signed.json`, resolving the issuer's `did:key`.
   Verify at a time within the validity period, e.g. {presentation_created}: the credentials are
   not valid before {valid_from}.
3. **Presentations.** Verify `presentation/signed-eddsa-rdfc-2022.json` as a verifier that issued
   the challenge in `request.json` for its domain: the proof's `challenge` and `domain` must be
   those, its `proofPurpose` `authentication`, its key the holder's; the embedded credential must
   verify and be about the holder (`credentialSubject.id` is the `holder`).
"#,
        valid_from = VALID_FROM,
        valid_until = VALID_UNTIL,
        credential_created = CREDENTIAL_CREATED,
        presentation_created = PRESENTATION_CREATED,
        challenge = CHALLENGE,
        domain = DOMAIN,
        high_s = high_s,
    )
}

/// Verifies the generated signed credentials and presentation with the public verifier.
fn verify_generated(files: &BTreeMap<String, String>) {
    let verifier = Verifier::new().with_clock(Arc::new(FixedClock(time(PRESENTATION_CREATED))));
    for suite in Cryptosuite::ALL.into_iter().filter(|s| !s.is_selective()) {
        let outcome = verifier
            .verify_credential(&files[&format!("credential/{suite}/signed.json")])
            .unwrap();
        assert!(outcome.is_valid(), "{suite}: {:#?}", outcome.report);
    }
    verifier.expect_challenge(CHALLENGE);
    let request: PresentationRequest =
        serde_json::from_str(&files["presentation/request.json"]).unwrap();
    let outcome = verifier
        .verify_presentation(&files["presentation/signed-eddsa-rdfc-2022.json"], &request)
        .unwrap();
    assert!(outcome.is_valid(), "presentation: {:#?}", outcome.report);
    let verified = outcome.verified().unwrap();
    assert_eq!(verified.holder(), HOLDER_ED25519.did().as_str());
    assert_eq!(verified.credentials().len(), 1);
}

/// The generated files, verified, and written first when regenerating. Shared by both tests so
/// that the consistency test never reads a half-written folder.
fn generated() -> &'static BTreeMap<String, String> {
    static GENERATED: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    GENERATED.get_or_init(|| {
        let files = generate();
        verify_generated(&files);
        if regenerating() {
            let root = root();
            for (path, content) in &files {
                let path = root.join(path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, content)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
            eprintln!("wrote {} files to {}", files.len(), root.display());
        }
        files
    })
}

/// Every file under `dir`, by path relative to `root`, with `/` separators.
fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            list_files(root, &path, out);
        } else {
            let relative = path.strip_prefix(root).unwrap();
            let parts: Vec<_> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
}

#[test]
fn committed_vectors_match_what_lommebok_generates() {
    let files = generated();
    // Generating again gives the same bytes: nothing depends on the clock or on randomness
    // (P-256 included: RFC 6979 nonces).
    assert!(
        generate() == *files,
        "generating twice gave different vectors"
    );

    let root = root();
    let mut problems = Vec::new();
    for (path, expected) in files {
        match std::fs::read(root.join(path)) {
            Err(e) => problems.push(format!("{path}: {e}")),
            Ok(actual) if actual != expected.as_bytes() => {
                let actual = String::from_utf8_lossy(&actual);
                let line = actual
                    .lines()
                    .zip(expected.lines())
                    .position(|(a, e)| a != e)
                    .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
                problems.push(format!("{path}: differs (from line {})", line + 1));
            }
            Ok(_) => {}
        }
    }
    let mut present = Vec::new();
    if root.is_dir() {
        list_files(&root, &root, &mut present);
    }
    for path in present {
        if !files.contains_key(&path) {
            problems.push(format!("{path}: not generated by this test (remove it)"));
        }
    }
    assert!(
        problems.is_empty(),
        "spec-vectors/ is not what lommebok generates:\n  {}\n\
         If the change is intended, run: \
         {REGENERATE}=1 cargo test -p lommebok --test integration generated_vectors",
        problems.join("\n  ")
    );
}

/// A committed vector file as text.
fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A committed vector file as a JSON object.
fn object(path: &str) -> Map<String, Value> {
    match serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}")) {
        Value::Object(map) => map,
        _ => panic!("{path}: not a JSON object"),
    }
}

/// Raw public key bytes from a `publicKeyMultibase` (base58btc, 2-byte multicodec prefix).
fn multikey_public(multibase_key: &str, prefix: [u8; 2]) -> Vec<u8> {
    let (base, bytes) = multibase::decode(multibase_key).unwrap();
    assert_eq!(base, multibase::Base::Base58Btc);
    assert_eq!(bytes[..2], prefix, "multicodec prefix of {multibase_key}");
    bytes[2..].to_vec()
}

#[test]
fn committed_vectors_are_consistent_without_lommebok() {
    if regenerating() {
        // Write the files first (once, shared with the other test), then check what was written.
        generated();
    }
    let cases = [
        (
            "credential/eddsa-rdfc-2022",
            "credential/eddsa-rdfc-2022/signed.json",
            &ISSUER_ED25519,
            false,
        ),
        (
            "credential/eddsa-jcs-2022",
            "credential/eddsa-jcs-2022/signed.json",
            &ISSUER_ED25519,
            true,
        ),
        (
            "credential/ecdsa-rdfc-2019",
            "credential/ecdsa-rdfc-2019/signed.json",
            &ISSUER_P256,
            false,
        ),
        (
            "credential/ecdsa-jcs-2019",
            "credential/ecdsa-jcs-2019/signed.json",
            &ISSUER_P256,
            true,
        ),
        (
            "presentation/eddsa-rdfc-2022",
            "presentation/signed-eddsa-rdfc-2022.json",
            &HOLDER_ED25519,
            false,
        ),
    ];
    for (dir, signed_path, signer, jcs) in cases {
        // The hashes are SHA-256 of the committed canonical forms.
        let canonical_document = read(&format!("{dir}/canonical-document.txt"));
        let canonical_config = read(&format!("{dir}/canonical-proof-config.txt"));
        let document_hash = read(&format!("{dir}/document-hash.txt"));
        let proof_hash = read(&format!("{dir}/proof-hash.txt"));
        assert_eq!(
            hex::encode(Sha256::digest(canonical_document.as_bytes())),
            document_hash,
            "{dir}: document-hash.txt"
        );
        assert_eq!(
            hex::encode(Sha256::digest(canonical_config.as_bytes())),
            proof_hash,
            "{dir}: proof-hash.txt"
        );
        let mut message = hex::decode(&proof_hash).unwrap();
        message.extend(hex::decode(&document_hash).unwrap());

        // signature.hex is the signed document's proofValue.
        let signature = hex::decode(read(&format!("{dir}/signature.hex"))).unwrap();
        let mut signed = object(signed_path);
        let Some(Value::Object(proof)) = signed.remove("proof") else {
            panic!("{signed_path}: no single proof");
        };
        let (base, proof_value) = multibase::decode(proof["proofValue"].as_str().unwrap()).unwrap();
        assert_eq!(base, multibase::Base::Base58Btc, "{dir}: proofValue");
        assert_eq!(proof_value, signature, "{dir}: signature.hex vs proofValue");

        // The proof is the committed proof configuration plus proofValue (RDFC proofs drop the
        // configuration's @context).
        let mut config = object(&format!("{dir}/proof-config.json"));
        if !jcs {
            config.remove("@context");
        }
        let mut proof_config = proof.clone();
        proof_config.remove("proofValue");
        assert_eq!(proof_config, config, "{dir}: proof vs proof-config.json");
        let method = format!("{}#", signer.did());
        assert!(
            proof["verificationMethod"]
                .as_str()
                .unwrap()
                .starts_with(&method),
            "{dir}: verificationMethod"
        );

        // The unsigned document is the signed one without its proof.
        let unsigned_path = match dir {
            "credential/ecdsa-rdfc-2019" | "credential/ecdsa-jcs-2019" => {
                "credential/unsigned-p256.json".to_owned()
            }
            "presentation/eddsa-rdfc-2022" => format!("{dir}/unsigned.json"),
            _ => "credential/unsigned.json".to_owned(),
        };
        let unsigned = object(&unsigned_path);
        assert_eq!(
            signed, unsigned,
            "{dir}: signed minus proof vs {unsigned_path}"
        );

        // The JCS forms are RFC 8785 of the committed JSON.
        if jcs {
            assert_eq!(
                serde_jcs::to_string(&unsigned).unwrap(),
                canonical_document,
                "{dir}: canonical-document.txt"
            );
            assert_eq!(
                serde_jcs::to_string(&object(&format!("{dir}/proof-config.json"))).unwrap(),
                canonical_config,
                "{dir}: canonical-proof-config.txt"
            );
        }

        // The key file is the seed's key, and the signature verifies with it.
        let key_file = object(&format!("keys/{}.json", signer.name));
        let public_multibase = key_file["publicKeyMultibase"].as_str().unwrap();
        assert_eq!(
            proof["verificationMethod"].as_str().unwrap(),
            format!("did:key:{public_multibase}#{public_multibase}"),
            "{dir}: verificationMethod vs keys/{}.json",
            signer.name
        );
        match signer.algorithm {
            Algorithm::Ed25519 => {
                let public: [u8; 32] = multikey_public(public_multibase, [0xed, 0x01])
                    .try_into()
                    .unwrap();
                let from_seed = ed25519_dalek::SigningKey::from_bytes(&signer.secret);
                assert_eq!(from_seed.verifying_key().to_bytes(), public, "{dir}: key");
                let public = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
                let signature = ed25519_dalek::Signature::from_slice(&signature).unwrap();
                public
                    .verify_strict(&message, &signature)
                    .unwrap_or_else(|e| panic!("{dir}: Ed25519 signature: {e}"));
            }
            Algorithm::P256 => {
                use p256::ecdsa::signature::Verifier as _;
                let public = multikey_public(public_multibase, [0x80, 0x24]);
                let from_secret =
                    p256::ecdsa::SigningKey::from_bytes((&signer.secret).into()).unwrap();
                let public = p256::ecdsa::VerifyingKey::from_sec1_bytes(&public).unwrap();
                assert_eq!(*from_secret.verifying_key(), public, "{dir}: key");
                let signature = p256::ecdsa::Signature::from_slice(&signature).unwrap();
                public
                    .verify(&message, &signature)
                    .unwrap_or_else(|e| panic!("{dir}: P-256 signature: {e}"));
            }
        }
    }
}
