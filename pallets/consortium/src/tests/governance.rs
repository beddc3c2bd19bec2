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
		let limits = RateLimits {
			person: RateLimit { transactions: 1, blocks: 1 },
			hospital: RateLimit { transactions: 2, blocks: 1 },
		};
		assert_noop!(Consortium::set_rate_limits(RuntimeOrigin::signed(HOSPITAL_A), limits), BadOrigin);
		assert_ok!(Consortium::set_rate_limits(RuntimeOrigin::root(), limits));
		assert_eq!(Limits::<Test>::get(), limits);
		for bad in [RateLimit { transactions: 0, blocks: 5 }, RateLimit { transactions: 5, blocks: 0 }] {
			assert_noop!(
				Consortium::set_rate_limits(RuntimeOrigin::root(), RateLimits { person: bad, ..limits }),
				Error::<Test>::InvalidRateLimit
			);
		}
		assert_noop!(Consortium::set_session_length(RuntimeOrigin::root(), 0), Error::<Test>::InvalidSessionLength);
		assert_noop!(Consortium::set_session_length(RuntimeOrigin::signed(HOSPITAL_A), 5), BadOrigin);
	});
}
