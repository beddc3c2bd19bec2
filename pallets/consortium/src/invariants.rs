//! `try_state`: the invariants pallet-consortium keeps.

#[cfg(any(feature = "try-runtime", test))]
use crate::{pallet::*, profiles::is_peer_id, types::is_endpoint_url};
#[cfg(any(feature = "try-runtime", test))]
use frame_support::{ensure, traits::SortedMembers};
#[cfg(any(feature = "try-runtime", test))]
use sp_runtime::traits::Zero;

#[cfg(any(feature = "try-runtime", test))]
impl<T: Config> Pallet<T> {
	/// Checks that only members have profiles and endpoints, that names are
	/// distinct ignoring case and white space, that every peer
	/// id is valid and belongs to one hospital, that every endpoint list is
	/// non-empty and lists distinct WebSocket URLs, that the rate limits admit something and that
	/// sessions last at least a block. Fails with the first invariant that
	/// does not hold.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut seen = alloc::vec::Vec::new();
		let mut names = alloc::vec::Vec::new();
		for (hospital, profile) in Profiles::<T>::iter() {
			ensure!(T::Members::contains(&hospital), "a profile of a hospital that is not a member");
			let name = crate::types::hospital_name_key(&alloc::string::String::from_utf8_lossy(&profile.name));
			ensure!(!names.contains(&name), "two hospitals have the same name");
			names.push(name);
			for peer_id in profile.peer_ids.iter() {
				ensure!(is_peer_id(peer_id), "a profile lists an invalid peer id");
				ensure!(!seen.contains(peer_id), "a peer id listed by two hospitals");
				seen.push(peer_id.clone());
			}
		}
		for (hospital, endpoints) in HospitalEndpoints::<T>::iter() {
			ensure!(T::Members::contains(&hospital), "endpoints of a hospital that is not a member");
			ensure!(!endpoints.is_empty(), "an empty endpoint list is stored");
			for (index, url) in endpoints.iter().enumerate() {
				ensure!(is_endpoint_url(url), "an invalid endpoint is stored");
				ensure!(!endpoints[..index].contains(url), "an endpoint is stored twice");
			}
		}
		Self::ensure_limits(&Limits::<T>::get()).map_err(|_| "a rate limit admits nothing")?;
		ensure!(!SessionLength::<T>::get().is_zero(), "a session length of zero");
		Ok(())
	}
}
