//! Governance: dispatching as root and setting the pallet's parameters.

use super::last_event;
use crate::{mock::*, pallet::*, types::*};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::traits::BadOrigin;

#[test]
fn only_governance_dispatches_as_root() {
	build_and_execute(|| {
		let call = Box::new(RuntimeCall::Consortium(Call::set_session_length { blocks: 20 }));
		assert_noop!(Consortium::dispatch_as_root(RuntimeOrigin::signed(HOSPITAL_A), call.clone()), BadOrigin);
		assert_ok!(Consortium::dispatch_as_root(RuntimeOrigin::root(), call));
		assert_eq!(SessionLength::<Test>::get(), 20);
		assert_eq!(last_event(), RuntimeEvent::Consortium(Event::RootDispatched { result: Ok(()) }));

		// A failing inner call is reported, not hidden.
		let bad = Box::new(RuntimeCall::Consortium(Call::set_session_length { blocks: 0 }));
		assert_ok!(Consortium::dispatch_as_root(RuntimeOrigin::root(), bad));
		assert_eq!(
			last_event(),
			RuntimeEvent::Consortium(Event::RootDispatched { result: Err(Error::<Test>::InvalidSessionLength.into()) })
		);
		assert_eq!(SessionLength::<Test>::get(), 20);
	});
}

#[test]
fn parameters_change_only_by_governance_and_stay_valid() {
	build_and_execute(|| {
		let limits = RateLimits { person: limit(1, 1), hospital: limit(2, 1) };
		assert_noop!(Consortium::set_rate_limits(RuntimeOrigin::signed(HOSPITAL_A), limits), BadOrigin);
		assert_ok!(Consortium::set_rate_limits(RuntimeOrigin::root(), limits));
		assert_eq!(Limits::<Test>::get(), limits);
		use frame_support::traits::Get;
		let block_length: frame_system::limits::BlockLength = <Test as frame_system::Config>::BlockLength::get();
		let block_normal_length = *block_length.max.get(frame_support::dispatch::DispatchClass::Normal);
		for bad in [
			limit(0, 5),
			limit(5, 0),
			RateLimit { unit_length: 0, ..limit(5, 5) },
			RateLimit { unit_ref_time: 0, ..limit(5, 5) },
			RateLimit { max_length: 1023, ..limit(5, 5) },
			RateLimit { max_length: block_normal_length + 1, ..limit(5, 5) },
		] {
			assert_noop!(
				Consortium::set_rate_limits(RuntimeOrigin::root(), RateLimits { person: bad, ..limits }),
				Error::<Test>::InvalidRateLimit
			);
		}
		assert_noop!(Consortium::set_session_length(RuntimeOrigin::root(), 0), Error::<Test>::InvalidSessionLength);
		assert_noop!(Consortium::set_session_length(RuntimeOrigin::signed(HOSPITAL_A), 5), BadOrigin);
	});
}
