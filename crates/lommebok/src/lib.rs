#![doc = include_str!("../../../README.md")]
#![warn(missing_docs)]

pub mod contexts;
pub mod data_integrity;
pub mod did;
pub mod json;
pub mod key;
