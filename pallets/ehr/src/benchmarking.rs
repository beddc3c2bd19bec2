//! Benchmarks of pallet-ehr (benchmarks v2), each call at its worst case,
//! with real Umbral objects made from a seeded ChaCha20 RNG inside the
//! runtime.

use super::*;
use crate::Pallet as Ehr;
use alloc::{vec, vec::Vec};
use ehr_primitives::{kfrags, umbral_codec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{EnsureOrigin, Get, Hooks},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use sp_runtime::traits::{IdentifyAccount, One, Saturating};
use umbral_pre::{
	encrypt_with_rng, generate_kfrags_with_rng, reencrypt_with_rng, Capsule, PublicKey, SecretKey, Signer,
	VerifiedKeyFrag,
};

/// Real Umbral keys of one party.
struct Party {
	secret: SecretKey,
	signer: Signer,
}

struct Fixture {
	rng: ChaCha20Rng,
}

impl Fixture {
	fn new() -> Self {
		Fixture { rng: ChaCha20Rng::from_seed([7u8; 32]) }
	}

	fn party(&mut self) -> Party {
		Party {
			secret: SecretKey::random_with_rng(&mut self.rng),
			signer: Signer::new(SecretKey::random_with_rng(&mut self.rng)),
		}
	}

	fn bytes<const N: u32>(object: &impl serde::Serialize) -> BoundedVec<u8, sp_core::ConstU32<N>> {
		umbral_codec::encode(object).ok().and_then(|b| b.try_into().ok()).expect("benchmark objects fit their bounds")
	}

	fn public(party: &Party) -> PublicKeyBytes {
		Self::bytes(&party.secret.public_key())
	}

	fn capsule(&mut self, to: &PublicKey) -> (Capsule, Vec<u8>) {
		let (capsule, ciphertext) =
			encrypt_with_rng(&mut self.rng, to, &[0x42; 1024]).expect("benchmark envelope encrypts");
		(capsule, ciphertext.to_vec())
	}

	fn kfrags(
		&mut self,
		patient: &Party,
		grantee: &PublicKey,
		threshold: usize,
		shares: usize,
	) -> Vec<VerifiedKeyFrag> {
		generate_kfrags_with_rng(
			&mut self.rng,
			&patient.secret,
			grantee,
			&patient.signer,
			threshold,
			shares,
			true,
			true,
		)
		.into_vec()
	}
}

fn account<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	frame_benchmarking::account(name, index, 0)
}

/// A person's account made from a real signing key, and that key.
fn person<T: Config>(seed: u32) -> (T::AccountId, T::OwnershipSigner) {
	let signer = T::BenchmarkHelper::signer(seed);
	(signer.clone().into_account(), signer)
}

/// `signer`'s proof of owning these keys, in the form the runtime checks
/// last (wrapped in `<Bytes>` as wallets sign), so that benchmarks pay for
/// both signature checks.
fn ownership_proof<T: Config>(
	who: &T::AccountId,
	signer: &T::OwnershipSigner,
	public_key: &PublicKeyBytes,
	verifying_key: Option<&PublicKeyBytes>,
) -> T::OwnershipSignature {
	let payload = Ehr::<T>::key_ownership(who, public_key, verifying_key).wrapped_signing_payload();
	T::BenchmarkHelper::sign(signer, &payload)
}

/// Registers a patient with `keys` through `hospital`.
fn register_patient<T: Config>(hospital: &T::AccountId, seed: u32, keys: &Party) -> T::AccountId {
	let (who, signer) = person::<T>(seed);
	let (pk, vk) = (Fixture::public(keys), Fixture::bytes(&keys.signer.verifying_key()));
	let proof = ownership_proof::<T>(&who, &signer, &pk, Some(&vk));
	Ehr::<T>::do_register_patient(hospital.clone(), who.clone(), pk, vk, proof).expect("patient registers");
	who
}

