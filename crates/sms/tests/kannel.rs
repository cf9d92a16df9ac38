#![allow(clippy::unwrap_used)]
//! Against a real Kannel (bearerbox, smsbox, fakesmsc), started by `sms::testing`. Skipped
//! with a message when Kannel is not installed, unless `SHENAS_REQUIRE_KANNEL=1`.

mod common;

use common::Receiver;
use sms::testing::{kannel_available_or_skip, KannelHarness, SHORT_NUMBER};
use sms::{ascii_digits, DlrStatus, IncomingSms, KannelSender, OutgoingSms, SendError, SmsSender};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

#[tokio::test]
async fn persian_sms_go_out_as_ucs2_and_delivery_reports_come_back() {
    if !kannel_available_or_skip("persian_sms_go_out_as_ucs2_and_delivery_reports_come_back") {
        return;
    }
    let receiver = Receiver::start().await;
    let kannel = KannelHarness::start(&receiver.base).await.unwrap();
    let sender = KannelSender::new(kannel.sendsms_config());

    let long =
        "شهروند گرامی، کارت هوشمند ملی شما صادر شد و از روز شنبه ۱۴۰۳/۰۷/۱۵ در دفتر پیشخوان \
                منتخب آماده‌ی تحویل است. لطفاً با همراه داشتن رسید و کارت قبلی مراجعه کنید.";
    assert!(long.chars().count() > 70, "needs concatenation");
    let messages = [
        OutgoingSms {
            id: 101,
            to: "09121234567".into(),
            text: "کارت هوشمند ملی شما آماده‌ی تحویل است.".into(),
        },
        OutgoingSms {
            id: 102,
            to: "+989351112233".into(),
            text: "یادآوری: نوبت شما ۱۴۰۳/۰۷/۲۰ ساعت ۱۰:۳۰ «دفتر پیشخوان ۱۲»".into(),
        },
        OutgoingSms {
            id: 103,
            to: "۰۹۱۹۸۷۶۵۴۳۲".into(),
            text: long.into(),
        },
    ];
    for m in &messages {
        sender.send(m).await.unwrap();
    }

    let got = kannel.wait_for(3, WAIT).await.unwrap();
    assert_eq!(got.len(), 3, "{got:?}");
    let got: BTreeSet<(String, String, String)> =
        got.into_iter().map(|r| (r.from, r.to, r.text)).collect();
    let want: BTreeSet<(String, String, String)> = [
        ("989121234567", &messages[0].text),
        ("989351112233", &messages[1].text),
        ("989198765432", &messages[2].text),
    ]
    .into_iter()
    .map(|(to, text)| (SHORT_NUMBER.to_string(), to.to_string(), text.clone()))
    .collect();
    assert_eq!(got, want, "exact Persian text after the UCS-2 round trip");
    let long_parts = kannel
        .received()
        .into_iter()
        .find(|r| r.text == long)
        .unwrap()
        .parts;
    assert!(long_parts >= 2, "the long text went as {long_parts} parts");

    // The fake SMSC reports 8 (SMSC ack) and then 1 (delivered) for each message.
    let all_delivered = receiver
        .until(WAIT, |seen| {
            let dlrs = seen.dlrs.lock().unwrap();
            [101, 102, 103].iter().all(|id| {
                dlrs.iter()
                    .any(|d| d.id == *id && d.status == DlrStatus::Delivered)
            })
        })
        .await;
    let dlrs = receiver.seen.dlrs.lock().unwrap().clone();
    assert!(all_delivered, "delivery reports: {dlrs:?}");
    let mut by_id: HashMap<i64, Vec<DlrStatus>> = HashMap::new();
    for d in &dlrs {
        assert!(
            matches!(d.status, DlrStatus::Delivered | DlrStatus::SmscSubmit),
            "{d:?}"
        );
        by_id.entry(d.id).or_default().push(d.status);
    }
    assert_eq!(
        by_id.keys().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([101, 102, 103])
    );
    assert!(receiver.seen.bad.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_citizens_sms_arrives_at_incoming_decoded() {
    if !kannel_available_or_skip("a_citizens_sms_arrives_at_incoming_decoded") {
        return;
    }
    let receiver = Receiver::start().await;
    let kannel = KannelHarness::start(&receiver.base).await.unwrap();

    kannel.inject_mo("09121234567", "۰۰۱۲۳۴۵۶۷۸").await.unwrap();
    // Operators usually send the international form; whitespace must survive too.
    kannel
        .inject_mo("+989351112233", "کد پیگیری:  ۱۲۳\nممنون")
        .await
        .unwrap();

    let arrived = receiver
        .until(WAIT, |seen| seen.incoming.lock().unwrap().len() >= 2)
        .await;
    let incoming = receiver.seen.incoming.lock().unwrap().clone();
    assert!(
        arrived,
        "incoming: {incoming:?}, unparsed: {:?}",
        receiver.seen.bad.lock().unwrap()
    );
    let first = incoming.iter().find(|m| m.from == "09121234567").unwrap();
    assert_eq!(
        first,
        &IncomingSms {
            from: "09121234567".into(),
            to: SHORT_NUMBER.into(),
            text: "۰۰۱۲۳۴۵۶۷۸".into(),
        }
    );
    assert_eq!(ascii_digits(&first.text), "0012345678");
    let second = incoming.iter().find(|m| m.from == "09351112233").unwrap();
    assert_eq!(second.text, "کد پیگیری:  ۱۲۳\nممنون");
    // Kannel did not answer the citizen on its own (max-messages = 0).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(kannel.received().is_empty(), "{:?}", kannel.received());
}

#[tokio::test]
async fn real_kannel_refusals_are_classified() {
    if !kannel_available_or_skip("real_kannel_refusals_are_classified") {
        return;
    }
    let receiver = Receiver::start().await;
    let kannel = KannelHarness::start(&receiver.base).await.unwrap();
    let sms = OutgoingSms {
        id: 1,
        to: "09121234567".into(),
        text: "آزمایش".into(),
    };

    // Wrong credentials: smsbox answers 403 "Authorization failed for sendsms"; the message is
    // fine, the configuration is not, so the outbox keeps it for later.
    let mut cfg = kannel.sendsms_config();
    cfg.password = "wrong".into();
    let err = KannelSender::new(cfg).send(&sms).await.unwrap_err();
    assert!(matches!(err, SendError::Temporary(_)), "{err}");
    assert!(err.to_string().contains("403"), "{err}");

    // Kannel gone: connection refused.
    let cfg = kannel.sendsms_config();
    drop(kannel);
    let err = KannelSender::new(cfg).send(&sms).await.unwrap_err();
    assert!(matches!(err, SendError::Temporary(_)), "{err}");
}
