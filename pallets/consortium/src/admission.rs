//! Fee-less admission: the [`CheckRegistered`] transaction extension and the
//! per-account rate limit behind it.
//!
//! The extension is zero-sized in both its explicit part (nothing in the
//! transaction) and its implicit part (nothing in the signed payload), so a
//! wallet that has never heard of it signs correctly; all checking happens in
//! `validate` (transaction pool and block) and `prepare` (block).

use crate::{pallet::*, types::*, WeightInfo};
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use frame_support::{
	dispatch::DispatchInfo,
	pallet_prelude::{TransactionPriority, TransactionSource, Weight},
	traits::OriginTrait,
	DefaultNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{
		AsSystemOriginSigner, DispatchInfoOf, Dispatchable, PostDispatchInfoOf, Saturating, TransactionExtension,
		UniqueSaturatedInto, ValidateResult,
	},
	transaction_validity::{InvalidTransaction, TransactionValidityError, ValidTransaction},
	DispatchResult,
};

/// The priority of a transaction in the pool: first by its signer's kind
/// (a node account's protocol work, cfrags and read confirmations, first,
/// then hospitals, then people, so a full pool drops people's transactions
/// first), then, within a kind, by the units its signer's window has left
/// once it is counted (`left_after`). So an account that has used little of
/// its window comes before one spending all of it, and a cheap transaction
/// before a costly one: a block its author fills in order takes an honest
/// patient's revoke before a flood of the largest calls (docs/admission.md).
pub fn priority_of(class: AccountClass, left_after: u32) -> TransactionPriority {
	let kind: TransactionPriority = match class {
		AccountClass::HospitalNode => 3 << 40,
		AccountClass::Hospital => 2 << 40,
		AccountClass::Person => 1 << 40,
	};
	kind.saturating_add(TransactionPriority::from(left_after))
}

/// How many signers may share one window: a hospital and its node accounts.
/// Each node account may queue a quarter of what the window has left.
const NODE_ACCOUNT_SHARE: u32 = ehr_primitives::MAX_PROXY_ACCOUNTS;

impl<T: Config> Pallet<T> {
	/// The kind of `who`, the limit it transacts under and the account whose
	/// window counts it; an error if it is not registered.
	pub fn admission(who: &T::AccountId) -> Result<(AccountClass, RateLimit, T::AccountId), TransactionValidityError> {
		let admission =
			T::Registry::admission_of(who).ok_or(InvalidTransaction::Custom(admission_error::UNREGISTERED))?;
		let limit = admission.class.limit(&Limits::<T>::get());
		Ok((admission.class, limit, admission.counted_as))
	}

	/// `counted_as`'s window as it stands at `now`: the stored one, or a
	/// fresh one if the stored one has ended.
	fn current_window(
		counted_as: &T::AccountId,
		limit: &RateLimit,
		now: BlockNumberFor<T>,
	) -> TxWindow<BlockNumberFor<T>> {
		match Windows::<T>::get(counted_as) {
			Some(window) if now.saturating_sub(window.start) < limit.blocks.into() => window,
			_ => TxWindow { start: now, count: 0 },
		}
	}

	/// How many more units `who` may have admitted in its current window
	/// (shared with its hospital for a node account); an error if it is not
	/// registered.
	pub fn remaining_allowance(who: &T::AccountId) -> Result<u32, TransactionValidityError> {
		let (_, limit, counted_as) = Self::admission(who)?;
		let window = Self::current_window(&counted_as, &limit, frame_system::Pallet::<T>::block_number());
		Ok(limit.units.saturating_sub(window.count))
	}

	/// The units a transaction of `who` costs: what `call` counts as, its
	/// encoded length `len` and its weight's `ref_time`, by `who`'s limit.
	///
	/// Fails with
	/// - `Custom(UNREGISTERED)` if `who` is not registered;
	/// - `Custom(TOO_LARGE)` if the transaction is longer than the limit's
	///   `max_length` or costs more than a whole window.
	pub fn units_of(
		who: &T::AccountId,
		call: &<T as frame_system::Config>::RuntimeCall,
		len: usize,
		ref_time: u64,
	) -> Result<(AccountClass, u32), TransactionValidityError> {
		let (class, limit, _) = Self::admission(who)?;
		let cost = limit
			.cost(T::AdmissionCost::admission_cost(call), len, ref_time)
			.filter(|cost| *cost <= limit.units)
			.ok_or(InvalidTransaction::Custom(admission_error::TOO_LARGE))?;
		Ok((class, cost))
	}

