//! Hospital profiles: the public name, the libp2p peer ids and the public
//! JSON-RPC endpoints of a member hospital's nodes, and their removal when
//! the hospital leaves.

use crate::{pallet::*, types::*};
use alloc::{string::String, vec::Vec};
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{ChangeMembers, InitializeMembers, SortedMembers},
};
use frame_system::{ensure_signed, pallet_prelude::OriginFor};

/// Multihash code of the identity hash (ed25519 keys are inlined).
const MULTIHASH_IDENTITY: u8 = 0x00;
/// Multihash code of sha2-256 (keys longer than 42 bytes are hashed).
const MULTIHASH_SHA2_256: u8 = 0x12;
/// The longest public key libp2p inlines with the identity hash.
const MAX_INLINE_KEY_LEN: usize = 42;

/// Whether `text` is a libp2p peer id in base58: a multihash that is either
/// the identity hash of a protobuf-encoded public key of at most 42 bytes or
/// a sha2-256 hash.
pub fn is_peer_id(text: &[u8]) -> bool {
	let Ok(bytes) = bs58::decode(text).into_vec() else { return false };
	match bytes.as_slice() {
		[MULTIHASH_IDENTITY, len, key @ ..] => {
			usize::from(*len) == key.len() && !key.is_empty() && key.len() <= MAX_INLINE_KEY_LEN
		},
		[MULTIHASH_SHA2_256, 32, digest @ ..] => digest.len() == 32,
		_ => false,
	}
}

impl<T: Config> Pallet<T> {
	/// Checks a name and peer ids that are already within their bounds: the
	/// name is UTF-8 with something besides white space and no control or
	/// invisible formatting character ([`is_hospital_name_char`]), every
	/// peer id is a base58 libp2p peer id (at most 64 bytes each, so decoding
	/// them costs a bounded amount) and none is listed twice. Fails with
	/// `InvalidName`, `InvalidPeerId` or `PeerIdTaken`.
	pub(crate) fn checked_profile(name: HospitalName, peer_ids: PeerIds) -> Result<HospitalProfile, Error<T>> {
		let text = core::str::from_utf8(&name).map_err(|_| Error::<T>::InvalidName)?;
		ensure!(
			!hospital_name_key(text).is_empty() && text.chars().all(is_hospital_name_char),
			Error::<T>::InvalidName
		);
		for (index, peer_id) in peer_ids.iter().enumerate() {
			ensure!(is_peer_id(peer_id), Error::<T>::InvalidPeerId);
			ensure!(!peer_ids[..index].contains(peer_id), Error::<T>::PeerIdTaken);
		}
		Ok(HospitalProfile { name, peer_ids })
	}

	/// Checks endpoints that are already within their bounds: each is a
	/// WebSocket URL ([`is_endpoint_url`], at most 128 bytes, so the check
	/// costs a bounded amount) and none is listed twice. Fails with
	/// `InvalidEndpoint` or `DuplicateEndpoint`.
	pub(crate) fn check_endpoints(endpoints: &Endpoints) -> Result<(), Error<T>> {
		for (index, url) in endpoints.iter().enumerate() {
			ensure!(is_endpoint_url(url), Error::<T>::InvalidEndpoint);
			ensure!(!endpoints[..index].contains(url), Error::<T>::DuplicateEndpoint);
		}
		Ok(())
	}

