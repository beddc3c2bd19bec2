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
		let never_fits = Err(InvalidTransaction::Custom(admission_error::TOO_LARGE).into());
		assert_eq!(admit_costing(PATIENT, 4), never_fits, "more than a whole window never fits");
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
	pool_accepts_costing(who, nonce, 0)
}

/// The pool's view of a signed remark from `who` with `nonce` that counts
/// as `cost` units.
fn pool_accepts_costing(who: u64, nonce: u32, cost: usize) -> Result<(), TransactionValidityError> {
	let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![0; cost] });
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
		crate::Limits::<Test>::mutate(|limits| limits.hospital = limit(8, 5));
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

/// Admits `call` from `who` as a transaction of `len` encoded bytes and
/// `ref_time` of weight, in the pool and then in a block; returns the
/// pool's priority.
fn admit_sized(
	who: u64,
	call: RuntimeCall,
	len: usize,
	ref_time: u64,
) -> Result<sp_runtime::transaction_validity::TransactionPriority, TransactionValidityError> {
	let info =
		DispatchInfo { call_weight: frame_support::weights::Weight::from_parts(ref_time, 0), ..Default::default() };
	let (validity, _, _) = CheckRegistered::<Test>::new().validate_only(
		Some(who).into(),
		&call,
		&info,
		len,
		TransactionSource::External,
		0,
	)?;
	CheckRegistered::<Test>::new().validate_and_prepare(Some(who).into(), &call, &info, len, 0)?;
	Ok(validity.priority)
}

fn empty_remark() -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::remark { remark: vec![] })
}

#[test]
fn a_transaction_costs_its_bytes_and_its_compute_not_only_its_count() {
	build_and_execute(|| {
		// Hospital limit: 100 units, a unit per KiB and per microsecond.
		assert_ok!(admit_sized(HOSPITAL_A, empty_remark(), 2500, 0));
		assert_eq!(Windows::<Test>::get(HOSPITAL_A).map(|w| w.count), Some(3), "2500 bytes cost 3 units");
		assert_ok!(admit_sized(HOSPITAL_A, empty_remark(), 10, 4_500_000));
		assert_eq!(Windows::<Test>::get(HOSPITAL_A).map(|w| w.count), Some(8), "4.5 us of compute cost 5 more");
		// The largest of the three counts, not their sum.
		assert_ok!(admit_sized(
			HOSPITAL_A,
			RuntimeCall::System(frame_system::Call::remark { remark: vec![0; 6] }),
			1024,
			2_000_000
		));
		assert_eq!(Windows::<Test>::get(HOSPITAL_A).map(|w| w.count), Some(14), "a call counting 6 costs 6");
	});
}

#[test]
fn a_transaction_longer_than_its_class_admits_never_reaches_a_block() {
	build_and_execute(|| {
		let too_large = Err(InvalidTransaction::Custom(admission_error::TOO_LARGE).into());
		// Transactions up to 4 KiB: one byte more is refused, in the pool and in the block.
		assert_eq!(admit_sized(HOSPITAL_A, empty_remark(), 4097, 0), too_large);
		assert_eq!(
			CheckRegistered::<Test>::new()
				.validate_and_prepare(Some(HOSPITAL_A).into(), &empty_remark(), &DispatchInfo::default(), 4097, 0)
				.map(|_| 0),
			too_large
		);
		assert_eq!(Windows::<Test>::get(HOSPITAL_A), None, "a refused transaction uses nothing");
		// A patient's window is 3 units: a 3.5 KiB transaction (4 units) could
		// never fit, so it is refused as too large rather than as waiting.
		assert_eq!(admit_sized(PATIENT, empty_remark(), 3500, 0), too_large);
		assert_eq!(admit_sized(PATIENT, empty_remark(), 10, 3_000_001), too_large, "nor compute beyond a window");
		assert!(admission_error::describe(admission_error::TOO_LARGE).is_some());
		// What fits is admitted.
		assert_ok!(admit_sized(PATIENT, empty_remark(), 3000, 0));
		assert_eq!(Windows::<Test>::get(PATIENT).map(|w| w.count), Some(3));
	});
}

