//! Crash safety for real: a writer process is killed with SIGKILL at random points while it
//! stores credentials, and every credential it had confirmed must be there, readable, in a
//! valid database afterwards.
//!
//! The writer is this test binary again: run with `LOMMEBOK_CRASH_WRITER` set to a database
//! path, the `crash_writer_child` test opens the store there and writes credentials in a loop,
//! printing each id on stdout only after `put_credential` returned.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lommebok::wallet::store::{Argon2Params, CredentialFormat, PassphraseKey, WalletStore};
use lommebok_sqlite::SqliteStorage;
use serde_json::json;

const WRITER_ENV: &str = "LOMMEBOK_CRASH_WRITER";
const CONFIRMED: &str = "confirmed ";
const PASSPHRASE: &str = "krasj-test";
const FAST: Argon2Params = Argon2Params {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};
const ROUNDS: usize = 20;
const ROUNDS_PER_FILE: usize = 5;
/// The rounds stop early past this, so the test stays short on a slow machine.
const TIME_BUDGET: Duration = Duration::from_secs(20);

fn open(path: &Path) -> WalletStore {
    let key = PassphraseKey::new(PASSPHRASE).with_params(FAST).unwrap();
    WalletStore::open(Arc::new(SqliteStorage::open(path).unwrap()), &key).unwrap()
}

/// The writer: does nothing unless started by `wallet_store_survives_sigkill`.
#[test]
fn crash_writer_child() {
    let Some(path) = std::env::var_os(WRITER_ENV) else {
        return;
    };
    let store = open(Path::new(&path));
    let round: u64 = std::env::var("LOMMEBOK_CRASH_ROUND")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    let mut stdout = std::io::stdout().lock();
    for n in 0u64.. {
        let id = format!("urn:crash:{round}:{n}");
        // Records of varied sizes, some spanning several database pages.
        let padding = "x".repeat(if n % 10 == 0 { 6000 } else { (n % 97) as usize });
        let credential = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:kommune",
            "credentialSubject": {"id": "did:example:holder", "round": round, "n": n, "pad": padding},
        })
        .to_string();
        store
            .put_credential(&id, CredentialFormat::DataIntegrity, &credential)
            .unwrap();
        // Replace and delete too, so the kill can land in those as well.
        if n % 5 == 4 {
            store
                .put_credential(&id, CredentialFormat::DataIntegrity, &credential)
                .unwrap();
        }
        if n % 7 == 6 {
            let doomed = format!("urn:crash:{round}:doomed");
            store
                .put_credential(&doomed, CredentialFormat::SdJwt, "e30.e30.c2ln~")
                .unwrap();
            store.delete_credential(&doomed).unwrap();
        }
        writeln!(stdout, "{CONFIRMED}{id}").unwrap();
        stdout.flush().unwrap();
    }
}

/// A small xorshift generator: random delays without a dependency. The seed is printed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

#[test]
fn wallet_store_survives_sigkill() {
    if std::env::var_os(WRITER_ENV).is_some() {
        return;
    }
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash test seed {seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut confirmed: BTreeSet<String> = BTreeSet::new();
    let mut rounds = 0;
    let mut kills_mid_write = 0;

    let mut total = 0;

    while rounds < ROUNDS && started.elapsed() < TIME_BUDGET {
        // A new database every few rounds, so that checking stays quick; the first kill of each
        // may land while the store is being created.
        let path = dir
            .path()
            .join(format!("wallet-{}.sqlite", rounds / ROUNDS_PER_FILE));
        if rounds % ROUNDS_PER_FILE == 0 {
            total += confirmed.len();
            confirmed.clear();
        }
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_writer_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(WRITER_ENV, &path)
            .env("LOMMEBOK_CRASH_ROUND", rounds.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read what the writer confirms while it runs, so that it never waits on a full pipe.
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|line| line.strip_prefix(CONFIRMED).map(str::to_owned))
                .collect::<Vec<String>>()
        });
        // Some rounds die while opening (even the first, while creating the store).
        std::thread::sleep(Duration::from_millis(5 + rng.below(400)));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "round {rounds} (seed {seed}): the writer stopped by itself ({status}): {stderr}"
        );
        let ids = reader.join().unwrap();
        let this_round = ids.len();
        confirmed.extend(ids);
        if this_round > 0 {
            kills_mid_write += 1;
        }

        // After the kill: the database is valid and every confirmed credential reads back.
        let storage = SqliteStorage::open(&path).unwrap();
        storage.check_integrity().unwrap();
        let key = PassphraseKey::new(PASSPHRASE).with_params(FAST).unwrap();
        let store = WalletStore::open(Arc::new(storage), &key).unwrap();
        let listing = store.credentials().unwrap();
        assert!(
            listing.damaged.is_empty(),
            "round {rounds} (seed {seed}): {:?}",
            listing.damaged
        );
        let present: BTreeSet<&str> = listing.records.iter().map(|c| c.id.as_str()).collect();
        for id in &confirmed {
            assert!(
                present.contains(id.as_str()),
                "round {rounds} (seed {seed}): confirmed {id} is missing"
            );
        }
        // Every record is whole: a credential, or an SD-JWT about to be deleted when the
        // writer died.
        for credential in &listing.records {
            assert!(
                credential.data.contains("did:example:holder")
                    || (credential.id.ends_with(":doomed") && credential.data == "e30.e30.c2ln~"),
                "round {rounds} (seed {seed}): {credential:?}"
            );
        }
        // And one by one, the ones confirmed last.
        for id in confirmed.iter().rev().take(3) {
            assert!(store.credential(id).unwrap().is_some());
        }
        rounds += 1;
    }
    eprintln!(
        "{rounds} kills, {kills_mid_write} after confirmed writes, {} confirmed credentials, {:?}",
        total + confirmed.len(),
        started.elapsed()
    );
    assert!(rounds >= 5, "only {rounds} rounds in {TIME_BUDGET:?}");
    assert!(
        kills_mid_write >= 1,
        "the writer never confirmed a write before it was killed"
    );
    assert!(total + confirmed.len() > 0);
}