	/// [`Self::units_of`], after checking that `who`'s kind may make `call`
	/// ([`CallPolicy`]); fails with `Custom(CALL_NOT_ADMITTED)` if not.
	pub fn transaction_cost(
		who: &T::AccountId,
		call: &<T as frame_system::Config>::RuntimeCall,
		len: usize,
		ref_time: u64,
	) -> Result<(AccountClass, u32), TransactionValidityError> {
		let (class, _, _) = Self::admission(who)?;
		if !T::CallPolicy::admits(class, who, call) {
			return Err(InvalidTransaction::Custom(admission_error::CALL_NOT_ADMITTED).into());
		}
		Self::units_of(who, call, len, ref_time)
	}

	/// Checks that `who` is registered and its window has room for a
	/// transaction that costs `cost` units; returns the units the window
	/// would have left after it. Fails with `Custom(UNREGISTERED)` or
	/// `Custom(RATE_LIMITED)`.
	pub fn check_admission(who: &T::AccountId, cost: u32) -> Result<u32, TransactionValidityError> {
		let remaining = Self::remaining_allowance(who)?;
		remaining
			.checked_sub(cost.max(1))
			.ok_or_else(|| InvalidTransaction::Custom(admission_error::RATE_LIMITED).into())
	}

	/// Checks admission again and counts `cost` units of a transaction of
	/// `who` in its window. Fails as [`Self::check_admission`] does.
	pub fn note_transaction(who: &T::AccountId, cost: u32) -> Result<(), TransactionValidityError> {
		let (_, limit, counted_as) = Self::admission(who)?;
		let mut window = Self::current_window(&counted_as, &limit, frame_system::Pallet::<T>::block_number());
		let count = window.count.saturating_add(cost.max(1));
		if count > limit.units {
			return Err(InvalidTransaction::Custom(admission_error::RATE_LIMITED).into());
		}
		window.count = count;
		Windows::<T>::insert(&counted_as, window);
		Ok(())
	}

	/// Checks that a transaction with `nonce` from `who`, costing `cost`
	/// units, fits in what its window leaves together with the transactions
	/// `who` has waiting in the pool (nonces from its account nonce up),
	/// each taken to cost as much as this one: `(ahead + 1) * cost` may not
	/// exceed the remaining allowance, of which a node account may take only
	/// a quarter (a hospital has up to four). So one account's pool entries
	/// are bounded by its window, not only by its count of transactions.
	/// Fails with `Custom(POOL_ALLOWANCE_EXCEEDED)`.
	pub fn check_pool_allowance(
		who: &T::AccountId,
		nonce: T::Nonce,
		cost: u32,
	) -> Result<(), TransactionValidityError> {
		let (class, _, _) = Self::admission(who)?;
		let account_nonce = frame_system::Pallet::<T>::account_nonce(who);
		let ahead: u32 = nonce.saturating_sub(account_nonce).unique_saturated_into();
		let mut remaining = Self::remaining_allowance(who)?;
		if class == AccountClass::HospitalNode && ahead > 0 {
			remaining /= NODE_ACCOUNT_SHARE;
		}
		if ahead.saturating_add(1).saturating_mul(cost.max(1)) > remaining {
			return Err(InvalidTransaction::Custom(admission_error::POOL_ALLOWANCE_EXCEEDED).into());
		}
		Ok(())
	}
}

/// Admits a signed transaction only if its signer is registered (member
/// hospital, hospital node account, patient or provider), its kind of
/// account may make the call ([`Config::CallPolicy`]), and it fits in the
/// signer's window: it costs the units [`RateLimit::cost`] gives for the
/// call ([`Config::AdmissionCost`]: a batch of records counts one per
/// record), its encoded length and its weight. Otherwise the pool, and the
/// block, refuse it with `InvalidTransaction::Custom`
/// [`admission_error::UNREGISTERED`], [`admission_error::CALL_NOT_ADMITTED`],
/// [`admission_error::TOO_LARGE`] or [`admission_error::RATE_LIMITED`].
/// The pool orders admitted transactions by the signer's kind, then by
/// what its window has left ([`priority_of`]). Unsigned and inherent
/// transactions pass through.
#[derive(Encode, Decode, DecodeWithMemTracking, DefaultNoBound, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct CheckRegistered<T>(PhantomData<T>);

impl<T> CheckRegistered<T> {
	/// The extension (it has no parameters).
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<T> core::fmt::Debug for CheckRegistered<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckRegistered")
	}
}

