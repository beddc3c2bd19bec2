//! `try_state`: the invariants pallet-consortium keeps.

#[cfg(any(feature = "try-runtime", test))]
use crate::{pallet::*, profiles::is_peer_id};
#[cfg(any(feature = "try-runtime", test))]
use frame_support::{ensure, traits::SortedMembers};
#[cfg(any(feature = "try-runtime", test))]
use sp_runtime::traits::Zero;

#[cfg(any(feature = "try-runtime", test))]
impl<T: Config> Pallet<T> {
	/// Checks that only members have profiles, that every peer id is valid and
	/// belongs to one hospital, that the rate limits admit something and that
	/// sessions last at least a block. Fails with the first invariant that
	/// does not hold.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut seen = alloc::vec::Vec::new();
		for (hospital, profile) in Profiles::<T>::iter() {
			ensure!(T::Members::contains(&hospital), "a profile of a hospital that is not a member");
			for peer_id in profile.peer_ids.iter() {
				ensure!(is_peer_id(peer_id), "a profile lists an invalid peer id");
				ensure!(!seen.contains(peer_id), "a peer id listed by two hospitals");
				seen.push(peer_id.clone());
			}
		}
		Self::ensure_limits(&Limits::<T>::get()).map_err(|_| "a rate limit admits nothing")?;
		ensure!(!SessionLength::<T>::get().is_zero(), "a session length of zero");
		Ok(())
	}
}
