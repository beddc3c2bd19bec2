//! Decisions of the consortium: root dispatch and its own parameters.

use crate::{pallet::*, types::*};
use frame_support::{dispatch::GetDispatchInfo, ensure, pallet_prelude::*, traits::UnfilteredDispatchable};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	/// Dispatches `call` with the root origin, records its result and
	/// returns the weight it actually used (its declared weight when it does
	/// not say). Never fails itself: the inner call's error is reported in
	/// `RootDispatched`.
	pub(crate) fn do_dispatch_as_root(call: <T as Config>::RuntimeCall) -> Weight {
		let declared = call.get_dispatch_info().call_weight;
		let result = call.dispatch_bypass_filter(frame_system::RawOrigin::Root.into());
		let post_info = match &result {
			Ok(post_info) => post_info,
			Err(error) => &error.post_info,
		};
		let actual = post_info.actual_weight.unwrap_or(declared).min(declared);
		Self::deposit_event(Event::RootDispatched { result: result.map(|_| ()).map_err(|e| e.error) });
		actual
	}

	/// Checks that each limit admits at least one unit per window of at
	/// least one block, prices a unit at some bytes and some compute, and
	/// admits transactions of at least 1 KiB and at most the length a block
	/// takes for normal transactions.
	pub(crate) fn ensure_limits(limits: &RateLimits) -> Result<(), Error<T>> {
		let block_length = <T as frame_system::Config>::BlockLength::get();
		let normal = *block_length.max.get(frame_support::dispatch::DispatchClass::Normal);
		for limit in [limits.person, limits.hospital] {
			ensure!(
				limit.units > 0
					&& limit.blocks > 0
					&& limit.unit_length > 0
					&& limit.unit_ref_time > 0
					&& (1024..=normal).contains(&limit.max_length),
				Error::<T>::InvalidRateLimit
			);
		}
		Ok(())
	}

	/// Puts `limits` in force and emits `RateLimitsSet`. Fails with
	/// `InvalidRateLimit` when a class would admit no transaction.
	pub(crate) fn do_set_rate_limits(limits: RateLimits) -> DispatchResult {
		Self::ensure_limits(&limits)?;
		Limits::<T>::put(limits);
		Self::deposit_event(Event::RateLimitsSet { limits });
		Ok(())
	}

	/// Sets the session length (blocks per session) and emits
	/// `SessionLengthSet`. Fails with `InvalidSessionLength` for zero blocks.
	pub(crate) fn do_set_session_length(blocks: BlockNumberFor<T>) -> DispatchResult {
		ensure!(!blocks.is_zero(), Error::<T>::InvalidSessionLength);
		SessionLength::<T>::put(blocks);
		Self::deposit_event(Event::SessionLengthSet { blocks });
		Ok(())
	}
}
