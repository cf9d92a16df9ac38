//! An application's history as data: what happened ([`HistoryEvent`]) and why ([`HistoryReason`]), each with its
//! Persian label. The store keeps both as text (`event`, `reason` columns); these types are the only code that
//! writes or reads that text, so a page never translates by matching an English sentence, and a stored row
//! written before a variant existed still reads (as a [`HistoryReason::Note`]).

use crate::application::Reason;
use crate::calendar::JalaliDate;
use crate::lifecycle::Event;
use crate::office::OfficeId;
use crate::production::UncollectedReason;
use crate::tracking::TrackingCode;
use std::fmt;

/// What a history row records: a move of the state machine, or the filing that started it all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryEvent {
    /// The application was filed (its first row; there is no transition into the first state).
    Filed,
    /// The application was loaded in its state by a demo or benchmark seed, not lived through.
    Seeded,
    /// A transition of the lifecycle.
    Transition(Event),
    /// A row that records without moving the state (a de-duplication decision of "distinct", say), by name.
    Note(&'static str),
}

/// Rows that record without a transition, by their stored names.
const NOTES: [(&str, &str); 5] = [
    ("dedup_distinct", "بررسی تکرار: فرد دیگری است"),
    ("destination_changed", "تغییر دفتر مقصد"),
    ("card_suspended", "تعلیق کارت"),
    ("card_reactivated", "فعال‌سازی دوبارهٔ کارت"),
    ("card_destroyed", "امحای کارت باطل‌شده در دفتر"),
];

impl HistoryEvent {
    /// A supervisor decided that a de-duplication hit is another person.
    pub const DEDUP_DISTINCT: Self = Self::Note("dedup_distinct");
    /// A card still in production was given another destination office.
    pub const DESTINATION_CHANGED: Self = Self::Note("destination_changed");
    /// The card in its holder's hands was suspended (its loss reported): it stops verifying, its certificates go
    /// on hold.
    pub const CARD_SUSPENDED: Self = Self::Note("card_suspended");
    /// A suspended card was found again and its holder's finger matched at an office.
    pub const CARD_REACTIVATED: Self = Self::Note("card_reactivated");
    /// A card revoked while it waited at an office was destroyed there.
    pub const CARD_DESTROYED: Self = Self::Note("card_destroyed");

    /// The stored name: `filed`, an [`Event`]'s name, or a note's.
    pub fn code(self) -> &'static str {
        match self {
            Self::Filed => "filed",
            Self::Seeded => "seeded",
            Self::Transition(e) => e.as_str(),
            Self::Note(n) => n,
        }
    }

    /// The event a stored name stands for (`created` is the name rows had before `filed`).
    pub fn parse(code: &str) -> Option<Self> {
        if matches!(code, "filed" | "created") {
            return Some(Self::Filed);
        }
        if code == "seeded" {
            return Some(Self::Seeded);
        }
        if let Some(e) = Event::ALL.iter().find(|e| e.as_str() == code) {
            return Some(Self::Transition(*e));
        }
        NOTES
            .iter()
            .find(|(n, _)| *n == code)
            .map(|(n, _)| Self::Note(n))
    }

    /// Its label in Persian.
    pub fn fa(self) -> &'static str {
        match self {
            Self::Filed => "ثبت درخواست",
            Self::Seeded => "بارگذاری نمونه",
            Self::Transition(e) => e.fa(),
            Self::Note(n) => NOTES
                .iter()
                .find(|(name, _)| *name == n)
                .map_or("یادداشت", |(_, fa)| fa),
        }
    }
}

