//! The weights of calls whose benchmarked weight is composed with the
//! storage work the benchmarks predate or with their arguments' size; the
//! dispatchables in lib.rs charge these.

use crate::{types::Scope, Config, WeightInfo};
use frame_support::{traits::Get, weights::Weight};

/// `register_proxy`'s weight for `accounts` node accounts: the benchmarked
/// weight, plus what the benchmark predates: the role checks of each
/// account (patient, provider, member: three reads), the proxy-key index
/// (one read, two writes) and each account's consent check, bounded by
/// `register_provider`'s benchmarked weight (which checks a signature in
/// both forms, where a consent is checked in one).
pub fn register_proxy_weight<T: Config>(accounts: u32) -> Weight {
	T::WeightInfo::register_proxy(accounts)
		.saturating_add(T::DbWeight::get().reads_writes(u64::from(accounts).saturating_mul(3).saturating_add(1), 2))
		.saturating_add(T::WeightInfo::register_provider().saturating_mul(u64::from(accounts)))
}

/// `create_record`'s and `create_records`' weight: the benchmarked
/// `created` weight plus the custodian's quota of records for other
/// hospitals' patients (one entry, read and written once per batch; the
/// storage overlay serves the batch's later records), which the benchmarks
/// predate.
pub fn create_records_weight<T: Config>(created: Weight) -> Weight {
	created.saturating_add(T::DbWeight::get().reads_writes(1, 1))
}

/// A person's registration weight: the benchmarked `registered` weight
/// plus the hospital's registration quota (one read, one write), which the
/// benchmarks predate.
pub fn register_person_weight<T: Config>(registered: Weight) -> Weight {
	registered.saturating_add(T::DbWeight::get().reads_writes(1, 1))
}

/// `request_access`'s weight for a grant of `proxies` proxies: the
/// benchmarked weight plus the quotas of the grantee's hospital and of the
/// patient (the grantee's registration, at most two reads; two quotas, two
/// reads and two writes), which the benchmark predates.
pub fn request_access_weight<T: Config>(proxies: u32) -> Weight {
	T::WeightInfo::request_access(proxies).saturating_add(T::DbWeight::get().reads_writes(4, 2))
}

/// `retire_record`'s weight: the benchmarked weight plus the retiring
/// account's retirement window (one read, one write) and the parameters
/// (one read), which the benchmark predates.
pub fn retire_record_weight<T: Config>() -> Weight {
	T::WeightInfo::retire_record().saturating_add(T::DbWeight::get().reads_writes(2, 1))
}

/// `restore_records`' weight for `records` records, until the
/// `restore_records` benchmark (benchmarking.rs) is part of the generated
/// weights: restoring a record reads and writes what retiring it does (the
/// record, and the patient's audit log), so each costs `retire_record`'s
/// benchmarked weight, plus the parameters read once.
pub fn restore_records_weight<T: Config>(records: u32) -> Weight {
	T::WeightInfo::retire_record().saturating_mul(u64::from(records.max(1))).saturating_add(T::DbWeight::get().reads(1))
}

/// The number of records a scope lists (0 for all records), for weights.
pub fn scope_len(scope: &Scope) -> u32 {
	match scope {
		Scope::Records(records) => records.len() as u32,
		Scope::AllRecords => 0,
	}
}
