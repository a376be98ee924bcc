//! No panic crosses the FFI: every exported function and method, fed garbage, returns `Ok` or
//! a `LommebokError` (and never `Internal`: garbage is the caller's, not a bug of ours).
//!
//! Each call runs under `catch_unwind`; a panic is recorded with the call's name and the test
//! fails listing them all.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use lommebok_ffi::*;

/// The message and place of the last panic, kept by a quiet panic hook: some panics here are
/// expected (a foreign signer "throwing", a dependency panic the core catches), and the ones
/// that reach the harness are reported with the call's name.
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

fn install_quiet_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = format!("{message} at {place}");
    }));
}

/// Records the outcome of every call.
#[derive(Default)]
struct Harness {
    calls: usize,
    panics: RefCell<Vec<String>>,
    internal: RefCell<Vec<String>>,
}

impl Harness {
    /// Runs a fallible export; `Some(value)` on `Ok`.
    fn call<T>(&mut self, name: &str, f: impl FnOnce() -> Result<T, LommebokError>) -> Option<T> {
        self.calls += 1;
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(Ok(value)) => Some(value),
            Ok(Err(LommebokError::Internal { reason })) => {
                self.internal.borrow_mut().push(format!("{name}: {reason}"));
                None
            }
            Ok(Err(_)) => None,
            Err(_) => {
                let last = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).clone();
                self.panics.borrow_mut().push(format!("{name}: {last}"));
                None
            }
        }
    }

    /// Runs an infallible export.
    fn run<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> Option<T> {
        self.call(name, || Ok(f()))
    }

    fn finish(self) {
        let panics = self.panics.into_inner();
        let internal = self.internal.into_inner();
        println!("{} calls", self.calls);
        assert!(
            panics.is_empty(),
            "{} of {} calls panicked:\n{}",
            panics.len(),
            self.calls,
            panics.join("\n")
        );
        assert!(
            internal.is_empty(),
            "garbage gave Internal errors:\n{}",
            internal.join("\n")
        );
    }
}

/// A fixed xorshift64: the same "random" garbage on every run.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Strings that are not what any export wants.
fn garbage_strings() -> Vec<String> {
    let mut rng = Xorshift(0x5eed_1234_abcd_ef01);
    let mut out: Vec<String> = [
        "",
        " ",
        "{",
        "}",
        "[",
        "[]",
        "{}",
        "null",
        "true",
        "0",
        "-1",
        "1e999999",
        "\"just a string\"",
        "{\"a\":1,\"a\":2}",
        "{\"@context\": 5}",
        "\u{0}",
        "\u{feff}{}",
        "did:key:",
        "did:key:z6Mk",
        "did:example:123",
        "urn:uuid:",
        "https://",
        "https://x.example/%FF%FE",
        "a:b",
        ":",
        "not a url",
        "https://kommune.example/status/1 with space",
        "https://kommune.example/status/\u{0}",
        "💳🪪",
        "z",
        "u",
        "uAAAA",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    // Huge strings: over the 1 MiB document cap, and just under it.
    out.push("a".repeat(2 << 20));
    out.push(format!("\"{}\"", "b".repeat((1 << 20) - 10)));
    // Deep nesting, unbalanced and balanced.
    out.push("{\"a\":".repeat(100_000));
    out.push("[".repeat(100_000));
    out.push(format!("{}{}", "[".repeat(200), "]".repeat(200)));
    out.push(format!("{}1{}", "{\"a\":".repeat(200), "}".repeat(200)));
    // Random bytes, read as UTF-8 with replacement characters.
    for len in [1, 7, 64, 1000, 70_000] {
        out.push(String::from_utf8_lossy(&rng.bytes(len)).into_owned());
    }
    out
}

/// Dates that are not usable ISO 8601 date-times with a time zone, or are extreme.
fn garbage_dates() -> Vec<String> {
    [
        "",
        "now",
        "2026",
        "2026-01-01",
        "2026-01-01T00:00:00",
        "2026-02-30T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-06-30T23:59:60Z",
        "2026-01-01T00:00:00+25:00",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-23:59",
        "-0001-01-01T00:00:00Z",
        "+262143-12-31T23:59:59Z",
        "2026-01-01T00:00:00.9999999999999999999Z",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// Values of the wrong type for any JSON member.
fn wrong_values() -> Vec<&'static str> {
    vec![
        "null",
        "0",
        "-1",
        "1.5",
        "true",
        "\"\"",
        "\"x\"",
        "[]",
        "[null]",
        "{}",
        "{\"id\": 5}",
        "[[[[[[]]]]]]",
    ]
}

const CONTEXTS: &str =
    r#"["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]"#;

fn unsigned_credential(issuer: &str, subject: &str) -> String {
    format!(
        r#"{{"@context": {CONTEXTS}, "type": ["VerifiableCredential"], "issuer": "{issuer}",
            "credentialSubject": {{"id": "{subject}", "name": "Kari Nordmann"}}}}"#
    )
}

/// `json` with its top-level member `name` replaced by each wrong value (and removed).
fn mutations(json: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in map.keys() {
        let mut without = map.clone();
        without.remove(name);
        out.push(serde_json::Value::Object(without).to_string());
        for value in wrong_values() {
            let mut changed = map.clone();
            if let Ok(value) = serde_json::from_str(value) {
                changed.insert(name.clone(), value);
                out.push(serde_json::Value::Object(changed).to_string());
            }
        }
    }
    out
}

/// A foreign signer that answers with whatever it is told to.
struct ScriptedSigner {
    algorithm: KeyAlgorithm,
    public_key: Result<Vec<u8>, String>,
    signature: Result<Vec<u8>, String>,
    panic_in_algorithm: bool,
}

impl Signer for ScriptedSigner {
    #[allow(clippy::panic)] // on purpose: see below
    fn algorithm(&self) -> KeyAlgorithm {
        if self.panic_in_algorithm {
            // What uniffi does when a foreign method without an error type throws.
            panic!("Callback interface failure: the keystore threw");
        }
        self.algorithm
    }

    fn public_key(&self) -> Result<Vec<u8>, LommebokError> {
        self.public_key
            .clone()
            .map_err(|reason| LommebokError::Signing { reason })
    }

    fn sign(&self, _message: Vec<u8>) -> Result<Vec<u8>, LommebokError> {
        self.signature
            .clone()
            .map_err(|reason| LommebokError::Signing { reason })
    }
}

fn key_bytes_of_every_length(rng: &mut Xorshift) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for len in 0..=70 {
        out.push(vec![0; len]);
        out.push(vec![0xff; len]);
        out.push(rng.bytes(len));
        for prefix in [0x02, 0x03, 0x04, 0x30] {
            let mut bytes = rng.bytes(len);
            if let Some(first) = bytes.first_mut() {
                *first = prefix;
            }
            out.push(bytes);
        }
    }
    out.push(rng.bytes(91));
    out.push(rng.bytes(4096));
    out
}

