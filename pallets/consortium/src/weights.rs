
//! Weights for `pallet_consortium`. Placeholder figures until
//! scripts/benchmark-weights generates this file; do not edit by hand.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// The weight of each call of `pallet_consortium`.
pub trait WeightInfo {
	fn set_profile() -> Weight;
	fn dispatch_as_root() -> Weight;
	fn set_rate_limits() -> Weight;
	fn set_session_length() -> Weight;
	fn check_registered() -> Weight;
}

/// Measured weights, with the runtime's own database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn set_profile() -> Weight {
		Weight::from_parts(100_000_000, 4000)
			.saturating_add(T::DbWeight::get().reads(66_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn dispatch_as_root() -> Weight {
		Weight::from_parts(10_000_000, 0)
	}
	fn set_rate_limits() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn set_session_length() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn check_registered() -> Weight {
		Weight::from_parts(20_000_000, 4000)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
}

/// The same figures with ParityDB's weights, for mocks and tests.
impl WeightInfo for () {
	fn set_profile() -> Weight {
		Weight::from_parts(100_000_000, 4000)
			.saturating_add(ParityDbWeight::get().reads(66_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn dispatch_as_root() -> Weight {
		Weight::from_parts(10_000_000, 0)
	}
	fn set_rate_limits() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn set_session_length() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn check_registered() -> Weight {
		Weight::from_parts(20_000_000, 4000)
			.saturating_add(ParityDbWeight::get().reads(5_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
}