impl<T: Config + Send + Sync> TransactionExtension<<T as frame_system::Config>::RuntimeCall> for CheckRegistered<T>
where
	<T as frame_system::Config>::RuntimeCall: Dispatchable<Info = DispatchInfo>,
{
	const IDENTIFIER: &'static str = "CheckRegistered";
	type Implicit = ();
	/// The signer and the units its transaction costs.
	type Val = Option<(T::AccountId, u32)>;
	type Pre = ();

	fn weight(&self, call: &<T as frame_system::Config>::RuntimeCall) -> Weight {
		<T as Config>::WeightInfo::check_registered().saturating_add(T::CallPolicy::weight(call))
	}

	fn validate(
		&self,
		origin: <T as frame_system::Config>::RuntimeOrigin,
		call: &<T as frame_system::Config>::RuntimeCall,
		info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, <T as frame_system::Config>::RuntimeCall> {
		let Some(who) = origin.as_signer().cloned() else {
			return Ok((ValidTransaction::default(), None, origin));
		};
		let (class, cost) = Pallet::<T>::transaction_cost(&who, call, len, info.total_weight().ref_time())?;
		let left_after = Pallet::<T>::check_admission(&who, cost)?;
		let validity = ValidTransaction { priority: priority_of(class, left_after), ..ValidTransaction::default() };
		Ok((validity, Some((who, cost)), origin))
	}

	fn prepare(
		self,
		val: Self::Val,
		_origin: &<T as frame_system::Config>::RuntimeOrigin,
		_call: &<T as frame_system::Config>::RuntimeCall,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		if let Some((who, cost)) = val {
			Pallet::<T>::note_transaction(&who, cost)?;
		}
		Ok(())
	}
}

/// frame-system's nonce check with the pool allowance added: besides what
/// `CheckNonce` checks (a nonce not below the account's; a future nonce
/// waits for its predecessors), a transaction that would not fit in what the
/// signer's window leaves after the transactions it already has waiting
/// ([`Pallet::check_pool_allowance`]) is refused with
/// `InvalidTransaction::Custom` [`admission_error::POOL_ALLOWANCE_EXCEEDED`].
/// So one account can put into any node's pool about what its window would
/// admit into blocks, not more.
///
/// It encodes exactly as `CheckNonce` (one compact nonce) and keeps its
/// identifier, so wallets (polkadot-js, subxt) fill it in as they fill in
/// `CheckNonce`. It replaces `CheckNonce` in the runtime's extensions.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct CheckNonceWithinAllowance<T: Config>(#[codec(compact)] pub T::Nonce);

impl<T: Config> CheckNonceWithinAllowance<T> {
	/// The extension for a transaction with `nonce`.
	pub fn from(nonce: T::Nonce) -> Self {
		Self(nonce)
	}
}

impl<T: Config> core::fmt::Debug for CheckNonceWithinAllowance<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckNonceWithinAllowance({:?})", self.0)
	}
}

impl<T: Config + Send + Sync> TransactionExtension<<T as frame_system::Config>::RuntimeCall>
	for CheckNonceWithinAllowance<T>
where
	<T as frame_system::Config>::RuntimeCall: Dispatchable<Info = DispatchInfo>,
	<T as frame_system::Config>::RuntimeOrigin: AsSystemOriginSigner<T::AccountId> + Clone,
{
	const IDENTIFIER: &'static str = "CheckNonce";
	type Implicit = ();
	/// The signer, or `None` for an unsigned transaction.
	type Val = Option<T::AccountId>;
	/// The weight to refund (all of it for an unsigned transaction).
	type Pre = Weight;

	fn weight(&self, _call: &<T as frame_system::Config>::RuntimeCall) -> Weight {
		<<T as frame_system::Config>::ExtensionsWeightInfo as frame_system::ExtensionsWeightInfo>::check_nonce()
			.saturating_add(<T as Config>::WeightInfo::check_registered())
	}

	fn validate(
		&self,
		origin: <T as frame_system::Config>::RuntimeOrigin,
		call: &<T as frame_system::Config>::RuntimeCall,
		info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, <T as frame_system::Config>::RuntimeCall> {
		let Some(who) = origin.as_system_origin_signer().cloned() else {
			return Ok((ValidTransaction::default(), None, origin));
		};
		let nonce = frame_system::CheckNonce::<T>::validate_nonce_for_account(&who, self.0)?;
		let (_, cost) = Pallet::<T>::units_of(&who, call, len, info.total_weight().ref_time())?;
		Pallet::<T>::check_pool_allowance(&who, self.0, cost)?;
		let validity =
			ValidTransaction { requires: nonce.requires, provides: nonce.provides, ..ValidTransaction::default() };
		Ok((validity, Some(who), origin))
	}

	fn prepare(
		self,
		val: Self::Val,
		_origin: &<T as frame_system::Config>::RuntimeOrigin,
		call: &<T as frame_system::Config>::RuntimeCall,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		match val {
			Some(who) => {
				frame_system::CheckNonce::<T>::prepare_nonce_for_account(&who, self.0).map(|()| Weight::zero())
			},
			None => Ok(self.weight(call)),
		}
	}

	fn post_dispatch_details(
		pre: Self::Pre,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_post_info: &PostDispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
		_result: &DispatchResult,
	) -> Result<Weight, TransactionValidityError> {
		Ok(pre)
	}
}
