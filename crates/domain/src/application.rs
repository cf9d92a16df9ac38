//! An application for a card, as the applicant files it: why they apply, through which channel, and what it costs.
//! Fees are configuration by Solar Hijri year ([`FeeTable`]); the domain only picks the schedule in force.

use crate::error::ValidationError;

/// Why a person applies (the contract's `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    FirstIssue,
    /// The old paper card stopped being valid.
    ReplaceOldCard,
    Lost,
    Damaged,
}

impl Reason {
    pub const ALL: [Reason; 4] = [
        Reason::FirstIssue,
        Reason::ReplaceOldCard,
        Reason::Lost,
        Reason::Damaged,
    ];

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                ValidationError::new(
                    "invalid_reason",
                    "reason must be one of first_issue, replace_old_card, lost, damaged",
                    "علت درخواست باید یکی از «صدور اول»، «تعویض کارت قدیمی»، «مفقودی» یا «خرابی» باشد",
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::FirstIssue => "first_issue",
            Reason::ReplaceOldCard => "replace_old_card",
            Reason::Lost => "lost",
            Reason::Damaged => "damaged",
        }
    }

    pub fn fa(self) -> &'static str {
        match self {
            Reason::FirstIssue => "صدور برای نخستین بار",
            Reason::ReplaceOldCard => "تعویض کارت ملی قدیمی",
            Reason::Lost => "مفقودی کارت",
            Reason::Damaged => "خرابی کارت",
        }
    }
}

/// Where an application was filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The citizen, on the web portal or its API.
    Portal,
    /// An operator at a counter office, for a walk-in.
    Office,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::Office => "office",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "portal" => Some(Channel::Portal),
            "office" => Some(Channel::Office),
            _ => None,
        }
    }
}

/// The fees in force from one Solar Hijri year on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeeSchedule {
    pub from_year: i32,
    pub issuance_rials: u64,
    /// Added when a counter office files the application for a walk-in.
    pub office_service_rials: u64,
    /// Paid at the counter when the card is collected.
    pub pickup_rials: u64,
}

/// Fee schedules by year; the one in force for a year is the latest that starts on or before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeTable(Vec<FeeSchedule>);

impl Default for FeeTable {
    /// The programme's published figures: 250,000 rials issuance (1398), 20,000 rials at pickup.
    fn default() -> Self {
        Self(vec![FeeSchedule {
            from_year: 1398,
            issuance_rials: 250_000,
            office_service_rials: 150_000,
            pickup_rials: 20_000,
        }])
    }
}

impl FeeTable {
    /// Refuses an empty table or two schedules for the same year.
    pub fn new(mut schedules: Vec<FeeSchedule>) -> Result<Self, ValidationError> {
        schedules.sort_by_key(|s| s.from_year);
        let dup = schedules
            .windows(2)
            .any(|w| w[0].from_year == w[1].from_year);
        if schedules.is_empty() || dup {
            return Err(ValidationError::new(
                "invalid_fees",
                "the fee table needs at least one schedule and one per year",
                "جدول تعرفه‌ها باید دست‌کم یک ردیف و برای هر سال یک ردیف داشته باشد",
            ));
        }
        Ok(Self(schedules))
    }

    /// The schedule in force in `year` (the earliest one for years before the table starts).
    pub fn for_year(&self, year: i32) -> FeeSchedule {
        self.0
            .iter()
            .rev()
            .find(|s| s.from_year <= year)
            .or(self.0.first())
            .copied()
            .unwrap_or(FeeSchedule {
                from_year: year,
                issuance_rials: 0,
                office_service_rials: 0,
                pickup_rials: 0,
            })
    }

    /// What an application filed in `year` through `channel` costs.
    pub fn application_fee(&self, year: i32, channel: Channel) -> u64 {
        let s = self.for_year(year);
        match channel {
            Channel::Portal => s.issuance_rials,
            Channel::Office => s.issuance_rials + s.office_service_rials,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_and_refuse_others() {
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()).unwrap(), r);
        }
        assert_eq!(Reason::parse("stolen").unwrap_err().code, "invalid_reason");
    }

    #[test]
    fn fees_pick_the_schedule_in_force() {
        let t = FeeTable::new(vec![
            FeeSchedule {
                from_year: 1398,
                issuance_rials: 250_000,
                office_service_rials: 100_000,
                pickup_rials: 20_000,
            },
            FeeSchedule {
                from_year: 1404,
                issuance_rials: 1_000_000,
                office_service_rials: 300_000,
                pickup_rials: 50_000,
            },
        ])
        .unwrap();
        assert_eq!(t.application_fee(1400, Channel::Portal), 250_000);
        assert_eq!(t.application_fee(1400, Channel::Office), 350_000);
        assert_eq!(t.application_fee(1405, Channel::Portal), 1_000_000);
        assert_eq!(t.for_year(1390).from_year, 1398);
        assert!(FeeTable::new(vec![]).is_err());
    }
}
