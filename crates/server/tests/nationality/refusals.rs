//! Every refusal of nationality cases: bad input, the wrong role, the wrong kind of office, another office's case,
//! a committee member who opened the case, an identity conflict (someone already enrolled), a double approval,
//! an approval of an incomplete file, an unknown case, and the wrong mobile on tracking.

use super::*;
use axum::http::StatusCode;
use testkit::err;

async fn refused(a: testkit::Answer, status: StatusCode, code: &str) -> Value {
    let (st, v) = a.status_json();
    assert_eq!(st, status, "{v}");
    assert_eq!(err(&v), Some(code), "{v}");
    v
}

#[tokio::test]
async fn bad_input_is_refused_at_its_field() {
    for d in desks(None).await {
        let url = "/api/v1/office/nationality-cases";
        let cases: [(&str, Value, &str); 7] = [
            ("first_name", json!(""), "invalid_name"),
            ("gender", json!("x"), "invalid_gender"),
            ("birth_year_jalali", json!("80"), "invalid_date"),
            ("birth_year_jalali", json!(1500), "invalid_date"),
            ("mobile", json!("12345"), "invalid_mobile"),
            ("photo", json!("not base64!"), "invalid_base64"),
            ("fingerprints", json!([]), "invalid_fingerprints"),
        ];
        for (field, value, code) in cases {
            let mut body = opening("گل‌بانو", "بلوچ", 7101);
            body[field] = value;
            let v = refused(
                d.app.post_json(url, &body).auth(&d.operator).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
            )
            .await;
            assert!(
                v["error"]["field"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with(field),
                "{field}: {v}"
            );
        }
        let (case, _) = open(&d, &opening("گل‌بانو", "بلوچ", 7101)).await;
        let one_witness = json!({"kind": "witness_testimony", "note": "یک گواه",
            "witnesses": [{"name": "غلام", "certification": "3610000011"}]});
        let (st, v) = evidence(&d, &case, &one_witness).await;
        assert_eq!(
            (st, err(&v)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("witnesses_insufficient")
            ),
            "{v}"
        );
        let (st, v) = evidence(&d, &case, &json!({"kind": "selfie", "note": "x"})).await;
        assert_eq!(
            (st, err(&v)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid_evidence_kind")
            ),
            "{v}"
        );
        let nobody = json!({"kind": "dna_kinship", "note": "x", "kinship_confirmed": true,
            "parent_national_code": testkit::code(999).as_str()});
        let (st, v) = evidence(&d, &case, &nobody).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("parent_not_found")),
            "{v}"
        );
        let exe = json!({"kind": "school_record", "note": "x", "document": testkit::enrollment::b64(b"MZ\x90\x00")});
        let (st, v) = evidence(&d, &case, &exe).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_document")),
            "{v}"
        );
        // Decisions: an unknown decision, a ground that does not fit, too few members.
        let mut bad = approval("insufficient_evidence");
        let (st, v) = decide(&d, &d.committee, &case, &bad).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_ground")),
            "{v}"
        );
        bad = approval("art976_3");
        bad["members"] = json!(["تنها", "تنها"]);
        let (st, v) = decide(&d, &d.committee, &case, &bad).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_members")),
            "{v}"
        );
        bad = approval("art976_3");
        bad["decision"] = json!("maybe");
        let (st, v) = decide(&d, &d.committee, &case, &bad).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_decision")),
            "{v}"
        );
        // A typo in the case number is caught by its check letter.
        let typo = format!(
            "{}{}",
            &case[..case.len() - 1],
            if case.ends_with('A') { 'B' } else { 'A' }
        );
        let (st, v) = decide(&d, &d.committee, &typo, &approval("art976_3")).await;
        assert_eq!(
            (st, err(&v)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid_case_number")
            ),
            "{v}"
        );
    }
}

