//! The store suite: every test runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use domain::{JalaliDate, Mobile, NationalCode, Office, Person};
use store::{ImportKind, ImportRecord, StoreError, UpsertCounts};
use store_suite::fixtures::{self, code_of, PersonBuilder};
use store_suite::TestStore;

fn today() -> JalaliDate {
    JalaliDate::parse("1405-08-30").unwrap()
}

fn code(first_nine: &str) -> NationalCode {
    code_of(first_nine.parse().unwrap())
}

fn person(nc: &NationalCode, first: &str, mobiles: &str) -> Person {
    PersonBuilder::with_code(nc)
        .first_name(first)
        .of_tehran()
        .mobile(mobiles)
        .as_of(today())
        .build()
}

fn office(id: &str, capacity: &str) -> Office {
    fixtures::office(id)
        .name("دفتر پیشخوان ۱")
        .located("23", "تهران", "021")
        .address("خیابان انقلاب")
        .capacity(capacity.parse().unwrap())
        .build()
}

#[tokio::test]
async fn persons_insert_update_and_unchanged() {
    for t in TestStore::all().await {
        let s = &t.store;
        let a = code("001234567");
        let b = code("001234568");
        let counts = s
            .upsert_persons(&[person(&a, "علی", "09121234567"), person(&b, "رضا", "")])
            .await
            .unwrap();
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 2,
                updated: 0,
                unchanged: 0
            },
            "{}",
            t.name
        );
        assert_eq!(s.count_persons().await.unwrap(), 2);

        // The same rows again change nothing; a changed row is an update.
        let counts = s
            .upsert_persons(&[
                person(&a, "علی", "09121234567"),
                person(&b, "رضا", "09351112233;09121234567"),
            ])
            .await
            .unwrap();
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 0,
                updated: 1,
                unchanged: 1
            },
            "{}",
            t.name
        );
        assert_eq!(s.count_persons().await.unwrap(), 2);

        let got = s.person(&b).await.unwrap().unwrap();
        assert_eq!(
            got,
            person(&b, "رضا", "09351112233;09121234567"),
            "{}",
            t.name
        );
        assert!(s.person(&code("001234569")).await.unwrap().is_none());

        // A shared number lists both holders; an update replaces the old numbers.
        let shared = Mobile::parse("09121234567").unwrap();
        assert_eq!(
            s.national_codes_by_mobile(&shared).await.unwrap(),
            vec![a, b],
            "{}",
            t.name
        );
        s.upsert_persons(&[person(&a, "علی", "09190000001")])
            .await
            .unwrap();
        assert_eq!(
            s.national_codes_by_mobile(&shared).await.unwrap(),
            vec![b],
            "{}",
            t.name
        );
        let new = Mobile::parse("09190000001").unwrap();
        assert_eq!(
            s.national_codes_by_mobile(&new).await.unwrap(),
            vec![a],
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_batch_naming_one_person_twice_writes_nothing() {
    for t in TestStore::all().await {
        let a = code("002345678");
        let err = t
            .store
            .upsert_persons(&[person(&a, "علی", ""), person(&a, "رضا", "")])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{}: {err}", t.name);
        assert_eq!(t.store.count_persons().await.unwrap(), 0);
        t.cleanup().await;
    }
}

/// A failure inside the transaction (here a trigger refusing one mobile number of the last person) leaves no
/// person of the batch behind, and no mobile number either.
#[tokio::test]
async fn a_failed_batch_leaves_no_half_written_person() {
    for t in TestStore::all().await {
        t.exec_raw(
            "CREATE TRIGGER refuse BEFORE INSERT ON person_mobiles WHEN NEW.mobile = 9999999999 \
             BEGIN SELECT RAISE(ABORT, 'refused by test'); END;",
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN \
               IF NEW.mobile = '09999999999' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END \
             $$ LANGUAGE plpgsql; \
             CREATE TRIGGER refuse BEFORE INSERT ON person_mobiles FOR EACH ROW EXECUTE FUNCTION refuse();",
        )
        .await;
        let batch: Vec<Person> = (0..50)
            .map(|i| {
                let mobile = if i == 49 {
                    "09999999999".to_string()
                } else {
                    format!("0912{i:07}")
                };
                person(&code(&format!("0031000{i:02}")), "علی", &mobile)
            })
            .collect();
        assert!(t.store.upsert_persons(&batch).await.is_err(), "{}", t.name);
        assert_eq!(t.store.count_persons().await.unwrap(), 0, "{}", t.name);
        let m = Mobile::parse("09120000001").unwrap();
        assert!(
            t.store
                .national_codes_by_mobile(&m)
                .await
                .unwrap()
                .is_empty(),
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn large_batches_count_exactly() {
    for t in TestStore::all().await {
        let batch: Vec<Person> = (0..2_500)
            .map(|i| {
                person(
                    &code(&format!("04{:07}", i + 1_100_000)),
                    "مریم",
                    &format!("0935{i:07}"),
                )
            })
            .collect();
        let counts = t.store.upsert_persons(&batch).await.unwrap();
        assert_eq!(counts.inserted, batch.len() as u64, "{}", t.name);
        let mut changed = batch.clone();
        for p in changed.iter_mut().step_by(3) {
            p.first_name = "زهرا".into();
        }
        let counts = t.store.upsert_persons(&changed).await.unwrap();
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 0,
                updated: 834,
                unchanged: 1_666
            },
            "{}",
            t.name
        );
        assert_eq!(t.store.count_persons().await.unwrap(), 2_500);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn offices_upsert_and_by_province() {
    for t in TestStore::all().await {
        let s = &t.store;
        let counts = s
            .upsert_offices(&[office("23-0001", "120"), office("23-0002", "80")])
            .await
            .unwrap();
        assert_eq!(counts.inserted, 2, "{}", t.name);
        let counts = s
            .upsert_offices(&[office("23-0001", "150"), office("23-0002", "80")])
            .await
            .unwrap();
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 0,
                updated: 1,
                unchanged: 1
            },
            "{}",
            t.name
        );
        let tehran = domain::ProvinceCode::parse("23").unwrap();
        let list = s.offices_in_province(tehran).await.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].daily_capacity, 150);
        assert!(s
            .offices_in_province(domain::ProvinceCode::parse("30").unwrap())
            .await
            .unwrap()
            .is_empty());
        assert_eq!(s.office(&list[1].id).await.unwrap().unwrap(), list[1]);
        assert_eq!(s.count_offices().await.unwrap(), 2);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn imports_are_recorded() {
    for t in TestStore::all().await {
        let now = chrono::Utc::now();
        let r = ImportRecord {
            kind: ImportKind::Registry,
            source: "registry.csv".into(),
            actor: "cli:root".into(),
            started_at: now - chrono::Duration::seconds(5),
            finished_at: now,
            counts: UpsertCounts {
                inserted: 10,
                updated: 2,
                unchanged: 1,
            },
            rejected: 3,
        };
        t.store.record_import(&r).await.unwrap();
        let got = t.store.imports(10).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].counts, r.counts);
        assert_eq!(got[0].rejected, 3);
        assert_eq!(got[0].source, "registry.csv");
        assert!(
            (got[0].finished_at - now).num_milliseconds().abs() < 1_000,
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}

/// A first load (where the backend has one) keeps the last row of a repeated code, builds both indexes, and is
/// only offered on an empty registry; afterwards ordinary upserts work against the built index.
#[tokio::test]
async fn first_load_into_an_empty_registry() {
    for t in TestStore::all().await {
        let a = code("005555555");
        let b = code("005555556");
        let Some(mut w) = t.store.first_load_writer().await.unwrap() else {
            eprintln!("{}: no first-load path; ordinary writers are used", t.name);
            t.cleanup().await;
            continue;
        };
        w.write(&[person(&a, "علی", "09121110000"), person(&b, "رضا", "")])
            .await
            .unwrap();
        // (No read here: on PostgreSQL a first load holds the table lock, and readers wait for its commit.)
        w.write(&[person(&a, "حسین", "09122220000")]).await.unwrap();
        let counts = w.commit().await.unwrap();
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 2,
                updated: 1,
                unchanged: 0
            },
            "{}",
            t.name
        );
        assert_eq!(t.store.count_persons().await.unwrap(), 2);
        assert_eq!(
            t.store.person(&a).await.unwrap().unwrap().first_name,
            "حسین"
        );
        let old = Mobile::parse("09121110000").unwrap();
        let new = Mobile::parse("09122220000").unwrap();
        assert!(
            t.store
                .national_codes_by_mobile(&old)
                .await
                .unwrap()
                .is_empty(),
            "{}",
            t.name
        );
        assert_eq!(
            t.store.national_codes_by_mobile(&new).await.unwrap(),
            vec![a]
        );

        assert!(
            t.store.first_load_writer().await.unwrap().is_none(),
            "{}: not empty any more",
            t.name
        );
        let counts = t
            .store
            .upsert_persons(&[
                person(&a, "حسین", "09122220000"),
                person(&b, "رضا", "09123330000"),
            ])
            .await
            .unwrap();
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 0,
                updated: 1,
                unchanged: 1
            },
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}

/// A first load dropped before its commit leaves nothing behind, and the registry's index is intact.
#[tokio::test]
async fn an_abandoned_first_load_leaves_the_registry_as_it_was() {
    for t in TestStore::all().await {
        if let Some(mut w) = t.store.first_load_writer().await.unwrap() {
            w.write(&[person(&code("006666666"), "علی", "09121110000")])
                .await
                .unwrap();
            drop(w);
        }
        assert_eq!(t.store.count_persons().await.unwrap(), 0, "{}", t.name);
        let a = code("006666667");
        t.store
            .upsert_persons(&[person(&a, "علی", "")])
            .await
            .unwrap();
        let counts = t
            .store
            .upsert_persons(&[person(&a, "علی", "")])
            .await
            .unwrap();
        assert_eq!(
            counts.unchanged, 1,
            "{}: the unique index is in place",
            t.name
        );
        t.cleanup().await;
    }
}
