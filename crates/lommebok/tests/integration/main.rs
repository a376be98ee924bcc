//! Integration tests: one binary, one module per subject.

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod delegation;
mod did_key;
mod ecdsa_sd;
mod flow;
mod generated_vectors;
mod jcs;
mod mutations;
mod negative;
mod query;
mod recovery;
mod reissuance;
mod sd_jwt;
mod sd_jwt_negative;
mod sd_jwt_status;
mod sd_jwt_vectors;
#[cfg(feature = "ssi-suites")]
mod ssi_suites;
mod status;
mod status_negative;
mod status_vectors;
mod support;
mod token_status;
mod trust;
mod vc_di_eddsa;
mod vcdm;
mod vectors;
mod wallet_holder;
mod wallet_store;
mod wycheproof;