#[test]
fn every_export_survives_garbage() {
    install_quiet_panic_hook();
    let mut h = Harness::default();
    let strings = garbage_strings();
    let dates = garbage_dates();
    let mut rng = Xorshift(0xdead_beef_cafe_f00d);
    let algorithms = [KeyAlgorithm::Ed25519, KeyAlgorithm::P256];

    // Keys.
    for algorithm in algorithms {
        let key = h.run("SoftwareKey::generate", || SoftwareKey::generate(algorithm));
        if let Some(key) = key {
            h.run("SoftwareKey::algorithm", || key.algorithm());
            h.run("SoftwareKey::public_key_multibase", || {
                key.public_key_multibase()
            });
            h.run("SoftwareKey::did", || key.did());
            let multikey = h.run("SoftwareKey::to_multikey_json", || key.to_multikey_json());
            for doc in multikey.iter().flat_map(|m| mutations(m)) {
                h.call("SoftwareKey::from_multikey_json(mutated)", || {
                    SoftwareKey::from_multikey_json(doc)
                });
            }
        }
        for bytes in key_bytes_of_every_length(&mut rng) {
            h.call("SoftwareKey::from_secret", || {
                SoftwareKey::from_secret(algorithm, bytes)
            });
        }
        // The P-256 group order and its neighbours: not valid scalars.
        for last in [0x50, 0x51, 0x52] {
            let mut order =
                hex_bytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
            order[31] = last;
            h.call("SoftwareKey::from_secret(order)", || {
                SoftwareKey::from_secret(algorithm, order)
            });
        }
    }
    for s in &strings {
        h.call("SoftwareKey::from_multikey_json", || {
            SoftwareKey::from_multikey_json(s.clone())
        });
        h.call("SoftwareKey::from_private_jwk", || {
            SoftwareKey::from_private_jwk(s.clone())
        });
    }
    for jwk in [
        r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA","d":"AAAA"}"#,
        r#"{"kty":"EC","crv":"P-256","x":"","y":"","d":""}"#,
        r#"{"kty":"EC","crv":"P-256","x":"!!!","y":"???","d":"..."}"#,
        r#"{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}"#,
    ] {
        h.call("SoftwareKey::from_private_jwk(jwk)", || {
            SoftwareKey::from_private_jwk(jwk.to_owned())
        });
    }
    // RFC 8037 §A.1's Ed25519 private JWK, with each member replaced or removed.
    let jwk = r#"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
    assert!(SoftwareKey::from_private_jwk(jwk.to_owned()).is_ok());
    for mutated in mutations(jwk) {
        h.call("SoftwareKey::from_private_jwk(mutated)", || {
            SoftwareKey::from_private_jwk(mutated)
        });
    }

    // Foreign signers with garbage keys, signatures and failures.
    let good_issuer_key = SoftwareKey::generate(KeyAlgorithm::Ed25519);
    let holder_key = SoftwareKey::generate(KeyAlgorithm::P256);
    let wallet_for_subject = Wallet::new(holder_key.clone());
    let subject = wallet_for_subject.did();
    for algorithm in algorithms {
        for public_key in key_bytes_of_every_length(&mut rng) {
            let signer = Arc::new(ScriptedSigner {
                algorithm,
                public_key: Ok(public_key),
                signature: Ok(vec![0; 64]),
                panic_in_algorithm: false,
            });
            h.call("Issuer::with_signer(garbage key)", || {
                Issuer::with_signer(signer.clone())
            });
            h.call("Wallet::with_signer(garbage key)", || {
                Wallet::with_signer(signer)
            });
        }
        for failing in [
            ScriptedSigner {
                algorithm,
                public_key: Err("keystore locked".into()),
                signature: Ok(Vec::new()),
                panic_in_algorithm: false,
            },
            ScriptedSigner {
                algorithm,
                public_key: Ok(Vec::new()),
                signature: Ok(Vec::new()),
                panic_in_algorithm: true,
            },
        ] {
            let failing = Arc::new(failing);
            h.call("Issuer::with_signer(failing)", || {
                Issuer::with_signer(failing.clone())
            });
            h.call("Wallet::with_signer(failing)", || {
                Wallet::with_signer(failing)
            });
        }
    }
    // A signer with a real public key whose signatures are garbage.
    for algorithm in algorithms {
        let real = SoftwareKey::generate(algorithm);
        let public_key = public_key_bytes(&real);
        let mut signatures: Vec<Result<Vec<u8>, String>> = key_bytes_of_every_length(&mut rng)
            .into_iter()
            .map(Ok)
            .collect();
        signatures.push(Err("user cancelled".into()));
        for signature in signatures {
            let signer = Arc::new(ScriptedSigner {
                algorithm,
                public_key: Ok(public_key.clone()),
                signature,
                panic_in_algorithm: false,
            });
            let Some(issuer) = h.call("Issuer::with_signer(real key)", || {
                Issuer::with_signer(signer.clone())
            }) else {
                continue;
            };
            let unsigned = unsigned_credential(&issuer.did(), &subject);
            let issued = h.call("Issuer::issue(garbage signature)", || {
                issuer.issue(unsigned.clone())
            });
            assert!(issued.is_none(), "a garbage signature was accepted");
            if let Some(wallet) = h.call("Wallet::with_signer(real key)", || {
                Wallet::with_signer(signer)
            }) {
                let request = PresentationRequest {
                    challenge: "c".into(),
                    domain: None,
                };
                h.call("Wallet::present(garbage signature)", || {
                    wallet.present(Vec::new(), request)
                });
            }
        }
    }

    // Status registries.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths: Vec<String> = strings
        .iter()
        .filter(|s| s.len() < 200)
        .map(|s| format!("{}/{}", dir.path().display(), s))
        .collect();
    paths.extend(
        [
            "",
            "/",
            "/nonexistent/dir/status.db",
            "\u{0}",
            "/proc/self/mem",
        ]
        .map(str::to_owned),
    );
    paths.push(format!("{}/{}", dir.path().display(), "x".repeat(5000)));
    let not_a_database = dir.path().join("not-a-database");
    std::fs::write(&not_a_database, b"garbage, not SQLite").expect("write");
    paths.push(not_a_database.display().to_string());
    paths.push(dir.path().display().to_string());
    for path in paths {
        h.call("StatusRegistry::open_sqlite", || {
            StatusRegistry::open_sqlite(path)
        });
    }
    let registry = StatusRegistry::in_memory();
    let sqlite = h
        .call("StatusRegistry::open_sqlite(valid)", || {
            StatusRegistry::open_sqlite(dir.path().join("status.db").display().to_string())
        })
        .expect("a new database file opens");
    let purposes = [
        StatusPurpose::Revocation,
        StatusPurpose::Suspension,
        StatusPurpose::Message,
        StatusPurpose::Refresh,
    ];
    for registry in [&registry, &sqlite] {
        for s in &strings {
            for purpose in purposes {
                h.call("StatusRegistry::create_list", || {
                    registry.create_list(s.clone(), purpose)
                });
            }
            h.call("StatusRegistry::status_of", || {
                registry.status_of(s.clone())
            });
            for purpose in purposes {
                h.call("StatusRegistry::set_status", || {
                    registry.set_status(s.clone(), purpose, 1)
                });
            }
            for size in [0, 1, 2, 9, 255] {
                h.call("StatusRegistry::create_message_list", || {
                    registry.create_message_list(
                        s.clone(),
                        size,
                        vec![lommebok_ffi::StatusMessage {
                            status: 0,
                            message: s.clone(),
                        }],
                        vec![s.clone()],
                    )
                });
            }
            h.call("credential_id", || lommebok_ffi::credential_id(s.clone()));
            h.call("Issuer::with_contexts", || {
                Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519)).with_contexts(vec![
                    lommebok_ffi::ContextDocument {
                        url: s.clone(),
                        document: s.clone(),
                    },
                ])
            });
        }
    }
    let revocation = "https://kommune.example/status/r".to_owned();
    let suspension = "https://kommune.example/status/s".to_owned();
    for registry in [&registry, &sqlite] {
        registry
            .create_list(revocation.clone(), StatusPurpose::Revocation)
            .expect("create revocation list");
        registry
            .create_list(suspension.clone(), StatusPurpose::Suspension)
            .expect("create suspension list");
        // Twice: the URL is taken.
        h.call("StatusRegistry::create_list(twice)", || {
            registry.create_list(revocation.clone(), StatusPurpose::Revocation)
        });
    }

    // Issuers.
    let plain = Issuer::new(good_issuer_key.clone());
    let ecdsa = Issuer::new(SoftwareKey::generate(KeyAlgorithm::P256));
    let mut issuers = vec![plain.clone(), ecdsa.clone()];
    for issuer in [&plain, &ecdsa] {
        for suite in [
            Cryptosuite::EddsaRdfc2022,
            Cryptosuite::EddsaJcs2022,
            Cryptosuite::EcdsaRdfc2019,
            Cryptosuite::EcdsaJcs2019,
        ] {
            if let Some(other) = h.call("Issuer::with_cryptosuite", || {
                issuer.with_cryptosuite(suite)
            }) {
                issuers.push(other);
            }
        }
    }
    let with_status = h
        .run("Issuer::with_status", || {
            plain.with_status(
                registry.clone(),
                vec![revocation.clone(), suspension.clone()],
            )
        })
        .expect("with_status");
    let with_sqlite_status = plain.with_status(sqlite.clone(), vec![revocation.clone()]);
    issuers.push(with_status.clone());
    issuers.push(with_sqlite_status.clone());
    // Status lists that do not exist, or are garbage.
    for lists in [
        strings.iter().filter(|s| s.len() < 100).cloned().collect(),
        vec![String::new()],
        vec![revocation.clone(), revocation.clone()],
    ] {
        let issuer = h
            .run("Issuer::with_status(garbage lists)", || {
                plain.with_status(registry.clone(), lists)
            })
            .expect("with_status");
        h.call("Issuer::issue(garbage lists)", || {
            issuer.issue(unsigned_credential(&plain.did(), &subject))
        });
        issuers.push(issuer);
    }

    let mut credentials = Vec::new();
    for issuer in &issuers {
        h.run("Issuer::did", || issuer.did());
        let unsigned = unsigned_credential(&issuer.did(), &subject);
        if let Some(signed) = h.call("Issuer::issue", || issuer.issue(unsigned.clone())) {
            credentials.push(signed);
        }
        for s in &strings {
            h.call("Issuer::issue(garbage)", || issuer.issue(s.clone()));
            h.call("Issuer::revoke", || issuer.revoke(s.clone()));
            h.call("Issuer::suspend", || issuer.suspend(s.clone()));
            h.call("Issuer::unsuspend", || issuer.unsuspend(s.clone()));
            h.call("Issuer::status_list_credential(garbage url)", || {
                issuer.status_list_credential(s.clone(), 3600)
            });
        }
        for date in &dates {
            h.call("Issuer::issue_at(garbage date)", || {
                issuer.issue_at(unsigned.clone(), date.clone())
            });
            h.call("Issuer::status_list_credential_at(garbage from)", || {
                issuer.status_list_credential_at(
                    revocation.clone(),
                    date.clone(),
                    "2030-01-01T00:00:00Z".into(),
                )
            });
            h.call("Issuer::status_list_credential_at(garbage until)", || {
                issuer.status_list_credential_at(
                    revocation.clone(),
                    "2026-01-01T00:00:00Z".into(),
                    date.clone(),
                )
            });
        }
        for s in strings.iter().take(12) {
            h.call("Issuer::issue_at(garbage json)", || {
                issuer.issue_at(s.clone(), "2026-01-01T00:00:00Z".into())
            });
        }
        for seconds in [0, 1, 86_400, u64::from(u32::MAX), i64::MAX as u64, u64::MAX] {
            h.call("Issuer::status_list_credential(seconds)", || {
                issuer.status_list_credential(revocation.clone(), seconds)
            });
        }
    }
    // Wrong-type members of an otherwise valid credential.
    for mutated in mutations(&unsigned_credential(&plain.did(), &subject)) {
        h.call("Issuer::issue(mutated)", || plain.issue(mutated.clone()));
        h.call("Issuer::issue(mutated, status)", || {
            with_status.issue(mutated)
        });
    }
    // Deeply nested claims inside a credential.
    for depth in [10, 63, 64, 65, 127, 128, 129, 1000] {
        let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let deep = format!(
            r#"{{"@context": {CONTEXTS}, "type": ["VerifiableCredential"], "issuer": "{}",
                "credentialSubject": {{"id": "{subject}", "name": {nested}}}}}"#,
            plain.did()
        );
        h.call("Issuer::issue(deep)", || plain.issue(deep));
    }
    // Revoke the credentials that have status; a second time too.
    for credential in &credentials {
        let id = serde_json::from_str::<serde_json::Value>(credential)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str().map(str::to_owned)));
        if let Some(id) = id {
            for issuer in [&with_status, &with_sqlite_status, &plain] {
                h.call("Issuer::suspend(issued)", || issuer.suspend(id.clone()));
                h.call("Issuer::unsuspend(issued)", || issuer.unsuspend(id.clone()));
                h.call("Issuer::revoke(issued)", || issuer.revoke(id.clone()));
                h.call("Issuer::revoke(issued, twice)", || {
                    issuer.revoke(id.clone())
                });
            }
            for registry in [&registry, &sqlite] {
                h.call("StatusRegistry::status_of(issued)", || {
                    registry.status_of(id.clone())
                });
            }
        }
    }
    let status_lists: Vec<(String, String)> = [&revocation, &suspension]
        .into_iter()
        .filter_map(|url| {
            h.call("Issuer::status_list_credential", || {
                with_status.status_list_credential(url.clone(), 3600)
            })
            .map(|list| (url.clone(), list))
        })
        .collect();
    assert_eq!(status_lists.len(), 2, "status list credentials are made");

    // Wallets.
    let wallet = Wallet::new(holder_key.clone());
    let ed_wallet = Wallet::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
    for w in [&wallet, &ed_wallet] {
        h.run("Wallet::did", || w.did());
        for s in strings.iter().chain(&credentials) {
            h.call("Wallet::store", || w.store(s.clone()));
        }
        for credential in &credentials {
            for mutated in mutations(credential) {
                h.call("Wallet::store(mutated)", || w.store(mutated));
            }
        }
        h.run("Wallet::credentials", || w.credentials());
    }
    let garbage_requests: Vec<PresentationRequest> = strings
        .iter()
        .map(|s| PresentationRequest {
            challenge: s.clone(),
            domain: Some(s.clone()),
        })
        .chain([PresentationRequest {
            challenge: String::new(),
            domain: None,
        }])
        .collect();
    let mut presentations = Vec::new();
    for request in garbage_requests.iter().step_by(4) {
        if let Some(p) = h.call("Wallet::present(garbage request)", || {
            wallet.present(credentials[..2].to_vec(), request.clone())
        }) {
            presentations.push(p);
        }
    }
    for s in &strings {
        let request = PresentationRequest {
            challenge: "c".into(),
            domain: None,
        };
        h.call("Wallet::present(garbage credential)", || {
            wallet.present(vec![s.clone()], request)
        });
    }
    h.call("Wallet::present(none)", || {
        wallet.present(
            Vec::new(),
            PresentationRequest {
                challenge: "c".into(),
                domain: None,
            },
        )
    });

    // Verifiers.
    let mut verifiers = vec![h.run("Verifier::new", Verifier::new).expect("new")];
    let mut option_sets = vec![VerifierOptions::default()];
    for seconds in [0, 1, 86_400, 86_401, u32::MAX] {
        option_sets.push(VerifierOptions {
            clock_skew_seconds: Some(seconds),
            challenge_ttl_seconds: Some(seconds),
            ..VerifierOptions::default()
        });
    }
    for date in &dates {
        option_sets.push(VerifierOptions {
            at_time: Some(date.clone()),
            clock_skew_seconds: Some(86_400),
            ..VerifierOptions::default()
        });
    }
    option_sets.push(VerifierOptions {
        trusted_issuers: Some(strings.clone()),
        ..VerifierOptions::default()
    });
    option_sets.push(VerifierOptions {
        trusted_issuers: Some(Vec::new()),
        ..VerifierOptions::default()
    });
    for options in option_sets {
        if let Some(v) = h.call("Verifier::with_options", || Verifier::with_options(options)) {
            verifiers.push(v);
        }
    }
    for verifier in &verifiers {
        for (url, list) in &status_lists {
            h.run("Verifier::add_status_list", || {
                verifier.add_status_list(url.clone(), list.clone())
            });
        }
        for credential in credentials.iter().chain(&strings) {
            h.call("Verifier::verify_credential", || {
                verifier.verify_credential(credential.clone())
            });
        }
        for s in strings.iter().take(8) {
            h.run("Verifier::request", || verifier.request(Some(s.clone())));
        }
        let request = h.run("Verifier::request", || verifier.request(None));
        for presentation in presentations.iter().take(2).chain(&strings) {
            for request in garbage_requests.iter().take(2).chain(request.as_ref()) {
                h.call("Verifier::verify_presentation", || {
                    verifier.verify_presentation(presentation.clone(), request.clone())
                });
            }
        }
    }
    // Garbage status lists: verification must still only report.
    let verifier = Verifier::new();
    for s in strings.iter().chain(credentials.iter().take(2)) {
        for url in [&revocation, &suspension] {
            h.run("Verifier::add_status_list(garbage)", || {
                verifier.add_status_list(url.clone(), s.clone())
            });
        }
        h.run("Verifier::add_status_list(garbage url)", || {
            verifier.add_status_list(s.clone(), s.clone())
        });
        for credential in credentials.iter().take(6) {
            h.call("Verifier::verify_credential(garbage status list)", || {
                verifier.verify_credential(credential.clone())
            });
        }
    }
    for credential in &credentials {
        for mutated in mutations(credential) {
            h.call("Verifier::verify_credential(mutated)", || {
                verifier.verify_credential(mutated)
            });
        }
    }
    for presentation in presentations.iter().take(1) {
        let request = verifier.request(None);
        for mutated in mutations(presentation) {
            h.call("Verifier::verify_presentation(mutated)", || {
                verifier.verify_presentation(mutated, request.clone())
            });
        }
    }

    // SD-JWT VC.
    sd_jwt_garbage(
        &mut h,
        &strings,
        &dates,
        &[&plain, &ecdsa, &with_status],
        &[&wallet, &ed_wallet],
        &verifiers,
        &revocation,
    );

    // The persistent wallet, trust lists and signed requests.
    wallet_and_trust_garbage(&mut h, &strings, &dates, &credentials, &mut rng);

    // Recovery with guardians, and delegations.
    recovery_and_delegation_garbage(&mut h, &strings, &dates, &mut rng);

    assert!(
        credentials.len() >= 6,
        "only {} credentials issued",
        credentials.len()
    );
    assert!(
        presentations.len() >= 2,
        "only {} presentations",
        presentations.len()
    );
    h.finish();
}