/// Registers a provider with `keys` through `hospital`.
fn register_provider<T: Config>(hospital: &T::AccountId, seed: u32, keys: &Party) -> T::AccountId {
	let (who, signer) = person::<T>(seed);
	let pk = Fixture::public(keys);
	let proof = ownership_proof::<T>(&who, &signer, &pk, None);
	Ehr::<T>::do_register_provider(hospital.clone(), who.clone(), pk, None, proof).expect("provider registers");
	who
}

/// Node account `seed` (seeds from [`NODE_SEEDS`] on, apart from people's)
/// with its signed consent to act for `hospital`.
fn consenting_node<T: Config>(
	hospital: &T::AccountId,
	seed: u32,
) -> ProxyNodeAccount<T::AccountId, T::OwnershipSignature> {
	let (account, signer) = person::<T>(NODE_SEEDS + seed);
	let payload = Ehr::<T>::proxy_account_consent(hospital, &account).signing_payload();
	ProxyNodeAccount { consent: Some(T::BenchmarkHelper::sign(&signer, &payload)), account }
}

/// The first signer seed of node accounts.
const NODE_SEEDS: u32 = 100_000;

fn hospital<T: Config>(index: u32) -> T::AccountId {
	let who = account::<T>("hospital", index);
	T::Hospitals::add_hospital_for_benchmarks(&who);
	frame_system::Pallet::<T>::inc_providers(&who);
	who
}

/// `n` hospitals with registered proxies; returns each hospital, its node account and keys.
fn proxies<T: Config>(fx: &mut Fixture, n: u32) -> Vec<(T::AccountId, T::AccountId, Party)> {
	(0..n)
		.map(|i| {
			let h = hospital::<T>(i);
			let node = consenting_node::<T>(&h, i);
			let account = node.account.clone();
			let keys = fx.party();
			Ehr::<T>::do_register_proxy(h.clone(), vec![node].try_into().expect("one account"), Fixture::public(&keys))
				.expect("proxy registers");
			(h, account, keys)
		})
		.collect()
}

struct Scenario<T: Config> {
	proxies: Vec<(T::AccountId, T::AccountId, Party)>,
	patient: (T::AccountId, Party),
	grantee: (T::AccountId, Party),
	record: RecordId,
	capsule: Capsule,
	kfrags: Vec<VerifiedKeyFrag>,
}

/// `n` proxy hospitals, a patient with a record at hospital 0, and a
/// provider; kfrags for the provider with threshold `m` of `n`.
fn scenario<T: Config>(fx: &mut Fixture, n: u32, m: u32) -> Scenario<T> {
	let proxies = proxies::<T>(fx, n.max(1));
	let custodian = proxies[0].0.clone();
	let patient_keys = fx.party();
	let patient = (register_patient::<T>(&custodian, 0, &patient_keys), patient_keys);
	let grantee_keys = fx.party();
	let grantee = (register_provider::<T>(&custodian, 1, &grantee_keys), grantee_keys);
	let (capsule, ciphertext) = fx.capsule(&patient.1.secret.public_key());
	let record = NextRecordId::<T>::get();
	let new = NewRecord {
		patient: patient.0.clone(),
		capsule: Fixture::bytes(&capsule),
		encrypted_metadata: ciphertext.try_into().expect("metadata fits"),
		body_hash: sp_core::H256::repeat_byte(1),
		body_size: 1 << 20,
		source: None,
	};
	Ehr::<T>::do_create_record(custodian, new).expect("record is created");
	let kfrags = fx.kfrags(&patient.1, &grantee.1.secret.public_key(), m.max(1) as usize, n.max(1) as usize);
	Scenario { proxies, patient, grantee, record, capsule, kfrags }
}

/// The scenario's record and `n - 1` more of its patient at its custodian
/// (same capsule, distinct body hashes): `n` record ids.
fn records_of_scenario<T: Config>(s: &Scenario<T>, n: u32) -> Vec<RecordId> {
	let mut records = vec![s.record];
	for i in 1..n {
		records.push(NextRecordId::<T>::get());
		let body_hash = sp_core::H256::from(sp_io::hashing::blake2_256(&i.to_le_bytes()));
		let new = NewRecord {
			patient: s.patient.0.clone(),
			capsule: Records::<T>::get(s.record).expect("exists").capsule,
			encrypted_metadata: vec![1].try_into().expect("bounded"),
			body_hash,
			body_size: 1,
			source: None,
		};
		Ehr::<T>::do_create_record(s.proxies[0].0.clone(), new).expect("record is created");
	}
	records
}

