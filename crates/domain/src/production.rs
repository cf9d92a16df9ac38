//! After enrollment: biometric de-duplication, card production at several manufacturers, shipments, pickup and the
//! reasons a card is never collected. Pure rules only: who gets how many cards, what a chip serial looks like, what
//! the holder is told by SMS.

use crate::error::ValidationError;
use crate::text::to_persian_digits;
use crate::{JalaliDate, TrackingCode};

/// Where an enrollment stands in the 1:N de-duplication search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DedupStatus {
    /// Not searched yet.
    Pending,
    /// Searched; nobody else matched. The card may be produced.
    Clear,
    /// Someone else matched: a supervisor must compare the two records.
    Hit,
    /// A supervisor found the two people distinct. The card may be produced.
    Distinct,
    /// A supervisor found the same person enrolled twice; the application is rejected.
    Duplicate,
}

impl DedupStatus {
    pub const ALL: [DedupStatus; 5] = [
        Self::Pending,
        Self::Clear,
        Self::Hit,
        Self::Distinct,
        Self::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Clear => "clear",
            Self::Hit => "hit",
            Self::Distinct => "distinct",
            Self::Duplicate => "duplicate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn fa(self) -> &'static str {
        match self {
            Self::Pending => "در انتظار جست‌وجوی اثر انگشت",
            Self::Clear => "بدون تکرار",
            Self::Hit => "در انتظار بررسی کارشناس",
            Self::Distinct => "دو فرد متفاوت تشخیص داده شد",
            Self::Duplicate => "ثبت‌نام تکراری",
        }
    }
}

/// A supervisor's decision on a de-duplication hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The same person: the newer application is rejected.
    Duplicate,
    /// Two people: the application continues to production.
    Distinct,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::Distinct => "distinct",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "duplicate" => Some(Self::Duplicate),
            "distinct" => Some(Self::Distinct),
            _ => None,
        }
    }
}

/// Why a card that waited at an office was never collected.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum UncollectedReason {
    /// The holder could not be told: every SMS to the number failed.
    SmsFailed,
    /// The registry's postal code changed since enrollment: the holder moved.
    Moved,
    /// The registry records the holder's death.
    Deceased,
    /// Nothing is known.
    None,
}

impl UncollectedReason {
    pub const ALL: [UncollectedReason; 4] =
        [Self::SmsFailed, Self::Moved, Self::Deceased, Self::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SmsFailed => "sms_failed",
            Self::Moved => "moved",
            Self::Deceased => "deceased",
            Self::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn fa(self) -> &'static str {
        match self {
            Self::SmsFailed => "پیامک به دارنده نرسید",
            Self::Moved => "تغییر نشانی دارنده",
            Self::Deceased => "فوت دارنده",
            Self::None => "بدون علت معلوم",
        }
    }

    /// The reason, from what is known of the holder; a death outweighs a move, which outweighs a failed SMS.
    pub fn infer(deceased: bool, postal_code_changed: bool, sms_failed: bool) -> Self {
        if deceased {
            Self::Deceased
        } else if postal_code_changed {
            Self::Moved
        } else if sms_failed {
            Self::SmsFailed
        } else {
            Self::None
        }
    }
}

/// The serial a manufacturer reads off the card's chip: 8 to 32 characters, ASCII upper-case letters, digits and
/// dashes (lower case is folded).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChipSerial(String);