#[test]
fn a_call_an_accounts_kind_has_no_use_for_is_refused_before_the_pool() {
	build_and_execute(|| {
		let with_event = RuntimeCall::System(frame_system::Call::remark_with_event { remark: vec![1] });
		let not_admitted = Err(InvalidTransaction::Custom(admission_error::CALL_NOT_ADMITTED).into());
		assert_eq!(admit_sized(PATIENT, with_event.clone(), 10, 0), not_admitted);
		assert_eq!(Windows::<Test>::get(PATIENT), None, "and it used nothing");
		assert!(admission_error::describe(admission_error::CALL_NOT_ADMITTED).is_some());
		// A hospital may make it.
		assert_ok!(admit_sized(HOSPITAL_A, with_event, 10, 0));
	});
}

#[test]
fn the_pool_orders_node_work_before_hospitals_before_people() {
	build_and_execute(|| {
		let node = admit_sized(NODES_OF_A[0], empty_remark(), 10, 0).expect("a node account is admitted");
		let hospital = admit_sized(HOSPITAL_B, empty_remark(), 10, 0).expect("a hospital is admitted");
		let person = admit_sized(PATIENT, empty_remark(), 10, 0).expect("a patient is admitted");
		assert!(node > hospital && hospital > person, "{node} > {hospital} > {person}");
	});
}

#[test]
fn the_pool_holds_no_more_units_of_one_account_than_its_window_has_left() {
	build_and_execute(|| {
		frame_system::Pallet::<Test>::inc_providers(&PATIENT);
		let beyond = Err(InvalidTransaction::Custom(admission_error::POOL_ALLOWANCE_EXCEEDED).into());
		// Person window: 3 units. A 2-unit transaction fits alone, not with one ahead.
		assert_ok!(pool_accepts_costing(PATIENT, 0, 2));
		assert_eq!(pool_accepts_costing(PATIENT, 1, 2), beyond);
		assert_ok!(pool_accepts_costing(PATIENT, 1, 1));
		// A node account may queue a quarter of its hospital's window: of 100
		// units, 25 one-unit transactions, and at most 2 of 10 units.
		let node = NODES_OF_A[1];
		frame_system::Pallet::<Test>::inc_providers(&node);
		assert_ok!(pool_accepts_costing(node, 24, 1));
		assert_eq!(pool_accepts_costing(node, 25, 1), beyond);
		assert_ok!(pool_accepts_costing(node, 1, 10));
		assert_eq!(pool_accepts_costing(node, 2, 10), beyond);
		// The hospital's own account may queue the whole window.
		frame_system::Pallet::<Test>::inc_providers(&HOSPITAL_A);
		assert_ok!(pool_accepts_costing(HOSPITAL_A, 99, 1));
		assert_eq!(pool_accepts_costing(HOSPITAL_A, 100, 1), beyond);
	});
}

/// Within a kind of account, the pool serves first whoever has the most of
/// its window left after the transaction: a cheap call before a costly one,
/// and a patient's first call of a window before its last; the kinds keep
/// their order whatever is left.
#[test]
fn the_pool_serves_the_least_spent_window_first() {
	build_and_execute(|| {
		let priority = |who: u64, len: usize| {
			CheckRegistered::<Test>::new()
				.validate_only(
					Some(who).into(),
					&empty_remark(),
					&DispatchInfo::default(),
					len,
					TransactionSource::External,
					0,
				)
				.map(|(validity, _, _)| validity.priority)
		};
		let within_kind = |priority: u64| priority & ((1 << 40) - 1);
		// A patient's window holds 3 units, a unit per KiB.
		let (cheap, costly) = (priority(PATIENT, 10).expect("valid"), priority(PATIENT, 2000).expect("valid"));
		assert_eq!((within_kind(cheap), within_kind(costly)), (2, 1), "what the window has left after each");
		assert!(cheap > costly, "a cheap call comes before a costly one");
		assert_ok!(admit_sized(PATIENT, empty_remark(), 10, 0));
		assert_ok!(admit_sized(PATIENT, empty_remark(), 10, 0));
		let last = priority(PATIENT, 10).expect("valid");
		assert_eq!(within_kind(last), 0, "the last unit of a window: the lowest priority of its kind");
		assert!(last < cheap, "the window's last call comes after its first");
		// A hospital with its window all but spent still comes before any person.
		assert_ok!(admit_sized(HOSPITAL_A, empty_remark(), 10, 99_000_000));
		let hospital = priority(HOSPITAL_A, 10).expect("valid");
		assert_eq!(within_kind(hospital), 0);
		assert!(hospital > cheap);
	});
}