fn grant_proxies<T: Config>(
	fx: &mut Fixture,
	s: &Scenario<T>,
) -> BoundedVec<GrantProxy<T::AccountId>, sp_core::ConstU32<MAX_PROXIES>> {
	s.proxies
		.iter()
		.zip(s.kfrags.iter())
		.map(|((h, _, keys), kfrag)| {
			let sealed =
				kfrags::seal_with_rng(&mut fx.rng, kfrag, &keys.secret.public_key()).expect("benchmark kfrags seal");
			GrantProxy {
				hospital: h.clone(),
				encrypted_kfrag: sealed.sealed.try_into().expect("a sealed kfrag fits its bound"),
				kfrag_id: Some(sealed.kfrag_id),
			}
		})
		.collect::<Vec<_>>()
		.try_into()
		.expect("at most MAX_PROXIES")
}

fn open_request<T: Config>(fx: &mut Fixture, s: &Scenario<T>, threshold: u8) -> RequestId {
	let grant = NextGrantId::<T>::get();
	let proxies = grant_proxies(fx, s);
	Ehr::<T>::do_grant(
		s.patient.0.clone(),
		s.grantee.0.clone(),
		Scope::AllRecords,
		threshold,
		proxies,
		None,
		Purpose::Treatment,
	)
	.expect("grant is made");
	let request = NextRequestId::<T>::get();
	Ehr::<T>::do_request_access(s.grantee.0.clone(), grant, s.record).expect("request opens");
	request
}

