//! Paged listings (audit finding 15): every page looks at a bounded number
//! of ids, every entry is seen once across the pages, and a page whose
//! entries no longer qualify still leads on to the next.

use crate::{mock::*, types::*};
use frame_support::assert_ok;

/// Collects every page of a listing, returning the ids and the page count.
fn all_pages<Item>(page: impl Fn(Option<u64>) -> IdPage<u64, Item>) -> (Vec<u64>, usize) {
	let (mut ids, mut pages, mut after) = (Vec::new(), 0, None);
	loop {
		let IdPage { items, next_after } = page(after);
		pages += 1;
		ids.extend(items.into_iter().map(|(id, _)| id));
		match next_after {
			Some(id) => after = Some(id),
			None => break,
		}
	}
	ids.sort_unstable();
	(ids, pages)
}

#[test]
fn grants_are_listed_page_by_page_each_once() {
	build_and_execute(|| {
		let world = World::setup();
		let mut grants: Vec<GrantId> =
			(0..5).map(|_| world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None)).collect();
		grants.sort_unstable();
		for limit in [1, 2, 5, 6, u32::MAX] {
			let (ids, pages) = all_pages(|after| Ehr::grants_of_patient(&PATIENT, after, limit));
			assert_eq!(ids, grants, "limit {limit}");
			let per_page = limit.min(MAX_PAGE_SIZE) as usize;
			assert_eq!(pages, grants.len().div_ceil(per_page).max(1), "limit {limit}");
			assert_eq!(all_pages(|after| Ehr::grants_to_grantee(&CLINICIAN, after, limit)).0, grants);
		}
		// A limit of zero asks for nothing and gets nothing.
		assert_eq!(Ehr::grants_of_patient(&PATIENT, None, 0), IdPage { items: vec![], next_after: None });
		assert_eq!(Ehr::grants_of_patient(&OTHER_PATIENT, None, 10), IdPage { items: vec![], next_after: None });
	});
}

#[test]
fn a_proxys_open_requests_are_paged_and_a_page_of_revoked_ones_leads_on() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"queued");
		let grants: Vec<GrantId> =
			(0..3).map(|_| world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None)).collect();
		let mut requests = Vec::new();
		for grant in &grants {
			requests.push(crate::NextRequestId::<Test>::get());
			assert_ok!(Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), *grant, record));
			run_to_block(System::block_number() + 1);
		}
		let (ids, pages) = all_pages(|after| Ehr::open_requests_for(&HOSPITAL_A, after, 1));
		assert_eq!((ids, pages), (requests.clone(), 3));
		// Revoking the middle grant takes its request out of the queue, but
		// the pages still lead past it.
		assert_ok!(Ehr::revoke(RuntimeOrigin::signed(PATIENT), grants[1]));
		let (ids, pages) = all_pages(|after| Ehr::open_requests_for(&HOSPITAL_A, after, 1));
		assert_eq!(ids, vec![requests[0], requests[2]]);
		assert_eq!(pages, 3, "the revoked request's page is empty but not the last");
		assert!(Ehr::open_requests_for(&HOSPITAL_B, None, 10).items.is_empty());
	});
}
