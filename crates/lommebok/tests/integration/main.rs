//! Integration tests: one binary, one module per subject.

mod vc_di_eddsa;
mod vectors;
