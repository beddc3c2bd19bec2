//! Builds and signs ehr-chain transactions, and submits the node's own
//! (cfrags, fetch confirmations) signed with its proxy account.
//!
//! The node's own transactions are mortal: each is valid for
//! [`TX_MORTALITY_PERIOD`] blocks from the finalized block it was signed at.

use codec::Encode;
use ehr_runtime::{
	opaque::Block, AccountId, Address, BlockNumber, Hash, Nonce, Runtime, RuntimeCall, Signature, SignedPayload,
	TxExtension, UncheckedExtrinsic,
};
use frame_system_rpc_runtime_api::AccountNonceApi;
use futures::future::BoxFuture;
use futures::StreamExt;
use parking_lot::Mutex;
use sc_transaction_pool_api::{TransactionPool, TransactionSource, TransactionStatus};
use sp_api::{Core, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_core::{crypto::KeyTypeId, sr25519};
use sp_keystore::KeystorePtr;
use sp_runtime::generic::Era;
use std::sync::Arc;

/// The keystore key type of a hospital node's proxy account (`ehrp`):
/// `ehr-node key insert --key-type ehrp --scheme sr25519 --suri ...`.
pub const PROXY_ACCOUNT_KEY_TYPE: KeyTypeId = KeyTypeId(*b"ehrp");

/// How many blocks a transaction the node signs stays valid, from the
/// block it is anchored to (its era's birth block, [`anchor_number`]): the
/// chain's [`ehr_primitives::TX_MORTALITY_BLOCKS`], shared with the `ehr`
/// client.
pub const TX_MORTALITY_PERIOD: BlockNumber = ehr_primitives::TX_MORTALITY_BLOCKS;

/// Finality lag, in blocks, from which the node no longer anchors its
/// transactions to the finalized block: half a transaction's lifetime, so
/// that a transaction signed then is still valid for as long again.
pub const STALL_LAG: BlockNumber = TX_MORTALITY_PERIOD / 2;

/// During a finality stall, how far below the best block the node anchors
/// its transactions: deep enough that a fork of the last few blocks does
/// not retract the anchor.
pub const STALL_ANCHOR_DEPTH: BlockNumber = 4;

/// The number of the block a transaction signed now is anchored to (the
/// birth block of its era), given the best and the finalized block
/// numbers: the finalized block, an ancestor of every block the pool may
/// validate the transaction at; but once finality lags the best block by
/// [`STALL_LAG`] or more (two of four hospitals down, say), the best
/// chain's block [`STALL_ANCHOR_DEPTH`] below the best, since a
/// transaction anchored to a finalized block [`TX_MORTALITY_PERIOD`]
/// blocks back is no longer valid anywhere (../shared/AUDIT.md finding 9).
pub fn anchor_number(best: BlockNumber, finalized: BlockNumber) -> BlockNumber {
	if best.saturating_sub(finalized) < STALL_LAG {
		finalized
	} else {
		best.saturating_sub(STALL_ANCHOR_DEPTH).max(finalized)
	}
}

/// How long a submission waits for the transaction pool to catch up with
/// the best block (see [`Submitter::submit`]); it goes ahead after that.
const POOL_VIEW_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// How often an audit entry's transaction is submitted again when it is
/// dropped before a block took it ([`Submitter::submit_until_included`]).
pub const RESUBMISSIONS: u32 = 3;

/// What a signature commits to besides the call: the chain and runtime.
#[derive(Clone, Copy, Debug)]
pub struct ChainContext {
	/// The genesis hash (also the era's birth block of immortal transactions).
	pub genesis: Hash,
	/// The runtime's spec version.
	pub spec_version: u32,
	/// The runtime's transaction version.
	pub transaction_version: u32,
}

/// The birth block of a mortal transaction's era: the finalized block when it
/// is signed. `CheckEra` commits to its hash.
#[derive(Clone, Copy, Debug)]
pub struct EraCheckpoint {
	/// The block's number.
	pub number: BlockNumber,
	/// The block's hash.
	pub hash: Hash,
}

impl EraCheckpoint {
	/// The era of a transaction signed at this block: [`TX_MORTALITY_PERIOD`]
	/// blocks starting at it.
	pub fn era(&self) -> Era {
		Era::mortal(u64::from(TX_MORTALITY_PERIOD), u64::from(self.number))
	}
}

/// The transaction extensions of ehr-runtime for a transaction with `nonce`
/// and `era`.
pub fn tx_extension(nonce: Nonce, era: Era) -> TxExtension {
	(
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(era),
		pallet_consortium::CheckRegistered::<Runtime>::new(),
		pallet_consortium::CheckNonceWithinAllowance::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

/// Builds `call` as an immortal transaction of `account` with `nonce`,
/// signed by `sign` (given the signing payload). `None` if the signer
/// refused. For signers that know no recent block (tests, tools); the node
/// signs its own with [`signed_mortal_extrinsic`].
pub fn signed_extrinsic(
	chain: &ChainContext,
	call: RuntimeCall,
	account: AccountId,
	nonce: Nonce,
	sign: impl FnOnce(&[u8]) -> Option<Signature>,
) -> Option<UncheckedExtrinsic> {
	sign_with_era(chain, Era::Immortal, chain.genesis, call, account, nonce, sign)
}

/// Builds `call` as a transaction of `account` with `nonce` that is valid
/// for [`TX_MORTALITY_PERIOD`] blocks from `checkpoint`, signed by `sign`
/// (given the signing payload). `None` if the signer refused.
pub fn signed_mortal_extrinsic(
	chain: &ChainContext,
	checkpoint: &EraCheckpoint,
	call: RuntimeCall,
	account: AccountId,
	nonce: Nonce,
	sign: impl FnOnce(&[u8]) -> Option<Signature>,
) -> Option<UncheckedExtrinsic> {
	sign_with_era(chain, checkpoint.era(), checkpoint.hash, call, account, nonce, sign)
}

/// Signs `call` with `era`, whose birth block has hash `birth_hash` (what
/// `CheckEra` adds to the signed payload).
fn sign_with_era(
	chain: &ChainContext,
	era: Era,
	birth_hash: Hash,
	call: RuntimeCall,
	account: AccountId,
	nonce: Nonce,
	sign: impl FnOnce(&[u8]) -> Option<Signature>,
) -> Option<UncheckedExtrinsic> {
	let extension = tx_extension(nonce, era);
	let implicit = ((), chain.spec_version, chain.transaction_version, chain.genesis, birth_hash, (), (), (), None, ());
	let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload.using_encoded(sign)?;
	Some(UncheckedExtrinsic::new_signed(call, Address::Id(account), signature, extension))
}

/// Signs and submits the node's own transactions with its proxy account
/// key from the keystore, keeping its nonces in order. The transactions
/// are mortal ([`TX_MORTALITY_PERIOD`]) from their anchor
/// ([`anchor_number`]), so they stay valid through a finality stall.
///
/// Each transaction is watched in the pool: when one is dropped,
/// invalidated, usurped or times out before finality, the submitter forgets
/// the nonces it handed out and takes the chain's count again for the next
/// transaction, which fills the gap. A lost cfrag or confirmation therefore
/// never holds the node's later transactions back.
pub struct Submitter<C, P> {
	client: Arc<C>,
	pool: Arc<P>,
	keystore: KeystorePtr,
	account: sr25519::Public,
	/// The next nonce to use, and the block number the last transaction
	/// was anchored to.
	next_nonce: Arc<Mutex<Option<(Nonce, BlockNumber)>>>,
}

impl<C, P> Clone for Submitter<C, P> {
	fn clone(&self) -> Self {
		Submitter {
			client: self.client.clone(),
			pool: self.pool.clone(),
			keystore: self.keystore.clone(),
			account: self.account,
			next_nonce: self.next_nonce.clone(),
		}
	}
}

impl<C, P> Submitter<C, P>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: Core<Block> + AccountNonceApi<Block, AccountId, Nonce>,
	P: TransactionPool<Block = Block> + 'static,
{
	/// A submitter for the proxy account `account`, whose key is in `keystore`.
	pub fn new(client: Arc<C>, pool: Arc<P>, keystore: KeystorePtr, account: sr25519::Public) -> Self {
		Submitter { client, pool, keystore, account, next_nonce: Arc::new(Mutex::new(None)) }
	}

	/// The node's proxy account.
	pub fn account(&self) -> AccountId {
		self.account.into()
	}

	/// Signs `call`, mortal from its anchor ([`anchor_number`]: the finalized
	/// block unless finality stalls), puts it in the transaction pool and
	/// watches it there (see [`Submitter`]).
	pub async fn submit(&self, call: RuntimeCall) -> Result<(), String> {
		self.submit_with_resubmissions(call, 0).await
	}

	/// [`Submitter::submit`], and when the transaction leaves the pool
	/// before a block took it (dropped, usurped), signs and submits the call
	/// again, at most [`RESUBMISSIONS`] times: for audit entries, which must
	/// reach the chain once the read they log was served. A transaction the
	/// chain refuses (invalid) is not submitted again.
	pub async fn submit_until_included(&self, call: RuntimeCall) -> Result<(), String> {
		self.submit_with_resubmissions(call, RESUBMISSIONS).await
	}

	/// Submits `call` again, in a task of its own, with `left` more tries.
	fn resubmit(self, call: RuntimeCall, left: u32) -> futures::future::BoxFuture<'static, ()> {
		Box::pin(async move {
			if let Err(error) = self.submit_with_resubmissions(call, left).await {
				log::warn!(target: "ehr-tx", "resubmitting a dropped transaction failed: {error}");
			}
		})
	}

	async fn submit_with_resubmissions(&self, call: RuntimeCall, resubmissions: u32) -> Result<(), String> {
		// Wait (briefly) until the pool has its view of the best block. The
		// pool announces a transaction to the network (gossip) once, as it
		// becomes ready in a view, and the network then looks it up in the
		// most recent view only. A transaction submitted while the pool
		// still builds the view of a block just imported misses that lookup
		// and waits for the network's periodic round, 2.9 s, a whole slot
		// (docs/benchmarks.md, "Request to plaintext").
		let best = self.client.info().best_hash;
		let _ = tokio::time::timeout(POOL_VIEW_WAIT, self.pool.ready_at(best)).await;
		let info = self.client.info();
		let api = self.client.runtime_api();
		let version = api.version(info.best_hash).map_err(|e| format!("cannot read the runtime version: {e}"))?;
		let chain_nonce = api
			.account_nonce(info.best_hash, self.account())
			.map_err(|e| format!("cannot read the proxy account's nonce: {e}"))?;
		let anchor = anchor_number(info.best_number, info.finalized_number);
		let checkpoint = if anchor == info.finalized_number {
			EraCheckpoint { number: anchor, hash: info.finalized_hash }
		} else {
			let hash = self
				.client
				.hash(anchor)
				.map_err(|e| format!("cannot read block {anchor}: {e}"))?
				.ok_or_else(|| format!("block {anchor} of the best chain is not known"))?;
			log::debug!(target: "ehr-tx", "finality lags: anchoring the transaction to best-chain block {anchor}");
			EraCheckpoint { number: anchor, hash }
		};
		let nonce = {
			let mut next = self.next_nonce.lock();
			let nonce = match *next {
				// Nonces handed out since the chain's count may still be in
				// the pool, unless the last of them has expired by now
				// (then the chain's count is the next nonce again).
				Some((local, signed_at)) if info.best_number < signed_at.saturating_add(TX_MORTALITY_PERIOD) => {
					local.max(chain_nonce)
				},
				_ => chain_nonce,
			};
			*next = Some((nonce.saturating_add(1), anchor));
			nonce
		};
		let chain = ChainContext {
			genesis: info.genesis_hash,
			spec_version: version.spec_version,
			transaction_version: version.transaction_version,
		};
		// The finalized block while finality keeps up: it is an ancestor of
		// every block the pool may validate the transaction at, so the era's
		// birth block is always known there (a best block on a fork that
		// loses is not, and the pool would refuse or later drop the
		// transaction with `AncientBirthBlock`). During a stall, a recent
		// block of the best chain ([`anchor_number`]).
		let keystore = self.keystore.clone();
		let public = self.account;
		let mut again = (resubmissions > 0).then(|| (self.clone(), call.clone(), resubmissions.saturating_sub(1)));
		let extrinsic = signed_mortal_extrinsic(&chain, &checkpoint, call, self.account(), nonce, |payload| {
			keystore.sr25519_sign(PROXY_ACCOUNT_KEY_TYPE, &public, payload).ok().flatten().map(Signature::from)
		})
		.ok_or("the keystore holds no key for the proxy account")?;
		let opaque: sp_runtime::OpaqueExtrinsic = extrinsic.into();
		match self.pool.submit_and_watch(info.best_hash, TransactionSource::Local, opaque).await {
			Ok(mut statuses) => {
				let next_nonce = self.next_nonce.clone();
				tokio::spawn(async move {
					while let Some(status) = statuses.next().await {
						match status {
							TransactionStatus::Finalized(_) => return,
							TransactionStatus::Dropped
							| TransactionStatus::Invalid
							| TransactionStatus::Usurped(_)
							| TransactionStatus::FinalityTimeout(_) => {
								log::info!(
									target: "ehr-tx",
									"transaction with nonce {nonce} left the pool ({status:?}): taking the chain's nonce again"
								);
								*next_nonce.lock() = None;
								let lost = matches!(status, TransactionStatus::Dropped | TransactionStatus::Usurped(_));
								if let (true, Some((submitter, call, left))) = (lost, again) {
									tokio::spawn(submitter.resubmit(call, left));
								}
								return;
							},
							// In a block: resubmitting could only log twice.
							TransactionStatus::InBlock(_) => again = None,
							_ => {},
						}
					}
				});
				Ok(())
			},
			Err(error) => {
				// Start again from the chain's nonce next time.
				*self.next_nonce.lock() = None;
				Err(format!("the transaction pool refused the transaction: {error}"))
			},
		}
	}
}

/// Signs and submits the node's own transactions (cfrags, fetch
/// confirmations). The proxy worker and the RPC server take this trait, not
/// the transaction pool, so that they can be tested without one.
pub trait SubmitCall: Send + Sync {
	/// The account the transactions are signed with (the node's proxy account).
	fn account(&self) -> AccountId;

	/// Signs `call` and puts it in the transaction pool; an error says why not.
	fn submit(&self, call: RuntimeCall) -> BoxFuture<'_, Result<(), String>>;

	/// [`SubmitCall::submit`], and puts the call in the pool again if its
	/// transaction is dropped before a block takes it (audit entries).
	fn submit_until_included(&self, call: RuntimeCall) -> BoxFuture<'_, Result<(), String>> {
		self.submit(call)
	}

	/// Signs `statement` (a signed statement of this chain, such as a
	/// [`ehr_primitives::ProxyAccountConsent`] payload) with the account's
	/// key: the raw 64-byte sr25519 signature, or why not.
	fn sign_statement(&self, statement: &[u8]) -> Result<[u8; 64], String> {
		let _ = statement;
		Err("this submitter holds no key to sign statements with".into())
	}
}

impl<C, P> SubmitCall for Submitter<C, P>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: Core<Block> + AccountNonceApi<Block, AccountId, Nonce>,
	P: TransactionPool<Block = Block> + 'static,
{
	fn account(&self) -> AccountId {
		Submitter::account(self)
	}

	fn submit(&self, call: RuntimeCall) -> BoxFuture<'_, Result<(), String>> {
		Box::pin(Submitter::submit(self, call))
	}

	fn submit_until_included(&self, call: RuntimeCall) -> BoxFuture<'_, Result<(), String>> {
		Box::pin(Submitter::submit_until_included(self, call))
	}

	fn sign_statement(&self, statement: &[u8]) -> Result<[u8; 64], String> {
		match self.keystore.sr25519_sign(PROXY_ACCOUNT_KEY_TYPE, &self.account, statement) {
			Ok(Some(signature)) => Ok(signature.0),
			Ok(None) => Err("the proxy account's key is no longer in the keystore".into()),
			Err(error) => Err(format!("the keystore cannot sign: {error}")),
		}
	}
}

/// The node's proxy account: the first `ehrp` key in the keystore. On a
/// development node (`--alice` and the like) the key is created from the
/// development seed when missing.
pub fn proxy_account(keystore: &KeystorePtr, dev_seed: Option<&str>) -> Option<sr25519::Public> {
	if let Some(public) = keystore.sr25519_public_keys(PROXY_ACCOUNT_KEY_TYPE).first() {
		return Some(*public);
	}
	let seed = dev_seed?;
	keystore.sr25519_generate_new(PROXY_ACCOUNT_KEY_TYPE, Some(seed)).ok()
}