// A test helper: a temporary directory or wallet that cannot be made is a broken machine.
#[allow(clippy::unwrap_used, clippy::panic)]
fn wallet_and_trust_garbage(
    h: &mut Harness,
    strings: &[String],
    dates: &[String],
    credentials: &[String],
    rng: &mut Xorshift,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    for (index, key) in key_bytes_of_every_length(rng).into_iter().enumerate() {
        h.call("HolderWallet::open(garbage key)", || {
            HolderWallet::open(
                path(&format!("k{index}.db")),
                StoreKey::Key { key },
                None,
                vec![],
            )
        });
    }
    for garbage in strings.iter().take(12) {
        h.call("HolderWallet::open(garbage path)", || {
            HolderWallet::open(
                dir.path()
                    .join("nested")
                    .join(garbage)
                    .to_string_lossy()
                    .into_owned(),
                StoreKey::Passphrase {
                    passphrase: garbage.clone(),
                },
                None,
                vec![],
            )
        });
    }
    let Some(wallet) = h.call("HolderWallet::open", || {
        HolderWallet::open(
            path("wallet.db"),
            StoreKey::Passphrase {
                passphrase: "p".into(),
            },
            None,
            vec![],
        )
    }) else {
        panic!("a wallet store could not be opened")
    };
    let verifier = Verifier::new();
    let issuer_key = Some(SdJwtIssuer::Jwk {
        jwk: r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#
            .into(),
    });
    for garbage in strings.iter().chain(credentials) {
        h.call("HolderWallet::import_credential(garbage)", || {
            wallet.import_credential(garbage.clone(), verifier.clone(), issuer_key.clone())
        });
        h.call("HolderWallet::answers(garbage)", || {
            wallet.answers(garbage.clone())
        });
        h.call("HolderWallet::export(garbage)", || {
            wallet.export(garbage.clone())
        });
        h.call("HolderWallet::delete(garbage)", || {
            wallet.delete(garbage.clone())
        });
        h.call("HolderWallet::present(garbage)", || {
            wallet.present(
                garbage.clone(),
                vec![Choice {
                    query_id: garbage.clone(),
                    held_id: garbage.clone(),
                    claim_set: Some(u32::MAX),
                }],
                PresentationRequest {
                    challenge: garbage.clone(),
                    domain: Some(garbage.clone()),
                },
                garbage.clone(),
            )
        });
        h.call("HolderWallet::confirm_recovery(garbage)", || {
            wallet.confirm_recovery(garbage.clone(), garbage.clone())
        });
        h.call("HolderWallet::reissuance_request(garbage)", || {
            wallet.reissuance_request(garbage.clone(), vec![garbage.clone()])
        });
        h.call("Issuer::reissue(garbage)", || {
            Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519)).reissue(
                garbage.clone(),
                2,
                verifier.clone(),
                Some(vec![garbage.clone()]),
            )
        });
        let trust = TrustLists::new(vec![garbage.clone()]);
        h.call("TrustLists::add(garbage)", || {
            trust.add(garbage.clone(), verifier.clone())
        });
        h.call("check_request(garbage)", || {
            check_request(
                garbage.clone(),
                trust.clone(),
                Some(RequestPolicy {
                    at_time: Some(garbage.clone()),
                    ..RequestPolicy::default()
                }),
            )
        });
        h.call("Verifier::signed_request(garbage query)", || {
            verifier.signed_request(
                SoftwareKey::generate(KeyAlgorithm::P256),
                garbage.clone(),
                garbage.clone(),
            )
        });
        h.call("Verifier::verify_response(garbage)", || {
            verifier.verify_response(
                verifier.request(None),
                vec![
                    ResponsePart::DataIntegrity {
                        presentation: garbage.clone(),
                    },
                    ResponsePart::SdJwt {
                        presentation: garbage.clone(),
                        issuer: SdJwtIssuer::Jwk {
                            jwk: garbage.clone(),
                        },
                    },
                ],
            )
        });
    }
    let anchor = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
    for (garbage, date) in strings.iter().zip(dates.iter().cycle()) {
        h.call("Issuer::issue_trust_list(garbage)", || {
            anchor.issue_trust_list(
                TrustListContents {
                    list_id: garbage.clone(),
                    sequence: u64::MAX,
                    issuers: vec![ListedIssuer {
                        did: garbage.clone(),
                        legal_name: garbage.clone(),
                        credential_types: vec![garbage.clone()],
                        valid_from: Some(date.clone()),
                        valid_until: None,
                    }],
                    verifiers: vec![RegisteredVerifier {
                        did: garbage.clone(),
                        legal_name: garbage.clone(),
                        purpose: garbage.clone(),
                        may_request: vec![RequestScope {
                            credential_type: garbage.clone(),
                            claims: vec![garbage.clone()],
                        }],
                        response_uris: vec![garbage.clone()],
                        valid_from: None,
                        valid_until: Some(date.clone()),
                    }],
                },
                Some(date.clone()),
            )
        });
    }
}

