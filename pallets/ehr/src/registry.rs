//! Parties: hospitals' proxies, patients and providers, and the account
//! references that let registered identities transact without a balance.

use crate::{pallet::*, types::*};
use ehr_primitives::umbral_codec;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{ChangeMembers, InitializeMembers},
};

impl<T: Config> Pallet<T> {
	/// Checks that `key` is a canonical Umbral public key.
	pub(crate) fn ensure_public_key(key: &PublicKeyBytes) -> DispatchResult {
		umbral_codec::decode_public_key(key).map_err(|_| Error::<T>::InvalidPublicKey)?;
		Ok(())
	}

	/// Whether `who` may receive grants: a registered provider or patient.
	pub(crate) fn grantee_public_key(who: &T::AccountId) -> Option<PublicKeyBytes> {
		Providers::<T>::get(who).map(|p| p.public_key).or_else(|| Patients::<T>::get(who).map(|p| p.public_key))
	}

	/// Gives a registered identity a provider reference, so that its
	/// transactions pass the nonce check without any balance.
	fn admit_account(who: &T::AccountId) {
		frame_system::Pallet::<T>::inc_providers(who);
	}

	/// Drops the reference [`Self::admit_account`] gave.
	fn dismiss_account(who: &T::AccountId) {
		if let Err(error) = frame_system::Pallet::<T>::dec_providers(who) {
			log::warn!(target: "runtime::ehr", "could not drop an account reference: {:?}", error);
		}
	}

	pub(crate) fn do_register_proxy(
		hospital: T::AccountId,
		accounts: BoundedVec<T::AccountId, ConstU32<MAX_PROXY_ACCOUNTS>>,
		public_key: PublicKeyBytes,
	) -> DispatchResult {
		ensure!(!accounts.is_empty(), Error::<T>::NoProxyAccounts);
		Self::ensure_public_key(&public_key)?;
		for (i, account) in accounts.iter().enumerate() {
			ensure!(!accounts.iter().skip(i.saturating_add(1)).any(|a| a == account), Error::<T>::ProxyAccountTaken);
			if let Some(owner) = ProxyAccountOf::<T>::get(account) {
				ensure!(owner == hospital, Error::<T>::ProxyAccountTaken);
			}
		}
		if let Some(previous) = Proxies::<T>::take(&hospital) {
			for account in previous.accounts.iter() {
				ProxyAccountOf::<T>::remove(account);
				Self::dismiss_account(account);
			}
		}
		for account in accounts.iter() {
			ProxyAccountOf::<T>::insert(account, &hospital);
			Self::admit_account(account);
		}
		Proxies::<T>::insert(&hospital, ProxyInfo { accounts, public_key });
		Self::deposit_event(Event::ProxyRegistered { hospital });
		Ok(())
	}

	pub(crate) fn do_register_patient(
		hospital: T::AccountId,
		patient: T::AccountId,
		public_key: PublicKeyBytes,
		verifying_key: PublicKeyBytes,
	) -> DispatchResult {
		ensure!(
			!Patients::<T>::contains_key(&patient) && !Providers::<T>::contains_key(&patient),
			Error::<T>::AlreadyRegistered
		);
		Self::ensure_public_key(&public_key)?;
		Self::ensure_public_key(&verifying_key)?;
		Patients::<T>::insert(&patient, PatientInfo { public_key, verifying_key, onboarded_by: hospital.clone() });
		Self::admit_account(&patient);
		Self::deposit_event(Event::PatientRegistered { patient, hospital });
		Ok(())
	}

	pub(crate) fn do_register_provider(
		hospital: T::AccountId,
		provider: T::AccountId,
		public_key: PublicKeyBytes,
		affiliation: Option<T::AccountId>,
	) -> DispatchResult {
		ensure!(
			!Patients::<T>::contains_key(&provider) && !Providers::<T>::contains_key(&provider),
			Error::<T>::AlreadyRegistered
		);
		if let Some(affiliation) = &affiliation {
			ensure!(T::Hospitals::is_hospital(affiliation), Error::<T>::AffiliationNotAHospital);
		}
		Self::ensure_public_key(&public_key)?;
		Providers::<T>::insert(&provider, ProviderInfo { public_key, affiliation, onboarded_by: hospital.clone() });
		Self::admit_account(&provider);
		Self::deposit_event(Event::ProviderRegistered { provider, hospital });
		Ok(())
	}
}

/// Hospitals admitted at genesis get an account reference so they can transact.
impl<T: Config> InitializeMembers<T::AccountId> for Pallet<T> {
	fn initialize_members(members: &[T::AccountId]) {
		for member in members {
			Self::admit_account(member);
		}
	}
}

/// Hospitals voted in get an account reference; hospitals voted out lose it.
impl<T: Config> ChangeMembers<T::AccountId> for Pallet<T> {
	fn change_members_sorted(incoming: &[T::AccountId], outgoing: &[T::AccountId], _new: &[T::AccountId]) {
		for member in incoming {
			Self::admit_account(member);
		}
		for member in outgoing {
			Self::dismiss_account(member);
		}
	}
}
