//! Hospitals joining and leaving the consortium (the `ChangeMembers` hook).

use crate::mock::*;

#[test]
fn hospitals_voted_in_and_out_keep_their_account_and_nonce() {
	use frame_support::traits::ChangeMembers;
	build_and_execute(|| {
		<Ehr as ChangeMembers<u64>>::change_members_sorted(&[50], &[], &[50]);
		assert_eq!(frame_system::Pallet::<Test>::providers(&50), 1);
		frame_system::Pallet::<Test>::inc_account_nonce(50);
		<Ehr as ChangeMembers<u64>>::change_members_sorted(&[], &[50], &[]);
		// The account is never reaped, so its nonce never resets and its old
		// transactions cannot be replayed.
		assert_eq!(frame_system::Pallet::<Test>::providers(&50), 1);
		assert_eq!(frame_system::Pallet::<Test>::account_nonce(50), 1);
		<Ehr as ChangeMembers<u64>>::change_members_sorted(&[50], &[], &[50]);
		assert_eq!(frame_system::Pallet::<Test>::providers(&50), 1);
	});
}
