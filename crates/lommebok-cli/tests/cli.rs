//! The `lommebok` binary end to end: files in, JSON out, exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use tempfile::TempDir;

/// The instant the tests sign and verify at.
const NOW: &str = "2026-06-01T12:00:00Z";
const CHALLENGE: &str = "k3Jx9q2Vv5mT0aBcDeFgHw";
const DOMAIN: &str = "apotek.example";
const EXAMPLES_V2: &str = "https://www.w3.org/ns/credentials/examples/v2";
const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";

/// The did:key of the Ed25519 key whose seed is 32 bytes of 0x01 (checked independently against
/// RFC 8032 key derivation and the did:key encoding: multicodec 0xed01, base58btc).
const DID_SEED_01: &str = "did:key:z6Mkon3Necd6NkkyfoGoHxid2znGc59LU3K7mubaRcFbLfLX";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

fn lommebok_with_stdin(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lommebok"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lommebok binary runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output
            .status
            .code()
            .expect("exited, not killed by a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn lommebok(args: &[&str]) -> Run {
    lommebok_with_stdin(args, None)
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn seed(byte: u8) -> String {
    hex_byte(byte).repeat(32)
}

fn hex_byte(byte: u8) -> String {
    format!("{byte:02x}")
}

fn failed_checks(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == json!(false))
        .map(|c| c["check"].as_str().unwrap().to_owned())
        .collect()
}

/// A temporary directory with an issuer (a municipality) and a holder (a citizen), each a key
/// file made by `key generate --seed`.
struct Scene {
    dir: TempDir,
    issuer_key: PathBuf,
    issuer_did: String,
    holder_key: PathBuf,
    holder_did: String,
}

impl Scene {
    fn new(alg: &str) -> Scene {
        let dir = tempfile::tempdir().unwrap();
        let issuer_key = dir.path().join("municipality.key.json");
        let holder_key = dir.path().join("citizen.key.json");
        let mut dids = Vec::new();
        for (path, byte) in [(&issuer_key, 1), (&holder_key, 2)] {
            let generated = lommebok(&["key", "generate", "--alg", alg, "--seed", &seed(byte)]);
            generated.expect(0);
            assert!(generated.json()["secretKeyMultibase"].is_string());
            std::fs::write(path, &generated.stdout).unwrap();
            let did = lommebok(&["did", "--key", p(path)]);
            did.expect(0);
            let did = did.json();
            let id = did["did"].as_str().unwrap().to_owned();
            assert!(id.starts_with("did:key:z"), "{id}");
            assert!(
                did["verificationMethod"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{id}#"))
            );
            assert!(did.get("secretKeyMultibase").is_none());
            dids.push(id);
        }
        let holder_did = dids.pop().unwrap();
        let issuer_did = dids.pop().unwrap();
        Scene {
            dir,
            issuer_key,
            issuer_did,
            holder_key,
            holder_did,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// An unsigned residence credential from the issuer about the holder, valid for 2026.
    fn unsigned(&self) -> Value {
        json!({
            "@context": [CREDENTIALS_V2, EXAMPLES_V2],
            "id": "urn:uuid:3f0b0c2e-6a61-4c1e-9d7e-6b1f0f3a2b10",
            "type": ["VerifiableCredential", "ResidenceCredential"],
            "issuer": self.issuer_did,
            "validFrom": "2026-01-01T00:00:00Z",
            "validUntil": "2027-01-01T00:00:00Z",
            "credentialSubject": {
                "id": self.holder_did,
                "municipality": "Tromsø",
            },
        })
    }

    /// `issue` as the issuer, of the file `unsigned`, created at `NOW`, plus `extra`.
    fn issue_run(&self, unsigned: &Path, extra: &[&str]) -> Run {
        let mut args = vec![
            "issue",
            "--key",
            p(&self.issuer_key),
            "--in",
            p(unsigned),
            "--created",
            NOW,
        ];
        args.extend(extra);
        lommebok(&args)
    }

    /// Issues the unsigned credential with `suite` (None: the key's default) into `name`.
    fn issue(&self, suite: Option<&str>, name: &str) -> PathBuf {
        let unsigned = self.write("unsigned.json", &self.unsigned().to_string());
        let extra: Vec<&str> = suite
            .map(|suite| vec!["--suite", suite])
            .unwrap_or_default();
        let issued = self.issue_run(&unsigned, &extra);
        issued.expect(0);
        let vc = issued.json();
        assert_eq!(vc["issuer"], json!(self.issuer_did));
        assert_eq!(vc["proof"]["created"], json!(NOW));
        if let Some(suite) = suite {
            assert_eq!(vc["proof"]["cryptosuite"], json!(suite));
        }
        self.write(name, &issued.stdout)
    }

    /// `present` as the holder, of `credential`, for the test challenge and domain, created at
    /// `NOW`, plus `extra`.
    fn present_run(&self, credential: &Path, extra: &[&str]) -> Run {
        let mut args = vec![
            "present",
            "--key",
            p(&self.holder_key),
            "--credential",
            p(credential),
            "--challenge",
            CHALLENGE,
            "--domain",
            DOMAIN,
            "--created",
            NOW,
        ];
        args.extend(extra);
        lommebok(&args)
    }

    /// Presents `credential` for the test challenge and domain into `vp.json`.
    fn present(&self, credential: &Path) -> PathBuf {
        let presented = self.present_run(credential, &[]);
        presented.expect(0);
        let vp = presented.json();
        assert_eq!(vp["holder"], json!(self.holder_did));
        assert_eq!(vp["proof"]["challenge"], json!(CHALLENGE));
        assert_eq!(vp["proof"]["domain"], json!(DOMAIN));
        self.write("vp.json", &presented.stdout)
    }

    fn verify(&self, document: &Path, extra: &[&str]) -> Run {
        let mut args = vec!["verify", "--in", p(document), "--now", NOW];
        args.extend(extra);
        lommebok(&args)
    }

    fn verify_vp(&self, vp: &Path, challenge: &str, domain: &str) -> Run {
        self.verify(vp, &["--challenge", challenge, "--domain", domain])
    }
}

/// Issue → verify → present → verify, for every suite that fits the keys.
fn round_trip(alg: &str, suites: &[&str]) {
    let scene = Scene::new(alg);
    for suite in suites.iter().map(|s| Some(*s)).chain([None]) {
        let vc = scene.issue(suite, "vc.json");
        let verified = scene.verify(&vc, &[]);
        verified.expect(0);
        let report = verified.json();
        assert_eq!(report["valid"], json!(true), "{suite:?}: {report:#}");
        assert!(failed_checks(&report).is_empty());

        let vp = scene.present(&vc);
        let verified = scene.verify_vp(&vp, CHALLENGE, DOMAIN);
        verified.expect(0);
        let report = verified.json();
        assert_eq!(report["valid"], json!(true), "{suite:?}: {report:#}");
        for check in [
            "proof",
            "issuer_key",
            "holder_key",
            "challenge",
            "domain",
            "holder_binding",
        ] {
            assert!(
                report["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["check"] == json!(check) && c["passed"] == json!(true)),
                "{suite:?}: no passing {check} check: {report:#}"
            );
        }
    }
}

#[test]
fn round_trip_ed25519_with_every_eddsa_suite() {
    round_trip("ed25519", &["eddsa-rdfc-2022", "eddsa-jcs-2022"]);
}

#[test]
fn round_trip_p256_with_every_ecdsa_suite() {
    round_trip("p256", &["ecdsa-rdfc-2019", "ecdsa-jcs-2019"]);
}

#[test]
fn help_documents_exit_codes() {
    let help = lommebok(&["--help"]);
    help.expect(0);
    assert!(help.stdout.contains("Exit codes"), "{}", help.stdout);
    for line in [
        "0  done",
        "1  `verify`, `sd-jwt verify`, `trust show`, `wallet import`, `wallet check-request`,",
        "`wallet present --request` and `reissue` only",
        "2  usage or input error",
        "3  internal error",
    ] {
        assert!(
            help.stdout.contains(line),
            "--help lacks `{line}`:\n{}",
            help.stdout
        );
    }
    let verify_help = lommebok(&["verify", "--help"]);
    verify_help.expect(0);
    assert!(
        verify_help.stdout.contains("replay protection"),
        "{}",
        verify_help.stdout
    );
}

#[test]
fn key_generate_with_seed_is_deterministic_and_did_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    for alg in ["ed25519", "p256"] {
        let first = lommebok(&["key", "generate", "--alg", alg, "--seed", &seed(1)]);
        let second = lommebok(&["key", "generate", "--alg", alg, "--seed", &seed(1)]);
        first.expect(0);
        second.expect(0);
        assert_eq!(first.stdout, second.stdout);
        assert_eq!(first.json()["type"], json!("Multikey"));
        let key = dir.path().join(format!("{alg}.json"));
        std::fs::write(&key, &first.stdout).unwrap();
        let did = lommebok(&["did", "--key", p(&key)]);
        did.expect(0);
        assert_eq!(did.stdout, lommebok(&["did", "--key", p(&key)]).stdout);
        let prefix = if alg == "p256" {
            "did:key:zDn"
        } else {
            "did:key:z6Mk"
        };
        assert!(did.json()["did"].as_str().unwrap().starts_with(prefix));
    }
    // Ed25519 is the default algorithm.
    let default = lommebok(&["key", "generate", "--seed", &seed(1)]);
    default.expect(0);
    let key = dir.path().join("default.json");
    std::fs::write(&key, &default.stdout).unwrap();
    let did = lommebok(&["did", "--key", p(&key)]).json();
    assert_eq!(did["did"], json!(DID_SEED_01));
    assert_eq!(
        did["verificationMethod"],
        json!(format!(
            "{DID_SEED_01}#{}",
            DID_SEED_01.trim_start_matches("did:key:")
        ))
    );
}

#[test]
fn key_generate_without_seed_is_random() {
    let a = lommebok(&["key", "generate"]);
    let b = lommebok(&["key", "generate", "--alg", "ed25519"]);
    a.expect(0);
    b.expect(0);
    assert_ne!(
        a.json()["secretKeyMultibase"],
        b.json()["secretKeyMultibase"]
    );
}

#[test]
fn private_jwk_key_file_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let key =
        lommebok::SoftwareKey::from_secret_bytes(lommebok::Algorithm::Ed25519, &[1; 32]).unwrap();
    let path = dir.path().join("key.jwk");
    std::fs::write(&path, key.to_private_jwk().as_str()).unwrap();
    let did = lommebok(&["did", "--key", p(&path)]);
    did.expect(0);
    assert_eq!(did.json()["did"], json!(DID_SEED_01));
}

#[test]
fn presentation_with_wrong_challenge_is_invalid() {
    let scene = Scene::new("ed25519");
    let vp = scene.present(&scene.issue(None, "vc.json"));
    let run = scene.verify_vp(&vp, "another-challenge", DOMAIN);
    run.expect(1);
    let report = run.json();
    assert_eq!(report["valid"], json!(false));
    assert_eq!(failed_checks(&report), ["challenge"], "{report:#}");
    assert!(run.stderr.contains("challenge"), "{}", run.stderr);
}

#[test]
fn presentation_with_wrong_domain_is_invalid() {
    let scene = Scene::new("ed25519");
    let vp = scene.present(&scene.issue(None, "vc.json"));
    let run = scene.verify_vp(&vp, CHALLENGE, "evil.example");
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["domain"]);
}

#[test]
fn presentation_without_challenge_is_a_usage_error() {
    let scene = Scene::new("ed25519");
    let vp = scene.present(&scene.issue(None, "vc.json"));
    let run = scene.verify(&vp, &[]);
    run.expect(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn tampered_credential_is_invalid() {
    let scene = Scene::new("ed25519");
    for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
        let vc = scene.issue(Some(suite), "vc.json");
        let text = std::fs::read_to_string(&vc).unwrap();
        assert!(text.contains("Tromsø"));
        let tampered = scene.write("tampered.json", &text.replace("Tromsø", "Oslo"));
        let run = scene.verify(&tampered, &[]);
        run.expect(1);
        assert_eq!(failed_checks(&run.json()), ["proof"], "{suite}");
    }
}

#[test]
fn tampered_presentation_is_invalid() {
    let scene = Scene::new("ed25519");
    let vp = scene.present(&scene.issue(None, "vc.json"));
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&vp).unwrap()).unwrap();
    json["proof"]["domain"] = json!("evil.example");
    let tampered = scene.write("tampered-vp.json", &json.to_string());
    let run = scene.verify_vp(&tampered, CHALLENGE, "evil.example");
    run.expect(1);
    assert!(failed_checks(&run.json()).contains(&"proof".to_owned()));
}

#[test]
fn expect_issuer_restricts_trusted_issuers() {
    let scene = Scene::new("ed25519");
    let vc = scene.issue(None, "vc.json");
    scene
        .verify(&vc, &["--expect-issuer", &scene.issuer_did])
        .expect(0);
    scene
        .verify(
            &vc,
            &[
                "--expect-issuer",
                &scene.holder_did,
                "--expect-issuer",
                &scene.issuer_did,
            ],
        )
        .expect(0);

    assert_eq!(scene.issuer_did, DID_SEED_01);
    let run = scene.verify(&vc, &["--expect-issuer", &scene.holder_did]);
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["trusted_issuer"]);

    // In a presentation too.
    let vp = scene.present(&vc);
    let run = scene.verify_vp(&vp, CHALLENGE, DOMAIN);
    run.expect(0);
    let mut args = vec!["--challenge", CHALLENGE, "--domain", DOMAIN];
    args.extend(["--expect-issuer", scene.holder_did.as_str()]);
    let run = scene.verify(&vp, &args);
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["trusted_issuer"]);
}

#[test]
fn verifying_after_valid_until_is_invalid() {
    let scene = Scene::new("ed25519");
    let vc = scene.issue(None, "vc.json");
    let run = lommebok(&["verify", "--in", p(&vc), "--now", "2027-02-01T00:00:00Z"]);
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["validity_period"]);
    let run = lommebok(&[
        "verify",
        "--in",
        p(&vc),
        "--now",
        "2025-12-01T00:00:00+01:00",
    ]);
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["validity_period"]);
}

#[test]
fn stdin_is_read_for_in_dash() {
    let scene = Scene::new("ed25519");
    let unsigned = scene.unsigned().to_string();
    let issued = lommebok_with_stdin(
        &[
            "issue",
            "--key",
            p(&scene.issuer_key),
            "--in",
            "-",
            "--created",
            NOW,
        ],
        Some(&unsigned),
    );
    issued.expect(0);
    let run = lommebok_with_stdin(&["verify", "--in", "-", "--now", NOW], Some(&issued.stdout));
    run.expect(0);
    assert_eq!(run.json()["valid"], json!(true));
}

