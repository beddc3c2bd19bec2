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
	pallet_prelude::{TransactionSource, Weight},
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

impl<T: Config> Pallet<T> {
	/// The limit `who` transacts under and the account whose window counts
	/// it; an error if it is not registered.
	fn admission(who: &T::AccountId) -> Result<(RateLimit, T::AccountId), TransactionValidityError> {
		let limits = Limits::<T>::get();
		let admission =
			T::Registry::admission_of(who).ok_or(InvalidTransaction::Custom(admission_error::UNREGISTERED))?;
		let limit = match admission.class {
			AccountClass::Hospital => limits.hospital,
			AccountClass::Person => limits.person,
		};
		Ok((limit, admission.counted_as))
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

	/// How many more transactions `who` may have admitted in its current
	/// window (shared with its hospital for a node account); an error if it
	/// is not registered.
	pub fn remaining_allowance(who: &T::AccountId) -> Result<u32, TransactionValidityError> {
		let (limit, counted_as) = Self::admission(who)?;
		let window = Self::current_window(&counted_as, &limit, frame_system::Pallet::<T>::block_number());
		Ok(limit.transactions.saturating_sub(window.count))
	}

	/// Checks that `who` is registered and its window has room for a
	/// transaction that counts as `cost` transactions.
	pub fn check_admission(who: &T::AccountId, cost: u32) -> Result<(), TransactionValidityError> {
		if Self::remaining_allowance(who)? < cost.max(1) {
			return Err(InvalidTransaction::Custom(admission_error::RATE_LIMITED).into());
		}
		Ok(())
	}

	/// Checks admission again and counts a transaction of `who` that counts
	/// as `cost` transactions in its window.
	pub fn note_transaction(who: &T::AccountId, cost: u32) -> Result<(), TransactionValidityError> {
		let (limit, counted_as) = Self::admission(who)?;
		let mut window = Self::current_window(&counted_as, &limit, frame_system::Pallet::<T>::block_number());
		let count = window.count.saturating_add(cost.max(1));
		if count > limit.transactions {
			return Err(InvalidTransaction::Custom(admission_error::RATE_LIMITED).into());
		}
		window.count = count;
		Windows::<T>::insert(&counted_as, window);
		Ok(())
	}

	/// Checks that a transaction with `nonce` from `who` fits in what its
	/// window leaves: the transactions `who` has waiting in the pool (nonces
	/// from its account nonce up) may not outnumber its remaining allowance.
	pub fn check_pool_allowance(who: &T::AccountId, nonce: T::Nonce) -> Result<(), TransactionValidityError> {
		let account_nonce = frame_system::Pallet::<T>::account_nonce(who);
		let ahead: u32 = nonce.saturating_sub(account_nonce).unique_saturated_into();
		if ahead >= Self::remaining_allowance(who)? {
			return Err(InvalidTransaction::Custom(admission_error::POOL_ALLOWANCE_EXCEEDED).into());
		}
		Ok(())
	}
}

/// Admits a signed transaction only if its signer is registered (member
/// hospital, hospital node account, patient or provider) and within its rate
/// limit, counting the call as [`Config::AdmissionCost`] says (a batch of
/// records as one transaction per record); otherwise the pool refuses it with `InvalidTransaction::Custom`
/// [`admission_error::UNREGISTERED`] or [`admission_error::RATE_LIMITED`].
/// Unsigned and inherent transactions pass through.
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
	type Val = Option<T::AccountId>;
	type Pre = ();

	fn weight(&self, _call: &<T as frame_system::Config>::RuntimeCall) -> Weight {
		<T as Config>::WeightInfo::check_registered()
	}

	fn validate(
		&self,
		origin: <T as frame_system::Config>::RuntimeOrigin,
		call: &<T as frame_system::Config>::RuntimeCall,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, <T as frame_system::Config>::RuntimeCall> {
		let Some(who) = origin.as_signer().cloned() else {
			return Ok((ValidTransaction::default(), None, origin));
		};
		Pallet::<T>::check_admission(&who, T::AdmissionCost::admission_cost(call))?;
		Ok((ValidTransaction::default(), Some(who), origin))
	}

	fn prepare(
		self,
		val: Self::Val,
		_origin: &<T as frame_system::Config>::RuntimeOrigin,
		call: &<T as frame_system::Config>::RuntimeCall,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		if let Some(who) = val {
			Pallet::<T>::note_transaction(&who, T::AdmissionCost::admission_cost(call))?;
		}
		Ok(())
	}
}

/// frame-system's nonce check with the pool allowance added: besides what
/// `CheckNonce` checks (a nonce not below the account's; a future nonce
/// waits for its predecessors), a transaction whose nonce is as far ahead of
/// the account's nonce as the signer's remaining rate-limit allowance is
/// refused with `InvalidTransaction::Custom`
/// [`admission_error::POOL_ALLOWANCE_EXCEEDED`]. So one account can put no
/// more transactions into any node's pool than its window would admit into
/// blocks.
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
		_call: &<T as frame_system::Config>::RuntimeCall,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, <T as frame_system::Config>::RuntimeCall> {
		let Some(who) = origin.as_system_origin_signer().cloned() else {
			return Ok((ValidTransaction::default(), None, origin));
		};
		let nonce = frame_system::CheckNonce::<T>::validate_nonce_for_account(&who, self.0)?;
		Pallet::<T>::check_pool_allowance(&who, self.0)?;
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
