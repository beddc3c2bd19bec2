//! Building pallet-ehr's inputs in tests: bounded byte strings, proxy keys
//! and key fragments sealed to proxies, with real Umbral keys.

use ehr_primitives::{kfrags, umbral_codec, GrantProxy};
use ehr_runtime::AccountId;
use umbral_pre::{encrypt, PublicKey, SecretKey, Signer};

/// `data` as a bounded vector; panics if it does not fit.
pub fn bytes<const N: u32>(data: Vec<u8>) -> sp_runtime::BoundedVec<u8, sp_core::ConstU32<N>> {
	data.try_into().expect("fits its bound")
}

/// An Umbral public key from its canonical encoding in hex (as `ehr_status` gives it).
pub fn umbral_public(hex_key: &str) -> PublicKey {
	umbral_codec::decode_public_key(&hex::decode(hex_key.trim_start_matches("0x")).expect("hex key"))
		.expect("a canonical public key")
}

/// Kfrags of `patient` for `grantee`, each sealed to one of `proxies`
/// (`ehr_primitives::kfrags`, as the client seals them); the one at
/// `garbage_for` (if any) is replaced by bytes that are no kfrag, sealed to
/// that proxy and stated with a made-up id, as a careless client might.
pub fn sealed_kfrags(
	patient: &SecretKey,
	signer: &Signer,
	grantee: &PublicKey,
	threshold: usize,
	proxies: &[(AccountId, PublicKey)],
	garbage_for: Option<usize>,
) -> Vec<GrantProxy<AccountId>> {
	let keys: Vec<PublicKey> = proxies.iter().map(|(_, key)| *key).collect();
	let sealed = kfrags::make_sealed(patient, signer, grantee, threshold, &keys).expect("kfrags seal");
	proxies
		.iter()
		.zip(sealed)
		.enumerate()
		.map(|(i, ((hospital, key), sealed))| {
			let (encrypted, kfrag_id) = if garbage_for == Some(i) {
				let (capsule, ciphertext) = encrypt(key, &[0xEE; 300]).expect("encrypts");
				let garbage = umbral_codec::encode(&umbral_codec::Sealed { capsule, ciphertext: ciphertext.to_vec() })
					.expect("sealed encodes");
				(garbage, [0xEE; 32])
			} else {
				(sealed.sealed, sealed.kfrag_id)
			};
			GrantProxy { hospital: hospital.clone(), encrypted_kfrag: bytes(encrypted), kfrag_id: Some(kfrag_id) }
		})
		.collect()
}

/// Waits until the chain lists `node`'s proxy (its account is `keyring`'s
/// and its key the one `ehr_status` reports) and returns it. A development
/// node whose proxy account is its hospital's own registers itself
/// (node-services' `proxy_registration`); this is how the tests see it do so.
pub fn own_proxy(
	chain: &crate::chain::Chain,
	node: &crate::Node,
	keyring: sp_keyring::Sr25519Keyring,
) -> (AccountId, PublicKey) {
	let status = node.rpc("ehr_status", jsonrpsee::rpc_params![]).expect("ehr_status answers");
	let key = status["proxyPublicKey"].as_str().expect("a development node has a proxy key").to_owned();
	let key_bytes = hex::decode(key.trim_start_matches("0x")).expect("hex");
	let account: AccountId = keyring.to_account_id();
	chain.wait(std::time::Duration::from_secs(90), "the node to register its own proxy", |c| {
		let proxies: Vec<(AccountId, ehr_primitives::ProxyInfo<AccountId>)> = c.call("EhrApi_proxies", ())?;
		Ok(proxies
			.iter()
			.any(|(hospital, proxy)| {
				*hospital == account && proxy.accounts.contains(&account) && proxy.public_key[..] == key_bytes[..]
			})
			.then_some(()))
	});
	(account, umbral_public(&key))
}

/// `person`'s proof, signed with their account key, that these Umbral keys
/// are theirs on `chain` (what registration needs).
pub fn ownership_proof(
	chain: &crate::chain::Chain,
	person: &sp_core::sr25519::Pair,
	public_key: &[u8],
	verifying_key: Option<&[u8]>,
) -> ehr_runtime::Signature {
	use sp_core::Pair;
	let statement = ehr_primitives::KeyOwnership {
		genesis_hash: chain.genesis(),
		account: AccountId::from(person.public()),
		public_key: public_key.to_vec(),
		verifying_key: verifying_key.map(<[u8]>::to_vec),
	};
	sp_runtime::MultiSignature::Sr25519(person.sign(&statement.signing_payload()))
}