// A test helper: a temporary directory or store that cannot be made is a broken machine.
#[allow(clippy::unwrap_used, clippy::panic)]
fn recovery_and_delegation_garbage(
    h: &mut Harness,
    strings: &[String],
    dates: &[String],
    rng: &mut Xorshift,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let raw = |byte: u8| StoreKey::Key {
        key: vec![byte; 32],
    };
    let failing = || DeviceKey::Platform {
        signer: Arc::new(ScriptedSigner {
            algorithm: KeyAlgorithm::P256,
            public_key: Err("the keystore is locked".into()),
            signature: Err("no".into()),
            panic_in_algorithm: false,
        }),
    };
    let wrong_key = || DeviceKey::Platform {
        signer: Arc::new(ScriptedSigner {
            algorithm: KeyAlgorithm::Ed25519,
            public_key: Ok(vec![7; 32]),
            signature: Ok(vec![0; 64]),
            panic_in_algorithm: false,
        }),
    };
    let software = || DeviceKey::Software {
        key: SoftwareKey::generate(KeyAlgorithm::P256),
    };
    for (index, key) in key_bytes_of_every_length(rng).into_iter().enumerate() {
        h.call("GuardianWallet::open(garbage key)", || {
            GuardianWallet::open(path(&format!("gk{index}.db")), StoreKey::Key { key })
        });
    }
    for garbage in strings.iter().take(12) {
        h.call("GuardianWallet::open(garbage path)", || {
            GuardianWallet::open(
                dir.path()
                    .join("nested")
                    .join(garbage)
                    .to_string_lossy()
                    .into_owned(),
                raw(1),
            )
        });
    }
    let Some(owner) = h.call("HolderWallet::open", || {
        HolderWallet::open(path("owner.db"), raw(2), None, vec![])
    }) else {
        panic!("a wallet store could not be opened")
    };
    let guardians: Vec<Arc<GuardianWallet>> = (0..3)
        .filter_map(|i| {
            h.call("GuardianWallet::open", || {
                GuardianWallet::open(path(&format!("g{i}.db")), raw(10 + i))
            })
        })
        .collect();
    assert_eq!(guardians.len(), 3, "guardian stores could not be opened");
    let list: Vec<Guardian> = guardians
        .iter()
        .enumerate()
        .map(|(i, g)| Guardian {
            name: format!("g{i}"),
            key: h
                .run("GuardianWallet::public_key", || g.public_key())
                .unwrap(),
        })
        .collect();
    h.call("HolderWallet::rotate(unprotected)", || owner.rotate());
    h.call("HolderWallet::refresh_backup(unprotected)", || {
        owner.refresh_backup()
    });
    for threshold in [0, 1, 4, u8::MAX] {
        h.call("HolderWallet::protect(bad threshold)", || {
            owner.protect(threshold, list.clone())
        });
    }
    h.call("HolderWallet::protect(no guardians)", || {
        owner.protect(2, vec![])
    });
    for garbage in strings {
        h.call("HolderWallet::protect(garbage guardian)", || {
            owner.protect(
                2,
                vec![
                    list[0].clone(),
                    Guardian {
                        name: garbage.clone(),
                        key: garbage.clone(),
                    },
                ],
            )
        });
    }
    let Some(protection) = h.call("HolderWallet::protect", || owner.protect(2, list.clone()))
    else {
        panic!("the wallet could not be protected")
    };
    for (g, share) in guardians.iter().zip(&protection.shares) {
        h.call("GuardianWallet::keep", || g.keep(share.sealed.clone()));
    }
    h.call("HolderWallet::rotate", || owner.rotate());
    h.call("HolderWallet::refresh_backup", || owner.refresh_backup());
    h.call("GuardianWallet::kept_shares", || guardians[0].kept_shares());

    // Backups: garbage, cut, changed.
    let backup = protection.backup.clone();
    let mut backups: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"LBK".to_vec(),
        b"LBK\x01\xff\xff".to_vec(),
        rng.bytes(4096),
    ];
    for cut in [1, 4, 10, 60, backup.len() / 2, backup.len() - 1] {
        backups.push(backup[..cut.min(backup.len())].to_vec());
    }
    for at in [0, 5, 40, backup.len() - 1] {
        let mut changed = backup.clone();
        changed[at] ^= 0x55;
        backups.push(changed);
    }
    for garbage in &backups {
        h.call("DeviceRecovery::new(garbage backup)", || {
            DeviceRecovery::new(garbage.clone(), software())
        });
    }
    h.call("DeviceRecovery::new(failing signer)", || {
        DeviceRecovery::new(backup.clone(), failing())
    });
    h.call("DeviceRecovery::new(lying signer)", || {
        DeviceRecovery::new(backup.clone(), wrong_key())
    });
    let device_key = SoftwareKey::generate(KeyAlgorithm::Ed25519);
    let Some(device) = h.call("DeviceRecovery::new", || {
        DeviceRecovery::new(
            backup.clone(),
            DeviceKey::Software {
                key: device_key.clone(),
            },
        )
    }) else {
        panic!("a recovery could not be started")
    };
    for garbage in strings {
        h.call("GuardianWallet::keep(garbage)", || {
            guardians[0].keep(garbage.clone())
        });
        h.call("GuardianWallet::check_request(garbage)", || {
            guardians[0].check_request(garbage.clone())
        });
        h.call("GuardianWallet::release(garbage)", || {
            guardians[0].release(garbage.clone(), garbage.clone())
        });
        h.call("GuardianWallet::release(garbage code)", || {
            guardians[0].release(device.request(), garbage.clone())
        });
        h.call("DeviceRecovery::add_release(garbage)", || {
            device.add_release(garbage.clone(), garbage.clone())
        });
        h.call("DeviceRecovery::restore(garbage path)", || {
            device.restore(garbage.clone(), raw(3), vec![])
        });
        h.call("DeviceRecovery::resume(garbage)", || {
            DeviceRecovery::resume(
                garbage.as_bytes().to_vec(),
                backup.clone(),
                DeviceKey::Software {
                    key: device_key.clone(),
                },
            )
        });
    }
    h.call("DeviceRecovery::renew_request(failing)", || {
        device.renew_request(failing())
    });
    h.call("DeviceRecovery::renew_request(another key)", || {
        device.renew_request(software())
    });
    h.run("DeviceRecovery::request_expires_at", || {
        device.request_expires_at()
    });
    let release = h.call("GuardianWallet::release", || {
        guardians[1].release(device.request(), device.short_code())
    });
    if let Some(release) = release {
        for garbage in sd_jwt_mutations(&release) {
            h.call("DeviceRecovery::add_release(mutated)", || {
                device.add_release("g1".into(), garbage)
            });
        }
        h.call("DeviceRecovery::add_release", || {
            device.add_release("g1".into(), release)
        });
    }
    h.call("DeviceRecovery::restore(too few)", || {
        device.restore(path("new.db"), raw(3), vec![])
    });
    // Saved states: cut, changed, or with another backup or key.
    let Some(state) = h.call("DeviceRecovery::to_state", || device.to_state()) else {
        panic!("the state could not be saved")
    };
    let mut states: Vec<Vec<u8>> = (0..state.len())
        .step_by(7)
        .map(|cut| state[..cut].to_vec())
        .collect();
    for at in (0..state.len()).step_by(11) {
        let mut changed = state.clone();
        changed[at] ^= 0x55;
        states.push(changed);
    }
    for garbage in &states {
        h.call("DeviceRecovery::resume(mutated)", || {
            DeviceRecovery::resume(
                garbage.clone(),
                backup.clone(),
                DeviceKey::Software {
                    key: device_key.clone(),
                },
            )
        });
    }
    for garbage in &backups {
        h.call("DeviceRecovery::resume(garbage backup)", || {
            DeviceRecovery::resume(
                state.clone(),
                garbage.clone(),
                DeviceKey::Software {
                    key: device_key.clone(),
                },
            )
        });
    }
    h.call("DeviceRecovery::resume(another key)", || {
        DeviceRecovery::resume(state.clone(), backup.clone(), software())
    });

    // Delegations.
    let kari = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
    let ola = SoftwareKey::generate(KeyAlgorithm::Ed25519).did();
    for (garbage, date) in strings.iter().zip(dates.iter().cycle()) {
        h.call("Issuer::issue_delegation(garbage)", || {
            kari.issue_delegation(
                garbage.clone(),
                garbage.clone(),
                DelegationScope {
                    credential_types: vec![garbage.clone()],
                    verifiers: vec![garbage.clone()],
                    purposes: vec![garbage.clone()],
                },
                Some(garbage.clone()),
            )
        });
        h.call("Issuer::issue_delegation(garbage scope)", || {
            kari.issue_delegation(
                kari.did(),
                ola.clone(),
                DelegationScope {
                    credential_types: vec![garbage.clone()],
                    verifiers: vec![garbage.clone()],
                    purposes: vec![garbage.clone()],
                },
                Some(date.clone()),
            )
        });
    }
}

