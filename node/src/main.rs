//! ehr-node: the node a hospital runs in the ehr-chain consortium.

fn main() -> sc_cli::Result<()> {
	ehr_node::command::run()
}