/// Why a history row happened. Stored as text in the forms listed on each variant (the forms rows have always
/// had), so old rows read the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryReason {
    /// The application's own reason, on its first row (`first_issue`, `lost`, …).
    Application(Reason),
    /// Why a card was not collected in time (`sms_failed`, `moved`, `deceased`, `none`).
    Uncollected(UncollectedReason),
    /// `batched for production`.
    BatchedForProduction,
    /// `back in the production queue`.
    BackInQueue,
    /// `the manufacturer did not answer in time`.
    VendorTimeout,
    /// `pickup period over`.
    PickupPeriodOver,
    /// `the registry records the holder's death`.
    HolderDied,
    /// `reported lost with application {tracking code}`: the card revoked when its loss was reported.
    ReportedLost(TrackingCode),
    /// `loss reported by the holder`: the card suspended until it is found again or the suspension ends.
    LossReported,
    /// `suspended past its period`: a suspended card nobody found again, revoked.
    SuspensionOver,
    /// `finger {position} matched`: the finger that matched at pickup or transfer.
    FingerMatched(u8),
    /// `{office} {Jalali day} #{slot}`: an appointment.
    Booking {
        office: OfficeId,
        day: JalaliDate,
        slot: u32,
    },
    /// Text written by a person or a partner (a supervisor's note, a manufacturer's fault), or by a service
    /// version that had no variant for it: shown as written.
    Note(String),
}

impl HistoryReason {
    /// A note: text shown as written.
    pub fn note(text: impl Into<String>) -> Self {
        Self::Note(text.into())
    }

    /// Reads a stored reason; text no variant claims is a [`HistoryReason::Note`].
    pub fn parse(stored: &str) -> Self {
        if let Ok(r) = Reason::parse(stored) {
            return Self::Application(r);
        }
        if let Some(u) = UncollectedReason::parse(stored) {
            return Self::Uncollected(u);
        }
        let fixed = [
            Self::BatchedForProduction,
            Self::BackInQueue,
            Self::VendorTimeout,
            Self::PickupPeriodOver,
            Self::HolderDied,
            Self::LossReported,
            Self::SuspensionOver,
        ];
        if let Some(f) = fixed.into_iter().find(|f| f.fixed_text() == Some(stored)) {
            return f;
        }
        if let Some(tc) = stored
            .strip_prefix("reported lost with application ")
            .and_then(|t| TrackingCode::parse(t).ok())
        {
            return Self::ReportedLost(tc);
        }
        if let Some(p) = stored
            .strip_prefix("finger ")
            .and_then(|r| r.strip_suffix(" matched"))
            .and_then(|p| p.parse::<u8>().ok())
            .filter(|p| (1..=10).contains(p))
        {
            return Self::FingerMatched(p);
        }
        if let [office, day, slot] = stored.split(' ').collect::<Vec<_>>()[..] {
            let parsed = (
                OfficeId::parse(office),
                JalaliDate::parse(day),
                slot.strip_prefix('#').and_then(|s| s.parse::<u32>().ok()),
            );
            if let (Ok(office), Ok(day), Some(slot)) = parsed {
                return Self::Booking { office, day, slot };
            }
        }
        Self::Note(stored.to_owned())
    }

    fn fixed_text(&self) -> Option<&'static str> {
        Some(match self {
            Self::BatchedForProduction => "batched for production",
            Self::BackInQueue => "back in the production queue",
            Self::VendorTimeout => "the manufacturer did not answer in time",
            Self::PickupPeriodOver => "pickup period over",
            Self::HolderDied => "the registry records the holder's death",
            Self::LossReported => "loss reported by the holder",
            Self::SuspensionOver => "suspended past its period",
            _ => return None,
        })
    }

    /// The label in Persian of a reason the service wrote itself, whole; `None` for a finger or a booking
    /// (whose parts a page lays out with its own names for fingers and dates), and for a note (shown as
    /// written).
    pub fn fa(&self) -> Option<String> {
        Some(match self {
            Self::Application(r) => r.fa().to_owned(),
            Self::Uncollected(u) => format!("تحویل‌نشده: {}", u.fa()),
            Self::BatchedForProduction => "ارسال به سازندهٔ کارت".to_owned(),
            Self::BackInQueue => "بازگشت به صف صدور".to_owned(),
            Self::VendorTimeout => "سازنده در مهلت پاسخ نداد".to_owned(),
            Self::PickupPeriodOver => "مهلت تحویل به پایان رسید".to_owned(),
            Self::HolderDied => "ثبت احوال فوت دارنده را ثبت کرده است".to_owned(),
            Self::LossReported => "اعلام مفقودی توسط دارنده".to_owned(),
            Self::SuspensionOver => "پایان مهلت تعلیق بدون پیدا شدن کارت".to_owned(),
            Self::ReportedLost(tc) => format!(
                "اعلام مفقودی با درخواست {}",
                crate::text::to_persian_digits(tc.as_str())
            ),
            Self::FingerMatched(_) | Self::Booking { .. } | Self::Note(_) => return None,
        })
    }
}

