//! Nationality cases, on SQLite and on PostgreSQL: numbering per province, conditional moves with their history,
//! evidence, inquiries answered once, decisions with their SMS, and the approval that registers the person and
//! links the case in one transaction (a taken national code changes nothing).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Utc;
use domain::nationality::{
    allocation, Decision, EvidenceKind, Ground, InquiryKind, InquiryOutcome,
};
use domain::{CaseState, Gender, JalaliDate, Mobile, NationalCode, Person, ProvinceCode, Religion};
use store::nationality::*;
use store_suite::fixtures::office;
use store_suite::TestStore;

fn by(who: &str) -> Actor {
    Actor {
        actor: who.into(),
        at: Utc::now(),
    }
}

fn new_case(conflicts: Vec<(i64, f64)>) -> NewCase {
    NewCase {
        province: ProvinceCode::parse("23").unwrap(),
        office: domain::OfficeId::parse("23-0001").unwrap(),
        applicant: Applicant {
            first_name: "گل‌بانو".into(),
            last_name: "بلوچ".into(),
            father_name: Some("داد".into()),
            mother_name: None,
            gender: Gender::Female,
            birth_place: "سراوان".into(),
            birth_year: 1380,
            religion: "islam".into(),
            address: "سراوان، کوچهٔ ۳".into(),
            mobile: Some(Mobile::parse("09151234567").unwrap()),
        },
        photo_key: "nationality/x/card.jpg".into(),
        templates_key: "nationality/x/templates.bin".into(),
        conflicts,
        opened: by("operator:op1"),
    }
}

fn mv(from: CaseState, to: CaseState) -> Move {
    Move {
        from,
        to,
        by: by("operator:op1"),
        reason: Some("test".into()),
    }
}

fn decision(d: Decision, ground: Ground, code: Option<NationalCode>) -> CaseDecision {
    CaseDecision {
        decision: d,
        ground,
        members: vec!["عضو یک".into(), "عضو دو".into(), "عضو سه".into()],
        note: "بررسی شد".into(),
        by: by("committee:c1"),
        national_code: code,
    }
}

fn registered(code: NationalCode, case_id: i64) -> Person {
    Person {
        national_code: code,
        first_name: "گل‌بانو".into(),
        last_name: "بلوچ".into(),
        father_name: "داد".into(),
        mother_name: String::new(),
        gender: Gender::Female,
        birth_date: JalaliDate::parse("1380-01-01").unwrap(),
        birth_place: "سراوان".into(),
        religion: Religion::Islam,
        birth_certificate: allocation::birth_certificate(case_id as u64).unwrap(),
        mobiles: vec![Mobile::parse("09151234567").unwrap()],
        postal_code: None,
        address: "سراوان".into(),
        death_date: None,
    }
}

async fn with_office(t: &TestStore) {
    t.store
        .upsert_offices(&[office("23-0001").kind("registry").build()])
        .await
        .unwrap();
}

