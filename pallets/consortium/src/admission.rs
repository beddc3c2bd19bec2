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
	traits::{DispatchInfoOf, Dispatchable, Saturating, TransactionExtension, ValidateResult},
	transaction_validity::{InvalidTransaction, TransactionValidityError, ValidTransaction},
};

impl<T: Config> Pallet<T> {
	/// The limit `who` transacts under; an error if it is not registered.
	fn limit_of(who: &T::AccountId) -> Result<RateLimit, TransactionValidityError> {
		let limits = Limits::<T>::get();
		match T::Registry::class_of(who) {
			Some(AccountClass::Hospital) => Ok(limits.hospital),
			Some(AccountClass::Person) => Ok(limits.person),
			None => Err(InvalidTransaction::Custom(admission_error::UNREGISTERED).into()),
		}
	}

	/// `who`'s window as it stands at `now`: the stored one, or a fresh one if
	/// the stored one has ended.
	fn current_window(who: &T::AccountId, limit: &RateLimit, now: BlockNumberFor<T>) -> TxWindow<BlockNumberFor<T>> {
		match Windows::<T>::get(who) {
			Some(window) if now.saturating_sub(window.start) < limit.blocks.into() => window,
			_ => TxWindow { start: now, count: 0 },
		}
	}

	/// `who`'s current window, if `who` is registered and the window has
	/// room for one more transaction.
	fn window_with_room(who: &T::AccountId) -> Result<TxWindow<BlockNumberFor<T>>, TransactionValidityError> {
		let limit = Self::limit_of(who)?;
		let window = Self::current_window(who, &limit, frame_system::Pallet::<T>::block_number());
		if window.count >= limit.transactions {
			return Err(InvalidTransaction::Custom(admission_error::RATE_LIMITED).into());
		}
		Ok(window)
	}

	/// Checks that `who` is registered and has room in its window.
	pub fn check_admission(who: &T::AccountId) -> Result<(), TransactionValidityError> {
		Self::window_with_room(who).map(|_| ())
	}

	/// Checks admission again and counts one transaction of `who` in its window.
	pub fn note_transaction(who: &T::AccountId) -> Result<(), TransactionValidityError> {
		let mut window = Self::window_with_room(who)?;
		window.count = window.count.saturating_add(1);
		Windows::<T>::insert(who, window);
		Ok(())
	}
}

/// Admits a signed transaction only if its signer is registered (member
/// hospital, hospital node account, patient or provider) and within its rate
/// limit; otherwise the pool refuses it with `InvalidTransaction::Custom`
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
		_call: &<T as frame_system::Config>::RuntimeCall,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, <T as frame_system::Config>::RuntimeCall> {
		let Some(who) = origin.as_signer().cloned() else {
			return Ok((ValidTransaction::default(), None, origin));
		};
		Pallet::<T>::check_admission(&who)?;
		Ok((ValidTransaction::default(), Some(who), origin))
	}

	fn prepare(
		self,
		val: Self::Val,
		_origin: &<T as frame_system::Config>::RuntimeOrigin,
		_call: &<T as frame_system::Config>::RuntimeCall,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		if let Some(who) = val {
			Pallet::<T>::note_transaction(&who)?;
		}
		Ok(())
	}
}