/// The stored form.
impl fmt::Display for HistoryReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = self.fixed_text() {
            return f.write_str(t);
        }
        match self {
            Self::Application(r) => f.write_str(r.as_str()),
            Self::Uncollected(u) => f.write_str(u.as_str()),
            Self::ReportedLost(tc) => write!(f, "reported lost with application {}", tc.as_str()),
            Self::FingerMatched(p) => write!(f, "finger {p} matched"),
            Self::Booking { office, day, slot } => write!(f, "{} {day} #{slot}", office.as_str()),
            Self::Note(t) => f.write_str(t),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every form the service has written reads back as its variant and writes the same text again.
    #[test]
    fn stored_forms_round_trip() {
        let day = JalaliDate::parse("1405-09-12").unwrap();
        let reasons = [
            HistoryReason::Application(Reason::Lost),
            HistoryReason::Uncollected(UncollectedReason::Moved),
            HistoryReason::BatchedForProduction,
            HistoryReason::BackInQueue,
            HistoryReason::VendorTimeout,
            HistoryReason::PickupPeriodOver,
            HistoryReason::HolderDied,
            HistoryReason::LossReported,
            HistoryReason::SuspensionOver,
            HistoryReason::ReportedLost(TrackingCode::from_body(14_051_234_567)),
            HistoryReason::FingerMatched(7),
            HistoryReason::Booking {
                office: OfficeId::parse("0231").unwrap(),
                day,
                slot: 14,
            },
            HistoryReason::note("chip failed the final test"),
        ];
        for r in reasons {
            let stored = r.to_string();
            assert_eq!(HistoryReason::parse(&stored), r, "{stored}");
        }
        assert_eq!(
            HistoryReason::FingerMatched(3).to_string(),
            "finger 3 matched"
        );
        assert_eq!(
            HistoryReason::parse("the manufacturer did not answer in time")
                .fa()
                .as_deref(),
            Some("سازنده در مهلت پاسخ نداد")
        );
        assert_eq!(
            HistoryReason::parse("finger 11 matched"),
            HistoryReason::note("finger 11 matched")
        );
    }

    #[test]
    fn events_by_name() {
        assert_eq!(HistoryEvent::parse("created"), Some(HistoryEvent::Filed));
        assert_eq!(HistoryEvent::Filed.code(), "filed");
        assert_eq!(HistoryEvent::parse("seeded"), Some(HistoryEvent::Seeded));
        assert_eq!(
            HistoryEvent::parse("card_suspended"),
            Some(HistoryEvent::CARD_SUSPENDED)
        );
        assert_eq!(HistoryEvent::CARD_REACTIVATED.fa(), "فعال‌سازی دوبارهٔ کارت");
        assert_eq!(
            HistoryEvent::parse("card_destroyed"),
            Some(HistoryEvent::CARD_DESTROYED)
        );
        for e in Event::ALL {
            let h = HistoryEvent::Transition(e);
            assert_eq!(HistoryEvent::parse(h.code()), Some(h));
            assert!(!h.fa().is_empty());
        }
        assert_eq!(
            HistoryEvent::parse("dedup_distinct").map(HistoryEvent::fa),
            Some("بررسی تکرار: فرد دیگری است")
        );
        assert_eq!(HistoryEvent::parse("no_such_event"), None);
    }
}
