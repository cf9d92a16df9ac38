//! The SMS outbox and the reminders queued into it, raced by two instances.

use super::*;
use domain::Mobile;

fn mobile() -> Mobile {
    Mobile::parse("09121234567").unwrap()
}

/// Both instances lease due messages at once, a few at a time, and mark what they leased sent: every message
/// is leased once and sent once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_message_is_leased_to_one_sender() {
    for t in TestStore::all().await {
        let other = second(&t).await;
        let at = Utc::now() - Duration::seconds(5);
        let mut queued = Vec::new();
        for i in 0..(ROUNDS * 6) {
            let id = t
                .store
                .enqueue_sms(None, &mobile(), "notice", &format!("message {i}"), at)
                .await
                .unwrap()
                .unwrap();
            queued.push(id);
        }
        let mut leased = Vec::new();
        for _ in 0..ROUNDS {
            let (a, b) = race(&t.store, &other, |s| async move {
                let now = Utc::now();
                let due = s
                    .sms_due(now, now + Duration::seconds(60), 4)
                    .await
                    .unwrap();
                for m in &due {
                    s.sms_sent(m.id, Utc::now()).await.unwrap();
                }
                due.into_iter().map(|m| m.id).collect::<Vec<_>>()
            })
            .await;
            leased.extend(a);
            leased.extend(b);
        }
        // What the races left (a loser waits on the winner's rows, then skips them): leased now.
        let now = Utc::now();
        for m in t
            .store
            .sms_due(now, now + Duration::seconds(60), 1000)
            .await
            .unwrap()
        {
            t.store.sms_sent(m.id, Utc::now()).await.unwrap();
            leased.push(m.id);
        }
        assert_eq!(
            repeated(leased.clone()),
            Vec::<i64>::new(),
            "{}: leased twice",
            t.name
        );
        leased.sort_unstable();
        assert_eq!(leased, queued, "{}", t.name);
        for id in queued {
            let m = t.store.sms_by_id(id).await.unwrap().unwrap();
            assert_eq!(m.state, store::production::SmsState::Sent, "{}", t.name);
            assert_eq!(m.attempts, 1, "{}", t.name);
        }
    }
}

/// A reminder (or a Chapar notice) is one outbox row per application and kind: both instances queueing the
/// same one at once queue it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reminder_is_queued_once() {
    for t in TestStore::all().await {
        setup(&t).await;
        let other = second(&t).await;
        let code = enrolled(&t, 1, "10001").await;
        let app = t.store.application(&code).await.unwrap().unwrap().id;
        for round in 0..ROUNDS {
            let kind = format!("reminder_7:{round}");
            let (a, b) = race(&t.store, &other, move |s| {
                let kind = kind.clone();
                async move {
                    s.enqueue_sms(Some(app), &mobile(), &kind, "text", Utc::now())
                        .await
                        .unwrap()
                }
            })
            .await;
            assert!(
                a.is_some() ^ b.is_some(),
                "{}: round {round}: {a:?} {b:?}",
                t.name
            );
        }
        let reminders = t.store.sms_of(app).await.unwrap();
        assert_eq!(
            reminders
                .iter()
                .filter(|m| m.kind.starts_with("reminder_7:"))
                .count(),
            ROUNDS as usize,
            "{}",
            t.name
        );
    }
}