#[test]
fn malformed_json_is_an_input_error() {
    let scene = Scene::new("ed25519");
    let bad = scene.write("bad.json", "{\"@context\": [");
    for args in [
        vec!["verify", "--in", p(&bad)],
        vec!["issue", "--key", p(&scene.issuer_key), "--in", p(&bad)],
        vec![
            "present",
            "--key",
            p(&scene.holder_key),
            "--credential",
            p(&bad),
            "--challenge",
            "c",
        ],
        vec!["did", "--key", p(&bad)],
    ] {
        let run = lommebok(&args);
        run.expect(2);
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    // Duplicate member names are refused, not resolved.
    let vc = std::fs::read_to_string(scene.issue(None, "vc.json")).unwrap();
    let duplicated = scene.write(
        "dup.json",
        &vc.replacen('{', "{\"issuer\": \"did:example:x\",", 1),
    );
    lommebok(&["verify", "--in", p(&duplicated)]).expect(2);
}

#[test]
fn not_a_credential_is_an_input_error() {
    let scene = Scene::new("ed25519");
    for (name, text) in [
        ("object.json", r#"{"hello": "world"}"#.to_owned()),
        ("array.json", "[1, 2]".to_owned()),
        ("no-issuer.json", {
            let mut unsigned = scene.unsigned();
            unsigned.as_object_mut().unwrap().remove("issuer");
            unsigned.to_string()
        }),
    ] {
        let path = scene.write(name, &text);
        let run = lommebok(&["verify", "--in", p(&path)]);
        run.expect(2);
        assert!(run.stderr.starts_with("error: "), "{name}: {}", run.stderr);
    }
    let binary = scene.path("binary.json");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
    lommebok(&["verify", "--in", p(&binary)]).expect(2);
}

#[test]
fn missing_file_is_an_input_error() {
    let scene = Scene::new("ed25519");
    let missing = scene.path("missing.json");
    for args in [
        vec!["verify", "--in", p(&missing)],
        vec!["did", "--key", p(&missing)],
        vec!["issue", "--key", p(&scene.issuer_key), "--in", p(&missing)],
        vec![
            "present",
            "--key",
            p(&scene.holder_key),
            "--credential",
            p(&missing),
            "--challenge",
            "c",
        ],
    ] {
        let run = lommebok(&args);
        run.expect(2);
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("missing.json"), "{}", run.stderr);
    }
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        vec!["key", "generate", "--alg", "rsa"],
        vec!["key", "generate", "--seed", "0102"],
        vec!["key", "generate", "--seed", "not hex"],
        vec!["verify"],
        vec!["verify", "--in", "x.json", "--now", "yesterday"],
        vec!["verify", "--in", "x.json", "--context", "no-equals-sign"],
        vec![
            "issue", "--key", "k.json", "--in", "x.json", "--suite", "rsa-2048",
        ],
        vec!["frobnicate"],
        vec![],
    ] {
        let run = lommebok(&args);
        run.expect(2);
        assert!(run.stderr.contains("error"), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    // A P-256 scalar must be below the group order.
    lommebok(&[
        "key",
        "generate",
        "--alg",
        "p256",
        "--seed",
        &"ff".repeat(32),
    ])
    .expect(2);
}

#[test]
fn suite_that_does_not_fit_the_key_is_an_input_error() {
    let scene = Scene::new("ed25519");
    let unsigned = scene.write("unsigned.json", &scene.unsigned().to_string());
    let run = lommebok(&[
        "issue",
        "--key",
        p(&scene.issuer_key),
        "--in",
        p(&unsigned),
        "--suite",
        "ecdsa-rdfc-2019",
    ]);
    run.expect(2);
    assert!(run.stderr.contains("ecdsa-rdfc-2019"), "{}", run.stderr);
}

#[test]
fn issuing_as_someone_else_is_an_input_error() {
    let scene = Scene::new("ed25519");
    let unsigned = scene.write("unsigned.json", &scene.unsigned().to_string());
    let run = lommebok(&["issue", "--key", p(&scene.holder_key), "--in", p(&unsigned)]);
    run.expect(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
}

#[test]
fn presenting_a_credential_about_someone_else_is_an_input_error() {
    let scene = Scene::new("ed25519");
    let vc = scene.issue(None, "vc.json");
    let run = lommebok(&[
        "present",
        "--key",
        p(&scene.issuer_key),
        "--credential",
        p(&vc),
        "--challenge",
        "c",
    ]);
    run.expect(2);
    assert!(run.stderr.contains("vc.json"), "{}", run.stderr);
}

#[test]
fn presentation_of_several_credentials() {
    let scene = Scene::new("ed25519");
    let first = scene.issue(Some("eddsa-rdfc-2022"), "vc1.json");
    let second = scene.issue(Some("eddsa-jcs-2022"), "vc2.json");
    let presented = lommebok(&[
        "present",
        "--key",
        p(&scene.holder_key),
        "--credential",
        p(&first),
        "--credential",
        p(&second),
        "--challenge",
        CHALLENGE,
        "--created",
        NOW,
    ]);
    presented.expect(0);
    assert_eq!(
        presented.json()["verifiableCredential"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let vp = scene.write("vp2.json", &presented.stdout);
    let run = scene.verify(&vp, &["--challenge", CHALLENGE]);
    run.expect(0);
    let report = run.json();
    for target in ["credential[0]", "credential[1]"] {
        assert!(
            report["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["target"] == json!(target))
        );
    }
}

#[test]
fn unknown_context_needs_context_argument() {
    const URL: &str = "https://kommune.example/contexts/residence/v1";
    let scene = Scene::new("ed25519");
    let mut unsigned = scene.unsigned();
    unsigned["@context"] = json!([CREDENTIALS_V2, URL]);
    let unsigned = scene.write("unsigned-custom.json", &unsigned.to_string());
    let context = scene.write(
        "residence-v1.jsonld",
        r#"{"@context": {"@vocab": "https://kommune.example/vocab#"}}"#,
    );
    let context_arg = format!("{URL}={}", p(&context));
    let issue = |extra: &[&str]| {
        let mut args = vec![
            "issue",
            "--key",
            p(&scene.issuer_key),
            "--in",
            p(&unsigned),
            "--created",
            NOW,
        ];
        args.extend(extra);
        lommebok(&args)
    };

    let refused = issue(&[]);
    refused.expect(2);
    assert!(refused.stderr.starts_with("error: "), "{}", refused.stderr);
    assert!(refused.stderr.contains(URL), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--context URL=FILE"),
        "{}",
        refused.stderr
    );

    let issued = issue(&["--context", &context_arg]);
    issued.expect(0);
    let vc = scene.write("vc-custom.json", &issued.stdout);

    // The verifier needs the context as well: without it the proof cannot be checked.
    let run = scene.verify(&vc, &[]);
    run.expect(1);
    let failed = failed_checks(&run.json());
    assert!(failed.contains(&"proof".to_owned()), "{failed:?}");
    assert!(
        failed.iter().all(|c| c == "proof" || c == "context"),
        "{failed:?}"
    );
    scene.verify(&vc, &["--context", &context_arg]).expect(0);

    // So does the holder, whose presentation proof covers the credential.
    let present = |extra: &[&str]| {
        let mut args = vec![
            "present",
            "--key",
            p(&scene.holder_key),
            "--credential",
            p(&vc),
            "--challenge",
            CHALLENGE,
            "--created",
            NOW,
        ];
        args.extend(extra);
        lommebok(&args)
    };
    present(&[]).expect(2);
    let presented = present(&["--context", &context_arg]);
    presented.expect(0);
    let vp = scene.write("vp-custom.json", &presented.stdout);
    scene
        .verify(&vp, &["--challenge", CHALLENGE, "--context", &context_arg])
        .expect(0);

    // A bundled context cannot be replaced, nor one given twice.
    for url in [CREDENTIALS_V2, URL] {
        let run = issue(&[
            "--context",
            &context_arg,
            "--context",
            &format!("{url}={}", p(&context)),
        ]);
        run.expect(2);
        assert!(run.stderr.contains("cannot be replaced"), "{}", run.stderr);
    }
    let run = scene.verify(
        &vc,
        &["--context", &format!("{CREDENTIALS_V2}={}", p(&context))],
    );
    run.expect(2);

    // A context file that is not a context is an input error.
    let not_context = scene.write("not-context.json", r#"{"hello": "world"}"#);
    issue(&["--context", &format!("{URL}={}", p(&not_context))]).expect(2);
}

#[test]
fn undefined_term_is_an_input_error_for_rdfc_suites() {
    let scene = Scene::new("ed25519");
    let mut unsigned = scene.unsigned();
    // Without the examples context, `ResidenceCredential` and `municipality` are undefined.
    unsigned["@context"] = json!([CREDENTIALS_V2]);
    let unsigned = scene.write("undefined.json", &unsigned.to_string());
    let run = lommebok(&["issue", "--key", p(&scene.issuer_key), "--in", p(&unsigned)]);
    run.expect(2);
    assert!(run.stderr.starts_with("error: JSON-LD"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);
}

const REVOCATION_LIST: &str = "https://kommune.example/status/revocation/1";
const SUSPENSION_LIST: &str = "https://kommune.example/status/suspension/1";
const MESSAGE_LIST: &str = "https://kommune.example/status/message/1";

/// The status checks of a verification report: (passed, reason), in order.
fn status_checks(report: &Value) -> Vec<(bool, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == json!("status"))
        .map(|c| {
            (
                c["passed"].as_bool().unwrap(),
                c["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A credential's `credentialStatus` entries (one entry is an object, several an array).
fn status_entries(vc: &Value) -> Vec<Value> {
    match &vc["credentialStatus"] {
        Value::Array(entries) => entries.clone(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    }
}

impl Scene {
    fn db(&self) -> PathBuf {
        self.path("status.sqlite")
    }

    /// `lommebok status <args> --db <the scene's database>`.
    fn status(&self, args: &[&str]) -> Run {
        let db = self.db();
        let mut all = vec!["status"];
        all.extend(args);
        all.extend(["--db", p(&db)]);
        lommebok(&all)
    }

    fn create_list(&self, url: &str, purpose: &str) {
        let run = self.status(&["create", "--url", url, "--purpose", purpose]);
        run.expect(0);
        assert_eq!(
            run.json(),
            json!({"url": url, "purpose": purpose, "size": 1, "entries": 131_072})
        );
    }

    /// Issues the unsigned credential, without an id, with an entry in each of `lists`; returns
    /// the file and the id the issuer gave it.
    fn issue_with_status(&self, lists: &[&str], name: &str) -> (PathBuf, String) {
        let mut unsigned = self.unsigned();
        unsigned.as_object_mut().unwrap().remove("id");
        let unsigned = self.write("unsigned-status.json", &unsigned.to_string());
        let db = self.db();
        let mut args = vec![
            "issue",
            "--key",
            p(&self.issuer_key),
            "--in",
            p(&unsigned),
            "--created",
            NOW,
            "--status-db",
            p(&db),
        ];
        for list in lists {
            args.extend(["--status-list", list]);
        }
        let issued = lommebok(&args);
        issued.expect(0);
        let vc = issued.json();
        let id = vc["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("urn:uuid:"), "{id}");
        let entries = status_entries(&vc);
        assert_eq!(entries.len(), lists.len());
        for (entry, list) in entries.iter().zip(lists) {
            assert_eq!(entry["type"], json!("BitstringStatusListEntry"));
            assert_eq!(entry["statusListCredential"], json!(list));
        }
        (self.write(name, &issued.stdout), id)
    }

    /// Publishes `url` as it stands (valid from the test's NOW for a day) into a file.
    fn publish(&self, url: &str) -> PathBuf {
        let run = self.status(&[
            "publish",
            "--key",
            p(&self.issuer_key),
            "--url",
            url,
            "--now",
            NOW,
        ]);
        run.expect(0);
        let list = run.json();
        assert_eq!(list["id"], json!(url));
        assert_eq!(list["issuer"], json!(self.issuer_did));
        assert!(
            list["type"]
                .as_array()
                .unwrap()
                .contains(&json!("BitstringStatusListCredential"))
        );
        assert_eq!(
            list["credentialSubject"]["type"],
            json!("BitstringStatusList")
        );
        assert_eq!(list["validFrom"], json!(NOW));
        assert_eq!(list["validUntil"], json!("2026-06-02T12:00:00Z"));
        let name = format!("list-{}.json", url.rsplit('/').nth(1).unwrap());
        self.write(&name, &run.stdout)
    }

    /// Verifies `vc` with each published list given as --status-list.
    fn verify_with_lists(&self, vc: &Path, lists: &[(&str, &Path)]) -> Run {
        let args: Vec<String> = lists
            .iter()
            .flat_map(|(url, file)| ["--status-list".to_owned(), format!("{url}={}", p(file))])
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.verify(vc, &args)
    }
}

/// The issuer's and the verifier's whole story: lists, issuing with status, publishing,
/// verifying, suspending, unsuspending, revoking. Every command is a new process over the same
/// database file, so state surviving between them is part of the story.
#[test]
fn status_story_issue_publish_verify_suspend_revoke() {
    let scene = Scene::new("ed25519");
    scene.create_list(REVOCATION_LIST, "revocation");
    scene.create_list(SUSPENSION_LIST, "suspension");
    let (vc, id) = scene.issue_with_status(&[REVOCATION_LIST, SUSPENSION_LIST], "vc.json");

    let show = scene.status(&["show"]);
    show.expect(0);
    let lists = show.json()["lists"].as_array().unwrap().clone();
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[0]["url"], json!(REVOCATION_LIST));
    assert_eq!(lists[1]["purpose"], json!("suspension"));
    assert!(
        lists
            .iter()
            .all(|l| l["allocated"] == json!(1) && l["set"] == json!(0))
    );

    let publish_both = || {
        let revocation = scene.publish(REVOCATION_LIST);
        let suspension = scene.publish(SUSPENSION_LIST);
        (revocation, suspension)
    };
    let verify_both = |(revocation, suspension): &(PathBuf, PathBuf)| {
        scene.verify_with_lists(
            &vc,
            &[
                (REVOCATION_LIST, revocation.as_path()),
                (SUSPENSION_LIST, suspension.as_path()),
            ],
        )
    };

    let published = publish_both();
    let run = verify_both(&published);
    run.expect(0);
    assert_eq!(
        status_checks(&run.json()),
        [
            (true, "not revoked".to_owned()),
            (true, "not suspended".to_owned())
        ]
    );

    // Suspend: the printed status says so, and verifiers see it in the next published list.
    let suspended = scene.status(&["suspend", "--id", &id]);
    suspended.expect(0);
    let status = suspended.json();
    assert_eq!(status["id"], json!(id));
    let values: Vec<_> = status["status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["purpose"].as_str().unwrap(), s["value"].as_u64().unwrap()))
        .collect();
    assert_eq!(values, [("revocation", 0), ("suspension", 1)]);
    verify_both(&published).expect(0);
    let run = verify_both(&publish_both());
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["status"]);
    assert_eq!(
        status_checks(&run.json()),
        [
            (true, "not revoked".to_owned()),
            (false, "suspended".to_owned())
        ]
    );
    assert!(run.stderr.contains("suspended"), "{}", run.stderr);

    scene.status(&["unsuspend", "--id", &id]).expect(0);
    verify_both(&publish_both()).expect(0);

    // Revoke.
    let revoked = scene.status(&["revoke", "--id", &id]);
    revoked.expect(0);
    assert_eq!(revoked.json()["status"][0]["purpose"], json!("revocation"));
    assert_eq!(revoked.json()["status"][0]["value"], json!(1));
    let published = publish_both();
    let run = verify_both(&published);
    run.expect(1);
    let report = run.json();
    assert_eq!(failed_checks(&report), ["status"]);
    assert_eq!(status_checks(&report)[0], (false, "revoked".to_owned()));

    // The database remembers, for `show` too.
    let show = scene.status(&["show", "--id", &id]);
    show.expect(0);
    assert_eq!(show.json(), revoked.json());
    let show = scene.status(&["show"]);
    show.expect(0);
    assert_eq!(show.json()["lists"][0]["set"], json!(1));
    assert_eq!(show.json()["lists"][1]["set"], json!(0));

    // A second credential gets other indices, and is not revoked.
    let (other, other_id) =
        scene.issue_with_status(&[REVOCATION_LIST, SUSPENSION_LIST], "other.json");
    assert_ne!(other_id, id);
    let indices = |file: &Path| -> Vec<Value> {
        let vc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        status_entries(&vc)
            .iter()
            .map(|e| e["statusListIndex"].clone())
            .collect()
    };
    assert_ne!(indices(&other)[0], indices(&vc)[0]);
    let published = publish_both();
    scene
        .verify_with_lists(
            &other,
            &[
                (REVOCATION_LIST, published.0.as_path()),
                (SUSPENSION_LIST, published.1.as_path()),
            ],
        )
        .expect(0);

    // Without the lists, status cannot be checked: never valid.
    let run = scene.verify(&vc, &[]);
    run.expect(1);
    let checks = status_checks(&run.json());
    assert_eq!(checks.len(), 2);
    assert!(
        checks
            .iter()
            .all(|(passed, reason)| !passed && reason.contains("cannot be had")),
        "{checks:?}"
    );
    assert!(run.stderr.contains("--status-list"), "{}", run.stderr);
    // With only one of them, the other check fails.
    let run = scene.verify_with_lists(&other, &[(REVOCATION_LIST, published.0.as_path())]);
    run.expect(1);
    let checks = status_checks(&run.json());
    assert_eq!(checks[0], (true, "not revoked".to_owned()));
    assert!(
        !checks[1].0 && checks[1].1.contains("cannot be had"),
        "{checks:?}"
    );
    // A list given under the wrong URL is not used for the other.
    let run = scene.verify_with_lists(
        &other,
        &[
            (REVOCATION_LIST, published.1.as_path()),
            (SUSPENSION_LIST, published.0.as_path()),
        ],
    );
    run.expect(1);
    assert!(status_checks(&run.json()).iter().all(|(passed, _)| !passed));
}

#[test]
fn status_message_list_and_set() {
    let scene = Scene::new("ed25519");
    let created = scene.status(&[
        "create",
        "--url",
        MESSAGE_LIST,
        "--purpose",
        "message",
        "--size",
        "2",
        "--message",
        "0x3=withdrawn",
        "--message",
        "0x0=valid",
        "--message",
        "0x1=pending review",
        "--message",
        "0x2=under appeal",
        "--reference",
        "https://kommune.example/status/dictionary",
    ]);
    created.expect(0);
    let list = created.json();
    assert_eq!(list["size"], json!(2));
    assert_eq!(
        list["messages"][0],
        json!({"status": "0x0", "message": "valid"})
    );
    assert_eq!(list["messages"].as_array().unwrap().len(), 4);

    let (vc, id) = scene.issue_with_status(&[MESSAGE_LIST], "vc.json");
    let entry = &status_entries(
        &serde_json::from_str::<Value>(&std::fs::read_to_string(&vc).unwrap()).unwrap(),
    )[0];
    assert_eq!(entry["statusSize"], json!(2));
    assert_eq!(entry["statusMessage"].as_array().unwrap().len(), 4);

    let set = scene.status(&["set", "--id", &id, "--purpose", "message", "--value", "0x2"]);
    set.expect(0);
    assert_eq!(set.json()["status"][0]["value"], json!(2));
    assert_eq!(set.json()["status"][0]["message"], json!("under appeal"));
    let published = scene.publish(MESSAGE_LIST);
    let run = scene.verify_with_lists(&vc, &[(MESSAGE_LIST, published.as_path())]);
    run.expect(0);
    assert_eq!(
        status_checks(&run.json()),
        [(true, "status message 0x2: under appeal".to_owned())]
    );
    // A value that does not fit in two bits, and a purpose the credential has no entry for.
    scene
        .status(&["set", "--id", &id, "--purpose", "message", "--value", "4"])
        .expect(2);
    scene
        .status(&[
            "set",
            "--id",
            &id,
            "--purpose",
            "revocation",
            "--value",
            "1",
        ])
        .expect(2);
}

#[test]
fn status_errors_are_input_errors() {
    let scene = Scene::new("ed25519");
    let db = scene.db();
    let expect_error = |run: Run, needle: &str| {
        run.expect(2);
        assert!(run.stderr.contains("error"), "{}", run.stderr);
        assert!(
            run.stderr.contains(needle),
            "`{needle}` not in {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    };

    // Bad lists are refused before the database file is made.
    for (args, needle) in [
        (vec!["--purpose", "refresh"], "refresh"),
        (vec!["--purpose", "expiry"], "expiry"),
        (
            vec!["--purpose", "message", "--message", "0x0=valid"],
            "statusMessage",
        ),
        (
            vec![
                "--purpose",
                "message",
                "--size",
                "2",
                "--message",
                "0x0=a",
                "--message",
                "0x1=b",
            ],
            "statusMessage",
        ),
        (
            vec!["--purpose", "revocation", "--size", "3"],
            "statusMessage",
        ),
        (vec!["--purpose", "revocation", "--size", "9"], "9"),
        (vec!["--purpose", "message", "--message", "1=a"], "0xN=TEXT"),
        (
            vec![
                "--purpose",
                "message",
                "--message",
                "0x0=a",
                "--message",
                "0x0=b",
            ],
            "twice",
        ),
        (
            vec![
                "--purpose",
                "message",
                "--message",
                "0x0=a",
                "--message",
                "0x2=b",
            ],
            "does not fit",
        ),
    ] {
        let mut all = vec!["create", "--url", REVOCATION_LIST];
        all.extend(args);
        expect_error(scene.status(&all), needle);
        assert!(!db.exists(), "{all:?} made the database");
    }
    expect_error(
        scene.status(&["create", "--url", "not a url", "--purpose", "revocation"]),
        "not a URL",
    );

    // Commands other than `create` need the database to exist, and do not make it.
    for args in [
        vec!["revoke", "--id", "urn:uuid:1"],
        vec!["suspend", "--id", "urn:uuid:1"],
        vec!["show"],
        vec![
            "publish",
            "--key",
            p(&scene.issuer_key),
            "--url",
            REVOCATION_LIST,
        ],
    ] {
        expect_error(scene.status(&args), "does not exist");
        assert!(!db.exists(), "{args:?} made the database");
    }

    scene.create_list(REVOCATION_LIST, "revocation");
    expect_error(
        scene.status(&[
            "create",
            "--url",
            REVOCATION_LIST,
            "--purpose",
            "suspension",
        ]),
        "already",
    );
    // Unknown credentials and lists.
    expect_error(
        scene.status(&["revoke", "--id", "urn:uuid:unknown"]),
        "urn:uuid:unknown",
    );
    expect_error(
        scene.status(&["suspend", "--id", "urn:uuid:unknown"]),
        "suspension",
    );
    expect_error(
        scene.status(&["show", "--id", "urn:uuid:unknown"]),
        "urn:uuid:unknown",
    );
    expect_error(
        scene.status(&[
            "publish",
            "--key",
            p(&scene.issuer_key),
            "--url",
            SUSPENSION_LIST,
        ]),
        SUSPENSION_LIST,
    );
    expect_error(
        scene.status(&[
            "publish",
            "--key",
            p(&scene.issuer_key),
            "--url",
            REVOCATION_LIST,
            "--valid-for",
            "0",
        ]),
        "valid-for",
    );

    // Issuing into a list the database does not have, or without the database.
    let unsigned = scene.write("unsigned.json", &scene.unsigned().to_string());
    let issue = |extra: &[&str]| {
        let mut args = vec!["issue", "--key", p(&scene.issuer_key), "--in", p(&unsigned)];
        args.extend(extra);
        lommebok(&args)
    };
    expect_error(
        issue(&["--status-db", p(&db), "--status-list", SUSPENSION_LIST]),
        SUSPENSION_LIST,
    );
    expect_error(
        issue(&[
            "--status-db",
            p(&db),
            "--status-list",
            REVOCATION_LIST,
            "--status-list",
            REVOCATION_LIST,
        ]),
        "twice",
    );
    expect_error(issue(&["--status-list", REVOCATION_LIST]), "--status-db");
    expect_error(issue(&["--status-db", p(&db)]), "--status-list");
    // None of that took an index.
    assert_eq!(
        scene.status(&["show"]).json()["lists"][0]["allocated"],
        json!(0)
    );

    // A damaged database is an input error with a message, not a crash.
    let garbage = scene.write("garbage.sqlite", &"not a database at all ".repeat(64));
    for args in [
        vec!["status", "show", "--db", p(&garbage)],
        vec![
            "status",
            "create",
            "--db",
            p(&garbage),
            "--url",
            REVOCATION_LIST,
            "--purpose",
            "revocation",
        ],
        vec![
            "issue",
            "--key",
            p(&scene.issuer_key),
            "--in",
            p(&unsigned),
            "--status-db",
            p(&garbage),
            "--status-list",
            REVOCATION_LIST,
        ],
    ] {
        expect_error(lommebok(&args), "not a database");
    }

    // The verifier's --status-list: URL=FILE, each URL once, the file must be readable.
    let vc = scene.issue(None, "vc.json");
    expect_error(
        scene.verify(&vc, &["--status-list", "no-equals"]),
        "URL=FILE",
    );
    let missing = scene.path("missing-list.json");
    expect_error(
        scene.verify(
            &vc,
            &[
                "--status-list",
                &format!("{REVOCATION_LIST}={}", p(&missing)),
            ],
        ),
        "missing-list.json",
    );
    let list = scene.publish(REVOCATION_LIST);
    let arg = format!("{REVOCATION_LIST}={}", p(&list));
    expect_error(
        scene.verify(&vc, &["--status-list", &arg, "--status-list", &arg]),
        "twice",
    );
    // A credential without status verifies with or without lists.
    scene.verify(&vc, &["--status-list", &arg]).expect(0);
}

#[test]
fn status_help_describes_every_subcommand() {
    let help = lommebok(&["--help"]);
    help.expect(0);
    assert!(help.stdout.contains("status"), "{}", help.stdout);
    let status = lommebok(&["status", "--help"]);
    status.expect(0);
    for word in [
        "create",
        "revoke",
        "suspend",
        "unsuspend",
        "set",
        "show",
        "publish",
        "Bitstring Status List",
    ] {
        assert!(status.stdout.contains(word), "{word}: {}", status.stdout);
    }
    for (sub, option) in [
        ("create", "--purpose"),
        ("revoke", "--id"),
        ("suspend", "--id"),
        ("unsuspend", "--id"),
        ("set", "--value"),
        ("show", "--id"),
        ("publish", "--valid-for"),
    ] {
        let run = lommebok(&["status", sub, "--help"]);
        run.expect(0);
        assert!(run.stdout.contains(option), "{sub}: {}", run.stdout);
        assert!(run.stdout.contains("--db"), "{sub}: {}", run.stdout);
    }
    let issue = lommebok(&["issue", "--help"]);
    assert!(issue.stdout.contains("--status-list"), "{}", issue.stdout);
    let verify = lommebok(&["verify", "--help"]);
    assert!(
        verify.stdout.contains("--status-list URL=FILE"),
        "{}",
        verify.stdout
    );
}

// SD-JWT VC: `sd-jwt issue|present|verify` and `status publish-token`.

const NONCE: &str = "n-0S6_WzA2Mj";
const AUD: &str = "https://apotek.example";
const VCT: &str = "urn:eudi:pid:1";
const TOKEN_LIST: &str = "https://kommune.example/token-status/revocation/1";

/// The claims that every SD-JWT VC shows (not the holder's choice).
const ALWAYS_VISIBLE: [&str; 7] = ["iss", "iat", "exp", "nbf", "vct", "cnf", "status"];

/// How the verifier is told the issuer's key.
#[derive(Clone, Copy, Debug)]
enum IssuerAs {
    /// `--issuer-key` with a public JWK file.
    Jwk,
    /// `--issuer` with the did:key DID URL.
    DidUrl,
}

/// How the issuer is told the holder's key.
#[derive(Clone, Copy, Debug)]
enum HolderAs {
    Jwk,
    Did,
}

/// An issuer and a holder with keys of possibly different algorithms, for SD-JWT VCs.
struct SdScene {
    scene: Scene,
    issuer_vm: String,
    issuer_jwk: PathBuf,
    holder_jwk: PathBuf,
}

impl SdScene {
    fn new(issuer_alg: &str, holder_alg: &str) -> SdScene {
        let scene = Scene::new(issuer_alg);
        // The holder's key may be of the other algorithm: make it again.
        let holder = lommebok(&["key", "generate", "--alg", holder_alg, "--seed", &seed(2)]);
        holder.expect(0);
        std::fs::write(&scene.holder_key, &holder.stdout).unwrap();
        let issuer_did = lommebok(&["did", "--key", p(&scene.issuer_key)]).json();
        let holder_did = lommebok(&["did", "--key", p(&scene.holder_key)]).json();
        assert!(holder_did["publicKeyJwk"]["kty"].is_string());
        assert!(holder_did["publicKeyJwk"].get("d").is_none());
        let issuer_jwk = scene.write("issuer.pub.jwk", &issuer_did["publicKeyJwk"].to_string());
        let holder_jwk = scene.write("holder.pub.jwk", &holder_did["publicKeyJwk"].to_string());
        let mut scene = scene;
        scene.holder_did = holder_did["did"].as_str().unwrap().to_owned();
        SdScene {
            issuer_vm: issuer_did["verificationMethod"]
                .as_str()
                .unwrap()
                .to_owned(),
            issuer_jwk,
            holder_jwk,
            scene,
        }
    }

    fn claims(&self) -> PathBuf {
        self.scene.write(
            "claims.json",
            &json!({
                "given_name": "Kari",
                "birthdate": "1990-02-03",
                "age_over_18": true,
                "address": {"street_address": "Storgata 1", "locality": "Tromsø", "country": "NO"},
            })
            .to_string(),
        )
    }

    /// Issues the claims, all disclosable, bound to the holder, into `pid.sd-jwt`.
    fn issue(&self, holder_as: HolderAs, extra: &[&str]) -> PathBuf {
        let claims = self.claims();
        let holder = match holder_as {
            HolderAs::Jwk => p(&self.holder_jwk).to_owned(),
            HolderAs::Did => self.scene.holder_did.clone(),
        };
        let mut args = vec![
            "sd-jwt",
            "issue",
            "--key",
            p(&self.scene.issuer_key),
            "--in",
            p(&claims),
            "--sd",
            "given_name,birthdate",
            "--sd",
            "age_over_18,address,address.street_address",
            "--holder-key",
            &holder,
            "--vct",
            VCT,
            "--iat",
            "2026-06-01T11:00:00Z",
            "--exp",
            "86400",
            "--decoys",
            "2",
        ];
        args.extend(extra);
        let run = lommebok(&args);
        run.expect(0);
        let sd_jwt = run.stdout.trim();
        assert!(sd_jwt.ends_with('~'), "{sd_jwt}");
        // The JWT and five disclosures.
        assert_eq!(sd_jwt.matches('~').count(), 6, "{sd_jwt}");
        self.scene.write("pid.sd-jwt", &run.stdout)
    }

    /// Presents `disclose` with key binding for NONCE and AUD into `pres.txt`.
    fn present(&self, sd_jwt: &Path, disclose: &str) -> PathBuf {
        let run = lommebok(&[
            "sd-jwt",
            "present",
            "--in",
            p(sd_jwt),
            "--disclose",
            disclose,
            "--key",
            p(&self.scene.holder_key),
            "--nonce",
            NONCE,
            "--aud",
            AUD,
            "--iat",
            "2026-06-01T11:59:00Z",
        ]);
        run.expect(0);
        self.scene.write("pres.txt", &run.stdout)
    }

    fn verify(&self, presentation: &Path, issuer_as: IssuerAs, extra: &[&str]) -> Run {
        let mut args = vec!["sd-jwt", "verify", "--in", p(presentation), "--now", NOW];
        match issuer_as {
            IssuerAs::Jwk => args.extend(["--issuer-key", p(&self.issuer_jwk)]),
            IssuerAs::DidUrl => args.extend(["--issuer", &self.issuer_vm]),
        }
        args.extend(extra);
        lommebok(&args)
    }

    fn verify_kb(&self, presentation: &Path, nonce: &str, aud: &str) -> Run {
        self.verify(
            presentation,
            IssuerAs::DidUrl,
            &["--nonce", nonce, "--aud", aud],
        )
    }
}

/// The claims of a valid `sd-jwt verify` output that are not always visible.
fn user_claims(output: &Value) -> Vec<String> {
    output["claims"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !ALWAYS_VISIBLE.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// Issue with everything disclosable → present only `age_over_18` → verify: valid, and the
/// verifier learns nothing else about the holder.
fn over_18_story(issuer_alg: &str, holder_alg: &str, issuer_as: IssuerAs, holder_as: HolderAs) {
    let what = format!("{issuer_alg}/{holder_alg}/{issuer_as:?}/{holder_as:?}");
    let sd = SdScene::new(issuer_alg, holder_alg);
    let sd_jwt = sd.issue(holder_as, &[]);
    let presentation = sd.present(&sd_jwt, "age_over_18");
    let text = std::fs::read_to_string(&presentation).unwrap();
    assert!(!text.trim().ends_with('~'), "{what}: no KB-JWT: {text}");
    let run = sd.verify(&presentation, issuer_as, &["--nonce", NONCE, "--aud", AUD]);
    run.expect(0);
    let output = run.json();
    assert_eq!(output["valid"], json!(true), "{what}: {output:#}");
    assert_eq!(output["report"]["valid"], json!(true), "{what}");
    assert_eq!(user_claims(&output), ["age_over_18"], "{what}: {output:#}");
    assert_eq!(output["claims"]["age_over_18"], json!(true));
    assert_eq!(output["claims"]["vct"], json!(VCT));
    assert_eq!(output["claims"]["iss"], json!(sd.scene.issuer_did));
    for check in ["proof", "disclosures", "key_binding", "challenge", "domain"] {
        assert!(
            output["report"]["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["check"] == json!(check) && c["passed"] == json!(true)),
            "{what}: no passing {check} check: {output:#}"
        );
    }
}

#[test]
fn sd_jwt_over_18_story_ed25519() {
    over_18_story("ed25519", "ed25519", IssuerAs::DidUrl, HolderAs::Jwk);
}

#[test]
fn sd_jwt_over_18_story_p256() {
    over_18_story("p256", "p256", IssuerAs::Jwk, HolderAs::Did);
}

#[test]
fn sd_jwt_over_18_story_mixed_key_types_and_key_forms() {
    over_18_story("ed25519", "p256", IssuerAs::Jwk, HolderAs::Jwk);
    over_18_story("p256", "ed25519", IssuerAs::DidUrl, HolderAs::Did);
}

#[test]
fn sd_jwt_more_claims_disclosed_are_all_shown() {
    let sd = SdScene::new("ed25519", "ed25519");
    let sd_jwt = sd.issue(HolderAs::Jwk, &[]);
    let presentation = sd.present(&sd_jwt, "given_name,address.street_address");
    let output = sd.verify_kb(&presentation, NONCE, AUD).expect(0).json();
    let mut claims = user_claims(&output);
    claims.sort();
    assert_eq!(claims, ["address", "given_name"], "{output:#}");
    assert_eq!(
        output["claims"]["address"],
        json!({"street_address": "Storgata 1", "locality": "Tromsø", "country": "NO"})
    );
    // `address` without its street address (disclosing a claim discloses everything in it).
    let presentation = sd.present(&sd_jwt, "address.locality");
    let output = sd.verify_kb(&presentation, NONCE, AUD).expect(0).json();
    assert_eq!(user_claims(&output), ["address"]);
    assert_eq!(
        output["claims"]["address"],
        json!({"locality": "Tromsø", "country": "NO"})
    );
    assert!(output["claims"]["birthdate"].is_null());
}

#[test]
fn sd_jwt_wrong_nonce_is_invalid() {
    let sd = SdScene::new("ed25519", "p256");
    let presentation = sd.present(&sd.issue(HolderAs::Jwk, &[]), "age_over_18");
    let run = sd.verify_kb(&presentation, "another-nonce", AUD);
    run.expect(1);
    let output = run.json();
    assert_eq!(output["valid"], json!(false));
    assert!(output.get("claims").is_none(), "{output:#}");
    assert_eq!(failed_checks(&output["report"]), ["challenge"]);
}

#[test]
fn sd_jwt_wrong_aud_is_invalid() {
    let sd = SdScene::new("p256", "ed25519");
    let presentation = sd.present(&sd.issue(HolderAs::Jwk, &[]), "age_over_18");
    let run = sd.verify_kb(&presentation, NONCE, "https://other.example");
    run.expect(1);
    assert_eq!(failed_checks(&run.json()["report"]), ["domain"]);
}

#[test]
fn sd_jwt_tampered_disclosure_is_invalid() {
    let sd = SdScene::new("ed25519", "ed25519");
    let sd_jwt = sd.issue(HolderAs::Jwk, &[]);
    let presentation = sd.present(&sd_jwt, "age_over_18");
    let text = std::fs::read_to_string(&presentation).unwrap();
    let parts: Vec<&str> = text.trim().split('~').collect();
    assert_eq!(parts.len(), 3, "{text}");
    // A disclosure of the issuer's (given_name's), swapped in for the one presented.
    let issued = std::fs::read_to_string(&sd_jwt).unwrap();
    let other = issued
        .trim()
        .split('~')
        .skip(1)
        .find(|d| !d.is_empty() && *d != parts[1])
        .unwrap()
        .to_owned();
    let swapped = sd.scene.write(
        "swapped.txt",
        &[parts[0], other.as_str(), parts[2]].join("~"),
    );
    let run = sd.verify_kb(&swapped, NONCE, AUD);
    run.expect(1);
    assert!(
        failed_checks(&run.json()["report"]).contains(&"key_binding".to_owned()),
        "{}",
        run.stdout
    );
    // One character of the disclosure changed: it is no longer one the issuer signed.
    let mut changed = parts[1].to_owned();
    let last = changed.pop().unwrap();
    changed.push(if last == 'A' { 'B' } else { 'A' });
    let tampered = sd.scene.write(
        "tampered.txt",
        &[parts[0], changed.as_str(), parts[2]].join("~"),
    );
    let run = sd.verify_kb(&tampered, NONCE, AUD);
    run.expect(1);
    assert!(
        failed_checks(&run.json()["report"]).contains(&"disclosures".to_owned()),
        "{}",
        run.stdout
    );
}

#[test]
fn sd_jwt_missing_key_binding_is_invalid_when_bound() {
    let sd = SdScene::new("ed25519", "p256");
    let sd_jwt = sd.issue(HolderAs::Jwk, &[]);
    // The SD-JWT as issued has no KB-JWT.
    let run = sd.verify_kb(&sd_jwt, NONCE, AUD);
    run.expect(1);
    assert!(failed_checks(&run.json()["report"]).contains(&"key_binding".to_owned()));
    // A presentation with its KB-JWT cut off, verified with or without a nonce.
    let presentation = sd.present(&sd_jwt, "age_over_18");
    let text = std::fs::read_to_string(&presentation).unwrap();
    let cut = &text[..=text.rfind('~').unwrap()];
    let cut = sd.scene.write("cut.txt", cut);
    for extra in [&["--nonce", NONCE, "--aud", AUD][..], &[]] {
        let run = sd.verify(&cut, IssuerAs::Jwk, extra);
        run.expect(1);
        assert!(
            failed_checks(&run.json()["report"]).contains(&"key_binding".to_owned()),
            "{}",
            run.stdout
        );
    }
    // And the holder's tool refuses to present a bound credential without key binding.
    lommebok(&[
        "sd-jwt",
        "present",
        "--in",
        p(&sd_jwt),
        "--disclose",
        "age_over_18",
    ])
    .expect(2);
}

#[test]
fn sd_jwt_unbound_credential_is_presented_without_key_binding() {
    let sd = SdScene::new("ed25519", "ed25519");
    let claims = sd.claims();
    let issued = lommebok(&[
        "sd-jwt",
        "issue",
        "--key",
        p(&sd.scene.issuer_key),
        "--in",
        p(&claims),
        "--sd",
        "given_name,age_over_18",
        "--vct",
        VCT,
        "--iat",
        "2026-06-01T11:00:00Z",
        "--nbf",
        "2026-06-01T11:00:00Z",
        "--iss",
        "https://kommune.example",
    ]);
    issued.expect(0);
    let sd_jwt = sd.scene.write("unbound.sd-jwt", &issued.stdout);
    let presented = lommebok(&[
        "sd-jwt",
        "present",
        "--in",
        p(&sd_jwt),
        "--disclose",
        "given_name",
    ]);
    presented.expect(0);
    assert!(presented.stdout.trim().ends_with('~'));
    let presentation = sd.scene.write("unbound.txt", &presented.stdout);
    // A key given as a JWK: `iss` is not checked against it.
    let run = sd.verify(&presentation, IssuerAs::Jwk, &[]);
    run.expect(0);
    let output = run.json();
    assert_eq!(output["claims"]["iss"], json!("https://kommune.example"));
    // Only the claims issued as selectively disclosable can be left out.
    let mut claims = user_claims(&output);
    claims.sort();
    assert_eq!(claims, ["address", "birthdate", "given_name"]);
    // Before nbf: invalid.
    let early = lommebok(&[
        "sd-jwt",
        "verify",
        "--in",
        p(&presentation),
        "--issuer-key",
        p(&sd.issuer_jwk),
        "--now",
        "2026-01-01T00:00:00Z",
    ]);
    early.expect(1);
    assert_eq!(failed_checks(&early.json()["report"]), ["validity_period"]);
}

/// The issuer's revocation story for SD-JWT VCs through Token Status Lists, every step a new
/// process over the same status database.
#[test]
fn sd_jwt_status_story_issue_publish_token_revoke() {
    let sd = SdScene::new("ed25519", "p256");
    sd.scene.create_list(TOKEN_LIST, "revocation");
    let db = sd.scene.db();
    let id = "urn:uuid:pid-1";
    let sd_jwt = sd.issue(
        HolderAs::Did,
        &[
            "--status-db",
            p(&db),
            "--status-list",
            TOKEN_LIST,
            "--id",
            id,
        ],
    );
    let presentation = sd.present(&sd_jwt, "age_over_18");

    let publish = |name: &str| {
        let run = sd.scene.status(&[
            "publish-token",
            "--key",
            p(&sd.scene.issuer_key),
            "--url",
            TOKEN_LIST,
            "--now",
            "2026-06-01T11:30:00Z",
        ]);
        run.expect(0);
        let token = run.stdout.trim();
        assert_eq!(token.split('.').count(), 3, "{token}");
        sd.scene.write(name, &run.stdout)
    };
    let verify_with = |token: &Path| {
        let arg = format!("{TOKEN_LIST}={}", p(token));
        sd.verify(
            &presentation,
            IssuerAs::DidUrl,
            &["--nonce", NONCE, "--aud", AUD, "--status-list", &arg],
        )
    };

    let token = publish("token-1.jwt");
    let run = verify_with(&token);
    run.expect(0);
    let output = run.json();
    assert_eq!(
        output["claims"]["status"]["status_list"]["uri"],
        json!(TOKEN_LIST)
    );
    let checks = status_checks(&output["report"]);
    assert_eq!(checks.len(), 1);
    assert!(
        checks[0].0 && checks[0].1.starts_with("valid"),
        "{checks:?}"
    );

    // Without the token the status cannot be checked: invalid.
    let run = sd.verify_kb(&presentation, NONCE, AUD);
    run.expect(1);
    assert_eq!(failed_checks(&run.json()["report"]), ["status"]);
    assert!(run.stderr.contains("publish-token"), "{}", run.stderr);

    // Revoked: the old token still says valid, the new one says revoked.
    sd.scene.status(&["revoke", "--id", id]).expect(0);
    verify_with(&token).expect(0);
    let token = publish("token-2.jwt");
    let run = verify_with(&token);
    run.expect(1);
    let output = run.json();
    assert!(output.get("claims").is_none());
    let checks = status_checks(&output["report"]);
    assert!(
        !checks[0].0 && checks[0].1.starts_with("revoked"),
        "{checks:?}"
    );

    // The same id cannot be given twice, and an unknown list is refused.
    let claims = sd.claims();
    let issue_again = |list: &str, id: &str| {
        lommebok(&[
            "sd-jwt",
            "issue",
            "--key",
            p(&sd.scene.issuer_key),
            "--in",
            p(&claims),
            "--sd",
            "age_over_18",
            "--vct",
            VCT,
            "--status-db",
            p(&db),
            "--status-list",
            list,
            "--id",
            id,
        ])
    };
    let again = issue_again(TOKEN_LIST, id);
    again.expect(2);
    assert!(again.stderr.contains("already"), "{}", again.stderr);
    let other = issue_again("https://kommune.example/no-such-list", "urn:uuid:pid-2");
    other.expect(2);
    assert!(other.stderr.contains("no status list"), "{}", other.stderr);
    issue_again(TOKEN_LIST, "urn:uuid:pid-2").expect(0);
    // --status-db without --status-list and --id is a usage error.
    lommebok(&[
        "sd-jwt",
        "issue",
        "--key",
        p(&sd.scene.issuer_key),
        "--in",
        p(&claims),
        "--sd",
        "age_over_18",
        "--vct",
        VCT,
        "--status-db",
        p(&db),
    ])
    .expect(2);
}

#[test]
fn sd_jwt_input_errors_are_exit_2() {
    let sd = SdScene::new("ed25519", "ed25519");
    let claims = sd.claims();
    let issue = |claims: &Path, sd_paths: &str| {
        lommebok(&[
            "sd-jwt",
            "issue",
            "--key",
            p(&sd.scene.issuer_key),
            "--in",
            p(claims),
            "--sd",
            sd_paths,
            "--vct",
            VCT,
        ])
    };
    // Bad paths: malformed, never disclosable, leading nowhere.
    for bad in [
        "address..street_address",
        "",
        "iat",
        "vct",
        "nope",
        "address.nope",
        "given_name.0",
    ] {
        let run = issue(&claims, bad);
        run.expect(2);
        assert!(run.stderr.contains("error"), "{bad}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    // Bad JSON, or not an object, or claims the issuer sets itself.
    for (name, text) in [
        ("bad.json", "{\"given_name\": "),
        ("array.json", "[1, 2]"),
        ("dup.json", "{\"a\": 1, \"a\": 2}"),
        ("reserved.json", "{\"iss\": \"me\", \"age_over_18\": true}"),
    ] {
        let file = sd.scene.write(name, text);
        issue(&file, "age_over_18").expect(2);
    }
    issue(&sd.scene.path("missing.json"), "age_over_18").expect(2);
    // A holder key that is neither a JWK file nor a did:key.
    let not_jwk = sd.scene.write("not.jwk", "{\"kty\": \"RSA\"}");
    for holder in [p(&not_jwk), "did:web:example.com", "did:key:zNotAKey"] {
        lommebok(&[
            "sd-jwt",
            "issue",
            "--key",
            p(&sd.scene.issuer_key),
            "--in",
            p(&claims),
            "--sd",
            "age_over_18",
            "--vct",
            VCT,
            "--holder-key",
            holder,
        ])
        .expect(2);
    }
    // --vct is required.
    lommebok(&[
        "sd-jwt",
        "issue",
        "--key",
        p(&sd.scene.issuer_key),
        "--in",
        p(&claims),
        "--sd",
        "age_over_18",
    ])
    .expect(2);

    let sd_jwt = sd.issue(HolderAs::Jwk, &[]);
    // --key without --nonce/--aud, --nonce without --key.
    for args in [
        &["--key", p(&sd.scene.holder_key)][..],
        &["--key", p(&sd.scene.holder_key), "--nonce", NONCE],
        &["--nonce", NONCE, "--aud", AUD],
    ] {
        let mut all = vec![
            "sd-jwt",
            "present",
            "--in",
            p(&sd_jwt),
            "--disclose",
            "age_over_18",
        ];
        all.extend(args);
        lommebok(&all).expect(2);
    }
    // A path to disclose that leads nowhere; not an SD-JWT.
    let present = |input: &Path, disclose: &str| {
        lommebok(&[
            "sd-jwt",
            "present",
            "--in",
            p(input),
            "--disclose",
            disclose,
            "--key",
            p(&sd.scene.holder_key),
            "--nonce",
            NONCE,
            "--aud",
            AUD,
        ])
    };
    present(&sd_jwt, "nope").expect(2);
    present(&sd_jwt, "a..b").expect(2);
    let garbage = sd.scene.write("garbage.txt", "not an sd-jwt");
    present(&garbage, "age_over_18").expect(2);
    // Verify: no issuer key, both, a bad JWK, garbage in, a bad --status-list.
    let presentation = sd.present(&sd_jwt, "age_over_18");
    lommebok(&["sd-jwt", "verify", "--in", p(&presentation)]).expect(2);
    lommebok(&[
        "sd-jwt",
        "verify",
        "--in",
        p(&presentation),
        "--issuer",
        &sd.issuer_vm,
        "--issuer-key",
        p(&sd.issuer_jwk),
    ])
    .expect(2);
    sd.verify(&garbage, IssuerAs::DidUrl, &[]).expect(2);
    lommebok(&[
        "sd-jwt",
        "verify",
        "--in",
        p(&presentation),
        "--issuer-key",
        p(&not_jwk),
    ])
    .expect(2);
    lommebok(&[
        "sd-jwt",
        "verify",
        "--in",
        p(&presentation),
        "--issuer",
        "not a did",
    ])
    .expect(2);
    sd.verify(&presentation, IssuerAs::DidUrl, &["--nonce", NONCE])
        .expect(2);
    sd.verify(
        &presentation,
        IssuerAs::DidUrl,
        &["--status-list", "nofile"],
    )
    .expect(2);
    // publish-token: unknown list, missing database.
    sd.scene.create_list(TOKEN_LIST, "revocation");
    sd.scene
        .status(&[
            "publish-token",
            "--key",
            p(&sd.scene.issuer_key),
            "--url",
            "https://kommune.example/nope",
        ])
        .expect(2);
    lommebok(&[
        "status",
        "publish-token",
        "--db",
        p(&sd.scene.path("none.sqlite")),
        "--key",
        p(&sd.scene.issuer_key),
        "--url",
        TOKEN_LIST,
    ])
    .expect(2);
}

#[test]
fn sd_jwt_issuer_given_as_a_bare_did_key_or_another_key_is_checked() {
    let sd = SdScene::new("ed25519", "ed25519");
    let presentation = sd.present(&sd.issue(HolderAs::Jwk, &[]), "age_over_18");
    // A bare did:key stands for its key.
    sd.verify(
        &presentation,
        IssuerAs::Jwk,
        &["--nonce", NONCE, "--aud", AUD],
    )
    .expect(0);
    lommebok(&[
        "sd-jwt",
        "verify",
        "--in",
        p(&presentation),
        "--issuer",
        &sd.scene.issuer_did,
        "--nonce",
        NONCE,
        "--aud",
        AUD,
        "--now",
        NOW,
    ])
    .expect(0);
    // Someone else's key (the holder's): the signature does not verify.
    let run = lommebok(&[
        "sd-jwt",
        "verify",
        "--in",
        p(&presentation),
        "--issuer-key",
        p(&sd.holder_jwk),
        "--nonce",
        NONCE,
        "--aud",
        AUD,
        "--now",
        NOW,
    ]);
    run.expect(1);
    assert!(!failed_checks(&run.json()["report"]).is_empty());
    // Another header type than asked for.
    sd.verify(
        &presentation,
        IssuerAs::DidUrl,
        &["--nonce", NONCE, "--aud", AUD, "--type", "example+sd-jwt"],
    )
    .expect(1);
}

#[test]
fn sd_jwt_help_describes_the_subcommands() {
    let help = lommebok(&["--help"]);
    assert!(help.stdout.contains("sd-jwt"), "{}", help.stdout);
    let sd = lommebok(&["sd-jwt", "--help"]);
    sd.expect(0);
    for word in [
        "issue",
        "present",
        "verify",
        "publish-token",
        "address.street_address",
    ] {
        assert!(sd.stdout.contains(word), "{word}: {}", sd.stdout);
    }
    for (sub, options) in [
        (
            "issue",
            &[
                "--sd",
                "--holder-key",
                "--vct",
                "--exp",
                "--decoys",
                "--status-list",
                "--id",
            ][..],
        ),
        ("present", &["--disclose", "--key", "--nonce", "--aud"]),
        (
            "verify",
            &[
                "--issuer-key",
                "--issuer",
                "--nonce",
                "--aud",
                "--status-list",
                "--type",
                "claims",
            ],
        ),
    ] {
        let run = lommebok(&["sd-jwt", sub, "--help"]);
        run.expect(0);
        for option in options {
            assert!(
                run.stdout.contains(option),
                "{sub} {option}: {}",
                run.stdout
            );
        }
    }
    let publish = lommebok(&["status", "publish-token", "--help"]);
    publish.expect(0);
    assert!(
        publish.stdout.contains("Status List Token"),
        "{}",
        publish.stdout
    );
    assert!(publish.stdout.contains("--valid-for"), "{}", publish.stdout);
}

// ---------------------------------------------------------------------------------------------
// wallet: the holder's encrypted store

const PASSPHRASE: &str = "correct horse battery staple";

/// Runs `lommebok wallet ...` with `passphrase` in LOMMEBOK_PASSPHRASE (None: unset).
fn wallet_with(args: &[&str], passphrase: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lommebok"));
    command.arg("wallet").args(args).stdin(Stdio::null());
    command.env_remove("LOMMEBOK_PASSPHRASE");
    if let Some(passphrase) = passphrase {
        command.env("LOMMEBOK_PASSPHRASE", passphrase);
    }
    let output = command.output().expect("the lommebok binary runs");
    Run {
        code: output.status.code().expect("exited"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn wallet(args: &[&str]) -> Run {
    wallet_with(args, Some(PASSPHRASE))
}

/// A scene whose holder is a new wallet store (`wallet init`), with the residence credential
/// issued to the wallet's DID in `vc.json` and an SD-JWT PID bound to it in `pid.sd-jwt`.
struct WalletScene {
    scene: Scene,
    store: PathBuf,
    /// The holder DID of the scene's key file: someone other than the wallet's holder.
    other_did: String,
}

impl WalletScene {
    fn new() -> WalletScene {
        let mut scene = Scene::new("ed25519");
        let store = scene.path("wallet.db");
        let init = wallet(&["init", "--store", p(&store)]);
        init.expect(0);
        let holder = init.json();
        let did = holder["did"].as_str().unwrap().to_owned();
        assert!(did.starts_with("did:key:z6Mk"), "{holder:#}");
        assert_eq!(holder["publicKeyJwk"]["crv"], json!("Ed25519"));
        assert!(!init.stdout.contains("secret") && !init.stdout.contains("\"d\""));
        // `did` reads the same holder back.
        let again = wallet(&["did", "--store", p(&store)]);
        again.expect(0);
        assert_eq!(again.json(), holder);
        // The store is sealed: neither the passphrase nor the holder's DID is in the file.
        let bytes = std::fs::read(&store).unwrap();
        for needle in [PASSPHRASE, did.as_str()] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} in clear"
            );
        }

        let other_did = std::mem::replace(&mut scene.holder_did, did);
        scene.issue(None, "vc.json");
        let claims = scene.write(
            "claims.json",
            &json!({
                "given_name": "Kari",
                "birthdate": "1990-02-03",
                "age_over_18": true,
                "address": {"locality": "Tromsø", "country": "NO"},
            })
            .to_string(),
        );
        let issued = lommebok(&[
            "sd-jwt",
            "issue",
            "--key",
            p(&scene.issuer_key),
            "--in",
            p(&claims),
            "--sd",
            "given_name,birthdate,age_over_18,address",
            "--holder-key",
            &scene.holder_did,
            "--vct",
            VCT,
            "--iat",
            "2026-06-01T11:00:00Z",
            "--exp",
            "86400",
        ]);
        issued.expect(0);
        scene.write("pid.sd-jwt", &issued.stdout);
        WalletScene {
            scene,
            store,
            other_did,
        }
    }

    fn store(&self) -> &str {
        p(&self.store)
    }

    /// `wallet import --in name --now NOW` plus `extra`.
    fn import(&self, name: &str, extra: &[&str]) -> Run {
        let input = self.scene.path(name);
        let mut args = vec![
            "import",
            "--store",
            self.store(),
            "--in",
            p(&input),
            "--now",
            NOW,
        ];
        args.extend(extra);
        wallet(&args)
    }
}

/// The app's story through files: init, import a residence credential and an SD-JWT PID, list,
/// answer a DCQL query for age_over_18 (only that claim leaves), present, verify the
/// presentation as the verifier, and read the activity log.
#[test]
fn wallet_story_import_answer_present_activity() {
    let ws = WalletScene::new();
    let scene = &ws.scene;

    let residence = ws.import("vc.json", &[]);
    residence.expect(0);
    let residence = residence.json();
    assert_eq!(residence["format"], json!("data-integrity"));
    assert_eq!(
        residence["types"],
        json!(["VerifiableCredential", "ResidenceCredential"])
    );
    assert_eq!(residence["issuer"], json!(scene.issuer_did));
    assert_eq!(residence["validFrom"], json!("2026-01-01T00:00:00Z"));

    // An SD-JWT is checked with its issuer's key: without one, nothing is imported.
    ws.import("pid.sd-jwt", &[]).expect(2);
    let pid = ws.import("pid.sd-jwt", &["--issuer", &scene.issuer_did]);
    pid.expect(0);
    let pid = pid.json();
    assert_eq!(pid["format"], json!("sd-jwt"));
    assert_eq!(pid["types"], json!([VCT]));
    assert_eq!(pid["issuer"], json!(scene.issuer_did));
    let pid_id = pid["id"].as_str().unwrap().to_owned();

    let list = wallet(&["list", "--store", ws.store()]);
    list.expect(0);
    let list = list.json();
    assert_eq!(list["damaged"], json!([]));
    let ids: Vec<&Value> = list["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids.len(), 2, "{list:#}");
    assert!(ids.contains(&&residence["id"]) && ids.contains(&&pid["id"]));

    // Export gives the credential back as it was imported.
    let exported = wallet(&["export", "--store", ws.store(), "--id", &pid_id]);
    exported.expect(0);
    assert_eq!(
        exported.stdout.trim(),
        std::fs::read_to_string(scene.path("pid.sd-jwt"))
            .unwrap()
            .trim()
    );

    let query = scene.write(
        "dcql.json",
        &json!({
            "credentials": [{
                "id": "pid",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "claims": [{"path": ["age_over_18"]}],
            }],
        })
        .to_string(),
    );
    let answer = wallet(&["answer", "--store", ws.store(), "--query", p(&query)]);
    answer.expect(0);
    let answer = answer.json();
    assert_eq!(answer["satisfiable"], json!(true), "{answer:#}");
    let candidates = answer["credentials"][0]["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1, "{answer:#}");
    assert_eq!(candidates[0]["heldId"], json!(pid_id));
    let ways = candidates[0]["ways"].as_array().unwrap();
    assert_eq!(ways.len(), 1, "{answer:#}");
    assert_eq!(ways[0]["requested"], json!(["age_over_18"]));
    let leaves = &ways[0]["leaves"];
    assert_eq!(leaves["kind"], json!("disclosed"), "{answer:#}");
    assert_eq!(leaves["claims"], json!(["age_over_18"]), "{answer:#}");
    let always: Vec<&str> = leaves["alwaysVisible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for claim in &always {
        assert!(
            ALWAYS_VISIBLE.contains(&claim.split('.').next().unwrap()),
            "{claim} always visible: {answer:#}"
        );
    }
    assert_eq!(
        answer["default"],
        json!([{"queryId": "pid", "heldId": pid_id, "claimSet": null}])
    );

    let present = wallet(&[
        "present",
        "--store",
        ws.store(),
        "--query",
        p(&query),
        "--challenge",
        NONCE,
        "--domain",
        AUD,
        "--verifier",
        "Apotek 1",
        "--now",
        NOW,
    ]);
    present.expect(0);
    let vp_token = present.json();
    let presentations = vp_token["pid"].as_array().unwrap();
    assert_eq!(presentations.len(), 1, "{vp_token:#}");
    assert_eq!(vp_token.as_object().unwrap().len(), 1, "{vp_token:#}");
    let presentation = scene.write("pres.txt", presentations[0].as_str().unwrap());

    // The verifier's side.
    let issuer_vm = format!(
        "{}#{}",
        scene.issuer_did,
        scene.issuer_did.trim_start_matches("did:key:")
    );
    let verified = lommebok(&[
        "sd-jwt",
        "verify",
        "--in",
        p(&presentation),
        "--issuer",
        &issuer_vm,
        "--nonce",
        NONCE,
        "--aud",
        AUD,
        "--now",
        NOW,
    ]);
    verified.expect(0);
    let verified = verified.json();
    assert_eq!(verified["valid"], json!(true), "{verified:#}");
    assert_eq!(user_claims(&verified), ["age_over_18"], "{verified:#}");
    assert_eq!(verified["claims"]["age_over_18"], json!(true));

    let activity = wallet(&["activity", "--store", ws.store()]);
    activity.expect(0);
    let activity = activity.json();
    let entries = activity.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{activity:#}");
    let entry = &entries[0];
    assert_eq!(entry["verifier"], json!("Apotek 1"));
    assert_eq!(entry["domain"], json!(AUD));
    assert_eq!(entry["queryId"], json!("pid"));
    assert_eq!(entry["credentialId"], json!(pid_id));
    assert_eq!(entry["at"], json!(NOW));
    assert_eq!(entry["released"]["kind"], json!("disclosed"));
    assert_eq!(entry["released"]["claims"], json!(["age_over_18"]));

    // The residence credential answers with --choose, and leaves whole.
    let residence_id = residence["id"].as_str().unwrap();
    let query = scene.write(
        "dcql-residence.json",
        &json!({
            "credentials": [{
                "id": "residence",
                "format": "ldp_vc",
                "meta": {"type_values": [["ResidenceCredential"]]},
                "claims": [{"path": ["credentialSubject", "municipality"]}],
            }],
        })
        .to_string(),
    );
    let answer = wallet(&["answer", "--store", ws.store(), "--query", p(&query)]);
    answer.expect(0);
    let answer = answer.json();
    let leaves = &answer["credentials"][0]["candidates"][0]["ways"][0]["leaves"];
    assert_eq!(leaves["kind"], json!("wholeCredential"), "{answer:#}");
    assert_eq!(
        leaves["claims"],
        json!(["credentialSubject.id", "credentialSubject.municipality"]),
        "{answer:#}"
    );
    let choose = format!("residence={residence_id}");
    let present = wallet(&[
        "present",
        "--store",
        ws.store(),
        "--query",
        p(&query),
        "--challenge",
        CHALLENGE,
        "--domain",
        DOMAIN,
        "--verifier",
        "Kommunen",
        "--choose",
        &choose,
        "--now",
        NOW,
    ]);
    present.expect(0);
    let vp = scene.write("vp.json", &present.json()["residence"][0].to_string());
    scene.verify_vp(&vp, CHALLENGE, DOMAIN).expect(0);
    // Choosing a credential that does not answer the query is refused, and nothing is logged.
    let choose = format!("residence={pid_id}");
    let refused = wallet(&[
        "present",
        "--store",
        ws.store(),
        "--query",
        p(&query),
        "--challenge",
        CHALLENGE,
        "--domain",
        DOMAIN,
        "--verifier",
        "Kommunen",
        "--choose",
        &choose,
    ]);
    refused.expect(2);
    let activity = wallet(&["activity", "--store", ws.store()]);
    activity.expect(0);
    assert_eq!(activity.json().as_array().unwrap().len(), 2);

    // Delete: gone from the list; the activity log keeps its entries.
    let deleted = wallet(&["delete", "--store", ws.store(), "--id", residence_id]);
    deleted.expect(0);
    wallet(&["delete", "--store", ws.store(), "--id", residence_id]).expect(2);
    wallet(&["export", "--store", ws.store(), "--id", residence_id]).expect(2);
    let list = wallet(&["list", "--store", ws.store()]);
    list.expect(0);
    assert_eq!(list.json()["credentials"].as_array().unwrap().len(), 1);
    let activity = wallet(&["activity", "--store", ws.store()]);
    assert_eq!(activity.json().as_array().unwrap().len(), 2);
}

/// A wrong or missing passphrase is a usage error (2) and leaves the file as it was; the
/// passphrase can also come from a file.
#[test]
fn wallet_wrong_passphrase_is_exit_2_and_the_file_is_untouched() {
    let ws = WalletScene::new();
    ws.import("vc.json", &[]).expect(0);
    let before = std::fs::read(&ws.store).unwrap();
    for args in [
        vec!["list", "--store", ws.store()],
        vec!["did", "--store", ws.store()],
        vec!["activity", "--store", ws.store()],
    ] {
        let run = wallet_with(&args, Some("Tr0ub4dor&3"));
        run.expect(2);
        assert!(run.stderr.contains("wrong passphrase"), "{}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    let vc = ws.scene.path("vc.json");
    let run = wallet_with(
        &[
            "import",
            "--store",
            ws.store(),
            "--in",
            p(&vc),
            "--now",
            NOW,
        ],
        Some("Tr0ub4dor&3"),
    );
    run.expect(2);
    assert_eq!(std::fs::read(&ws.store).unwrap(), before);

    let run = wallet_with(&["list", "--store", ws.store()], None);
    run.expect(2);
    assert!(run.stderr.contains("LOMMEBOK_PASSPHRASE"), "{}", run.stderr);
    // The passphrase is never an argument.
    wallet(&["list", "--store", ws.store(), "--passphrase", PASSPHRASE]).expect(2);

    let file = ws.scene.write("passphrase.txt", &format!("{PASSPHRASE}\n"));
    let run = wallet_with(
        &["list", "--store", ws.store(), "--passphrase-file", p(&file)],
        None,
    );
    run.expect(0);
    assert_eq!(run.json()["credentials"].as_array().unwrap().len(), 1);

    // `init` does not overwrite a store; other commands do not create one.
    wallet(&["init", "--store", ws.store()]).expect(2);
    let missing = ws.scene.path("missing.db");
    wallet(&["list", "--store", p(&missing)]).expect(2);
    assert!(!missing.exists());
    // A file that is not a wallet store.
    wallet(&["list", "--store", p(&vc)]).expect(2);
}

/// A credential about someone else, or bound to another key, is refused: exit 1 with the
/// reason, and nothing is stored. A credential that does not verify likewise.
#[test]
fn wallet_list_with_status_lists_shows_valid_then_revoked() {
    let ws = WalletScene::new();
    ws.scene.create_list(REVOCATION_LIST, "revocation");
    let (vc, id) = ws
        .scene
        .issue_with_status(&[REVOCATION_LIST], "vc-status.json");
    let name = vc.file_name().unwrap().to_str().unwrap().to_owned();
    let status_arg = |list: &Path| format!("{REVOCATION_LIST}={}", p(list));
    let published = ws.scene.publish(REVOCATION_LIST);
    ws.import(&name, &["--status-list", &status_arg(&published)])
        .expect(0);

    let listed = wallet(&[
        "list",
        "--store",
        ws.store(),
        "--status-list",
        &status_arg(&published),
        "--now",
        NOW,
    ]);
    listed.expect(0);
    let statuses: Vec<Value> = listed.json()["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].clone())
        .collect();
    assert!(statuses.contains(&json!("valid")), "{}", listed.stdout);

    ws.scene.status(&["revoke", "--id", &id]).expect(0);
    let published = ws.scene.publish(REVOCATION_LIST);
    let listed = wallet(&[
        "list",
        "--store",
        ws.store(),
        "--status-list",
        &status_arg(&published),
        "--now",
        NOW,
    ]);
    listed.expect(0);
    let statuses: Vec<Value> = listed.json()["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].clone())
        .collect();
    assert!(statuses.contains(&json!("revoked")), "{}", listed.stdout);
    assert!(!statuses.contains(&json!("valid")), "{}", listed.stdout);

    // Without --status-list, no status is shown at all.
    let plain = wallet(&["list", "--store", ws.store()]);
    plain.expect(0);
    assert!(plain.json()["credentials"][0].get("status").is_none());
}

#[test]
fn wallet_import_of_someone_elses_credential_is_refused() {
    let mut ws = WalletScene::new();
    let wallet_did = std::mem::replace(&mut ws.scene.holder_did, ws.other_did.clone());
    ws.scene.issue(None, "other.json");
    let run = ws.import("other.json", &[]);
    run.expect(1);
    assert_eq!(run.json()["imported"], json!(false));
    assert!(
        run.json()["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("not bound to this wallet's holder {wallet_did}")),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("NOT imported"), "{}", run.stderr);

    // An SD-JWT bound to the scene's key file rather than the wallet's key.
    let claims = ws
        .scene
        .write("claims2.json", &json!({"age_over_18": true}).to_string());
    let issued = lommebok(&[
        "sd-jwt",
        "issue",
        "--key",
        p(&ws.scene.issuer_key),
        "--in",
        p(&claims),
        "--sd",
        "age_over_18",
        "--holder-key",
        &ws.other_did,
        "--vct",
        VCT,
        "--iat",
        "2026-06-01T11:00:00Z",
    ]);
    issued.expect(0);
    ws.scene.write("other.sd-jwt", &issued.stdout);
    let run = ws.import("other.sd-jwt", &["--issuer", &ws.scene.issuer_did]);
    run.expect(1);
    assert!(run.stdout.contains("not bound"), "{}", run.stdout);

    // Tampered: not verified.
    let mut vc: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.scene.path("vc.json")).unwrap()).unwrap();
    vc["credentialSubject"]["municipality"] = json!("Oslo");
    ws.scene.write("tampered.json", &vc.to_string());
    let run = ws.import("tampered.json", &[]);
    run.expect(1);
    let output = run.json();
    assert!(
        output["reason"]
            .as_str()
            .unwrap()
            .contains("does not verify"),
        "{output:#}"
    );
    assert_eq!(output["report"]["valid"], json!(false));

    let list = wallet(&["list", "--store", ws.store()]);
    list.expect(0);
    assert_eq!(list.json()["credentials"], json!([]));
}

// ---------------------------------------------------------------------------------------------
// trust: trust lists signed by an anchor, and signed requests checked against them

const LIST_ID: &str = "urn:example:trust-list:no";
const LIST_FROM: &str = "2026-05-01T00:00:00Z";
const PHARMACY_RESPONSE: &str = "https://apotek.example/response";

/// Makes a key file from `seed(byte)` and returns it with its did:key.
fn key_file(scene: &Scene, name: &str, alg: &str, byte: u8) -> (PathBuf, String) {
    let generated = lommebok(&["key", "generate", "--alg", alg, "--seed", &seed(byte)]);
    generated.expect(0);
    let path = scene.write(name, &generated.stdout);
    let did = lommebok(&["did", "--key", p(&path)]);
    did.expect(0);
    let did = did.json()["did"].as_str().unwrap().to_owned();
    (path, did)
}

/// A wallet scene with a trust anchor, a pharmacy (a verifier) and a look-alike pharmacy.
struct TrustScene {
    ws: WalletScene,
    anchor_key: PathBuf,
    anchor_did: String,
    pharmacy_key: PathBuf,
    pharmacy_did: String,
    look_alike_key: PathBuf,
}

impl TrustScene {
    fn new() -> TrustScene {
        let ws = WalletScene::new();
        let (anchor_key, anchor_did) = key_file(&ws.scene, "anchor.key.json", "ed25519", 7);
        let (pharmacy_key, pharmacy_did) = key_file(&ws.scene, "pharmacy.key.json", "p256", 8);
        let (look_alike_key, _) = key_file(&ws.scene, "look-alike.key.json", "p256", 9);
        TrustScene {
            ws,
            anchor_key,
            anchor_did,
            pharmacy_key,
            pharmacy_did,
            look_alike_key,
        }
    }

    fn scene(&self) -> &Scene {
        &self.ws.scene
    }

    /// `trust ...` with `args`; the result must exit 0, and is written to `name`.
    fn trust_to(&self, name: &str, args: &[&str]) -> PathBuf {
        let mut all = vec!["trust"];
        all.extend(args);
        let run = lommebok(&all);
        run.expect(0);
        self.scene().write(name, &run.stdout)
    }

    /// An empty list, then the municipality as an issuer of residence credentials and PIDs,
    /// then the pharmacy as a verifier of age_over_18 in PIDs: `l3.json`, signed by `key`.
    fn list_signed_by(&self, key: &Path) -> PathBuf {
        let l1 = self.trust_to(
            "l1.json",
            &[
                "create",
                "--key",
                p(key),
                "--id",
                LIST_ID,
                "--valid-days",
                "365",
                "--now",
                LIST_FROM,
            ],
        );
        let l2 = self.trust_to(
            "l2.json",
            &[
                "add-issuer",
                "--key",
                p(key),
                "--list",
                p(&l1),
                "--did",
                &self.scene().issuer_did,
                "--name",
                "Tromsø kommune",
                "--type",
                "ResidenceCredential",
                "--type",
                VCT,
                "--now",
                "2026-05-02T00:00:00Z",
            ],
        );
        self.trust_to(
            "l3.json",
            &[
                "add-verifier",
                "--key",
                p(key),
                "--list",
                p(&l2),
                "--did",
                &self.pharmacy_did,
                "--name",
                "Apotek Nord",
                "--purpose",
                "age check for prescription medicine",
                "--may-request",
                &format!("{VCT}=age_over_18"),
                "--response-uri",
                PHARMACY_RESPONSE,
                "--now",
                "2026-05-03T00:00:00Z",
            ],
        )
    }

    fn list(&self) -> PathBuf {
        self.list_signed_by(&self.anchor_key)
    }

    /// `--trust-list list --trust-anchor <the anchor>`.
    fn trust_args<'a>(&'a self, list: &'a Path) -> [&'a str; 4] {
        ["--trust-list", p(list), "--trust-anchor", &self.anchor_did]
    }

    /// A DCQL query for PIDs with `claims`.
    fn query(&self, claims: &[&str]) -> PathBuf {
        let claims: Vec<Value> = claims.iter().map(|c| json!({"path": [c]})).collect();
        self.scene().write(
            "dcql.json",
            &json!({"credentials": [{"id": "pid", "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]}, "claims": claims}]})
            .to_string(),
        )
    }

    /// `request sign` by the key file `key` for `claims`, answered at `response_uri`, into
    /// `request.jwt`.
    fn request(&self, key: &Path, claims: &[&str], response_uri: &str) -> PathBuf {
        let query = self.query(claims);
        let run = lommebok(&[
            "request",
            "sign",
            "--key",
            p(key),
            "--query",
            p(&query),
            "--response-uri",
            response_uri,
            "--nonce",
            NONCE,
            "--now",
            NOW,
        ]);
        run.expect(0);
        assert!(
            run.stderr.contains(&format!("nonce: {NONCE}")),
            "{}",
            run.stderr
        );
        assert_eq!(run.stdout.trim().split('.').count(), 3, "{}", run.stdout);
        self.scene().write("request.jwt", &run.stdout)
    }

    fn check_request(&self, request: &Path, list: &Path) -> Run {
        let mut args = vec!["check-request", "--request", p(request), "--now", NOW];
        args.extend(self.trust_args(list));
        wallet(&args)
    }
}

/// The check of `kind` in a report: (passed, reason).
fn check_of(report: &Value, kind: &str) -> (bool, String) {
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == json!(kind))
        .unwrap_or_else(|| panic!("no {kind} check: {report:#}"));
    (
        check["passed"].as_bool().unwrap(),
        check["reason"].as_str().unwrap().to_owned(),
    )
}

/// create → add-issuer → add-verifier → show: each step one sequence higher, the contents as
/// given, the list's validity kept; only the anchor's key changes the list.
#[test]
fn trust_create_add_issuer_add_verifier_show_round_trip() {
    let ts = TrustScene::new();
    let list = ts.list();
    for (name, sequence) in [("l1.json", 1), ("l2.json", 2), ("l3.json", 3)] {
        let vc: Value =
            serde_json::from_str(&std::fs::read_to_string(ts.scene().path(name)).unwrap()).unwrap();
        assert_eq!(
            vc["type"],
            json!(["VerifiableCredential", "TrustListCredential"])
        );
        assert_eq!(vc["issuer"], json!(ts.anchor_did));
        assert_eq!(
            vc["credentialSubject"]["sequence"],
            json!(sequence),
            "{name}"
        );
        assert_eq!(vc["validFrom"], json!(LIST_FROM), "{name}");
        assert_eq!(vc["validUntil"], json!("2027-05-01T00:00:00Z"), "{name}");
        assert_eq!(vc["proof"]["cryptosuite"], json!("eddsa-rdfc-2022"));
    }

    let mut args = vec!["trust", "show", "--list", p(&list), "--now", NOW];
    args.extend(["--anchor", &ts.anchor_did]);
    let shown = lommebok(&args);
    shown.expect(0);
    let shown = shown.json();
    assert_eq!(shown["valid"], json!(true));
    assert_eq!(shown["anchor"], json!(ts.anchor_did));
    assert_eq!(shown["anchorChecked"], json!(true));
    assert_eq!(shown["validFrom"], json!(LIST_FROM));
    assert_eq!(
        shown["contents"],
        json!({
            "id": LIST_ID,
            "type": "TrustList",
            "sequence": 3,
            "issuers": [{
                "did": ts.scene().issuer_did,
                "legalName": "Tromsø kommune",
                "credentialTypes": ["ResidenceCredential", VCT],
            }],
            "verifiers": [{
                "did": ts.pharmacy_did,
                "legalName": "Apotek Nord",
                "purpose": "age check for prescription medicine",
                "mayRequest": [{"credentialType": VCT, "claims": ["age_over_18"]}],
                "responseUris": [PHARMACY_RESPONSE],
            }],
        })
    );

    // Without --anchor, only the signature is checked, and it says so.
    let unanchored = lommebok(&["trust", "show", "--list", p(&list), "--now", NOW]);
    unanchored.expect(0);
    assert_eq!(unanchored.json()["anchorChecked"], json!(false));
    assert!(
        unanchored.stderr.contains("no --anchor given"),
        "{}",
        unanchored.stderr
    );
    // Another anchor: not valid.
    let other = lommebok(&[
        "trust",
        "show",
        "--list",
        p(&list),
        "--now",
        NOW,
        "--anchor",
        &ts.scene().issuer_did,
    ]);
    other.expect(1);
    assert_eq!(other.json()["valid"], json!(false));
    assert!(
        other.json()["reason"]
            .as_str()
            .unwrap()
            .contains("not a trust anchor"),
        "{}",
        other.stdout
    );

    // Only the anchor's key changes the list; --valid-days re-dates it.
    let stranger = lommebok(&[
        "trust",
        "add-issuer",
        "--key",
        p(&ts.scene().issuer_key),
        "--list",
        p(&list),
        "--did",
        &ts.pharmacy_did,
        "--name",
        "Falsk",
        "--type",
        VCT,
    ]);
    stranger.expect(2);
    assert!(stranger.stdout.is_empty());
    assert!(
        stranger.stderr.contains("only the list's anchor"),
        "{}",
        stranger.stderr
    );
    let renewed = ts.trust_to(
        "l4.json",
        &[
            "add-issuer",
            "--key",
            p(&ts.anchor_key),
            "--list",
            p(&list),
            "--did",
            &ts.pharmacy_did,
            "--name",
            "Apotek Nord",
            "--type",
            "urn:example:receipt",
            "--valid-until",
            "2026-12-31T00:00:00Z",
            "--valid-days",
            "30",
            "--now",
            NOW,
        ],
    );
    let vc: Value = serde_json::from_str(&std::fs::read_to_string(renewed).unwrap()).unwrap();
    assert_eq!(vc["credentialSubject"]["sequence"], json!(4));
    assert_eq!(vc["validFrom"], json!(NOW));
    assert_eq!(vc["validUntil"], json!("2026-07-01T12:00:00Z"));
    assert_eq!(
        vc["credentialSubject"]["issuers"].as_array().unwrap().len(),
        2
    );
    assert!(
        vc["credentialSubject"]["issuers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["validUntil"] == json!("2026-12-31T00:00:00Z")),
        "{vc:#}"
    );
}

/// A list changed after signing does not verify, and is not signed again.
#[test]
fn trust_show_of_a_tampered_list_fails() {
    let ts = TrustScene::new();
    let list = ts.list();
    let mut vc: Value = serde_json::from_str(&std::fs::read_to_string(&list).unwrap()).unwrap();
    vc["credentialSubject"]["issuers"][0]["credentialTypes"] =
        json!(["ResidenceCredential", VCT, "PassportCredential"]);
    let tampered = ts.scene().write("tampered.json", &vc.to_string());
    let shown = lommebok(&[
        "trust",
        "show",
        "--list",
        p(&tampered),
        "--anchor",
        &ts.anchor_did,
        "--now",
        NOW,
    ]);
    shown.expect(1);
    let output = shown.json();
    assert_eq!(output["valid"], json!(false));
    assert_eq!(failed_checks(&output["report"]), ["proof"], "{output:#}");
    assert!(shown.stderr.contains("NOT valid"), "{}", shown.stderr);
    // Not even without an anchor.
    lommebok(&["trust", "show", "--list", p(&tampered), "--now", NOW]).expect(1);

    let resigned = lommebok(&[
        "trust",
        "add-issuer",
        "--key",
        p(&ts.anchor_key),
        "--list",
        p(&tampered),
        "--did",
        &ts.pharmacy_did,
        "--name",
        "Apotek Nord",
        "--type",
        VCT,
        "--now",
        NOW,
    ]);
    resigned.expect(2);
    assert!(resigned.stdout.is_empty());
    assert!(
        resigned.stderr.contains("does not verify"),
        "{}",
        resigned.stderr
    );
}

/// With --trust-list, a listed issuer passes with a `trust` check; an issuer the list does not
/// name fails on that check alone. For credentials, presentations and SD-JWT VCs.
#[test]
fn verify_with_trust_list_checks_the_issuer() {
    let ts = TrustScene::new();
    let scene = ts.scene();
    let list = ts.list();
    let trust = ts.trust_args(&list);

    let vc = scene.issue(None, "residence.json");
    let run = scene.verify(&vc, &trust);
    run.expect(0);
    let (passed, reason) = check_of(&run.json(), "trust");
    assert!(passed && reason.contains("Tromsø kommune"), "{reason}");
    // Without --trust-list, no trust check.
    let plain = scene.verify(&vc, &[]).json();
    assert!(
        !plain["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["check"] == json!("trust"))
    );

    // An issuer the list does not name: l1.json lists nobody.
    let empty = scene.path("l1.json");
    let run = scene.verify(&vc, &ts.trust_args(&empty));
    run.expect(1);
    let report = run.json();
    assert_eq!(failed_checks(&report), ["trust"], "{report:#}");
    let (_, reason) = check_of(&report, "trust");
    assert!(reason.starts_with("issuer not listed"), "{reason}");
    assert!(run.stderr.contains("issuer not listed"), "{}", run.stderr);

    // A presentation: its credential gets the trust check too.
    let mut holder_scene = Scene::new("ed25519");
    holder_scene.issuer_did.clone_from(&scene.issuer_did);
    let vc = holder_scene.issue(None, "vc.json");
    let vp = holder_scene.present(&vc);
    let mut args = vec!["--challenge", CHALLENGE, "--domain", DOMAIN];
    args.extend(trust);
    let run = holder_scene.verify(&vp, &args);
    run.expect(0);
    assert!(check_of(&run.json(), "trust").0);
    let mut args = vec!["--challenge", CHALLENGE, "--domain", DOMAIN];
    args.extend(ts.trust_args(&empty));
    let run = holder_scene.verify(&vp, &args);
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["trust"], "{}", run.stdout);

    // An SD-JWT VC (not bound to a holder key, so no key binding is needed), by its vct.
    let claims = scene.write("age.json", &json!({"age_over_18": true}).to_string());
    let issued = lommebok(&[
        "sd-jwt",
        "issue",
        "--key",
        p(&scene.issuer_key),
        "--in",
        p(&claims),
        "--sd",
        "age_over_18",
        "--vct",
        VCT,
        "--iat",
        "2026-06-01T11:00:00Z",
    ]);
    issued.expect(0);
    let pid = scene.write("unbound.sd-jwt", &issued.stdout);
    let sd_verify = |list: &Path| {
        let mut args = vec![
            "sd-jwt",
            "verify",
            "--in",
            p(&pid),
            "--issuer",
            &scene.issuer_did,
            "--now",
            NOW,
        ];
        args.extend(ts.trust_args(list));
        lommebok(&args)
    };
    let run = sd_verify(&list);
    run.expect(0);
    assert!(check_of(&run.json()["report"], "trust").0, "{}", run.stdout);
    let run = sd_verify(&empty);
    run.expect(1);
    assert_eq!(failed_checks(&run.json()["report"]), ["trust"]);

    // The wallet refuses a credential from an issuer the lists do not name.
    let refused = ts.ws.import("vc.json", &ts.trust_args(&empty));
    refused.expect(1);
    assert!(
        refused.stdout.contains("issuer not listed"),
        "{}",
        refused.stdout
    );
    ts.ws.import("vc.json", &trust).expect(0);

    // --trust-list and --trust-anchor go together.
    scene.verify(&vc, &["--trust-list", p(&list)]).expect(2);
    scene
        .verify(&vc, &["--trust-anchor", &ts.anchor_did])
        .expect(2);
}

/// A list signed by someone who is not a trust anchor is not used: an input error with the
/// reason, wherever lists are given.
#[test]
fn trust_list_signed_by_a_non_anchor_is_refused() {
    let ts = TrustScene::new();
    let scene = ts.scene();
    // The municipality signs a list naming itself.
    let impostor_list = ts.list_signed_by(&scene.issuer_key);
    let vc = scene.issue(None, "residence.json");
    let run = scene.verify(&vc, &ts.trust_args(&impostor_list));
    run.expect(2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("--trust-list") && run.stderr.contains("not a trust anchor"),
        "{}",
        run.stderr
    );
    let request = ts.request(&ts.pharmacy_key, &["age_over_18"], PHARMACY_RESPONSE);
    let run = ts.check_request(&request, &impostor_list);
    run.expect(2);
    assert!(run.stderr.contains("not a trust anchor"), "{}", run.stderr);
    // An expired list is refused likewise.
    let list = ts.list();
    let mut args = vec!["verify", "--in", p(&vc), "--now", "2027-06-01T00:00:00Z"];
    args.extend(ts.trust_args(&list));
    let run = lommebok(&args);
    run.expect(2);
    assert!(run.stderr.contains("does not verify"), "{}", run.stderr);
}

/// The wallet checks who signed a request against the lists: the registered pharmacy is
/// acceptable; a look-alike, over-asking, another response address or a forged signature is
/// refused (exit 1) with the reason.
#[test]
fn wallet_check_request_accepts_registered_and_refuses_others() {
    let ts = TrustScene::new();
    let list = ts.list();

    let request = ts.request(&ts.pharmacy_key, &["age_over_18"], PHARMACY_RESPONSE);
    let run = ts.check_request(&request, &list);
    run.expect(0);
    let checked = run.json();
    assert_eq!(checked["acceptable"], json!(true), "{checked:#}");
    assert_eq!(checked["verifier"], json!(ts.pharmacy_did));
    assert_eq!(
        checked["clientId"],
        json!(format!("decentralized_identifier:{}", ts.pharmacy_did))
    );
    assert_eq!(checked["registration"]["legalName"], json!("Apotek Nord"));
    assert_eq!(
        checked["registration"]["purpose"],
        json!("age check for prescription medicine")
    );
    assert_eq!(checked["overAsking"], json!([]));
    assert_eq!(checked["responseUri"], json!(PHARMACY_RESPONSE));
    assert_eq!(checked["nonce"], json!(NONCE));
    assert_eq!(checked["refusals"], json!([]));
    assert!(run.stderr.contains("Apotek Nord"), "{}", run.stderr);
    // From standard input too.
    let mut args = vec!["check-request", "--request", "-", "--now", NOW];
    args.extend(ts.trust_args(&list));
    let mut full = vec!["wallet"];
    full.extend(args);
    let text = std::fs::read_to_string(&request).unwrap();
    lommebok_with_stdin(&full, Some(&text)).expect(0);

    // A look-alike: signed correctly with its own key, on no list.
    let look_alike = ts.request(&ts.look_alike_key, &["age_over_18"], PHARMACY_RESPONSE);
    let run = ts.check_request(&look_alike, &list);
    run.expect(1);
    let checked = run.json();
    assert_eq!(checked["acceptable"], json!(false));
    assert_eq!(checked["registration"], Value::Null);
    assert_eq!(
        checked["refusals"],
        json!(["the verifier is not registered"])
    );
    assert!(run.stderr.contains("REFUSED"), "{}", run.stderr);

    // The pharmacy asking for more than it is registered for.
    let greedy = ts.request(
        &ts.pharmacy_key,
        &["age_over_18", "birthdate"],
        PHARMACY_RESPONSE,
    );
    let run = ts.check_request(&greedy, &list);
    run.expect(1);
    let checked = run.json();
    let claims: Vec<&Value> = checked["overAsking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["claim"])
        .collect();
    assert_eq!(claims, [&json!("birthdate")], "{checked:#}");
    assert_eq!(checked["registration"]["legalName"], json!("Apotek Nord"));
    assert!(
        checked["refusals"][0]
            .as_str()
            .unwrap()
            .contains("asks for more than it is registered for"),
        "{checked:#}"
    );

    // The answer sent elsewhere.
    let elsewhere = ts.request(
        &ts.pharmacy_key,
        &["age_over_18"],
        "https://apotek.example.evil.example/response",
    );
    let run = ts.check_request(&elsewhere, &list);
    run.expect(1);
    assert!(
        run.json()["refusals"][0]
            .as_str()
            .unwrap()
            .contains("which the registration does not name"),
        "{}",
        run.stdout
    );

    // A forged signature, and a request no longer fresh: refused, attributed to no one.
    let mut forged = std::fs::read_to_string(&request).unwrap().trim().to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let forged = ts.scene().write("forged.jwt", &forged);
    let run = ts.check_request(&forged, &list);
    run.expect(1);
    assert_eq!(run.json()["verifier"], Value::Null);
    let mut args = vec![
        "check-request",
        "--request",
        p(&request),
        "--now",
        "2026-06-02T12:00:00Z",
    ];
    args.extend(ts.trust_args(&list));
    let run = wallet(&args);
    run.expect(1);
    assert!(run.stdout.contains("not fresh"), "{}", run.stdout);
    // Not a JWS at all: refused as unsigned. No lists: a usage error.
    let junk = ts.scene().write("junk.jwt", "not a jwt");
    ts.check_request(&junk, &list).expect(1);
    wallet(&["check-request", "--request", p(&request), "--now", NOW]).expect(2);
}

/// `wallet present --request` answers the registered pharmacy's signed request; the
/// presentation verifies for the request's nonce and audience, with the issuer on the list.
/// A refused request is not answered and nothing is logged.
#[test]
fn wallet_present_answers_a_signed_request() {
    let ts = TrustScene::new();
    let scene = ts.scene();
    let list = ts.list();
    ts.ws
        .import("pid.sd-jwt", &["--issuer", &scene.issuer_did])
        .expect(0);

    // A look-alike's request is refused: exit 1 with the reasons, nothing presented.
    let look_alike = ts.request(&ts.look_alike_key, &["age_over_18"], PHARMACY_RESPONSE);
    let present = |request: &Path| {
        let mut args = vec![
            "present",
            "--store",
            ts.ws.store(),
            "--request",
            p(request),
            "--now",
            NOW,
        ];
        args.extend(ts.trust_args(&list));
        wallet(&args)
    };
    let refused = present(&look_alike);
    refused.expect(1);
    assert_eq!(refused.json()["acceptable"], json!(false));
    assert!(
        refused.stderr.contains("the verifier is not registered"),
        "{}",
        refused.stderr
    );
    let activity = wallet(&["activity", "--store", ts.ws.store()]);
    assert_eq!(activity.json(), json!([]));

    let request = ts.request(&ts.pharmacy_key, &["age_over_18"], PHARMACY_RESPONSE);
    let run = present(&request);
    run.expect(0);
    assert!(
        run.stderr
            .contains(&format!("send the vp_token to {PHARMACY_RESPONSE}")),
        "{}",
        run.stderr
    );
    let vp_token = run.json();
    let presentation = scene.write("pres.txt", vp_token["pid"][0].as_str().unwrap());

    let audience = format!("decentralized_identifier:{}", ts.pharmacy_did);
    let verify = |aud: &str| {
        let mut args = vec![
            "sd-jwt",
            "verify",
            "--in",
            p(&presentation),
            "--issuer",
            &scene.issuer_did,
            "--nonce",
            NONCE,
            "--aud",
            aud,
            "--now",
            NOW,
        ];
        args.extend(ts.trust_args(&list));
        lommebok(&args)
    };
    let verified = verify(&audience);
    verified.expect(0);
    let output = verified.json();
    assert_eq!(user_claims(&output), ["age_over_18"], "{output:#}");
    assert!(check_of(&output["report"], "trust").0);
    // Replayed to another verifier (another audience), it fails.
    let replayed = verify(AUD);
    replayed.expect(1);
    assert_eq!(failed_checks(&replayed.json()["report"]), ["domain"]);

    let activity = wallet(&["activity", "--store", ts.ws.store()]);
    let entries = activity.json();
    assert_eq!(entries.as_array().unwrap().len(), 1, "{entries:#}");
    assert_eq!(entries[0]["verifier"], json!("Apotek Nord"));
    assert_eq!(entries[0]["domain"], json!(audience));

    // --request goes without --query/--challenge, and needs the lists.
    let query = ts.query(&["age_over_18"]);
    let mut args = vec![
        "present",
        "--store",
        ts.ws.store(),
        "--request",
        p(&request),
        "--query",
        p(&query),
    ];
    args.extend(ts.trust_args(&list));
    wallet(&args).expect(2);
    wallet(&[
        "present",
        "--store",
        ts.ws.store(),
        "--request",
        p(&request),
    ])
    .expect(2);
}

// ---------------------------------------------------------------------------------------------
// ecdsa-sd-2023: selective disclosure for Data Integrity

/// Issue with a base proof (`--suite ecdsa-sd-2023 --mandatory`): verifiers refuse the base
/// proof; `present --disclose` and the wallet's `answer`/`present` send a derived credential
/// with only the mandatory and the requested claims, which verifies.
#[test]
fn ecdsa_sd_2023_issue_then_present_derived_by_hand_and_from_the_wallet() {
    let mut scene = Scene::new("p256");
    let store = scene.path("wallet.db");
    wallet(&["init", "--store", p(&store)]).expect(0);
    let wallet_did = wallet(&["did", "--store", p(&store)]).json()["did"]
        .as_str()
        .unwrap()
        .to_owned();
    let issue = |scene: &Scene, name: &str, extra: &[&str]| {
        let mut unsigned = scene.unsigned();
        unsigned["credentialSubject"]["birthDate"] = json!("1990-05-17");
        unsigned["credentialSubject"]["givenName"] = json!("Kari");
        let unsigned = scene.write("unsigned-sd.json", &unsigned.to_string());
        let issued = scene.issue_run(&unsigned, extra);
        (scene.write(name, &issued.stdout), issued)
    };
    let sd = [
        "--suite",
        "ecdsa-sd-2023",
        "--mandatory",
        "/credentialSubject/municipality",
    ];

    // --mandatory is for ecdsa-sd-2023 only.
    let (_, run) = issue(
        &scene,
        "no.json",
        &["--mandatory", "/credentialSubject/municipality"],
    );
    run.expect(2);
    assert!(run.stderr.contains("--mandatory"), "{}", run.stderr);

    let (vc, run) = issue(&scene, "vc-sd.json", &sd);
    run.expect(0);
    assert_eq!(run.json()["proof"]["cryptosuite"], json!("ecdsa-sd-2023"));
    let refused = scene.verify(&vc, &[]);
    refused.expect(1);
    assert_eq!(failed_checks(&refused.json()), ["proof"]);
    assert!(refused.stdout.contains("base proof"), "{}", refused.stdout);

    // By hand: the holder's key file derives and presents.
    let presented = scene.present_run(&vc, &["--disclose", "/credentialSubject/birthDate"]);
    presented.expect(0);
    let subject = &presented.json()["verifiableCredential"][0]["credentialSubject"];
    assert_eq!(
        subject,
        &json!({"id": scene.holder_did, "birthDate": "1990-05-17", "municipality": "Tromsø"})
    );
    let vp = scene.write("vp-sd.json", &presented.stdout);
    let verified = scene.verify_vp(&vp, CHALLENGE, DOMAIN);
    verified.expect(0);
    assert_eq!(verified.json()["valid"], json!(true));

    // From the wallet: import checks the base proof; the answer says what leaves.
    scene.holder_did = wallet_did;
    let (_, run) = issue(&scene, "vc-sd-wallet.json", &sd);
    run.expect(0);
    let import = |name: &str| {
        wallet(&[
            "import",
            "--store",
            p(&store),
            "--in",
            p(&scene.path(name)),
            "--now",
            NOW,
        ])
    };
    import("vc-sd.json").expect(1); // someone else's
    import("vc-sd-wallet.json").expect(0);
    let query = scene.write(
        "dcql-sd.json",
        &json!({"credentials": [{
            "id": "residence", "format": "ldp_vc",
            "meta": {"type_values": [["ResidenceCredential"]]},
            "claims": [{"path": ["credentialSubject", "givenName"]}],
        }]})
        .to_string(),
    );
    let answer = wallet(&["answer", "--store", p(&store), "--query", p(&query)]);
    answer.expect(0);
    let answer = answer.json();
    let leaves = &answer["credentials"][0]["candidates"][0]["ways"][0]["leaves"];
    assert_eq!(leaves["kind"], json!("selective"), "{answer:#}");
    assert_eq!(leaves["disclosed"], json!(["credentialSubject.givenName"]));
    assert_eq!(
        leaves["mandatory"],
        json!([
            "credentialSubject.id",
            "credentialSubject.municipality",
            "id",
            "issuer",
            "type",
            "validFrom",
            "validUntil"
        ])
    );
    let present = wallet(&[
        "present",
        "--store",
        p(&store),
        "--query",
        p(&query),
        "--challenge",
        CHALLENGE,
        "--domain",
        DOMAIN,
        "--verifier",
        "Kommunen",
        "--now",
        NOW,
    ]);
    present.expect(0);
    let vp = present.json()["residence"][0].clone();
    assert!(
        vp["verifiableCredential"][0]["credentialSubject"]
            .get("birthDate")
            .is_none()
    );
    let vp = scene.write("vp-sd-wallet.json", &vp.to_string());
    scene.verify_vp(&vp, CHALLENGE, DOMAIN).expect(0);
}

// ---------------------------------------------------------------------------------------------
// recovery with guardians, and delegation

/// Runs `lommebok ...` with `passphrase` in LOMMEBOK_PASSPHRASE.
fn with_passphrase(args: &[&str], passphrase: &str) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_lommebok"))
        .args(args)
        .stdin(Stdio::null())
        .env("LOMMEBOK_PASSPHRASE", passphrase)
        .output()
        .expect("the lommebok binary runs");
    Run {
        code: output.status.code().expect("exited"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The ids of the credentials `wallet list` prints for `store`.
fn listed_ids(store: &Path, passphrase: &str) -> Vec<String> {
    let list = with_passphrase(&["wallet", "list", "--store", p(store)], passphrase);
    list.expect(0);
    let mut ids: Vec<String> = list.json()["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// A guardian's store in `scene`: (store file, passphrase, guardian key).
fn guardian(scene: &Scene, name: &str) -> (PathBuf, String, String) {
    let store = scene.path(&format!("{name}.db"));
    let passphrase = format!("{name}'s own passphrase");
    let init = with_passphrase(&["guardian", "init", "--store", p(&store)], &passphrase);
    init.expect(0);
    let key = init.json()["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("lbg1."), "{key}");
    let again = with_passphrase(&["guardian", "key", "--store", p(&store)], &passphrase);
    again.expect(0);
    assert_eq!(again.json()["key"], json!(key));
    (store, passphrase, key)
}

/// Guardian `g` answers the request in `request` with `code`.
fn release(g: &(PathBuf, String, String), request: &Path, code: &str) -> Run {
    with_passphrase(
        &[
            "guardian",
            "release",
            "--store",
            p(&g.0),
            "--request",
            p(request),
            "--code",
            code,
        ],
        &g.1,
    )
}

fn keep(g: &(PathBuf, String, String), share: &str) -> Run {
    with_passphrase(
        &["guardian", "keep", "--store", p(&g.0), "--share", share],
        &g.1,
    )
}

/// The sealed shares `protect` or `restore` printed, by guardian name.
fn shares_of(output: &Value) -> Vec<(String, String)> {
    output["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["guardian"].as_str().unwrap().to_owned(),
                s["sealed"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The owner protects the wallet 2-of-3 with Kari, Ola and Nils; the phone is lost; a new
/// device asks Kari and Nils, who release after comparing the code (a wrong code is refused);
/// the wallet comes back whole under a new passphrase and is rotated, after which Ola's old
/// share is refused.
#[test]
fn recovery_2_of_3_through_the_cli_restores_the_wallet_and_revokes_old_shares() {
    let ws = WalletScene::new();
    let scene = &ws.scene;
    ws.import("vc.json", &[]).expect(0);
    ws.import("pid.sd-jwt", &["--issuer", &scene.issuer_did])
        .expect(0);
    let before = listed_ids(&ws.store, PASSPHRASE);
    assert_eq!(before.len(), 2);

    let kari = guardian(scene, "kari");
    let ola = guardian(scene, "ola");
    let nils = guardian(scene, "nils");
    let backup = scene.path("backup.bin");
    let protect = wallet(&[
        "protect",
        "--store",
        ws.store(),
        "--threshold",
        "2",
        "--guardian",
        &format!("Kari={}", kari.2),
        "--guardian",
        &format!("Ola={}", ola.2),
        "--guardian",
        &format!("Nils={}", nils.2),
        "--backup-out",
        p(&backup),
    ]);
    protect.expect(0);
    let protected = protect.json();
    assert_eq!(
        (protected["epoch"].clone(), protected["threshold"].clone()),
        (json!(1), json!(2))
    );
    let old_shares = shares_of(&protected);
    assert_eq!(
        old_shares
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["Kari", "Ola", "Nils"]
    );
    // The backup is opaque: the passphrase and the credentials are not in it in clear.
    let bytes = std::fs::read(&backup).unwrap();
    assert!(bytes.starts_with(b"LBK\x01"));
    assert!(!bytes.windows(7).any(|w| w == b"Troms\xc3\xb8"));
    for (g, (_, share)) in [&kari, &ola, &nils].into_iter().zip(&old_shares) {
        let kept = keep(g, share);
        kept.expect(0);
        assert_eq!(kept.json()["epoch"], json!(1));
        // A share sealed to another guardian is not kept.
    }
    keep(&kari, &old_shares[1].1).expect(2);
    let kept = with_passphrase(&["guardian", "kept", "--store", p(&kari.0)], &kari.1);
    kept.expect(0);
    assert_eq!(kept.json()["shares"].as_array().unwrap().len(), 1);

    // The new device.
    let (device_key, _) = key_file(scene, "device.key.json", "p256", 20);
    let state = scene.path("recovery.json");
    let start = lommebok(&[
        "recovery",
        "start",
        "--key",
        p(&device_key),
        "--backup",
        p(&backup),
        "--state-out",
        p(&state),
    ]);
    start.expect(0);
    let started = start.json();
    assert_eq!(started["shares"], json!(0));
    let code = started["shortCode"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the state is readable by others: {mode:o}");
    }
    let request = scene.write("request.jwt", started["request"].as_str().unwrap());

    // The guardian sees the same code; a wrong code releases nothing.
    let check = with_passphrase(
        &[
            "guardian",
            "check",
            "--store",
            p(&kari.0),
            "--request",
            p(&request),
        ],
        &kari.1,
    );
    check.expect(0);
    assert_eq!(check.json()["shortCode"], json!(code));
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let refused = release(&kari, &request, &wrong);
    refused.expect(2);
    assert!(refused.stdout.is_empty());
    assert!(refused.stderr.contains("short code"), "{}", refused.stderr);

    let from_kari = release(&kari, &request, &code);
    from_kari.expect(0);
    let from_kari = from_kari.stdout.trim().to_owned();
    assert!(from_kari.starts_with("lbr1."), "{from_kari}");
    let from_nils = release(&nils, &request, &code);
    from_nils.expect(0);
    let from_nils = from_nils.stdout.trim().to_owned();

    // Not enough shares yet.
    let new_store = scene.path("new.db");
    let new_backup = scene.path("new-backup.bin");
    let restore_args = [
        "recovery",
        "restore",
        "--state",
        p(&state),
        "--backup",
        p(&backup),
        "--store",
        p(&new_store),
        "--backup-out",
        p(&new_backup),
    ];
    const NEW_PASSPHRASE: &str = "a new phone, a new passphrase";
    with_passphrase(&restore_args, NEW_PASSPHRASE).expect(2);
    assert!(!new_store.exists());

    let add = |from: &str, release: &str| {
        lommebok(&[
            "recovery",
            "add",
            "--state",
            p(&state),
            "--from",
            from,
            "--release",
            release,
        ])
    };
    let added = add("Kari", &from_kari);
    added.expect(0);
    assert_eq!(added.json()["shares"], json!(1));
    // The same share twice is refused, and the state keeps the one added.
    let twice = add("Kari", &from_kari);
    twice.expect(2);
    assert!(twice.stderr.contains("already added"), "{}", twice.stderr);
    let added = add("Nils", &from_nils);
    added.expect(0);
    assert_eq!(added.json()["shares"], json!(2));

    let restored = with_passphrase(&restore_args, NEW_PASSPHRASE);
    restored.expect(0);
    let rotated = restored.json();
    assert_eq!(
        (rotated["epoch"].clone(), rotated["threshold"].clone()),
        (json!(2), json!(2))
    );
    let new_shares = shares_of(&rotated);
    assert_eq!(new_shares.len(), 3);
    assert!(
        !state.exists(),
        "the secret state is deleted after the restore"
    );

    // The same wallet, under the new passphrase only.
    assert_eq!(listed_ids(&new_store, NEW_PASSPHRASE), before);
    with_passphrase(&["wallet", "list", "--store", p(&new_store)], PASSPHRASE).expect(2);

    // Kari and Nils keep their new shares; Ola has not yet. A recovery from the new backup:
    // Ola's old share is refused (revoked by the rotation), and once Ola keeps the new one,
    // the old share cannot be kept again.
    keep(&kari, &new_shares[0].1).expect(0);
    keep(&nils, &new_shares[2].1).expect(0);
    let state2 = scene.path("recovery2.json");
    let start = lommebok(&[
        "recovery",
        "start",
        "--key",
        p(&device_key),
        "--backup",
        p(&new_backup),
        "--state-out",
        p(&state2),
    ]);
    start.expect(0);
    let request2 = scene.write("request2.jwt", start.json()["request"].as_str().unwrap());
    let code2 = start.json()["shortCode"].as_str().unwrap().to_owned();
    let stale = release(&ola, &request2, &code2);
    stale.expect(2);
    assert!(
        stale.stderr.contains("revoked by a rotation"),
        "{}",
        stale.stderr
    );
    keep(&ola, &new_shares[1].1).expect(0);
    let old = keep(&ola, &old_shares[1].1);
    old.expect(2);
    assert!(
        old.stderr.contains("revoked by a rotation"),
        "{}",
        old.stderr
    );
    // The old backup's recovery is for an outdated backup now.
    let outdated = release(&kari, &request, &code);
    outdated.expect(2);
}

#[test]
fn recovery_input_errors_are_exit_2() {
    let scene = Scene::new("ed25519");
    let junk = scene.write("junk.bin", "not a backup");
    let state = scene.path("state.json");
    let start = lommebok(&[
        "recovery",
        "start",
        "--key",
        p(&scene.holder_key),
        "--backup",
        p(&junk),
        "--state-out",
        p(&state),
    ]);
    start.expect(2);
    assert!(
        start.stderr.contains("malformed backup"),
        "{}",
        start.stderr
    );
    assert!(!state.exists());
    let garbage = scene.write("garbage.json", r#"{"format": "something else"}"#);
    let show = lommebok(&["recovery", "show", "--state", p(&garbage)]);
    show.expect(2);
    assert!(
        show.stderr.contains("not a recovery state"),
        "{}",
        show.stderr
    );
    let (store, passphrase, _) = guardian(&scene, "kari");
    with_passphrase(
        &[
            "guardian",
            "keep",
            "--store",
            p(&store),
            "--share",
            "lbs1.AAAA",
        ],
        &passphrase,
    )
    .expect(2);
    with_passphrase(&["guardian", "kept", "--store", p(&store)], "wrong").expect(2);
    let ws = WalletScene::new();
    let bad_key = wallet(&[
        "protect",
        "--store",
        ws.store(),
        "--threshold",
        "2",
        "--guardian",
        "Kari=lbg1.nope",
        "--backup-out",
        p(&ws.scene.path("b.bin")),
    ]);
    bad_key.expect(2);
    assert!(bad_key.stderr.contains("Kari"), "{}", bad_key.stderr);
    let (_, _, key) = guardian(&ws.scene, "nils");
    let threshold = wallet(&[
        "protect",
        "--store",
        ws.store(),
        "--threshold",
        "3",
        "--guardian",
        &format!("Nils={key}"),
        "--backup-out",
        p(&ws.scene.path("b.bin")),
    ]);
    threshold.expect(2);
    assert!(
        threshold.stderr.contains("threshold"),
        "{}",
        threshold.stderr
    );
}

/// Kari (a key file) delegates to Ola's wallet the presenting of her residence credential at
/// the pharmacy: Ola's wallet refuses her credential before the delegation and keeps it
/// after; the presentation it makes verifies "on behalf of" Kari.
#[test]
fn delegation_issued_by_the_cli_lets_a_helpers_wallet_present_on_behalf() {
    let scene = Scene::new("ed25519");
    let kari = scene.holder_did.clone();
    let karis = scene.issue(None, "karis-residence.json");
    let ola_store = scene.path("ola.db");
    let init = wallet(&["init", "--store", p(&ola_store)]);
    init.expect(0);
    let ola = init.json()["did"].as_str().unwrap().to_owned();
    let (_, pharmacy) = key_file(&scene, "pharmacy.key.json", "p256", 8);
    let import = |path: &Path| {
        wallet(&[
            "import",
            "--store",
            p(&ola_store),
            "--in",
            p(path),
            "--now",
            NOW,
        ])
    };

    // Without a delegation, Kari's credential is not Ola's to keep.
    let refused = import(&karis);
    refused.expect(1);
    assert!(refused.stdout.contains("not bound"), "{}", refused.stdout);

    let issued = lommebok(&[
        "delegation",
        "issue",
        "--key",
        p(&scene.holder_key),
        "--principal",
        &kari,
        "--delegate",
        &ola,
        "--type",
        "ResidenceCredential",
        "--verifier",
        &pharmacy,
        "--valid-from",
        "2026-05-01T00:00:00Z",
        "--valid-days",
        "90",
    ]);
    issued.expect(0);
    let delegation = issued.json();
    assert_eq!(delegation["issuer"], json!(kari));
    assert_eq!(delegation["credentialSubject"]["id"], json!(ola));
    assert_eq!(delegation["credentialSubject"]["onBehalfOf"], json!(kari));
    assert_eq!(
        delegation["credentialSubject"]["credentialTypes"],
        json!(["ResidenceCredential"])
    );
    assert_eq!(delegation["validUntil"], json!("2026-07-30T00:00:00Z"));
    let delegation_id = delegation["id"].as_str().unwrap().to_owned();
    let delegation_file = scene.write("delegation.json", &issued.stdout);
    // It verifies as a credential on its own.
    lommebok(&["verify", "--in", p(&delegation_file), "--now", NOW]).expect(0);

    import(&delegation_file).expect(0);
    import(&karis).expect(0);

    let query = scene.write(
        "query.json",
        &json!({"credentials": [{"id": "residence", "format": "ldp_vc",
            "meta": {"type_values": [["ResidenceCredential"]]}}]})
        .to_string(),
    );
    let domain = format!("decentralized_identifier:{pharmacy}");
    let present = wallet(&[
        "present",
        "--store",
        p(&ola_store),
        "--query",
        p(&query),
        "--challenge",
        CHALLENGE,
        "--domain",
        &domain,
        "--verifier",
        "Apotek 1",
        "--now",
        NOW,
    ]);
    present.expect(0);
    let token = present.json();
    let vp = match &token["residence"][0] {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let vp = scene.write("vp.json", &vp);
    let verified = lommebok(&[
        "verify",
        "--in",
        p(&vp),
        "--challenge",
        CHALLENGE,
        "--domain",
        &domain,
        "--now",
        NOW,
    ]);
    verified.expect(0);
    assert!(
        verified.stdout.contains(&format!(
            "presented by {ola} on behalf of {kari} under delegation {delegation_id}"
        )),
        "{}",
        verified.stdout
    );

    // With a status list, it can be revoked by its id.
    let db = scene.path("delegations.sqlite");
    const LIST: &str = "https://kari.example/status/delegations";
    lommebok(&[
        "status",
        "create",
        "--db",
        p(&db),
        "--url",
        LIST,
        "--purpose",
        "revocation",
    ])
    .expect(0);
    let revocable = lommebok(&[
        "delegation",
        "issue",
        "--key",
        p(&scene.holder_key),
        "--principal",
        &kari,
        "--delegate",
        &ola,
        "--type",
        "ResidenceCredential",
        "--status-db",
        p(&db),
        "--status-list",
        LIST,
    ]);
    revocable.expect(0);
    let revocable = revocable.json();
    assert_eq!(
        revocable["credentialStatus"]["statusListCredential"],
        json!(LIST)
    );
    lommebok(&[
        "status",
        "revoke",
        "--db",
        p(&db),
        "--id",
        revocable["id"].as_str().unwrap(),
    ])
    .expect(0);

    // Bad input: not DIDs, no type.
    lommebok(&[
        "delegation",
        "issue",
        "--key",
        p(&scene.holder_key),
        "--principal",
        "kari",
        "--delegate",
        &ola,
        "--type",
        "ResidenceCredential",
    ])
    .expect(2);
    lommebok(&[
        "delegation",
        "issue",
        "--key",
        p(&scene.holder_key),
        "--principal",
        &kari,
        "--delegate",
        &ola,
    ])
    .expect(2);
}

// ---------------------------------------------------------------------------------------------
// re-issuance after a recovery onto a new key

/// A key from `seed(byte)`, for what the tests sign with the library itself.
fn software_key(alg: lommebok::Algorithm, byte: u8) -> lommebok::SoftwareKey {
    lommebok::SoftwareKey::from_secret_bytes(alg, &[byte; 32]).unwrap()
}

fn did_of(key: &lommebok::SoftwareKey) -> String {
    use lommebok::Signer as _;
    lommebok::Did::from_public_key(&key.public_key()).to_string()
}

fn now_time() -> chrono::DateTime<chrono::Utc> {
    lommebok::credential::parse_date_time_stamp(NOW).unwrap()
}

/// The restored wallet's re-issuance request, as `lommebok::reissuance::request` makes it on a
/// platform-key wallet: signed by the new holder key, addressed to the old credential's issuer.
fn reissuance_request(
    new_key: &lommebok::SoftwareKey,
    old: &Value,
    previous_holder: &str,
    confirmations: &[String],
) -> String {
    use lommebok::Signer as _;
    let at = now_time();
    let payload = json!({
        "aud": old["issuer"],
        "credential": old,
        "previousHolder": previous_holder,
        "holder": did_of(new_key),
        "confirmations": confirmations,
        "iat": at.timestamp(),
        "exp": (at + lommebok::reissuance::LIFETIME).timestamp(),
    });
    lommebok::jws::sign(
        payload.as_object().unwrap(),
        lommebok::reissuance::REQUEST_TYPE,
        Some(&lommebok::Did::key_verification_method(
            &new_key.public_key(),
        )),
        &serde_json::Map::new(),
        new_key,
    )
    .unwrap()
}

/// Kari's credential names her lost key's DID; her wallet was restored onto a new key. Ola
/// confirms through `guardian confirm` with his own wallet, Per with the library; the
/// municipality re-issues to the new DID and revokes the old credential. Too few or
/// unaccepted guardians are refused (exit 1) and revoke nothing.
#[test]
fn reissue_after_recovery_with_guardians_confirmations() {
    const LIST: &str = "https://kommune.example/status/r1";
    let scene = Scene::new("ed25519");
    scene.create_list(LIST, "revocation");
    let (old_file, old_id) = scene.issue_with_status(&[LIST], "old.json");
    let old: Value = serde_json::from_str(&std::fs::read_to_string(&old_file).unwrap()).unwrap();
    let old_did = scene.holder_did.clone();
    let new_key = software_key(lommebok::Algorithm::P256, 3);
    let new_did = did_of(&new_key);

    // Ola's own wallet store confirms; a guardian store (`guardian init`) gets a holder key on
    // first use.
    let (ola_store, ola_passphrase, _) = guardian(&scene, "Ola");
    let confirm = |holder: &str| {
        with_passphrase(
            &[
                "guardian",
                "confirm",
                "--store",
                p(&ola_store),
                "--previous-holder",
                &old_did,
                "--holder",
                holder,
                "--now",
                NOW,
            ],
            &ola_passphrase,
        )
    };
    let confirmed = confirm(&new_did);
    confirmed.expect(0);
    let ola_confirmation = confirmed.stdout.trim().to_owned();
    let ola_did = with_passphrase(
        &["wallet", "did", "--store", p(&ola_store)],
        &ola_passphrase,
    );
    ola_did.expect(0);
    let ola_did = ola_did.json()["did"].as_str().unwrap().to_owned();
    assert!(confirmed.stderr.contains(&ola_did), "{}", confirmed.stderr);
    let decoded = lommebok::jws::Jws::decode(&ola_confirmation).unwrap();
    assert_eq!(decoded.payload["previousHolder"], json!(old_did));
    assert_eq!(decoded.payload["holder"], json!(new_did));
    // Not DIDs, or the same DID twice: usage errors.
    confirm("kari").expect(2);
    confirm(&old_did).expect(2);

    let per_key = software_key(lommebok::Algorithm::Ed25519, 4);
    let per_did = did_of(&per_key);
    let sign_confirmation = |key: &lommebok::SoftwareKey| {
        lommebok::reissuance::confirm(key, &old_did, &new_did, now_time()).unwrap()
    };
    let per_confirmation = sign_confirmation(&per_key);
    let stranger_confirmation = sign_confirmation(&software_key(lommebok::Algorithm::Ed25519, 5));

    let db = scene.db();
    let reissue = |name: &str, confirmations: &[String], extra: &[&str]| {
        let request = scene.write(
            name,
            &reissuance_request(&new_key, &old, &old_did, confirmations),
        );
        let mut args = vec![
            "reissue",
            "--key",
            p(&scene.issuer_key),
            "--request",
            p(&request),
            "--guardian",
            &ola_did,
            "--guardian",
            &per_did,
            "--status-db",
            p(&db),
            "--status-list",
            LIST,
            "--now",
            NOW,
        ];
        args.extend(extra);
        lommebok(&args)
    };

    // One confirmation only.
    let one = reissue("one.jwt", std::slice::from_ref(&ola_confirmation), &[]);
    one.expect(1);
    assert_eq!(one.json()["reissued"], json!(false));
    assert!(
        one.stderr
            .contains("1 accepted guardian confirmation(s), 2 needed"),
        "{}",
        one.stderr
    );
    // A guardian the issuer does not accept does not count.
    let stranger = reissue(
        "stranger.jwt",
        &[ola_confirmation.clone(), stranger_confirmation],
        &[],
    );
    stranger.expect(1);
    assert!(
        stranger.stderr.contains("not an accepted guardian"),
        "{}",
        stranger.stderr
    );
    // Two are not enough when the issuer asks for three; none are never enough.
    reissue(
        "three.jwt",
        &[ola_confirmation.clone(), per_confirmation.clone()],
        &["--min-confirmations", "3"],
    )
    .expect(1);
    reissue("none.jwt", &[], &[]).expect(1);
    // Unreadable input: not a request, no file.
    std::fs::write(scene.path("garbage.jwt"), "not a request").unwrap();
    for name in ["garbage.jwt", "missing.jwt"] {
        lommebok(&[
            "reissue",
            "--key",
            p(&scene.issuer_key),
            "--request",
            p(&scene.path(name)),
            "--guardian",
            &ola_did,
            "--status-db",
            p(&db),
            "--status-list",
            LIST,
        ])
        .expect(2);
    }
    // Nothing was revoked by the refusals.
    let published = scene.publish(LIST);
    scene
        .verify_with_lists(&old_file, &[(LIST, &published)])
        .expect(0);

    // Two accepted guardians: re-issued, checked against the published list.
    let list_arg = format!("{LIST}={}", p(&published));
    let both = [ola_confirmation.clone(), per_confirmation.clone()];
    let done = reissue("request.jwt", &both, &["--status-list-file", &list_arg]);
    done.expect(0);
    let new = done.json();
    assert_eq!(new["issuer"], json!(scene.issuer_did));
    assert_eq!(new["credentialSubject"]["id"], json!(new_did));
    assert_eq!(
        new["credentialSubject"]["municipality"],
        old["credentialSubject"]["municipality"]
    );
    assert_ne!(new["id"], json!(old_id));
    assert_eq!(status_entries(&new)[0]["statusListCredential"], json!(LIST));
    assert!(
        done.stderr.contains(&format!("revoked {old_id}")),
        "{}",
        done.stderr
    );
    let new_file = scene.write("new.json", &done.stdout);

    // Published again: the old credential is revoked, the new one valid.
    let republished = scene.publish(LIST);
    let old_checked = scene.verify_with_lists(&old_file, &[(LIST, &republished)]);
    old_checked.expect(1);
    assert!(
        status_checks(&old_checked.json())
            .iter()
            .any(|(passed, reason)| !passed && reason.contains("revoked")),
        "{}",
        old_checked.stdout
    );
    scene
        .verify_with_lists(&new_file, &[(LIST, &republished)])
        .expect(0);

    // The same request again, even with the stale published list: revoked already.
    let again = reissue("again.jwt", &both, &["--status-list-file", &list_arg]);
    again.expect(1);
    assert!(
        again.stderr.contains(&format!("{old_id} is revoked")),
        "{}",
        again.stderr
    );
}