	/// Bounds and checks endpoint URLs given as text (genesis, benchmarks),
	/// with the error as a sentence.
	pub(crate) fn endpoints_from_text(urls: &[String]) -> Result<Endpoints, &'static str> {
		let mut endpoints = Endpoints::default();
		for url in urls {
			let url: EndpointUrl =
				url.as_bytes().to_vec().try_into().map_err(|_| "an endpoint is longer than 128 bytes")?;
			endpoints.try_push(url).map_err(|_| "a hospital may publish at most 4 endpoints")?;
		}
		Self::check_endpoints(&endpoints).map_err(|e| match e {
			Error::<T>::DuplicateEndpoint => "an endpoint is listed twice",
			_ => "an endpoint is not a ws:// or wss:// URL of a host, optional port and path",
		})?;
		Ok(endpoints)
	}

	/// Bounds and checks a name and peer ids given as bytes (genesis,
	/// benchmarks): lengths first, then [`Self::checked_profile`]. Fails with
	/// `InvalidName`, `TooManyPeerIds`, `InvalidPeerId` or `PeerIdTaken`.
	pub(crate) fn profile_from_bytes(name: Vec<u8>, peer_ids: Vec<Vec<u8>>) -> Result<HospitalProfile, Error<T>> {
		let name: HospitalName = name.try_into().map_err(|_| Error::<T>::InvalidName)?;
		ensure!(peer_ids.len() <= MAX_PEER_IDS as usize, Error::<T>::TooManyPeerIds);
		let mut bounded = PeerIds::default();
		for peer_id in peer_ids {
			let peer_id: PeerIdText = peer_id.try_into().map_err(|_| Error::<T>::InvalidPeerId)?;
			bounded.try_push(peer_id).map_err(|_| Error::<T>::TooManyPeerIds)?;
		}
		Self::checked_profile(name, bounded)
	}

	/// [`Self::profile_from_bytes`] for text (genesis), with the error as a sentence.
	pub(crate) fn profile_from_text(name: &str, peer_ids: &[String]) -> Result<HospitalProfile, &'static str> {
		Self::profile_from_bytes(name.as_bytes().to_vec(), peer_ids.iter().map(|p| p.as_bytes().to_vec()).collect())
			.map_err(|e| {
				match e {
				Error::<T>::InvalidName => {
					"the name must be 1 to 64 bytes of UTF-8, not only white space, with no control or invisible characters"
				},
				Error::<T>::InvalidPeerId => "a peer id is not a base58 libp2p peer id",
				Error::<T>::TooManyPeerIds => "a hospital may register at most 4 peer ids",
				Error::<T>::PeerIdTaken => "a peer id is listed twice",
				_ => "the profile is invalid",
			}
			})
	}

	/// Checks `profile` against every other hospital's, in one pass over
	/// the profiles (at most one per member): fails with `NameTaken` when
	/// another has the same name in [`hospital_name_key`]'s form, and with
	/// `PeerIdTaken` when another lists one of its peer ids.
	pub(crate) fn ensure_distinct_profile(hospital: &T::AccountId, profile: &HospitalProfile) -> Result<(), Error<T>> {
		let key = hospital_name_key(&String::from_utf8_lossy(&profile.name));
		for (_, other) in Profiles::<T>::iter().filter(|(owner, _)| owner != hospital) {
			ensure!(hospital_name_key(&String::from_utf8_lossy(&other.name)) != key, Error::<T>::NameTaken);
			ensure!(!other.peer_ids.iter().any(|p| profile.peer_ids.contains(p)), Error::<T>::PeerIdTaken);
		}
		Ok(())
	}

	/// Checks `origin` with [`EnsureHospital`](crate::EnsureHospital) and
	/// returns the hospital. Fails with `NotAMember` for a signed origin that
	/// is not a member, and with `BadOrigin` for an unsigned one.
	pub(crate) fn ensure_hospital(origin: OriginFor<T>) -> Result<T::AccountId, DispatchError> {
		crate::EnsureHospital::<T>::try_origin(origin).map_err(|origin| match ensure_signed(origin) {
			Ok(_) => Error::<T>::NotAMember.into(),
			Err(unsigned) => unsigned.into(),
		})
	}

	/// Replaces member `hospital`'s profile (the caller checked membership
	/// with [`Self::ensure_hospital`]). Fails with the errors of
	/// [`Self::checked_profile`], with `NameTaken` when another hospital has
	/// the same name (ignoring case and white space), and with
	/// `PeerIdTaken` when another hospital's profile lists one of the peer
	/// ids.
	pub(crate) fn do_set_profile(hospital: T::AccountId, name: HospitalName, peer_ids: PeerIds) -> DispatchResult {
		let profile = Self::checked_profile(name, peer_ids)?;
		Self::ensure_distinct_profile(&hospital, &profile)?;
		Profiles::<T>::insert(&hospital, profile);
		Self::deposit_event(Event::ProfileSet { hospital });
		Ok(())
	}

	/// Replaces member `hospital`'s public RPC endpoints (the caller checked
	/// membership with [`Self::ensure_hospital`]). Fails with the errors of
	/// [`Self::check_endpoints`]. An empty list removes the entry.
	pub(crate) fn do_set_endpoints(hospital: T::AccountId, endpoints: Endpoints) -> DispatchResult {
		Self::check_endpoints(&endpoints)?;
		if endpoints.is_empty() {
			HospitalEndpoints::<T>::remove(&hospital);
		} else {
			HospitalEndpoints::<T>::insert(&hospital, endpoints);
		}
		Self::deposit_event(Event::EndpointsSet { hospital });
		Ok(())
	}

	/// The member hospitals with their profiles.
	pub fn hospitals() -> Vec<(T::AccountId, Option<HospitalProfile>)> {
		T::Members::sorted_members().into_iter().map(|m| (m.clone(), Profiles::<T>::get(&m))).collect()
	}

	/// The peer ids of all member hospitals' nodes.
	pub fn authorized_peers() -> Vec<PeerIdText> {
		T::Members::sorted_members()
			.iter()
			.filter_map(Profiles::<T>::get)
			.flat_map(|profile| profile.peer_ids.into_iter())
			.collect()
	}
}

/// Founding members need nothing here: their profiles come from genesis.
impl<T: Config> InitializeMembers<T::AccountId> for Pallet<T> {
	fn initialize_members(_members: &[T::AccountId]) {}
}

/// A hospital that leaves loses its profile, so its nodes lose their
/// peering, and its endpoints, so clients stop reading from them.
impl<T: Config> ChangeMembers<T::AccountId> for Pallet<T> {
	fn change_members_sorted(_incoming: &[T::AccountId], outgoing: &[T::AccountId], _new: &[T::AccountId]) {
		for hospital in outgoing {
			HospitalEndpoints::<T>::remove(hospital);
			if Profiles::<T>::take(hospital).is_some() {
				Self::deposit_event(Event::ProfileRemoved { hospital: hospital.clone() });
			}
		}
	}
}