#[tokio::test]
async fn cases_are_numbered_per_province_and_open_with_their_history() {
    for t in TestStore::all().await {
        with_office(&t).await;
        let s = &t.store;
        let a = s.open_case(&new_case(vec![])).await.unwrap();
        let b = s.open_case(&new_case(vec![(7, 0.93)])).await.unwrap();
        assert_eq!(a.number.sequence(), 1, "{}", t.name);
        assert_eq!(b.number.sequence(), 2);
        assert_eq!(a.state, CaseState::Open);
        assert_eq!(b.state, CaseState::IdentityConflict);
        let file = s.case_by_number(&b.number).await.unwrap().unwrap();
        assert_eq!(file.conflicts, vec![(7, 0.93)]);
        assert_eq!(file.case.applicant.first_name, "گل‌بانو");
        assert_eq!(file.case.applicant.mother_name, None);
        assert_eq!(file.history.len(), 1);
        assert_eq!(file.history[0].from, None);
        assert_eq!(file.history[0].to, CaseState::IdentityConflict);
        assert_eq!(file.history[0].by.actor, "operator:op1");
        let unknown = domain::CaseNumber::new(ProvinceCode::parse("23").unwrap(), 99).unwrap();
        assert!(s.case_by_number(&unknown).await.unwrap().is_none());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn moves_are_conditional_and_evidence_and_inquiries_are_recorded() {
    for t in TestStore::all().await {
        with_office(&t).await;
        let s = &t.store;
        let c = s.open_case(&new_case(vec![])).await.unwrap();
        let ev = Evidence {
            kind: EvidenceKind::WitnessTestimony,
            note: "دو گواه".into(),
            document_key: None,
            details: r#"{"witnesses":[]}"#.into(),
            by: by("operator:op1"),
        };
        // The case is not in `court`: nothing is written.
        let stale = mv(CaseState::Court, CaseState::Open);
        assert_eq!(
            s.add_evidence(c.id, &stale, &ev).await.unwrap(),
            Moved::Moved,
            "{}",
            t.name
        );
        let same = mv(CaseState::Open, CaseState::Open);
        assert_eq!(s.add_evidence(c.id, &same, &ev).await.unwrap(), Moved::Done);
        let sent = mv(CaseState::Open, CaseState::InquiriesPending);
        assert_eq!(
            s.send_inquiries(c.id, &sent, InquiryKind::ALL)
                .await
                .unwrap(),
            Moved::Done
        );
        // Sending again sends nothing new (and the case is no longer open).
        assert_eq!(
            s.send_inquiries(c.id, &sent, InquiryKind::ALL)
                .await
                .unwrap(),
            Moved::Moved
        );
        let file = s.case_by_number(&c.number).await.unwrap().unwrap();
        assert_eq!(file.evidence.len(), 1);
        assert_eq!(file.evidence[0].kind, EvidenceKind::WitnessTestimony);
        assert_eq!(file.inquiries.len(), 3);
        assert!(file.inquiries.iter().all(|i| i.outcome.is_none()));
        let first = file.inquiries[0].id;
        assert!(s
            .answer_inquiry(
                first,
                InquiryOutcome::Adverse,
                "ثبت در اتباع",
                Some("R-1"),
                Utc::now()
            )
            .await
            .unwrap());
        // Answered once: a second answer is ignored.
        assert!(!s
            .answer_inquiry(first, InquiryOutcome::Clear, "x", None, Utc::now())
            .await
            .unwrap());
        let file = s.case_by_number(&c.number).await.unwrap().unwrap();
        assert_eq!(file.inquiries[0].outcome, Some(InquiryOutcome::Adverse));
        assert_eq!(file.inquiries[0].reference.as_deref(), Some("R-1"));
        assert_eq!(file.case.state, CaseState::InquiriesPending);
        let states: Vec<CaseState> = file.history.iter().map(|h| h.to).collect();
        assert_eq!(
            states,
            [
                CaseState::Open,
                CaseState::Open,
                CaseState::InquiriesPending
            ]
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_approval_registers_the_person_and_links_the_case_at_once() {
    for t in TestStore::all().await {
        with_office(&t).await;
        let s = &t.store;
        let c = s.open_case(&new_case(vec![])).await.unwrap();
        let province = ProvinceCode::parse("23").unwrap();
        let code = (1..)
            .find_map(|d| allocation::candidate(province, d * 104_729))
            .unwrap();
        // The code is someone's already: nothing changes, the case stays open.
        let mut other = registered(code, 999);
        other.first_name = "دیگری".into();
        other.mobiles = vec![Mobile::parse("09350000000").unwrap()];
        s.upsert_persons(&[other]).await.unwrap();
        let approve = mv(CaseState::Open, CaseState::Approved);
        let sms = CaseSms {
            mobile: Mobile::parse("09151234567").unwrap(),
            kind: "nationality_decision".into(),
            text: "تأیید شد".into(),
        };
        let d = decision(Decision::Approved, Ground::Art976UnknownParents, Some(code));
        assert_eq!(
            s.approve(c.id, &approve, &d, &registered(code, c.id), Some(&sms))
                .await
                .unwrap(),
            Approved::CodeTaken,
            "{}",
            t.name
        );
        let file = s.case_by_number(&c.number).await.unwrap().unwrap();
        assert_eq!(file.case.state, CaseState::Open);
        assert!(file.decisions.is_empty());
        assert_eq!(s.person(&code).await.unwrap().unwrap().first_name, "دیگری");

        let fresh = NationalCode::from_first_nine(b"001234568").unwrap();
        let d = decision(
            Decision::Approved,
            Ground::Art976UnknownParents,
            Some(fresh),
        );
        assert_eq!(
            s.approve(c.id, &approve, &d, &registered(fresh, c.id), Some(&sms))
                .await
                .unwrap(),
            Approved::Done
        );
        let p = s.person(&fresh).await.unwrap().unwrap();
        assert_eq!(p.first_name, "گل‌بانو");
        assert_eq!(p.mobiles, vec![Mobile::parse("09151234567").unwrap()]);
        assert_eq!(
            s.national_codes_by_mobile(&Mobile::parse("09151234567").unwrap())
                .await
                .unwrap(),
            vec![fresh]
        );
        let file = s.case_by_number(&c.number).await.unwrap().unwrap();
        assert_eq!(file.case.state, CaseState::Approved);
        assert_eq!(file.case.national_code, Some(fresh));
        assert_eq!(file.decisions.len(), 1);
        assert_eq!(file.decisions[0].members.len(), 3);
        assert_eq!(file.decisions[0].national_code, Some(fresh));
        assert_eq!(file.application, None);
        // Approved once: a second approval changes nothing.
        let again = NationalCode::from_first_nine(b"001234569").unwrap();
        assert_eq!(
            s.approve(c.id, &approve, &d, &registered(again, c.id), None)
                .await
                .unwrap(),
            Approved::Moved
        );
        assert!(s.person(&again).await.unwrap().is_none());
        assert!(s.open_cases().await.unwrap().is_empty());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn decisions_queue_their_sms_and_open_cases_are_listed() {
    for t in TestStore::all().await {
        with_office(&t).await;
        let s = &t.store;
        let a = s.open_case(&new_case(vec![])).await.unwrap();
        let _b = s.open_case(&new_case(vec![(3, 0.9)])).await.unwrap();
        let sms = CaseSms {
            mobile: Mobile::parse("09151234567").unwrap(),
            kind: "nationality_decision".into(),
            text: "مدارک بیشتر لازم است".into(),
        };
        let d = decision(Decision::MoreEvidence, Ground::FurtherReview, None);
        let m = mv(CaseState::Open, CaseState::MoreEvidence);
        assert_eq!(
            s.decide(a.id, &m, &d, Some(&sms)).await.unwrap(),
            Moved::Done,
            "{}",
            t.name
        );
        assert_eq!(
            s.decide(a.id, &m, &d, Some(&sms)).await.unwrap(),
            Moved::Moved
        );
        let due = s
            .sms_due(
                Utc::now() + chrono::Duration::seconds(5),
                Utc::now() + chrono::Duration::minutes(1),
                10,
            )
            .await
            .unwrap();
        assert_eq!(due.len(), 1, "one message for the one decision");
        assert_eq!(due[0].text, "مدارک بیشتر لازم است");
        let mut open: Vec<CaseState> = s
            .open_cases()
            .await
            .unwrap()
            .iter()
            .map(|c| c.state)
            .collect();
        open.sort();
        assert_eq!(open, [CaseState::IdentityConflict, CaseState::MoreEvidence]);
        let office_cases = s
            .cases_of_office(&domain::OfficeId::parse("23-0001").unwrap(), 10)
            .await
            .unwrap();
        assert_eq!(office_cases.len(), 2);
        let committee = s
            .cases_for_committee(Some(ProvinceCode::parse("23").unwrap()), 10)
            .await
            .unwrap();
        assert_eq!(committee.len(), 2);
        assert!(s
            .cases_for_committee(Some(ProvinceCode::parse("10").unwrap()), 10)
            .await
            .unwrap()
            .is_empty());
        t.cleanup().await;
    }
}
