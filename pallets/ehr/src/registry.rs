//! Parties: hospitals' proxies, patients and providers with their own keys,
//! and the account references that let registered identities transact
//! without a balance.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use ehr_primitives::umbral_codec;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{ChangeMembers, InitializeMembers},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{Verify, Zero};

impl<T: Config> Pallet<T> {
	/// Checks that `key` is a canonical Umbral public key. Fails with `InvalidPublicKey`.
	pub(crate) fn ensure_public_key(key: &PublicKeyBytes) -> DispatchResult {
		umbral_codec::decode_public_key(key).map_err(|_| Error::<T>::InvalidPublicKey)?;
		Ok(())
	}

	/// Whether `who` may receive grants: a registered provider or patient.
	pub(crate) fn grantee_public_key(who: &T::AccountId) -> Option<PublicKeyBytes> {
		Providers::<T>::get(who).map(|p| p.public_key).or_else(|| Patients::<T>::get(who).map(|p| p.public_key))
	}

	/// The key-ownership statement a person signs for `keys` on this chain.
	pub fn key_ownership(
		account: &T::AccountId,
		public_key: &PublicKeyBytes,
		verifying_key: Option<&PublicKeyBytes>,
	) -> KeyOwnership<T::AccountId, T::Hash> {
		KeyOwnership {
			genesis_hash: frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()),
			account: account.clone(),
			public_key: public_key.to_vec(),
			verifying_key: verifying_key.map(|key| key.to_vec()),
		}
	}

	/// Checks that `proof` is `account`'s signature over its ownership of
	/// these keys on this chain (plain, or wrapped in `<Bytes>` as wallets
	/// sign raw messages). Fails with `InvalidOwnershipProof`.
	fn ensure_ownership_proof(
		account: &T::AccountId,
		public_key: &PublicKeyBytes,
		verifying_key: Option<&PublicKeyBytes>,
		proof: &T::OwnershipSignature,
	) -> DispatchResult {
		let statement = Self::key_ownership(account, public_key, verifying_key);
		let signed = |payload: Vec<u8>| proof.verify(payload.as_slice(), account);
		ensure!(
			signed(statement.signing_payload()) || signed(statement.wrapped_signing_payload()),
			Error::<T>::InvalidOwnershipProof
		);
		Ok(())
	}

	/// Gives a registered identity a provider reference, so that its
	/// transactions pass the nonce check without any balance. An account
	/// keeps it for good: dropping it would reset the account's nonce and let
	/// its old transactions be replayed.
	pub(crate) fn admit_account(who: &T::AccountId) {
		if !frame_system::Pallet::<T>::account_exists(who) {
			frame_system::Pallet::<T>::inc_providers(who);
		}
	}

	/// The consent a node account signs to act for `hospital` on this chain.
	pub fn proxy_account_consent(
		hospital: &T::AccountId,
		account: &T::AccountId,
	) -> ProxyAccountConsent<T::AccountId, T::Hash> {
		ProxyAccountConsent {
			genesis_hash: frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()),
			hospital: hospital.clone(),
			account: account.clone(),
		}
	}

	/// Registers or replaces `hospital`'s proxy. Node accounts it keeps stay
	/// as they are (their nonces never reset); accounts it drops can no
	/// longer act for it. Fails with `NoProxyAccounts`, `InvalidPublicKey`,
	/// `ProxyAccountTaken` (an account listed twice or registered to another
	/// hospital), `ProxyAccountIsRegistered` (a patient's, provider's or
	/// other member's account, whose transactions would then count against
	/// this hospital's window), `InvalidProxyAccountConsent` (an account new
	/// to this hospital's proxy, other than the hospital's own, without its
	/// signed [`ProxyAccountConsent`]: a member listing another hospital's
	/// fresh node account) or `ProxyKeyTaken` (another hospital's proxy key).
	pub(crate) fn do_register_proxy(
		hospital: T::AccountId,
		nodes: BoundedVec<ProxyNodeAccount<T::AccountId, T::OwnershipSignature>, ConstU32<MAX_PROXY_ACCOUNTS>>,
		public_key: PublicKeyBytes,
	) -> DispatchResult {
		ensure!(!nodes.is_empty(), Error::<T>::NoProxyAccounts);
		Self::ensure_public_key(&public_key)?;
		ensure!(ProxyByKey::<T>::get(&public_key).is_none_or(|owner| owner == hospital), Error::<T>::ProxyKeyTaken);
		for (i, node) in nodes.iter().enumerate() {
			let account = &node.account;
			ensure!(
				!nodes.iter().skip(i.saturating_add(1)).any(|other| &other.account == account),
				Error::<T>::ProxyAccountTaken
			);
			let listed = match ProxyAccountOf::<T>::get(account) {
				Some(owner) => {
					ensure!(owner == hospital, Error::<T>::ProxyAccountTaken);
					true
				},
				None => false,
			};
			ensure!(
				!Patients::<T>::contains_key(account)
					&& !Providers::<T>::contains_key(account)
					&& (account == &hospital || !T::Hospitals::is_hospital(account)),
				Error::<T>::ProxyAccountIsRegistered
			);
			if !listed && account != &hospital {
				let consent = Self::proxy_account_consent(&hospital, account).signing_payload();
				ensure!(
					node.consent.as_ref().is_some_and(|signature| signature.verify(consent.as_slice(), account)),
					Error::<T>::InvalidProxyAccountConsent
				);
			}
		}
		let accounts: BoundedVec<T::AccountId, ConstU32<MAX_PROXY_ACCOUNTS>> =
			BoundedVec::truncate_from(nodes.into_iter().map(|node| node.account).collect());
		if let Some(previous) = Proxies::<T>::get(&hospital) {
			for dropped in previous.accounts.iter().filter(|a| !accounts.contains(a)) {
				ProxyAccountOf::<T>::remove(dropped);
			}
			if previous.public_key != public_key {
				ProxyByKey::<T>::remove(&previous.public_key);
			}
		}
		for account in accounts.iter() {
			ProxyAccountOf::<T>::insert(account, &hospital);
			Self::admit_account(account);
		}
		ProxyByKey::<T>::insert(&public_key, &hospital);
		Proxies::<T>::insert(&hospital, ProxyInfo { accounts, public_key });
		Self::deposit_event(Event::ProxyRegistered { hospital });
		Ok(())
	}

	/// Retires `hospital`'s proxy when it leaves the consortium: its node
	/// accounts can no longer act, no new grant may name it, and it leaves
	/// every open request's queue. Grants that name it keep naming it (the
	/// client shows the proxy as retired). Emits `ProxyRetired` if it had one.
	pub(crate) fn retire_proxy(hospital: &T::AccountId) {
		let Some(proxy) = Proxies::<T>::take(hospital) else { return };
		for account in proxy.accounts.iter() {
			ProxyAccountOf::<T>::remove(account);
		}
		ProxyByKey::<T>::remove(&proxy.public_key);
		// At most `MaxRequestsPerBlock * RequestTimeout` entries are open at once.
		let _ = OpenRequestsByProxy::<T>::clear_prefix(hospital, u32::MAX, None);
		Self::deposit_event(Event::ProxyRetired { hospital: hospital.clone() });
	}

	/// Onboards a patient with their own keys. Fails with `AlreadyRegistered`,
	/// `InvalidPublicKey`, `InvalidOwnershipProof` or `TooManyRegistrations`.
	pub(crate) fn do_register_patient(
		hospital: T::AccountId,
		patient: T::AccountId,
		public_key: PublicKeyBytes,
		verifying_key: PublicKeyBytes,
		proof: T::OwnershipSignature,
	) -> DispatchResult {
		Self::ensure_unregistered(&patient)?;
		Self::ensure_public_key(&public_key)?;
		Self::ensure_public_key(&verifying_key)?;
		Self::ensure_ownership_proof(&patient, &public_key, Some(&verifying_key), &proof)?;
		Self::count_registration(&hospital)?;
		Patients::<T>::insert(&patient, PatientInfo { public_key, verifying_key, onboarded_by: hospital.clone() });
		Self::admit_account(&patient);
		Self::deposit_event(Event::PatientRegistered { patient, hospital });
		Ok(())
	}

	/// Onboards a provider with their own key; the affiliation, if any, must
	/// be the registering hospital. Fails with `AlreadyRegistered`,
	/// `AffiliationNotTheRegistrar`, `InvalidPublicKey`, `InvalidOwnershipProof`
	/// or `TooManyRegistrations`.
	pub(crate) fn do_register_provider(
		hospital: T::AccountId,
		provider: T::AccountId,
		public_key: PublicKeyBytes,
		affiliation: Option<T::AccountId>,
		proof: T::OwnershipSignature,
	) -> DispatchResult {
		Self::ensure_unregistered(&provider)?;
		ensure!(affiliation.as_ref().is_none_or(|a| a == &hospital), Error::<T>::AffiliationNotTheRegistrar);
		Self::ensure_public_key(&public_key)?;
		Self::ensure_ownership_proof(&provider, &public_key, None, &proof)?;
		Self::count_registration(&hospital)?;
		Providers::<T>::insert(&provider, ProviderInfo { public_key, affiliation, onboarded_by: hospital.clone() });
		Self::admit_account(&provider);
		Self::deposit_event(Event::ProviderRegistered { provider, hospital });
		Ok(())
	}

	/// Fails with `AlreadyRegistered` if `who` is a patient or provider, a
	/// member hospital or a hospital's proxy node account: an account has
	/// one role, and the chain admits its transactions by it.
	fn ensure_unregistered(who: &T::AccountId) -> DispatchResult {
		ensure!(
			!Patients::<T>::contains_key(who)
				&& !Providers::<T>::contains_key(who)
				&& !ProxyAccountOf::<T>::contains_key(who)
				&& !T::Hospitals::is_hospital(who),
			Error::<T>::AlreadyRegistered
		);
		Ok(())
	}

	/// Replaces `who`'s own keys and notes the block, so grants made until
	/// now by or to `who` stop working. Fails with `NotRegistered`,
	/// `VerifyingKeyMismatch` (a patient without a verifying key, a provider
	/// with one) or `InvalidPublicKey`.
	pub(crate) fn do_rotate_keys(
		who: T::AccountId,
		public_key: PublicKeyBytes,
		verifying_key: Option<PublicKeyBytes>,
	) -> DispatchResult {
		Self::ensure_public_key(&public_key)?;
		if let Some(mut patient) = Patients::<T>::get(&who) {
			let verifying_key = verifying_key.ok_or(Error::<T>::VerifyingKeyMismatch)?;
			Self::ensure_public_key(&verifying_key)?;
			patient.public_key = public_key;
			patient.verifying_key = verifying_key;
			Patients::<T>::insert(&who, patient);
		} else if let Some(mut provider) = Providers::<T>::get(&who) {
			ensure!(verifying_key.is_none(), Error::<T>::VerifyingKeyMismatch);
			provider.public_key = public_key;
			Providers::<T>::insert(&who, provider);
		} else {
			return Err(Error::<T>::NotRegistered.into());
		}
		KeysRotatedAt::<T>::insert(&who, frame_system::Pallet::<T>::block_number());
		Self::deposit_event(Event::KeysRotated { who });
		Ok(())
	}

	/// Whether `account` rotated its keys at or after block `since`.
	pub(crate) fn rotated_since(account: &T::AccountId, since: &BlockNumberFor<T>) -> bool {
		KeysRotatedAt::<T>::get(account).is_some_and(|rotated| &rotated >= since)
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

/// Hospitals voted in get an account reference (kept for good, so their
/// nonce never resets); hospitals voted out have their proxy retired.
impl<T: Config> ChangeMembers<T::AccountId> for Pallet<T> {
	fn change_members_sorted(incoming: &[T::AccountId], outgoing: &[T::AccountId], _new: &[T::AccountId]) {
		for member in incoming {
			Self::admit_account(member);
		}
		for member in outgoing {
			Self::retire_proxy(member);
		}
	}
}