fn sd_jwt_options(vct: &str) -> SdJwtOptions {
    SdJwtOptions {
        vct: vct.to_owned(),
        holder_key_jwk: None,
        issuer: None,
        valid_from: None,
        valid_until: None,
        decoys: 0,
        status_list_url: None,
        status_credential_id: None,
    }
}

/// Cuts and rearranges a compact SD-JWT: parts dropped, repeated, swapped, truncated.
fn sd_jwt_mutations(sd_jwt: &str) -> Vec<String> {
    let parts: Vec<&str> = sd_jwt.split('~').collect();
    let mut out = Vec::new();
    for i in 0..parts.len() {
        let mut without = parts.clone();
        without.remove(i);
        out.push(without.join("~"));
        let mut twice = parts.clone();
        twice.insert(i, parts[i]);
        out.push(twice.join("~"));
        let mut garbled = parts.clone();
        garbled[i] = "e30";
        out.push(garbled.join("~"));
    }
    let mut reversed = parts.clone();
    reversed.reverse();
    out.push(reversed.join("~"));
    for cut in [1, 10, sd_jwt.len() / 2, sd_jwt.len().saturating_sub(1)] {
        out.push(sd_jwt.chars().take(cut).collect());
    }
    out.push(sd_jwt.replace('~', "~~"));
    out.push(sd_jwt.replace('.', ".."));
    out.push(format!("{sd_jwt}~"));
    out.push(format!("{sd_jwt}{sd_jwt}"));
    out
}