fn cfrag(fx: &mut Fixture, capsule: &Capsule, kfrag: &VerifiedKeyFrag) -> CfragBytes {
	Fixture::bytes(&reencrypt_with_rng(&mut fx.rng, capsule, kfrag.clone()).unverify())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_proxy(a: Linear<1, MAX_PROXY_ACCOUNTS>) {
		let mut fx = Fixture::new();
		let h = hospital::<T>(0);
		// Worst case: replacing a registration with the most accounts by
		// as many new ones, each with a consent to check.
		let old: Vec<_> = (0..MAX_PROXY_ACCOUNTS).map(|i| consenting_node::<T>(&h, MAX_PROXY_ACCOUNTS + i)).collect();
		Ehr::<T>::do_register_proxy(h.clone(), old.try_into().expect("bounded"), Fixture::public(&fx.party()))
			.expect("registers");
		let accounts: Vec<_> = (0..a).map(|i| consenting_node::<T>(&h, i)).collect();
		let key = Fixture::public(&fx.party());
		#[extrinsic_call]
		_(RawOrigin::Signed(h.clone()), accounts.try_into().expect("bounded"), key);
		assert_eq!(Proxies::<T>::get(&h).map(|p| p.accounts.len() as u32), Some(a));
	}

	/// Both forms of the ownership proof are checked (the wallet form last).
	#[benchmark]
	fn register_patient() {
		let mut fx = Fixture::new();
		let h = hospital::<T>(0);
		let (patient, signer) = person::<T>(0);
		let keys = fx.party();
		let (pk, vk) = (Fixture::public(&keys), Fixture::bytes(&keys.signer.verifying_key()));
		let proof = ownership_proof::<T>(&patient, &signer, &pk, Some(&vk));
		#[extrinsic_call]
		_(RawOrigin::Signed(h), patient.clone(), pk, vk, proof);
		assert!(Patients::<T>::contains_key(&patient));
	}

	#[benchmark]
	fn register_provider() {
		let mut fx = Fixture::new();
		let h = hospital::<T>(0);
		let (provider, signer) = person::<T>(0);
		let pk = Fixture::public(&fx.party());
		let proof = ownership_proof::<T>(&provider, &signer, &pk, None);
		#[extrinsic_call]
		_(RawOrigin::Signed(h.clone()), provider.clone(), pk, Some(h.clone()), proof);
		assert!(Providers::<T>::contains_key(&provider));
	}

	/// A patient replaces both keys.
	#[benchmark]
	fn rotate_keys() {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, 1, 1);
		let keys = fx.party();
		let (pk, vk) = (Fixture::public(&keys), Fixture::bytes(&keys.signer.verifying_key()));
		#[extrinsic_call]
		_(RawOrigin::Signed(s.patient.0.clone()), pk, Some(vk));
		assert!(KeysRotatedAt::<T>::contains_key(&s.patient.0));
	}

	#[benchmark]
	fn set_parameters() -> Result<(), BenchmarkError> {
		let origin = T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let parameters = EhrParameters {
			reading_window: 100u32.into(),
			retention: 1000u32.into(),
			retirement_grace: 10_000u32.into(),
		};
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, parameters);
		assert_eq!(Parameters::<T>::get(), parameters);
		Ok(())
	}

	/// The pruner removes one finished request naming the most proxies, with
	/// every cfrag delivered (the largest request there is).
	#[benchmark]
	fn prune_request_step() {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, MAX_PROXIES, MAX_PROXIES);
		let request = open_request(&mut fx, &s, MAX_PROXIES as u8);
		for i in 0..MAX_PROXIES as usize {
			let c = cfrag(&mut fx, &s.capsule, &s.kfrags[i]);
			Ehr::<T>::do_submit_cfrag(s.proxies[i].0.clone(), request, c).expect("cfrag accepted");
		}
		let now = Requests::<T>::get(request)
			.map(|r| r.expires_at)
			.unwrap_or_default()
			.saturating_add(Parameters::<T>::get().retention)
			.saturating_add(One::one());
		#[block]
		{
			Ehr::<T>::prune_requests(now, 1);
		}
		assert!(!Requests::<T>::contains_key(request));
	}

	/// The pruner removes one revoked grant naming the most proxies and
	/// listing the most records, with its two index entries.
	#[benchmark]
	fn prune_grant_step() {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, MAX_PROXIES, MAX_PROXIES);
		let records: Vec<RecordId> = (0..MAX_SCOPE_RECORDS).map(|_| s.record).collect();
		let proxies = grant_proxies(&mut fx, &s);
		let grant_id = NextGrantId::<T>::get();
		Grants::<T>::insert(
			grant_id,
			Grant {
				patient: s.patient.0.clone(),
				grantee: s.grantee.0.clone(),
				scope: Scope::Records(records.try_into().expect("bounded")),
				threshold: 1,
				proxies,
				expires_at: None,
				purpose: Purpose::Research,
				created_at: frame_system::Pallet::<T>::block_number(),
				revoked_at: Some(frame_system::Pallet::<T>::block_number()),
			},
		);
		GrantsByPatient::<T>::insert(&s.patient.0, grant_id, ());
		GrantsByGrantee::<T>::insert(&s.grantee.0, grant_id, ());
		let now = frame_system::Pallet::<T>::block_number()
			.saturating_add(Parameters::<T>::get().retention)
			.saturating_add(One::one());
		#[block]
		{
			Ehr::<T>::prune_grants(now, 1);
		}
		assert!(!Grants::<T>::contains_key(grant_id));
	}

	#[benchmark]
	fn create_record() {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, 1, 1);
		let (capsule, _) = fx.capsule(&s.patient.1.secret.public_key());
		let metadata: EncryptedMetadata = vec![7u8; MAX_ENCRYPTED_METADATA_LEN as usize].try_into().expect("bounded");
		let custodian = s.proxies[0].0.clone();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(custodian),
			s.patient.0.clone(),
			Fixture::bytes(&capsule),
			metadata,
			sp_core::H256::repeat_byte(2),
			u64::MAX,
		);
		assert_eq!(PatientRecordCount::<T>::get(&s.patient.0), 2);
	}

	// Every record of the batch at its worst: each for another patient (so
	// no read is shared), the longest envelope, and a source tag, each
	// checked against the chain.
	#[benchmark]
	fn create_records(r: Linear<1, MAX_CREATE_RECORDS>) {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, 1, 1);
		let custodian = s.proxies[0].0.clone();
		let metadata: EncryptedMetadata = vec![7u8; MAX_ENCRYPTED_METADATA_LEN as usize].try_into().expect("bounded");
		let records: Vec<NewRecord<T::AccountId>> = (0..r)
			.map(|i| {
				let keys = fx.party();
				let patient = crate::benchmarking::register_patient::<T>(&custodian, i.saturating_add(10), &keys);
				let (capsule, _) = fx.capsule(&keys.secret.public_key());
				NewRecord {
					patient,
					capsule: Fixture::bytes(&capsule),
					encrypted_metadata: metadata.clone(),
					body_hash: sp_core::H256::from(sp_io::hashing::blake2_256(&i.to_le_bytes())),
					body_size: u64::MAX,
					source: Some(sp_core::H256::from(sp_io::hashing::twox_256(&i.to_le_bytes()))),
				}
			})
			.collect();
		let first = NextRecordId::<T>::get();
		#[extrinsic_call]
		_(RawOrigin::Signed(custodian), records.try_into().expect("bounded"));
		assert_eq!(NextRecordId::<T>::get(), first.saturating_add(u64::from(r)));
	}

	#[benchmark]
	fn retire_record() {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, 1, 1);
		#[extrinsic_call]
		_(RawOrigin::Signed(s.patient.0.clone()), s.record);
		assert!(Records::<T>::get(s.record).and_then(|r| r.retired_at).is_some());
	}

	#[benchmark]
	fn grant(p: Linear<1, MAX_PROXIES>, r: Linear<1, MAX_SCOPE_RECORDS>) {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, p, p);
		let records = records_of_scenario(&s, r);
		let proxies = grant_proxies(&mut fx, &s);
		let scope = Scope::Records(records.try_into().expect("bounded"));
		let expiry = frame_system::Pallet::<T>::block_number().saturating_add(100u32.into());
		#[extrinsic_call]
		_(
			RawOrigin::Signed(s.patient.0.clone()),
			s.grantee.0.clone(),
			scope,
			p as u8,
			proxies,
			Some(expiry),
			Purpose::Research,
		);
		assert_eq!(NextGrantId::<T>::get(), 1);
	}

	#[benchmark]
	fn revoke() {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, 1, 1);
		let _ = open_request(&mut fx, &s, 1);
		#[extrinsic_call]
		_(RawOrigin::Signed(s.patient.0.clone()), 0);
		assert!(Grants::<T>::get(0).and_then(|g| g.revoked_at).is_some());
	}

	#[benchmark]
	fn request_access(p: Linear<1, MAX_PROXIES>) {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, p, p);
		let proxies = grant_proxies(&mut fx, &s);
		Ehr::<T>::do_grant(
			s.patient.0.clone(),
			s.grantee.0.clone(),
			Scope::AllRecords,
			p as u8,
			proxies,
			None,
			Purpose::Treatment,
		)
		.expect("grant is made");
		#[extrinsic_call]
		_(RawOrigin::Signed(s.grantee.0.clone()), 0, s.record);
		assert!(Requests::<T>::contains_key(0));
	}

	/// The cfrag that reaches the threshold: verification plus closing the
	/// request for all `p` proxies.
	#[benchmark]
	fn submit_cfrag(p: Linear<1, MAX_PROXIES>) {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, p, p);
		let request = open_request(&mut fx, &s, p as u8);
		let last = (p - 1) as usize;
		for i in 0..last {
			let c = cfrag(&mut fx, &s.capsule, &s.kfrags[i]);
			Ehr::<T>::do_submit_cfrag(s.proxies[i].0.clone(), request, c).expect("cfrag accepted");
		}
		let c = cfrag(&mut fx, &s.capsule, &s.kfrags[last]);
		let node = s.proxies[last].1.clone();
		#[extrinsic_call]
		_(RawOrigin::Signed(node), request, c);
		assert_eq!(Requests::<T>::get(request).map(|r| r.status), Some(RequestStatus::Ready));
	}

	#[benchmark]
	fn confirm_fetch() {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, 1, 1);
		let request = open_request(&mut fx, &s, 1);
		let c = cfrag(&mut fx, &s.capsule, &s.kfrags[0]);
		Ehr::<T>::do_submit_cfrag(s.proxies[0].0.clone(), request, c).expect("cfrag accepted");
		let node = s.proxies[0].1.clone();
		#[extrinsic_call]
		_(RawOrigin::Signed(node), request);
		assert_eq!(Requests::<T>::get(request).map(|r| r.fetches), Some(1));
	}

	#[benchmark]
	fn confirm_patient_read() {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, 1, 1);
		let node = s.proxies[0].1.clone();
		let before = AuditLogLen::<T>::get(&s.patient.0);
		#[extrinsic_call]
		_(RawOrigin::Signed(node), s.record);
		assert_eq!(AuditLogLen::<T>::get(&s.patient.0), before + 1);
	}

	/// `r` records re-keyed at once, each with the largest envelope.
	#[benchmark]
	fn rekey_records(r: Linear<1, MAX_REKEY_RECORDS>) {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, 1, 1);
		let ids = records_of_scenario(&s, r);
		let metadata: EncryptedMetadata = vec![9u8; MAX_ENCRYPTED_METADATA_LEN as usize].try_into().expect("bounded");
		let rekeyed: Vec<_> = ids
			.iter()
			.map(|id| {
				let (capsule, _) = fx.capsule(&s.patient.1.secret.public_key());
				(*id, Fixture::bytes(&capsule), metadata.clone())
			})
			.collect();
		#[extrinsic_call]
		_(RawOrigin::Signed(s.patient.0.clone()), rekeyed.try_into().expect("bounded"));
		assert_eq!(Records::<T>::get(s.record).map(|r| r.encrypted_metadata), Some(metadata));
	}

	/// The patient restores `r` of their retired records.
	#[benchmark]
	fn restore_records(r: Linear<1, MAX_RESTORE_RECORDS>) {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, 1, 1);
		let ids = records_of_scenario(&s, r);
		let now = frame_system::Pallet::<T>::block_number();
		for id in &ids {
			Records::<T>::mutate(id, |record| {
				if let Some(record) = record {
					record.retired_at = Some(now);
				}
			});
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(s.patient.0.clone()), ids.clone().try_into().expect("bounded"));
		assert!(ids.iter().all(|id| Records::<T>::get(id).is_some_and(|r| r.retired_at.is_none())));
	}

	/// `r` open requests, each naming the most proxies, expire in one block.
	#[benchmark]
	fn expire_requests(r: Linear<1, { T::MaxRequestsPerBlock::get() }>) {
		let mut fx = Fixture::new();
		let s = scenario::<T>(&mut fx, MAX_PROXIES, MAX_PROXIES);
		let proxies = grant_proxies(&mut fx, &s);
		Ehr::<T>::do_grant(
			s.patient.0.clone(),
			s.grantee.0.clone(),
			Scope::AllRecords,
			1,
			proxies,
			None,
			Purpose::Treatment,
		)
		.expect("grant is made");
		for _ in 0..r {
			// The request quotas are not what this measures.
			RequestsOpenedBy::<T>::remove(&s.grantee.0);
			let _ = RequestsOpenedByHospital::<T>::clear(u32::MAX, None);
			RequestsOpenedForPatient::<T>::remove(&s.patient.0);
			Ehr::<T>::do_request_access(s.grantee.0.clone(), 0, s.record).expect("request opens");
		}
		let due: BlockNumberFor<T> = frame_system::Pallet::<T>::block_number()
			.saturating_add(T::RequestTimeout::get())
			.saturating_add(One::one());
		#[block]
		{
			Ehr::<T>::on_initialize(due);
		}
		assert_eq!(Requests::<T>::get(0).map(|q| q.status), Some(RequestStatus::Expired));
	}

	impl_benchmark_test_suite!(Ehr, crate::mock::new_test_ext(), crate::mock::Test);
}
