//! One module per command group of the `ehr` binary, each with its clap
//! arguments and the function that runs it against a [`Context`](crate::Context).

pub mod access;
pub mod audit;
pub mod grants;
pub mod hospitals;
pub mod import;
pub mod keys;
pub mod people;
pub mod proxy;
pub mod records;
