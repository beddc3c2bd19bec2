//! Benchmarks of pallet-consortium (benchmarks v2), each at its worst case.

use super::*;
use crate::Pallet as Consortium;
use alloc::{boxed::Box, vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, SortedMembers};
use frame_system::RawOrigin;

/// Member hospitals whose profiles `set_profile` scans: the runtime's
/// membership bound (64) less the development chain's founding member.
const MEMBERS: u32 = 63;

/// A valid, distinct ed25519 peer id in base58 for index `i`: the identity
/// multihash of a protobuf-encoded 32-byte key.
fn peer_id(i: u32) -> Vec<u8> {
	let mut bytes = vec![0x00, 36, 0x08, 0x01, 0x12, 0x20];
	let mut key = [0u8; 32];
	key[..4].copy_from_slice(&i.to_le_bytes());
	bytes.extend_from_slice(&key);
	bs58::encode(bytes).into_string().into_bytes()
}

fn member<T: Config>(i: u32) -> T::AccountId {
	let hospital: T::AccountId = account("hospital", i, 0);
	T::Members::add(&hospital);
	hospital
}

#[benchmarks(where <T as Config>::RuntimeCall: From<frame_system::Call<T>>)]
mod benchmarks {
	use super::*;

	/// Worst case: every other member has a full profile to check for
	/// clashing peer ids, and the caller registers the most peer ids.
	#[benchmark]
	fn set_profile() {
		for i in 1..MEMBERS {
			let other = member::<T>(i);
			let peers: Vec<Vec<u8>> = (0..MAX_PEER_IDS).map(|p| peer_id(i * MAX_PEER_IDS + p)).collect();
			let profile = Consortium::<T>::profile_from_bytes(vec![b'h'; MAX_HOSPITAL_NAME_LEN as usize], peers)
				.expect("benchmark profiles are valid");
			Profiles::<T>::insert(&other, profile);
		}
		let hospital = member::<T>(0);
		let peers: Vec<Vec<u8>> = (0..MAX_PEER_IDS).map(|p| peer_id(MEMBERS * MAX_PEER_IDS + p)).collect();
		let profile = Consortium::<T>::profile_from_bytes(vec![b'h'; MAX_HOSPITAL_NAME_LEN as usize], peers)
			.expect("the benchmark profile is valid");

		#[extrinsic_call]
		_(RawOrigin::Signed(hospital.clone()), profile.name, profile.peer_ids);

		assert!(Profiles::<T>::contains_key(&hospital));
	}

	/// Worst case: the most endpoints, each of the longest length, all
	/// compared with each other.
	#[benchmark]
	fn set_endpoints() {
		let hospital = member::<T>(0);
		let urls: Vec<alloc::string::String> = (0..MAX_ENDPOINTS)
			.map(|i| {
				let mut url = alloc::format!("wss://node-{i}.hospital.example:443/");
				while url.len() < MAX_ENDPOINT_LEN as usize {
					url.push('p');
				}
				url
			})
			.collect();
		let endpoints = Consortium::<T>::endpoints_from_text(&urls).expect("the benchmark endpoints are valid");

		#[extrinsic_call]
		_(RawOrigin::Signed(hospital.clone()), endpoints);

		assert_eq!(HospitalEndpoints::<T>::get(&hospital).map(|e| e.len() as u32), Some(MAX_ENDPOINTS));
	}

	/// The overhead around the dispatched call, whose own weight is added.
	#[benchmark]
	fn dispatch_as_root() -> Result<(), BenchmarkError> {
		let origin = T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let call: <T as Config>::RuntimeCall = frame_system::Call::<T>::remark { remark: vec![] }.into();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Box::new(call));

		Ok(())
	}

	#[benchmark]
	fn set_rate_limits() -> Result<(), BenchmarkError> {
		let origin = T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let limits = RateLimits {
			person: RateLimit { transactions: 1, blocks: 1 },
			hospital: RateLimit { transactions: 2, blocks: 2 },
		};

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, limits);

		assert_eq!(Limits::<T>::get(), limits);
		Ok(())
	}

	#[benchmark]
	fn set_session_length() -> Result<(), BenchmarkError> {
		let origin = T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 42u32.into());

		assert_eq!(SessionLength::<T>::get(), 42u32.into());
		Ok(())
	}

	/// The `CheckRegistered` extension's work for one signed transaction:
	/// the registry lookup, the window read and its write.
	#[benchmark]
	fn check_registered() -> Result<(), BenchmarkError> {
		let hospital = member::<T>(0);
		Consortium::<T>::note_transaction(&hospital, 1).map_err(|_| BenchmarkError::Stop("not admitted"))?;

		#[block]
		{
			Consortium::<T>::check_admission(&hospital, 1).map_err(|_| BenchmarkError::Stop("not admitted"))?;
			Consortium::<T>::note_transaction(&hospital, 1).map_err(|_| BenchmarkError::Stop("not admitted"))?;
		}

		Ok(())
	}

	impl_benchmark_test_suite!(Consortium, crate::mock::new_test_ext(), crate::mock::Test);
}
