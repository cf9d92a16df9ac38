//! A case from opening to approval: the temporary document, evidence, the inquiries answered, the committee's
//! approval with a new national code in the province's range, the SMS, and the person's pre-registration, which
//! the case then shows.

use super::*;
use axum::http::StatusCode;
use domain::{JalaliDate, NationalCode, ProvinceCode};

#[tokio::test]
async fn a_case_goes_from_opening_to_a_new_national_code_to_an_application() {
    for d in desks(None).await {
        let name = d.app.name();
        let (case, state) = open(&d, &opening("گل‌بانو", "بلوچ", 7001)).await;
        assert_eq!(state, "open", "{name}");
        assert!(
            case.starts_with("23-"),
            "numbered in the office's province: {case}"
        );

        // The temporary identity document, in Persian, saying what it is not.
        let pdf = d
            .app
            .get(&format!(
                "/api/v1/office/nationality-cases/{case}/document.pdf"
            ))
            .auth(&d.operator)
            .await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
        assert_eq!(pdf.content_type(), "application/pdf");
        if let Some(text) = pdftotext(&pdf.bytes) {
            for needle in [
                "سند موقت هویت",
                "گل‌بانو",
                "کارت ملی یا گواهی تابعیت ایرانی نیست",
            ] {
                assert!(text.contains(needle), "{needle:?} not in:\n{text}");
            }
        }

        // Evidence: the testimony, then a DNA kinship with the named parent; the inquiries go out and answer.
        let (st, v) = evidence(&d, &case, &testimony()).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(v["state"], "open", "every inquiry answered: {v}");
        let inquiries = v["inquiries"].as_array().unwrap();
        assert_eq!(inquiries.len(), 3);
        assert!(inquiries
            .iter()
            .all(|i| i["outcome"] == "clear" && i["reference"].is_string()));
        let (st, v) = evidence(
            &d,
            &case,
            &json!({"kind": "dna_kinship", "note": "آزمایشگاه مرجع", "kinship_confirmed": true,
                    "parent_national_code": parent().row()[0],
                    "document": testkit::enrollment::b64(b"%PDF-1.4 kinship report")}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(v["evidence_count"], 2);

        // The committee approves: a new code, valid, in Tehran's range, and a birth certificate.
        let (st, v) = decide(&d, &d.committee, &case, &approval("art976_2")).await;
        assert_eq!(st, StatusCode::OK, "{name}: {v}");
        assert_eq!(v["state"], "approved");
        let code = NationalCode::parse(v["national_code"].as_str().unwrap()).unwrap();
        assert_eq!(
            domain::prefixes::province_of(code.prefix()),
            Some(ProvinceCode::parse("23").unwrap())
        );
        let bc = &v["birth_certificate"];
        let person = d.app.state.store.person(&code).await.unwrap().unwrap();
        assert_eq!(person.first_name, "گل‌بانو");
        assert_eq!(person.birth_date.to_string(), "1378-01-01");
        assert_eq!(
            person.birth_certificate.serial(),
            bc["serial"].as_str().unwrap()
        );

        // The applicant hears of it by SMS, and follows the case by its number and mobile.
        let due = d
            .app
            .state
            .store
            .sms_due(
                chrono::Utc::now() + chrono::Duration::seconds(5),
                chrono::Utc::now() + chrono::Duration::minutes(1),
                10,
            )
            .await
            .unwrap();
        let sms = due
            .iter()
            .find(|m| m.kind == "nationality_approved")
            .expect("the approval's SMS");
        assert_eq!(sms.mobile.as_str(), "09151234567");
        assert!(
            sms.text
                .contains(&domain::text::to_persian_digits(code.as_str())),
            "{}",
            sms.text
        );
        let t = d
            .app
            .get(&format!(
                "/api/v1/nationality-cases/{case}?mobile=۰۹۱۵۱۲۳۴۵۶۷"
            ))
            .await;
        assert_eq!(t.status, StatusCode::OK, "{}", t.text());
        let t = t.json();
        assert_eq!(t["state"], "approved");
        assert_eq!(t["state_fa"], "تابعیت تأیید شد");
        assert!(t["updated_at"].is_string());
        assert!(
            t.get("national_code").is_none(),
            "the tracking answer carries nothing else"
        );

        // The person pre-registers like anyone; the case then links to the application.
        let birth = JalaliDate::parse("1378-01-01").unwrap();
        let filed = d
            .app
            .post_json(
                "/api/v1/applications",
                &json!({
                    "national_code": code.as_str(),
                    "birth_certificate": bc,
                    "birth_date_jalali": "1378-01-01",
                    "birth_date_hijri": birth.to_hijri().to_string(),
                    "gender": "female",
                    "religion": "islam",
                    "mother_name": "بی‌بی",
                    "mobile": "09151234567",
                    "reason": "first_issue",
                }),
            )
            .await;
        assert_eq!(
            filed.status,
            StatusCode::CREATED,
            "{name}: {}",
            filed.text()
        );
        let tracking = filed.json()["tracking_code"].as_str().unwrap().to_string();
        let file = d
            .app
            .get(&format!("/api/v1/office/nationality-cases/{case}"))
            .auth(&d.operator)
            .await;
        assert_eq!(file.status, StatusCode::OK, "{}", file.text());
        let file = file.json();
        assert_eq!(file["application"], tracking.as_str());
        assert_eq!(file["national_code"], code.as_str());
        let moves: Vec<&str> = file["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["to"].as_str().unwrap())
            .collect();
        assert_eq!(moves.first(), Some(&"open"));
        assert_eq!(moves.last(), Some(&"approved"));
        assert!(moves.contains(&"inquiries_pending"));
        assert_eq!(file["decisions"][0]["ground"], "art976_2");
        assert_eq!(file["decisions"][0]["members"].as_array().unwrap().len(), 3);
        assert_eq!(file["evidence"][1]["has_document"], true);

        // The committee reads the same file; the document is no longer issued.
        let c = d
            .app
            .get(&format!("/api/v1/nationality-cases/{case}"))
            .auth(&d.committee)
            .await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.text());
        assert_eq!(c.json()["application"], tracking.as_str());
        let pdf = d
            .app
            .get(&format!(
                "/api/v1/office/nationality-cases/{case}/document.pdf"
            ))
            .auth(&d.operator)
            .await;
        assert_eq!(pdf.status, StatusCode::CONFLICT);
        assert_eq!(testkit::err(&pdf.json()), Some("case_decided"));
    }
}

#[tokio::test]
async fn a_referral_comes_back_with_its_result_and_an_adverse_inquiry_needs_a_ruling() {
    for d in desks(Some(("مهری", "ریگی"))).await {
        let (case, _) = open(&d, &opening("مهری", "ریگی", 7002)).await;
        let (st, v) = evidence(&d, &case, &testimony()).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let foreign = v["inquiries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind"] == "foreign_nationals")
            .unwrap()
            .clone();
        assert_eq!(foreign["outcome"], "adverse");
        // Not approvable against an adverse answer.
        let (st, v) = decide(&d, &d.committee, &case, &approval("art976_1")).await;
        assert_eq!(st, StatusCode::CONFLICT, "{v}");
        assert_eq!(testkit::err(&v), Some("case_not_ready"));
        // Referred to the age commission, then to a court; each result is recorded as evidence.
        let refer =
            |to: &str| json!({"decision": to, "members": ["الف", "ب", "ج"], "note": "ارجاع"});
        let (st, v) = decide(&d, &d.committee, &case, &refer("refer_age_commission")).await;
        assert_eq!(
            (st, v["state"].as_str()),
            (StatusCode::OK, Some("age_commission")),
            "{v}"
        );
        let (st, v) = evidence(
            &d,
            &case,
            &json!({"kind": "age_commission", "note": "نظر کمیسیون", "birth_year_jalali": 1376}),
        )
        .await;
        assert_eq!(
            (st, v["state"].as_str()),
            (StatusCode::CREATED, Some("open")),
            "{v}"
        );
        let (st, v) = decide(&d, &d.committee, &case, &refer("refer_court")).await;
        assert_eq!(
            (st, v["state"].as_str()),
            (StatusCode::OK, Some("court")),
            "{v}"
        );
        let (st, v) = evidence(
            &d,
            &case,
            &json!({"kind": "court_ruling", "note": "دادنامه", "ruling": "iranian", "ruling_number": "9809971"}),
        )
        .await;
        assert_eq!(
            (st, v["state"].as_str()),
            (StatusCode::CREATED, Some("open")),
            "{v}"
        );
        let (st, v) = decide(&d, &d.committee, &case, &approval("art976_1")).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        // The commission's year is the one registered.
        let code = NationalCode::parse(v["national_code"].as_str().unwrap()).unwrap();
        let p = d.app.state.store.person(&code).await.unwrap().unwrap();
        assert_eq!(p.birth_date.to_string(), "1376-01-01");
    }
}

/// The text of a PDF, or `None` (with a notice) without poppler-utils.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    use std::process::Command;
    if Command::new("pdftotext").arg("-v").output().is_err() {
        eprintln!("SKIPPED: `pdftotext` is not installed (apt-get install poppler-utils)");
        return None;
    }
    let path = std::env::temp_dir().join(format!(
        "shenas-nationality-{}-{}.pdf",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let text: String = String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
