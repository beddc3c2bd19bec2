//! Every error an `ehr_*` method answers with: a stable code and a sentence
//! that says what to do next.

use jsonrpsee::types::{error::ErrorObjectOwned, ErrorObject};

/// Every `ehr_*` error: a code and a sentence that says what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EhrRpcError {
	/// 1001: the body is larger than this node accepts.
	TooLarge(String),
	/// 1002: the chunk does not start where the upload stands.
	WrongOffset(u64),
	/// 1003: the uploaded bytes do not hash to the body hash.
	HashMismatch,
	/// 1004: this node holds no such body.
	BodyNotFound,
	/// 1005: a malformed upload (chunk past the announced size, range past the end).
	BadRange(String),
	/// 1006: the stored body no longer matches its hash and was quarantined.
	BodyCorrupt,
	/// 1010: the signed timestamp is too far from the node's clock.
	StaleSignature,
	/// 1011: this exact signed read was already served.
	ReplayedSignature,
	/// 1012: the signature does not verify for the signer.
	BadSignature,
	/// 1013: name exactly one of `request` or `record`.
	BadTarget,
	/// 1014: no such request or record.
	UnknownTarget,
	/// 1015: the signer may not read this body.
	NotAuthorized(String),
	/// 1016: the request is not ready yet.
	NotReady,
	/// 1017: this node's hospital does not hold this record.
	NotCustodian,
	/// 1018: this node has no proxy account registered to a hospital.
	NotConfigured,
	/// 1019: the signer (or the node) has too many reads in progress.
	TooManyReads,
	/// 1007: an HTTP body request without a valid signed read, or whose
	/// `Range` is not the one the read signs.
	BadRequest(String),
	/// 1008: an HTTP upload (`PUT`) where this node takes none.
	UploadsNotAllowed,
	/// 1020: this node has no proxy account (no `ehrp` key in its keystore).
	NoProxyAccount,
	/// 1099: an internal error (storage or chain state unavailable).
	Internal(String),
}

impl EhrRpcError {
	/// The error's code and sentence.
	pub fn code_and_message(&self) -> (i32, String) {
		match self {
			EhrRpcError::TooLarge(m) => (1001, m.clone()),
			EhrRpcError::WrongOffset(at) => (1002, format!("the upload stands at byte {at}: resend from that offset")),
			EhrRpcError::HashMismatch => {
				(1003, "the uploaded bytes do not hash to the body hash; the upload was discarded, start again".into())
			},
			EhrRpcError::BodyNotFound => {
				(1004, "this node holds no body with that hash; the custodian must upload it".into())
			},
			EhrRpcError::BadRange(m) => (1005, m.clone()),
			EhrRpcError::BodyCorrupt => (
				1006,
				"the stored body no longer matches its hash; this node quarantined it and its operator must \
				 restore it from the hospital's records"
					.into(),
			),
			EhrRpcError::StaleSignature => {
				(1010, "the signed timestamp is more than 60 s from the node's clock: sign the read again now".into())
			},
			EhrRpcError::ReplayedSignature => (1011, "this signed read was already used: sign a new one".into()),
			EhrRpcError::BadSignature => {
				(1012, "the signature does not verify for the signer account (sr25519 over the read message)".into())
			},
			EhrRpcError::BadTarget => {
				(1013, "name exactly one of `request` (as grantee) or `record` (as patient)".into())
			},
			EhrRpcError::UnknownTarget => (1014, "no such request or record on chain".into()),
			EhrRpcError::NotAuthorized(m) => (1015, m.clone()),
			EhrRpcError::NotReady => {
				(1016, "the request is not ready: wait until enough proxies delivered cfrags".into())
			},
			EhrRpcError::NotCustodian => {
				(1017, "this hospital's node does not hold this record: ask its custodian's node".into())
			},
			EhrRpcError::NotConfigured => {
				(1018, "this node has no proxy account registered to a hospital: register its proxy first".into())
			},
			EhrRpcError::TooManyReads => {
				(1019, "too many reads in progress: wait for the ones under way, then retry".into())
			},
			EhrRpcError::BadRequest(m) => (1007, m.clone()),
			EhrRpcError::UploadsNotAllowed => (
				1008,
				"this node takes uploads only from the hospital's own systems (unsafe RPC: `--rpc-methods unsafe`, \
				 or `auto` on a local interface); upload through the hospital's node"
					.into(),
			),
			EhrRpcError::NoProxyAccount => (
				1020,
				"this node has no proxy account: insert an `ehrp` key into its keystore (`ehr-node key insert`), \
				 restart it, then ask again"
					.into(),
			),
			EhrRpcError::Internal(m) => (1099, format!("internal error: {m}")),
		}
	}