/// `hospital` registers `patient` with the Umbral public key of `secret`
/// and the verifying key of `signer`, with the patient's own proof.
pub fn register_patient(
	chain: &crate::chain::Chain,
	hospital: &sp_core::sr25519::Pair,
	patient: &sp_core::sr25519::Pair,
	secret: &SecretKey,
	signer: &Signer,
) {
	use sp_core::Pair;
	let public_key = umbral_codec::encode(&secret.public_key()).expect("a public key encodes");
	let verifying_key = umbral_codec::encode(&signer.verifying_key()).expect("a verifying key encodes");
	let proof = ownership_proof(chain, patient, &public_key, Some(&verifying_key));
	chain
		.submit(
			hospital,
			ehr_runtime::EhrCall::register_patient {
				patient: patient.public().into(),
				public_key: bytes(public_key),
				verifying_key: bytes(verifying_key),
				proof,
			},
		)
		.expect("register_patient is accepted");
}

/// `hospital` registers `provider` (affiliated with it) with the Umbral
/// public key of `secret`, with the provider's own proof.
pub fn register_provider(
	chain: &crate::chain::Chain,
	hospital: &sp_core::sr25519::Pair,
	provider: &sp_core::sr25519::Pair,
	secret: &SecretKey,
) {
	use sp_core::Pair;
	let public_key = umbral_codec::encode(&secret.public_key()).expect("a public key encodes");
	let proof = ownership_proof(chain, provider, &public_key, None);
	chain
		.submit(
			hospital,
			ehr_runtime::EhrCall::register_provider {
				provider: provider.public().into(),
				public_key: bytes(public_key),
				affiliation: Some(hospital.public().into()),
				proof,
			},
		)
		.expect("register_provider is accepted");
}

/// Hospital `custodian` creates a record of `patient` (whose Umbral key is
/// `patient_key`) for a body already uploaded with hash `body_hash` and
/// `body_size` bytes, with a small envelope sealed to the patient; waits
/// (up to 90 s) until the record is on chain and returns its id.
pub fn create_record(
	chain: &crate::chain::Chain,
	custodian: &sp_core::sr25519::Pair,
	patient: &AccountId,
	patient_key: &PublicKey,
	body_hash: sp_core::H256,
	body_size: u64,
) -> ehr_primitives::RecordId {
	let (capsule, envelope) = encrypt(patient_key, b"envelope with the body key").expect("encrypts");
	chain
		.submit(
			custodian,
			ehr_runtime::EhrCall::create_record {
				patient: patient.clone(),
				capsule: bytes(umbral_codec::encode(&capsule).expect("a capsule encodes")),
				encrypted_metadata: bytes(envelope.to_vec()),
				body_hash,
				body_size,
			},
		)
		.expect("create_record is accepted");
	chain.wait(std::time::Duration::from_secs(90), "the record on chain", |c| {
		let found: Option<(ehr_primitives::RecordId, ehr_primitives::Record<AccountId, ehr_runtime::BlockNumber>)> =
			c.call("EhrApi_record_by_body_hash", (body_hash, Some(AccountId::from(sp_core::Pair::public(custodian)))))?;
		Ok(found.map(|(id, _)| id))
	})
}

/// `patient` grants `grantee` access to `scope` for treatment, without
/// expiry, readable once `threshold` of the sealed `proxies` re-encrypt;
/// waits (90 s at most) until the chain lists the grant and returns its id.
pub fn grant(
	chain: &crate::chain::Chain,
	patient: &sp_core::sr25519::Pair,
	grantee: AccountId,
	scope: ehr_primitives::Scope,
	threshold: u8,
	proxies: Vec<GrantProxy<AccountId>>,
) -> ehr_primitives::GrantId {
	use sp_core::Pair;
	type Grants = Vec<(ehr_primitives::GrantId, ehr_primitives::Grant<AccountId, ehr_runtime::BlockNumber>)>;
	let patient_id: AccountId = patient.public().into();
	let grants_of = |c: &crate::chain::Chain| -> Result<Grants, String> { c.grants_of_patient(&patient_id) };
	let before: Vec<_> = grants_of(chain).expect("the patient's grants").into_iter().map(|(id, _)| id).collect();
	chain
		.submit(
			patient,
			ehr_runtime::EhrCall::grant {
				grantee,
				scope,
				threshold,
				proxies: proxies.try_into().expect("at most the bound of proxies"),
				expires_at: None,
				purpose: ehr_primitives::Purpose::Treatment,
			},
		)
		.expect("the grant is accepted");
	chain.wait(std::time::Duration::from_secs(90), "the grant", |c| {
		Ok(grants_of(c)?.into_iter().map(|(id, _)| id).find(|id| !before.contains(id)))
	})
}
