//! Validators follow membership: the runtime's session manager asks
//! [`Pallet::next_validators`] at every session change, and this pallet's
//! `on_initialize` rotates the session (through [`SessionRotation`]) when
//! [`Pallet::should_end_session`] says so.

use crate::pallet::*;
use alloc::vec::Vec;
use frame_support::traits::{Contains, SortedMembers};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, Zero},
	Permill,
};

/// Ends the current session and starts the next: the runtime's session
/// pallet (`pallet_session::Pallet::rotate_session`).
pub trait SessionRotation {
	/// Rotates the session; returns the weight it used (at most).
	fn rotate() -> frame_support::weights::Weight;
}

/// No sessions (tests of this pallet alone).
impl SessionRotation for () {
	fn rotate() -> frame_support::weights::Weight {
		frame_support::weights::Weight::zero()
	}
}

impl<T: Config> Pallet<T> {
	/// The validators of the next session: every member hospital that has set
	/// session keys, in account order. `None` (keep the current set) if no
	/// member has keys, so the chain never loses all its validators.
	pub fn next_validators() -> Option<Vec<T::AccountId>> {
		let validators: Vec<_> = T::Members::sorted_members().into_iter().filter(T::SessionKeys::contains).collect();
		(!validators.is_empty()).then_some(validators)
	}

	/// Whether the session ends at block `now`: once [`SessionLength`] blocks
	/// have passed since it began.
	pub fn should_end_session(now: BlockNumberFor<T>) -> bool {
		!now.is_zero() && now.saturating_sub(SessionStart::<T>::get()) >= SessionLength::<T>::get()
	}

	/// Records the current block as the start of a new session (the session
	/// manager's `start_session`).
	pub fn note_session_start() {
		SessionStart::<T>::put(frame_system::Pallet::<T>::block_number());
	}

	/// The block at which the current session is expected to end.
	pub fn next_session_end() -> BlockNumberFor<T> {
		SessionStart::<T>::get().saturating_add(SessionLength::<T>::get())
	}

	/// How far the current session has gone at `now`.
	pub fn session_progress(now: BlockNumberFor<T>) -> Permill {
		let length = SessionLength::<T>::get();
		let done = now.saturating_sub(SessionStart::<T>::get()).min(length);
		Permill::from_rational(done, length)
	}
}