impl ChipSerial {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim().to_ascii_uppercase();
        let ok = (8..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(s))
        } else {
            Err(ValidationError::new(
                "invalid_chip_serial",
                "a chip serial has 8 to 32 letters, digits or dashes",
                "شمارهٔ سریال تراشه باید ۸ تا ۳۲ حرف لاتین، رقم یا خط تیره باشد",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ChipSerial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A manufacturer as the batcher sees it: its share of the work (percent) and the cards it can still take today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VendorRoom {
    pub share_pct: u32,
    pub remaining_today: u64,
}

/// Splits `queued` cards among manufacturers by their shares, never giving one more than it can still take today.
/// What a full manufacturer cannot take goes to the others in proportion to their shares; what nobody can take
/// stays queued. The answer has one count per manufacturer, in the given order.
pub fn allocate(queued: u64, vendors: &[VendorRoom]) -> Vec<u64> {
    let mut given = vec![0u64; vendors.len()];
    let mut left = queued;
    // Each round hands out the remainder by share among those with room; a round fills at least one vendor or
    // places everything, so there are at most `vendors.len()` + 1 rounds.
    for _ in 0..=vendors.len() {
        let open: Vec<usize> = (0..vendors.len())
            .filter(|&i| vendors[i].share_pct > 0 && given[i] < vendors[i].remaining_today)
            .collect();
        let total_share: u64 = open.iter().map(|&i| u64::from(vendors[i].share_pct)).sum();
        if left == 0 || total_share == 0 {
            break;
        }
        // Largest-remainder apportionment of `left` among the open vendors.
        let mut parts: Vec<(usize, u64, u64)> = open
            .iter()
            .map(|&i| {
                let num = u128::from(left) * u128::from(vendors[i].share_pct);
                let q = (num / u128::from(total_share)) as u64;
                let r = (num % u128::from(total_share)) as u64;
                (i, q, r)
            })
            .collect();
        let mut spare = left - parts.iter().map(|p| p.1).sum::<u64>();
        parts.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        for p in parts.iter_mut() {
            if spare == 0 {
                break;
            }
            p.1 += 1;
            spare -= 1;
        }
        let mut placed = 0;
        for (i, want, _) in parts {
            let room = vendors[i].remaining_today - given[i];
            let take = want.min(room);
            given[i] += take;
            placed += take;
        }
        left -= placed;
        if placed == 0 {
            break;
        }
    }
    given
}

/// The SMS a holder gets when the card reaches the office.
pub fn sms_ready(tracking: &TrackingCode, office_name: &str) -> String {
    format!(
        "کارت هوشمند ملی شما (کد رهگیری {}) در {} آمادهٔ تحویل است. برای تحویل، با کارت قبلی یا رسید در ساعات اداری مراجعه کنید.",
        to_persian_digits(tracking.as_str()),
        office_name
    )
}

/// The reminder after `days` days of waiting.
pub fn sms_reminder(tracking: &TrackingCode, office_name: &str, days: u32) -> String {
    format!(
        "یادآوری: کارت هوشمند ملی شما (کد رهگیری {}) {} روز است که در {} منتظر شماست.",
        to_persian_digits(tracking.as_str()),
        to_persian_digits(&days.to_string()),
        office_name
    )
}

/// The receipt will stop standing in for the card waiting at `office_name` on `ends`.
pub fn sms_receipt_ending(tracking: &TrackingCode, office_name: &str, ends: &JalaliDate) -> String {
    format!(
        "کارت هوشمند ملی شما (کد رهگیری {}) در {} منتظر شماست. رسید ثبت‌نام از {} دیگر به جای کارت پذیرفته نمی‌شود؛ کارت را تحویل بگیرید.",
        to_persian_digits(tracking.as_str()),
        office_name,
        to_persian_digits(&ends.to_string()),
    )
}

/// The card was suspended on a report of its loss; it is revoked on `revoke_on` unless found again.
pub fn sms_card_suspended(tracking: &TrackingCode, revoke_on: &JalaliDate) -> String {
    format!(
        "کارت هوشمند ملی شما (کد رهگیری {}) به دلیل اعلام مفقودی معلق شد. اگر آن را پیدا کردید، تا {} با کارت به یکی از دفاتر بروید تا با اثر انگشت دوباره فعال شود؛ پس از آن باطل می‌شود. اگر مفقودی را شما اعلام نکرده‌اید، به دفتر مراجعه کنید.",
        to_persian_digits(tracking.as_str()),
        to_persian_digits(&revoke_on.to_string()),
    )
}

/// A suspended card found again and reactivated at an office.
pub fn sms_card_reactivated(tracking: &TrackingCode) -> String {
    format!(
        "کارت هوشمند ملی شما (کد رهگیری {}) دوباره فعال شد.",
        to_persian_digits(tracking.as_str()),
    )
}

/// A backlog campaign's reminder: the card has waited `days` days at `office_name`.
pub fn sms_campaign_reminder(tracking: &TrackingCode, office_name: &str, days: u32) -> String {
    format!(
        "کارت هوشمند ملی شما (کد رهگیری {}) {} روز است در {} آمادهٔ تحویل است. با رسید یا کارت قبلی در ساعات اداری مراجعه کنید؛ پس از مهلت، رسید به جای کارت پذیرفته نمی‌شود.",
        to_persian_digits(tracking.as_str()),
        to_persian_digits(&days.to_string()),
        office_name
    )
}

/// A backlog campaign to a holder who moved: the card waits at `office_name`; `link` is the portal's page where
/// the holder has it sent to an office near them.
pub fn sms_campaign_moved(tracking: &TrackingCode, office_name: &str, link: &str) -> String {
    format!(
        "کارت هوشمند ملی شما (کد رهگیری {}) در {} منتظر شماست. اگر نشانی‌تان تغییر کرده، دفتر نزدیک خود را برای ارسال کارت انتخاب کنید: {}",
        to_persian_digits(tracking.as_str()),
        office_name,
        link
    )
}

/// The document number of the `sequence`-th card put in a batch (1, 2, …): 9 characters for the TD1 MRZ, a letter
/// that counts hundreds of millions (`A` first) and eight digits, e.g. `A00000001`. Numbers follow the sequence, so
/// a number is never handed out twice; `None` past `Z99999999` (2.6 billion cards).
pub fn document_number(sequence: u64) -> Option<String> {
    const BLOCK: u64 = 100_000_000;
    let letter = u8::try_from(sequence / BLOCK).ok().filter(|l| *l < 26)?;
    Some(format!(
        "{}{:08}",
        char::from(b'A' + letter),
        sequence % BLOCK
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn document_numbers_are_nine_characters_and_follow_the_sequence() {
        assert_eq!(document_number(1).as_deref(), Some("A00000001"));
        assert_eq!(document_number(99_999_999).as_deref(), Some("A99999999"));
        assert_eq!(document_number(100_000_000).as_deref(), Some("B00000000"));
        assert_eq!(document_number(2_599_999_999).as_deref(), Some("Z99999999"));
        assert_eq!(document_number(2_600_000_000), None);
        assert!((1..5000u64).all(|n| document_number(n).is_some_and(|d| d.len() == 9)));
    }

    fn v(share_pct: u32, remaining_today: u64) -> VendorRoom {
        VendorRoom {
            share_pct,
            remaining_today,
        }
    }

    #[test]
    fn shares_split_the_queue() {
        assert_eq!(
            allocate(1000, &[v(60, 10_000), v(40, 10_000)]),
            vec![600, 400]
        );
        assert_eq!(
            allocate(10, &[v(50, 100), v(30, 100), v(20, 100)]),
            vec![5, 3, 2]
        );
        // Rounding never loses or invents a card.
        assert_eq!(
            allocate(7, &[v(1, 100), v(1, 100), v(1, 100)])
                .iter()
                .sum::<u64>(),
            7
        );
    }

    #[test]
    fn a_full_vendor_passes_its_work_on() {
        assert_eq!(allocate(1000, &[v(60, 100), v(40, 10_000)]), vec![100, 900]);
        // Nobody has room: the cards stay queued.
        assert_eq!(allocate(1000, &[v(60, 0), v(40, 0)]), vec![0, 0]);
        assert_eq!(allocate(1000, &[v(50, 300), v(50, 200)]), vec![300, 200]);
        assert!(allocate(5, &[]).is_empty());
        assert_eq!(allocate(5, &[v(0, 100)]), vec![0]);
    }

    #[test]
    fn chip_serials() {
        assert_eq!(
            ChipSerial::parse(" ab12-cd34 ").unwrap().as_str(),
            "AB12-CD34"
        );
        assert!(ChipSerial::parse("short").is_err());
        assert!(ChipSerial::parse("HAS SPACE 123").is_err());
        assert!(ChipSerial::parse("۱۲۳۴۵۶۷۸۹").is_err());
    }

    #[test]
    fn uncollected_reasons() {
        assert_eq!(
            UncollectedReason::infer(true, true, true),
            UncollectedReason::Deceased
        );
        assert_eq!(
            UncollectedReason::infer(false, true, true),
            UncollectedReason::Moved
        );
        assert_eq!(
            UncollectedReason::infer(false, false, true),
            UncollectedReason::SmsFailed
        );
        assert_eq!(
            UncollectedReason::infer(false, false, false),
            UncollectedReason::None
        );
        for r in UncollectedReason::ALL {
            assert_eq!(UncollectedReason::parse(r.as_str()), Some(r));
        }
        for d in DedupStatus::ALL {
            assert_eq!(DedupStatus::parse(d.as_str()), Some(d));
        }
    }

    #[test]
    fn messages_are_persian() {
        let t = TrackingCode::from_body(12345678901);
        let m = sms_ready(&t, "دفتر پیشخوان ۱");
        assert!(m.contains(&to_persian_digits(t.as_str())));
        assert!(m.chars().count() < 200);
    }

    proptest! {
        #[test]
        fn allocation_respects_rooms_and_the_queue(
            queued in 0u64..100_000,
            vendors in proptest::collection::vec((0u32..100, 0u64..50_000), 0..6),
        ) {
            let rooms: Vec<VendorRoom> = vendors.iter().map(|&(s, r)| v(s, r)).collect();
            let got = allocate(queued, &rooms);
            prop_assert_eq!(got.len(), rooms.len());
            let total: u64 = got.iter().sum();
            prop_assert!(total <= queued);
            for (g, r) in got.iter().zip(&rooms) {
                prop_assert!(*g <= r.remaining_today);
                if r.share_pct == 0 { prop_assert_eq!(*g, 0); }
            }
            // Nothing stays queued while a vendor with a share has room.
            let room_left: u64 = got.iter().zip(&rooms)
                .filter(|(_, r)| r.share_pct > 0)
                .map(|(g, r)| r.remaining_today - g).sum();
            prop_assert!(total == queued || room_left == 0);
        }
    }
}