#[tokio::test]
async fn wrong_roles_offices_and_members_are_refused() {
    for d in desks(None).await {
        let url = "/api/v1/office/nationality-cases";
        let body = opening("گل‌بانو", "بلوچ", 7201);
        // A counter office is not a registry office; the committee and anonymous callers open nothing.
        refused(
            d.app.post_json(url, &body).auth(&d.counter).await,
            StatusCode::FORBIDDEN,
            "wrong_office_kind",
        )
        .await;
        refused(
            d.app.post_json(url, &body).auth(&d.committee).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        refused(
            d.app.post_json(url, &body).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        let (case, _) = open(&d, &body).await;
        // Another registry office neither reads nor fills this case.
        refused(
            d.app
                .get(&format!("{url}/{case}"))
                .auth(&d.other_registry)
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        refused(
            d.app
                .post_json(&format!("{url}/{case}/evidence"), &testimony())
                .auth(&d.counter)
                .await,
            StatusCode::FORBIDDEN,
            "wrong_office_kind",
        )
        .await;
        let (st, _) = evidence(&d, &case, &testimony()).await;
        assert_eq!(st, StatusCode::CREATED);
        // Only the committee decides.
        for who in [&d.operator, &d.supervisor] {
            let (st, v) = decide(&d, who, &case, &approval("art976_3")).await;
            assert_eq!(
                (st, err(&v)),
                (StatusCode::FORBIDDEN, Some("forbidden")),
                "{v}"
            );
        }
        // Not with the opener among the members.
        let mut with_opener = approval("art976_3");
        with_opener["members"] = json!(["رئیس کمیسیون", "reg.op", "نمایندهٔ انتظامی"]);
        let (st, v) = decide(&d, &d.committee, &case, &with_opener).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::CONFLICT, Some("committee_member_opened_case")),
            "{v}"
        );
        // A committee of another province does not decide Tehran's cases.
        d.app
            .create_staff("committee16", Role::NationalityCommittee, None, Some("16"))
            .await;
        let other = format!("Bearer {}", d.app.token("committee16").await);
        let (st, v) = decide(&d, &other, &case, &approval("art976_3")).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{v}"
        );
        // Without a mobile, only the committee reads the whole file.
        refused(
            d.app
                .get(&format!("/api/v1/nationality-cases/{case}"))
                .auth(&d.operator)
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
}

#[tokio::test]
async fn double_approvals_incomplete_files_unknown_cases_and_wrong_mobiles() {
    for d in desks(None).await {
        let (case, _) = open(&d, &opening("گل‌بانو", "بلوچ", 7301)).await;
        // Nothing on file yet: not approvable.
        let (st, v) = decide(&d, &d.committee, &case, &approval("art976_3")).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::CONFLICT, Some("case_not_ready")),
            "{v}"
        );
        let (st, _) = evidence(&d, &case, &testimony()).await;
        assert_eq!(st, StatusCode::CREATED);
        let (st, v) = decide(&d, &d.committee, &case, &approval("art976_3")).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let first = v["national_code"].clone();
        // Approved once: a second approval, or any other decision, is refused and allocates nothing.
        let persons = d.app.state.store.count_persons().await.unwrap();
        let (st, v) = decide(&d, &d.committee, &case, &approval("art976_3")).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::CONFLICT, Some("invalid_transition")),
            "{v}"
        );
        assert_eq!(d.app.state.store.count_persons().await.unwrap(), persons);
        let (st, _) = evidence(&d, &case, &testimony()).await;
        assert_eq!(st, StatusCode::CONFLICT);
        let file = d
            .app
            .get(&format!("/api/v1/office/nationality-cases/{case}"))
            .auth(&d.operator)
            .await
            .json();
        assert_eq!(file["national_code"], first);
        assert_eq!(file["decisions"].as_array().unwrap().len(), 1);

        // An unknown (well-formed) case number.
        let unknown =
            domain::CaseNumber::new(domain::ProvinceCode::parse("23").unwrap(), 99_999).unwrap();
        let (st, v) = decide(
            &d,
            &d.committee,
            &unknown.to_string(),
            &approval("art976_3"),
        )
        .await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{v}"
        );
        let (st, v) = evidence(&d, &unknown.to_string(), &testimony()).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{v}"
        );

        // Tracking: the wrong mobile answers exactly as an unknown case does.
        let wrong = d
            .app
            .get(&format!(
                "/api/v1/nationality-cases/{case}?mobile=09120000000"
            ))
            .await;
        let none = d
            .app
            .get(&format!(
                "/api/v1/nationality-cases/{unknown}?mobile=09151234567"
            ))
            .await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
        assert_eq!(wrong.json(), none.json());
        let bad = d
            .app
            .get(&format!("/api/v1/nationality-cases/{case}?mobile=abc"))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn someone_already_enrolled_is_an_identity_conflict_for_a_supervisor() {
    for d in desks(None).await {
        // Person 42 files, pays, books at the counter office and enrolls with synthetic person 901's fingers.
        let tc = d.app.booked(&enrolled(), COUNTER).await;
        let a = d
            .app
            .post_json(
                "/api/v1/office/enrollments",
                &testkit::enrollment::json_body(&tc, ENROLLED_SEED, &[]),
            )
            .auth(&d.counter)
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        d.app
            .state
            .services
            .dedup
            .run_pending(&d.app.state)
            .await
            .unwrap();

        // The same fingers at a registry office, under another name.
        let (case, state) = open(&d, &opening("زری", "نارویی", ENROLLED_SEED)).await;
        assert_eq!(state, "identity_conflict", "{}", d.app.name());
        let file = d
            .app
            .get(&format!("/api/v1/office/nationality-cases/{case}"))
            .auth(&d.operator)
            .await
            .json();
        assert_eq!(file["identity_hits"].as_array().unwrap().len(), 1, "{file}");
        // Nothing goes on until a supervisor looks: no evidence, no decision, no settling by an operator.
        let (st, v) = evidence(&d, &case, &testimony()).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::CONFLICT, Some("invalid_transition")),
            "{v}"
        );
        let (st, v) = decide(&d, &d.committee, &case, &approval("art976_3")).await;
        assert_eq!(
            (st, err(&v)),
            (StatusCode::CONFLICT, Some("invalid_transition")),
            "{v}"
        );
        let url = format!("/api/v1/office/nationality-cases/{case}/conflict");
        let settle = json!({"decision": "duplicate", "note": "همان شخص ثبت‌نام‌شده"});
        refused(
            d.app.post_json(&url, &settle).auth(&d.operator).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        let a = d.app.post_json(&url, &settle).auth(&d.supervisor).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        assert_eq!(a.json()["state"], "rejected");
        refused(
            d.app.post_json(&url, &settle).auth(&d.supervisor).await,
            StatusCode::CONFLICT,
            "invalid_transition",
        )
        .await;

        // Different fingers: no conflict.
        let (_, state) = open(&d, &opening("زری", "نارویی", 7401)).await;
        assert_eq!(state, "open");
    }
}
