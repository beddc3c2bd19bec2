//! Hosts with addresses of their own, for fault tests that cut the network
//! between hospitals: each host is a Linux network namespace that the test
//! creates, joined to the others by a bridge in the test's own namespace, and
//! removed when the [`Lab`] is dropped. Traffic stays on the bridge; the
//! addresses are from 198.18.0.0/15, the range set aside for network tests
//! (RFC 2544), so none is anyone's real host.
//!
//! Needs root (or CAP_NET_ADMIN) and `ip` from iproute2, as CI and
//! developers have them here.

use std::{
	process::Command,
	sync::atomic::{AtomicU32, Ordering},
};

/// One host of a [`Lab`]: its namespace and address.
pub struct LabHost {
	/// The network namespace (`ip netns exec <netns> …`).
	pub netns: String,
	/// Its IPv4 address on the lab's bridge.
	pub ip: String,
	/// The bridge side of its link, in the test's namespace: down is a
	/// partition, up heals it.
	link: String,
}

/// A few hosts on one bridge; partitions cut a host's link.
pub struct Lab {
	bridge: String,
	hosts: Vec<LabHost>,
}

/// Runs `ip` with `args`; panics with its output if it fails.
fn ip(args: &[&str]) {
	let output = Command::new("ip")
		.args(args)
		.output()
		.unwrap_or_else(|e| panic!("cannot run `ip` (iproute2) for the network-namespace test: {e}"));
	assert!(
		output.status.success(),
		"`ip {}` failed ({}): {}; network-namespace tests need root and iproute2",
		args.join(" "),
		output.status,
		String::from_utf8_lossy(&output.stderr).trim()
	);
}

impl Lab {
	/// Creates `count` hosts (at most 200) on a new bridge, each with its
	/// loopback up and one address. The names include this process's id and
	/// a counter, so concurrent tests each get their own lab.
	pub fn new(count: usize) -> Lab {
		static LABS: AtomicU32 = AtomicU32::new(0);
		assert!(count <= 200, "a lab has at most 200 hosts");
		let serial = LABS.fetch_add(1, Ordering::Relaxed);
		let id = format!("{:x}", ((std::process::id() & 0xfff) << 4) | (serial & 0xf));
		// A /24 per lab, from the pid and serial: 198.18.0.0 to 198.19.255.0.
		let subnet = ((std::process::id() as usize * 16 + serial as usize) % 512) as u32;
		let prefix = format!("198.{}.{}", 18 + subnet / 256, subnet % 256);
		let bridge = format!("ehrb{id}");
		let mut lab = Lab { bridge: bridge.clone(), hosts: Vec::new() };
		ip(&["link", "add", &bridge, "type", "bridge"]);
		ip(&["addr", "add", &format!("{prefix}.254/24"), "dev", &bridge]);
		ip(&["link", "set", &bridge, "up"]);
		for i in 0..count {
			let netns = format!("ehr-{id}-{i}");
			let link = format!("ehr{id}v{i}");
			let inner = format!("ehr{id}i{i}");
			let address = format!("{prefix}.{}", i + 1);
			ip(&["netns", "add", &netns]);
			// Pushed before the rest, so that Drop removes what exists even if a step fails.
			lab.hosts.push(LabHost { netns: netns.clone(), ip: address.clone(), link: link.clone() });
			ip(&["link", "add", &link, "type", "veth", "peer", "name", &inner]);
			ip(&["link", "set", &inner, "netns", &netns]);
			ip(&["link", "set", &link, "master", &bridge]);
			ip(&["link", "set", &link, "up"]);
			ip(&["-n", &netns, "link", "set", "lo", "up"]);
			ip(&["-n", &netns, "addr", "add", &format!("{address}/24"), "dev", &inner]);
			ip(&["-n", &netns, "link", "set", &inner, "up"]);
		}
		lab
	}

	/// Host `i`.
	pub fn host(&self, i: usize) -> &LabHost {
		&self.hosts[i]
	}

	/// Cuts host `i` off from every other host (and from the test).
	pub fn partition(&self, i: usize) {
		ip(&["link", "set", &self.hosts[i].link, "down"]);
	}

	/// Joins host `i` to the others again.
	pub fn heal(&self, i: usize) {
		ip(&["link", "set", &self.hosts[i].link, "up"]);
	}
}

impl Drop for Lab {
	/// Removes every namespace (their links go with them) and the bridge;
	/// failures are reported, not raised, so a failing test still cleans up.
	fn drop(&mut self) {
		for host in &self.hosts {
			if let Err(e) = Command::new("ip").args(["netns", "del", &host.netns]).status() {
				eprintln!("cannot remove network namespace {}: {e}", host.netns);
			}
		}
		if let Err(e) = Command::new("ip").args(["link", "del", &self.bridge]).status() {
			eprintln!("cannot remove bridge {}: {e}", self.bridge);
		}
	}
}
