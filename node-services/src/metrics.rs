//! Prometheus metrics of the node's EHR services, served next to
//! Substrate's own on `--prometheus-port`.

use substrate_prometheus_endpoint::{
	register, CounterVec, Gauge, Histogram, HistogramOpts, Opts, PrometheusError, Registry, U64,
};

/// The EHR services' metrics. Without a registry (`--no-prometheus`) they
/// are still counted, for `ehr_status`.
#[derive(Clone)]
pub struct EhrMetrics {
	/// Cfrags the proxy worker submitted and that failed, by outcome.
	pub cfrags: CounterVec<U64>,
	/// Time to decrypt a kfrag, verify it and re-encrypt a capsule.
	pub reencryption_seconds: Histogram,
	/// Open requests naming this node's hospital, at the best block.
	pub open_requests: Gauge<U64>,
	/// Bodies in the blob store.
	pub blob_count: Gauge<U64>,
	/// Bytes in the blob store.
	pub blob_bytes: Gauge<U64>,
	/// Bodies moved to quarantine (content no longer matched the hash).
	pub blobs_quarantined: Gauge<U64>,
	/// `ehr_*` RPC errors, by kind.
	pub rpc_errors: CounterVec<U64>,
}

impl EhrMetrics {
	/// Creates the metrics and registers them in `registry` if there is one.
	pub fn new(registry: Option<&Registry>) -> Result<Self, PrometheusError> {
		let metrics = EhrMetrics {
			cfrags: CounterVec::new(
				Opts::new("ehr_proxy_cfrags_total", "Cfrags of this proxy, by outcome (submitted, failed)"),
				&["outcome"],
			)?,
			reencryption_seconds: Histogram::with_opts(
				HistogramOpts::new(
					"ehr_proxy_reencryption_seconds",
					"Kfrag decryption, verification and re-encryption time",
				)
				.buckets(vec![0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1]),
			)?,
			open_requests: Gauge::new("ehr_proxy_open_requests", "Open requests naming this hospital's proxy")?,
			blob_count: Gauge::new("ehr_blob_store_count", "Bodies in the blob store")?,
			blob_bytes: Gauge::new("ehr_blob_store_bytes", "Bytes in the blob store")?,
			blobs_quarantined: Gauge::new(
				"ehr_blobs_quarantined",
				"Bodies moved to quarantine because their content no longer matched their hash",
			)?,
			rpc_errors: CounterVec::new(Opts::new("ehr_rpc_errors_total", "ehr_* RPC errors by kind"), &["kind"])?,
		};
		if let Some(registry) = registry {
			register(metrics.cfrags.clone(), registry)?;
			register(metrics.reencryption_seconds.clone(), registry)?;
			register(metrics.open_requests.clone(), registry)?;
			register(metrics.blob_count.clone(), registry)?;
			register(metrics.blob_bytes.clone(), registry)?;
			register(metrics.blobs_quarantined.clone(), registry)?;
			register(metrics.rpc_errors.clone(), registry)?;
		}
		Ok(metrics)
	}

	/// Cfrags submitted so far.
	pub fn cfrags_submitted(&self) -> u64 {
		self.cfrags.with_label_values(&["submitted"]).get()
	}

	/// Cfrags that failed so far.
	pub fn cfrags_failed(&self) -> u64 {
		self.cfrags.with_label_values(&["failed"]).get()
	}
}