#[allow(clippy::too_many_arguments)]
fn sd_jwt_garbage(
    h: &mut Harness,
    strings: &[String],
    dates: &[String],
    issuers: &[&Arc<Issuer>],
    wallets: &[&Arc<Wallet>],
    verifiers: &[Arc<Verifier>],
    status_list: &str,
) {
    let claims = r#"{"given_name": "Kari", "age_over_18": true,
        "address": {"locality": "Tromsø", "country": "NO"}, "nationalities": ["NO", "SE"]}"#;
    let disclosable: Vec<String> = [
        "given_name",
        "age_over_18",
        "address.locality",
        "nationalities.1",
    ]
    .map(str::to_owned)
    .to_vec();
    let short: Vec<&String> = strings.iter().filter(|s| s.len() < 2000).collect();
    for s in strings {
        h.call("inspect_sd_jwt", || inspect_sd_jwt(s.clone()));
    }
    let mut issued = Vec::new();
    for issuer in issuers {
        h.run("Issuer::verification_method", || {
            issuer.verification_method()
        });
        h.call("Issuer::public_key_jwk", || issuer.public_key_jwk());
        for wallet in wallets {
            let options = SdJwtOptions {
                holder_key_jwk: Some(wallet.public_key_jwk()),
                ..sd_jwt_options("urn:eudi:pid:1")
            };
            if let Some(sd_jwt) = h.call("Issuer::issue_sd_jwt", || {
                issuer.issue_sd_jwt(claims.into(), disclosable.clone(), options)
            }) {
                issued.push((sd_jwt, issuer.verification_method(), true));
            }
        }
        if let Some(sd_jwt) = h.call("Issuer::issue_sd_jwt(unbound)", || {
            issuer.issue_sd_jwt(claims.into(), disclosable.clone(), sd_jwt_options("urn:x"))
        }) {
            issued.push((sd_jwt, issuer.verification_method(), false));
        }
        for s in strings {
            h.call("Issuer::issue_sd_jwt(garbage claims)", || {
                issuer.issue_sd_jwt(s.clone(), Vec::new(), sd_jwt_options("urn:x"))
            });
            h.call("Issuer::issue_sd_jwt(garbage vct)", || {
                issuer.issue_sd_jwt(claims.into(), Vec::new(), sd_jwt_options(s))
            });
            h.call("Issuer::status_list_token(garbage url)", || {
                issuer.status_list_token(s.clone(), 3600)
            });
        }
        for s in &short {
            h.call("Issuer::issue_sd_jwt(garbage path)", || {
                issuer.issue_sd_jwt(claims.into(), vec![(*s).clone()], sd_jwt_options("urn:x"))
            });
            let garbage_options = [
                SdJwtOptions {
                    holder_key_jwk: Some((*s).clone()),
                    ..sd_jwt_options("urn:x")
                },
                SdJwtOptions {
                    issuer: Some((*s).clone()),
                    ..sd_jwt_options("urn:x")
                },
                SdJwtOptions {
                    status_list_url: Some((*s).clone()),
                    status_credential_id: Some((*s).clone()),
                    ..sd_jwt_options("urn:x")
                },
                SdJwtOptions {
                    status_list_url: Some(status_list.to_owned()),
                    status_credential_id: Some((*s).clone()),
                    ..sd_jwt_options("urn:x")
                },
                SdJwtOptions {
                    status_list_url: Some((*s).clone()),
                    ..sd_jwt_options("urn:x")
                },
            ];
            for options in garbage_options {
                h.call("Issuer::issue_sd_jwt(garbage options)", || {
                    issuer.issue_sd_jwt(claims.into(), disclosable.clone(), options)
                });
            }
        }
        for date in dates {
            for options in [
                SdJwtOptions {
                    valid_from: Some(date.clone()),
                    ..sd_jwt_options("urn:x")
                },
                SdJwtOptions {
                    valid_until: Some(date.clone()),
                    ..sd_jwt_options("urn:x")
                },
            ] {
                h.call("Issuer::issue_sd_jwt(garbage date)", || {
                    issuer.issue_sd_jwt(claims.into(), disclosable.clone(), options)
                });
            }
        }
        for decoys in [1, 100, 101, u32::MAX] {
            let options = SdJwtOptions {
                decoys,
                ..sd_jwt_options("urn:x")
            };
            h.call("Issuer::issue_sd_jwt(decoys)", || {
                issuer.issue_sd_jwt(claims.into(), disclosable.clone(), options)
            });
        }
        for depth in [10, 63, 64, 65, 128, 1000] {
            let nested = format!(r#"{{"a": {}1{}}}"#, "[".repeat(depth), "]".repeat(depth));
            let path = format!("a{}", ".0".repeat(depth));
            h.call("Issuer::issue_sd_jwt(deep)", || {
                issuer.issue_sd_jwt(nested, vec![path], sd_jwt_options("urn:x"))
            });
        }
        for reserved in [
            "iss", "iat", "exp", "nbf", "cnf", "vct", "_sd_alg", "_sd", "...", "status",
        ] {
            h.call("Issuer::issue_sd_jwt(reserved)", || {
                issuer.issue_sd_jwt(
                    format!(r#"{{"{reserved}": 1}}"#),
                    vec![reserved.to_owned()],
                    sd_jwt_options("urn:x"),
                )
            });
        }
        for seconds in [0, 1, 3600, i64::MAX as u64, u64::MAX] {
            h.call("Issuer::status_list_token(seconds)", || {
                issuer.status_list_token(status_list.to_owned(), seconds)
            });
        }
    }
    // An SD-JWT with a status.
    let with_status = issuers[issuers.len() - 1];
    let options = SdJwtOptions {
        status_list_url: Some(status_list.to_owned()),
        status_credential_id: Some("urn:uuid:sd-jwt-garbage".into()),
        ..sd_jwt_options("urn:x")
    };
    if let Some(sd_jwt) = h.call("Issuer::issue_sd_jwt(status)", || {
        with_status.issue_sd_jwt(claims.into(), disclosable.clone(), options)
    }) {
        issued.push((sd_jwt, with_status.verification_method(), false));
    }
    let token = h.call("Issuer::status_list_token", || {
        with_status.status_list_token(status_list.to_owned(), 3600)
    });
    assert!(issued.len() >= 6, "only {} SD-JWTs issued", issued.len());
    assert!(token.is_some(), "a Status List Token is made");

    let requests: Vec<PresentationRequest> = short
        .iter()
        .step_by(3)
        .map(|s| PresentationRequest {
            challenge: (*s).clone(),
            domain: Some((*s).clone()),
        })
        .chain([PresentationRequest {
            challenge: "c".into(),
            domain: None,
        }])
        .collect();
    let mut presentations = Vec::new();
    for wallet in wallets {
        h.run("Wallet::public_key_jwk", || wallet.public_key_jwk());
        for (sd_jwt, _, bound) in &issued {
            h.call("inspect_sd_jwt(issued)", || inspect_sd_jwt(sd_jwt.clone()));
            for mutated in sd_jwt_mutations(sd_jwt) {
                h.call("inspect_sd_jwt(mutated)", || {
                    inspect_sd_jwt(mutated.clone())
                });
                h.call("Wallet::present_sd_jwt(mutated)", || {
                    wallet.present_sd_jwt(
                        mutated.clone(),
                        disclosable.clone(),
                        PresentationRequest {
                            challenge: "c".into(),
                            domain: Some("https://apotek.example".into()),
                        },
                    )
                });
                h.call(
                    "Wallet::present_sd_jwt_without_key_binding(mutated)",
                    || wallet.present_sd_jwt_without_key_binding(mutated, disclosable.clone()),
                );
            }
            for request in &requests {
                if let Some(p) = h.call("Wallet::present_sd_jwt(garbage request)", || {
                    wallet.present_sd_jwt(
                        sd_jwt.clone(),
                        vec!["age_over_18".into()],
                        request.clone(),
                    )
                }) {
                    presentations.push(p);
                }
            }
            for s in &short {
                h.call("Wallet::present_sd_jwt(garbage path)", || {
                    wallet.present_sd_jwt(
                        sd_jwt.clone(),
                        vec![(*s).clone()],
                        PresentationRequest {
                            challenge: "c".into(),
                            domain: Some("d".into()),
                        },
                    )
                });
                h.call(
                    "Wallet::present_sd_jwt_without_key_binding(garbage path)",
                    || {
                        wallet
                            .present_sd_jwt_without_key_binding(sd_jwt.clone(), vec![(*s).clone()])
                    },
                );
            }
            if !bound
                && let Some(p) = h.call("Wallet::present_sd_jwt_without_key_binding", || {
                    wallet.present_sd_jwt_without_key_binding(sd_jwt.clone(), disclosable.clone())
                })
            {
                presentations.push(p);
            }
        }
        for s in strings {
            h.call("Wallet::present_sd_jwt(garbage)", || {
                wallet.present_sd_jwt(
                    s.clone(),
                    Vec::new(),
                    PresentationRequest {
                        challenge: "c".into(),
                        domain: Some("d".into()),
                    },
                )
            });
            h.call(
                "Wallet::present_sd_jwt_without_key_binding(garbage)",
                || wallet.present_sd_jwt_without_key_binding(s.clone(), Vec::new()),
            );
        }
    }
    assert!(
        presentations.len() >= 6,
        "only {} SD-JWT presentations",
        presentations.len()
    );

    let mut keys: Vec<SdJwtIssuer> = issuers
        .iter()
        .flat_map(|i| {
            [SdJwtIssuer::DidUrl {
                url: i.verification_method(),
            }]
            .into_iter()
            .chain(i.public_key_jwk().ok().map(|jwk| SdJwtIssuer::Jwk { jwk }))
        })
        .collect();
    for s in &short {
        keys.push(SdJwtIssuer::DidUrl { url: (*s).clone() });
        keys.push(SdJwtIssuer::Jwk { jwk: (*s).clone() });
    }
    for verifier in verifiers.iter().take(3) {
        if let Some(token) = &token {
            h.run("Verifier::add_status_list(token)", || {
                verifier.add_status_list(status_list.to_owned(), token.clone())
            });
        }
        for presentation in presentations.iter().take(4) {
            for key in &keys {
                h.call("Verifier::verify_sd_jwt", || {
                    verifier.verify_sd_jwt(presentation.clone(), key.clone(), None)
                });
            }
            for mutated in sd_jwt_mutations(presentation) {
                let request = verifier.request(Some("https://apotek.example".into()));
                h.call("Verifier::verify_sd_jwt(mutated)", || {
                    verifier.verify_sd_jwt(mutated, keys[0].clone(), Some(request))
                });
            }
            for request in requests.iter().take(4) {
                h.call("Verifier::verify_sd_jwt(garbage request)", || {
                    verifier.verify_sd_jwt(
                        presentation.clone(),
                        keys[0].clone(),
                        Some(request.clone()),
                    )
                });
            }
        }
        for s in strings {
            h.call("Verifier::verify_sd_jwt(garbage)", || {
                verifier.verify_sd_jwt(s.clone(), keys[0].clone(), None)
            });
        }
    }
    // Garbage Status List Tokens: verification must still only report.
    let verifier = Verifier::new();
    for s in strings.iter().chain(token.iter()) {
        verifier.add_status_list(status_list.to_owned(), s.clone());
        for (sd_jwt, key, _) in issued.iter().filter(|(_, _, bound)| !bound) {
            if let Some(p) = h.call("Wallet::present_sd_jwt_without_key_binding(status)", || {
                wallets[0].present_sd_jwt_without_key_binding(sd_jwt.clone(), Vec::new())
            }) {
                h.call("Verifier::verify_sd_jwt(garbage status list)", || {
                    verifier.verify_sd_jwt(p, SdJwtIssuer::DidUrl { url: key.clone() }, None)
                });
            }
        }
    }
}

/// The raw public key of a software key, as a platform signer would give it.
fn public_key_bytes(key: &SoftwareKey) -> Vec<u8> {
    let multibase = key.public_key_multibase();
    // base58btc of the multicodec prefix (2 bytes) and the key.
    let decoded = bs58_decode(multibase.trim_start_matches('z'));
    decoded[2..].to_vec()
}

/// A minimal base58btc decoder (test-only; no need for a dependency).
#[allow(clippy::expect_used)] // test helper: bad input is a bug in the test
fn bs58_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut bytes: Vec<u8> = Vec::new();
    for c in s.bytes() {
        let mut carry = ALPHABET.iter().position(|&a| a == c).expect("base58") as u32;
        for byte in bytes.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = carry as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, carry as u8);
            carry >>= 8;
        }
    }
    let zeros = s.bytes().take_while(|&c| c == b'1').count();
    let mut out = vec![0; zeros];
    out.extend(bytes);
    out
}

#[allow(clippy::expect_used)] // test helper: bad input is a bug in the test
fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}