	/// The HTTP status of the error on the node's HTTP body server.
	pub fn http_status(&self) -> u16 {
		match self {
			EhrRpcError::TooLarge(_) => 413,
			EhrRpcError::WrongOffset(_) => 409,
			EhrRpcError::HashMismatch | EhrRpcError::BadTarget | EhrRpcError::BadRequest(_) => 400,
			EhrRpcError::BodyNotFound | EhrRpcError::UnknownTarget => 404,
			EhrRpcError::BadRange(_) => 416,
			EhrRpcError::StaleSignature | EhrRpcError::ReplayedSignature | EhrRpcError::BadSignature => 401,
			EhrRpcError::NotAuthorized(_) | EhrRpcError::NotCustodian | EhrRpcError::UploadsNotAllowed => 403,
			EhrRpcError::NotReady => 409,
			EhrRpcError::TooManyReads => 429,
			EhrRpcError::NotConfigured | EhrRpcError::NoProxyAccount => 503,
			EhrRpcError::BodyCorrupt | EhrRpcError::Internal(_) => 500,
		}
	}

	/// The error's code.
	pub fn code(&self) -> i32 {
		self.code_and_message().0
	}

	/// A short name for metrics.
	pub fn kind(&self) -> &'static str {
		match self {
			EhrRpcError::TooLarge(_) => "too_large",
			EhrRpcError::WrongOffset(_) => "wrong_offset",
			EhrRpcError::HashMismatch => "hash_mismatch",
			EhrRpcError::BodyNotFound => "body_not_found",
			EhrRpcError::BadRange(_) => "bad_range",
			EhrRpcError::BodyCorrupt => "body_corrupt",
			EhrRpcError::StaleSignature => "stale_signature",
			EhrRpcError::ReplayedSignature => "replayed_signature",
			EhrRpcError::BadSignature => "bad_signature",
			EhrRpcError::BadTarget => "bad_target",
			EhrRpcError::UnknownTarget => "unknown_target",
			EhrRpcError::NotAuthorized(_) => "not_authorized",
			EhrRpcError::NotReady => "not_ready",
			EhrRpcError::NotCustodian => "not_custodian",
			EhrRpcError::NotConfigured => "not_configured",
			EhrRpcError::TooManyReads => "too_many_reads",
			EhrRpcError::BadRequest(_) => "bad_request",
			EhrRpcError::UploadsNotAllowed => "uploads_not_allowed",
			EhrRpcError::NoProxyAccount => "no_proxy_account",
			EhrRpcError::Internal(_) => "internal",
		}
	}

	/// One error of each kind, for documentation checks.
	pub fn examples() -> [EhrRpcError; 20] {
		[
			EhrRpcError::TooLarge(String::new()),
			EhrRpcError::WrongOffset(0),
			EhrRpcError::HashMismatch,
			EhrRpcError::BodyNotFound,
			EhrRpcError::BadRange(String::new()),
			EhrRpcError::BodyCorrupt,
			EhrRpcError::StaleSignature,
			EhrRpcError::ReplayedSignature,
			EhrRpcError::BadSignature,
			EhrRpcError::BadTarget,
			EhrRpcError::UnknownTarget,
			EhrRpcError::NotAuthorized(String::new()),
			EhrRpcError::NotReady,
			EhrRpcError::NotCustodian,
			EhrRpcError::NotConfigured,
			EhrRpcError::TooManyReads,
			EhrRpcError::BadRequest(String::new()),
			EhrRpcError::UploadsNotAllowed,
			EhrRpcError::NoProxyAccount,
			EhrRpcError::Internal(String::new()),
		]
	}
}

impl From<EhrRpcError> for ErrorObjectOwned {
	fn from(error: EhrRpcError) -> Self {
		let (code, message) = error.code_and_message();
		ErrorObject::owned(code, message, None::<()>)
	}
}
