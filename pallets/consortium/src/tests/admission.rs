//! Admission: only registered accounts transact, within their rate limit, in blocks and in the pool.

use crate::{mock::*, pallet::*, types::*, CheckNonceWithinAllowance, CheckRegistered};
use frame_support::{assert_ok, dispatch::DispatchInfo};
use sp_runtime::{
	traits::{DispatchTransaction, TransactionExtension, TxBaseImplication},
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
};

/// Admits an empty remark from `who` (it counts as one transaction), in
/// the pool and then in a block.
fn admit(who: u64) -> Result<(), TransactionValidityError> {
	admit_costing(who, 0)
}

#[test]
fn unregistered_accounts_are_refused_with_their_reason() {
	build_and_execute(|| {
		assert_eq!(admit(STRANGER), Err(InvalidTransaction::Custom(admission_error::UNREGISTERED).into()));
		assert!(admission_error::describe(admission_error::UNREGISTERED).is_some());
		assert_ok!(admit(PATIENT));
		assert_ok!(admit(HOSPITAL_C));
		// Unsigned transactions are not this extension's business.
		let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
		let (_, val, _) = CheckRegistered::<Test>::new()
			.validate(
				RuntimeOrigin::none(),
				&call,
				&DispatchInfo::default(),
				0,
				(),
				&TxBaseImplication(()),
				TransactionSource::External,
			)
			.expect("an unsigned transaction passes");
		assert_eq!(val, None);
	});
}

#[test]
fn an_account_past_its_rate_limit_waits_for_the_next_window() {
	build_and_execute(|| {
		// Person limit: 3 transactions per 5 blocks, window from block 1.
		for _ in 0..3 {
			assert_ok!(admit(PATIENT));
		}
		let limited = Err(InvalidTransaction::Custom(admission_error::RATE_LIMITED).into());
		assert_eq!(admit(PATIENT), limited);
		System::set_block_number(5);
		assert_eq!(admit(PATIENT), limited);
		// Hospitals have their own, larger allowance.
		for _ in 0..10 {
			assert_ok!(admit(HOSPITAL_A));
		}
		System::set_block_number(6);
		assert_ok!(admit(PATIENT));
		assert_eq!(Windows::<Test>::get(PATIENT), Some(TxWindow { start: 6, count: 1 }));
	});
}

/// Admits a remark from `who` that counts as `cost` transactions (the
/// mock counts a remark's bytes, and an empty one as one), in the pool and
/// then in a block.
fn admit_costing(who: u64, cost: usize) -> Result<(), TransactionValidityError> {
	let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![0; cost] });
	let info = DispatchInfo::default();
	CheckRegistered::<Test>::new().validate_only(Some(who).into(), &call, &info, 0, TransactionSource::External, 0)?;
	CheckRegistered::<Test>::new().validate_and_prepare(Some(who).into(), &call, &info, 0, 0).map(|_| ())
}

#[test]
fn a_call_that_counts_as_many_uses_as_many_of_the_window() {
	build_and_execute(|| {
		// Person limit: 3 transactions per 5 blocks.
		let limited = Err(InvalidTransaction::Custom(admission_error::RATE_LIMITED).into());
		assert_eq!(admit_costing(PATIENT, 4), limited, "more than a whole window");
		assert_eq!(Windows::<Test>::get(PATIENT), None, "a refused call uses nothing");
		assert_ok!(admit_costing(PATIENT, 2));
		assert_eq!(admit_costing(PATIENT, 2), limited, "2 + 2 is over 3");
		assert_ok!(admit_costing(PATIENT, 1));
		assert_eq!(Windows::<Test>::get(PATIENT), Some(TxWindow { start: 1, count: 3 }));
		// The block re-checks what the pool admitted: with the window used up
		// in between, the same call is refused at block time too.
		let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![0; 1] });
		assert_eq!(
			CheckRegistered::<Test>::new()
				.validate_and_prepare(Some(PATIENT).into(), &call, &DispatchInfo::default(), 0, 0)
				.map(|_| ()),
			limited
		);
	});
}

/// The pool's view of a signed remark from `who` with `nonce`: what
/// `CheckNonceWithinAllowance` says before the transaction is in a block.
fn pool_accepts(who: u64, nonce: u32) -> Result<(), TransactionValidityError> {
	let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
	CheckNonceWithinAllowance::<Test>::from(nonce)
		.validate_only(Some(who).into(), &call, &DispatchInfo::default(), 0, TransactionSource::External, 0)
		.map(|_| ())
}

#[test]
fn one_account_cannot_get_more_than_its_window_into_the_pool() {
	build_and_execute(|| {
		frame_system::Pallet::<Test>::inc_providers(&PATIENT);
		// Person limit: 3 per window. Nonces 0, 1, 2 wait in the pool; 3 is refused.
		for nonce in 0..3 {
			assert_ok!(pool_accepts(PATIENT, nonce));
		}
		let beyond = Err(InvalidTransaction::Custom(admission_error::POOL_ALLOWANCE_EXCEEDED).into());
		assert_eq!(pool_accepts(PATIENT, 3), beyond);
		assert_eq!(pool_accepts(PATIENT, 1000), beyond);
		assert!(admission_error::describe(admission_error::POOL_ALLOWANCE_EXCEEDED).is_some());
		// One lands in a block: the window has two left, and the pool still
		// admits only nonces that fit them.
		let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
		assert_ok!(CheckNonceWithinAllowance::<Test>::from(0).validate_and_prepare(
			Some(PATIENT).into(),
			&call,
			&DispatchInfo::default(),
			0,
			0
		));
		assert_ok!(admit(PATIENT));
		assert_ok!(pool_accepts(PATIENT, 2));
		assert_eq!(pool_accepts(PATIENT, 3), beyond);
		// A stale nonce is refused as frame-system refuses it.
		assert_eq!(pool_accepts(PATIENT, 0), Err(InvalidTransaction::Stale.into()));
		// An unregistered account gets nothing into the pool.
		frame_system::Pallet::<Test>::inc_providers(&STRANGER);
		assert_eq!(pool_accepts(STRANGER, 0), Err(InvalidTransaction::Custom(admission_error::UNREGISTERED).into()));
	});
}

#[test]
fn a_hospitals_node_accounts_share_its_limit() {
	build_and_execute(|| {
		crate::Limits::<Test>::mutate(|limits| limits.hospital = RateLimit { transactions: 8, blocks: 5 });
		// Four node accounts and the hospital itself draw on one window of 8.
		let mut admitted = 0;
		for round in 0..4 {
			for who in NODES_OF_A.iter().chain([HOSPITAL_A].iter()) {
				if admit(*who).is_ok() {
					admitted += 1;
				}
				let _ = round;
			}
		}
		assert_eq!(admitted, 8, "five accounts of one hospital share one limit");
		assert_eq!(Windows::<Test>::get(HOSPITAL_A), Some(TxWindow { start: 1, count: 8 }));
		for who in NODES_OF_A {
			assert_eq!(Windows::<Test>::get(who), None, "no node account has a window of its own");
			assert_eq!(admit(who), Err(InvalidTransaction::Custom(admission_error::RATE_LIMITED).into()));
		}
		// Another hospital's limit is untouched.
		assert_ok!(admit(HOSPITAL_B));
		// A node of a hospital that left is not registered.
		set_members(&[HOSPITAL_B, HOSPITAL_C]);
		assert_eq!(admit(NODES_OF_A[0]), Err(InvalidTransaction::Custom(admission_error::UNREGISTERED).into()));
		set_members(&[HOSPITAL_A, HOSPITAL_B, HOSPITAL_C]);
	});
}
