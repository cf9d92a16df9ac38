//! From the file as written to a checked [`Scenario`]: dates parsed and turned into day offsets, shares and rates
//! checked to lie in their ranges, provinces looked up, offices split by population.

use super::raw::{IncludeList, RawScenario};
use super::*;
use domain::Province;

type R<T> = Result<T, ScenarioError>;

fn share(field: &str, v: f64) -> R<f64> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(ScenarioError::at(
            field,
            format!("must be a share between 0 and 1 (got {v})"),
        ))
    }
}

fn positive(field: &str, v: f64) -> R<f64> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(ScenarioError::at(
            field,
            format!("must be a number of 0 or more (got {v})"),
        ))
    }
}

fn date(field: &str, s: &str) -> R<JalaliDate> {
    JalaliDate::parse(s).map_err(|e| ScenarioError::at(field, e.message_en))
}

fn range(field: &str, r: [u32; 2]) -> R<[u32; 2]> {
    if r[0] <= r[1] && r[1] <= 365 {
        Ok(r)
    } else {
        Err(ScenarioError::at(
            field,
            format!(
                "must be [min, max] days with min ≤ max ≤ 365 (got [{}, {}])",
                r[0], r[1]
            ),
        ))
    }
}

pub fn resolve(raw: RawScenario) -> R<Scenario> {
    let start = date("start", &raw.start)?;
    let base = start.day_number();
    let day = |field: &str, s: &str| -> R<i64> { Ok(date(field, s)?.day_number() - base) };
    if raw.days == 0 || raw.days > MAX_DAYS {
        return Err(ScenarioError::at(
            "days",
            format!("must be between 1 and {MAX_DAYS} (got {})", raw.days),
        ));
    }
    let closures = raw
        .closures
        .iter()
        .enumerate()
        .map(|(i, s)| day(&format!("closures[{i}]"), s))
        .collect::<R<Vec<_>>>()?;

    let demand_rate = share("demand.apply_per_year", raw.demand.apply_per_year)?;
    if demand_rate >= 1.0 {
        return Err(ScenarioError::at(
            "demand.apply_per_year",
            "must be below 1 (a share of those not yet applied)",
        ));
    }
    let mut surges = Vec::new();
    for (i, s) in raw.demand.surges.iter().enumerate() {
        let f = format!("demand.surges[{i}]");
        let from_day = day(&format!("{f}.from"), &s.from)?;
        let to_day = day(&format!("{f}.to"), &s.to)?;
        if to_day < from_day {
            return Err(ScenarioError::at(
                format!("{f}.to"),
                format!("{} is before `from` ({})", s.to, s.from),
            ));
        }
        surges.push(Surge {
            from_day,
            to_day,
            factor: positive(&format!("{f}.factor"), s.factor)?,
            label: s.label.clone(),
        });
    }

    let provinces = provinces(&raw, demand_rate)?;

    if raw.vendors.is_empty() {
        return Err(ScenarioError::at(
            "vendors",
            "at least one vendor ([[vendors]]) is needed",
        ));
    }
    let mut vendors = Vec::new();
    for (i, v) in raw.vendors.iter().enumerate() {
        let f = format!("vendors[{i}]");
        let mut outages = Vec::new();
        for (j, o) in v.outages.iter().enumerate() {
            outages.push((day(&format!("{f}.outages[{j}].from"), &o.from)?, o.days));
        }
        let mut changes = Vec::new();
        for (j, c) in v.changes.iter().enumerate() {
            changes.push((
                day(&format!("{f}.changes[{j}].from"), &c.from)?,
                c.daily_capacity,
            ));
        }
        changes.sort_by_key(|c| c.0);
        vendors.push(Vendor {
            name: v.name.clone(),
            share: share(&format!("{f}.share"), v.share)?,
            daily_capacity: v.daily_capacity,
            failure: share(&format!("{f}.failure"), v.failure)?,
            works_fridays: v.works_fridays,
            outages,
            changes,
        });
    }
    let total: f64 = vendors.iter().map(|v| v.share).sum();
    if (total - 1.0).abs() > 1e-6 {
        return Err(ScenarioError::at(
            "vendors",
            format!("the shares must add up to 1 (they add up to {total})"),
        ));
    }
    if vendors.iter().any(|v| v.failure >= 1.0) {
        return Err(ScenarioError::at(
            "vendors",
            "a failure rate of 1 would remake the same cards for ever",
        ));
    }

    let p = &raw.pickup;
    let mut last = (0u32, 0.0f64);
    for (i, &(d, s)) in p.notified.iter().enumerate() {
        share(&format!("pickup.notified[{i}]"), s)?;
        if d <= last.0 || s < last.1 || s >= 1.0 {
            return Err(ScenarioError::at(
                format!("pickup.notified[{i}]"),
                format!(
                    "points must rise: days after {} and a share from {} up to below 1 (got [{d}, {s}])",
                    last.0, last.1
                ),
            ));
        }
        last = (d, s);
    }
    let linked_from_day = match &raw.sms.linked_from {
        Some(s) => Some(day("sms.linked_from", s)?),
        None => None,
    };
    if p.period_days == 0 || p.period_days > 700 {
        return Err(ScenarioError::at(
            "pickup.period_days",
            format!("must be between 1 and 700 days (got {})", p.period_days),
        ));
    }
    let payment_retry = share("payment.retry", raw.payment.retry)?;
    let payment_failure = share("payment.failure", raw.payment.failure)?;
    if payment_failure >= 1.0 {
        return Err(ScenarioError::at(
            "payment.failure",
            "must be below 1 (nobody could ever pay)",
        ));
    }
    Ok(Scenario {
        name: raw.name,
        start,
        days: raw.days,
        seed: raw.seed,
        closures,
        provinces,
        office_capacity_spread: share(
            "provinces.office_capacity_spread",
            raw.provinces.office_capacity_spread,
        )?,
        surges,
        payment_failure,
        payment_retry,
        no_show: share("offices.no_show", raw.offices.no_show)?,
        dedup: Dedup {
            days: raw.dedup.days.min(365),
            hit_rate: share("dedup.hit_rate", raw.dedup.hit_rate)?,
            duplicate_share: share("dedup.duplicate_share", raw.dedup.duplicate_share)?,
            adjudication_days: raw.dedup.adjudication_days.min(365),
        },
        vendors,
        sms: Sms {
            typed_reach: share("sms.typed_reach", raw.sms.typed_reach)?,
            linked_reach: share("sms.linked_reach", raw.sms.linked_reach)?,
            linked_from_day,
        },
        pickup: Pickup {
            notified: p.notified.clone(),
            unnotified_per_day: share("pickup.unnotified_per_day", p.unnotified_per_day)?,
            reminders: p.reminders.clone(),
            reminder_response: share("pickup.reminder_response", p.reminder_response)?,
            period_days: p.period_days,
            receipt_grace_days: p.receipt_grace_days,
            after_grace_per_day: share("pickup.after_grace_per_day", p.after_grace_per_day)?,
        },
        people: People {
            deaths_per_year: share("people.deaths_per_year", raw.people.deaths_per_year)?,
            moves_per_year: share("people.moves_per_year", raw.people.moves_per_year)?,
            transfer_share: share("people.transfer_share", raw.people.transfer_share)?,
            transfer_days: raw.people.transfer_days.min(365),
            turning_15_per_year: share(
                "people.turning_15_per_year",
                raw.people.turning_15_per_year,
            )?,
        },
        backlog_age_days: raw.initial.backlog_age_days.unwrap_or(60).clamp(1, 3650),
    })
}

fn provinces(raw: &RawScenario, demand_rate: f64) -> R<Vec<ProvinceSetup>> {
    let rp = &raw.provinces;
    let codes: Vec<ProvinceCode> = match &rp.include {
        IncludeList::All(s) if s == "all" => Province::all().iter().map(|p| p.code()).collect(),
        IncludeList::All(s) => {
            return Err(ScenarioError::at(
                "provinces.include",
                format!("must be \"all\" or a list of province codes such as [\"09\"] (got {s:?})"),
            ))
        }
        IncludeList::Codes(list) => list
            .iter()
            .enumerate()
            .map(|(i, c)| {
                ProvinceCode::parse(c)
                    .map_err(|e| ScenarioError::at(format!("provinces.include[{i}]"), e.message_en))
            })
            .collect::<R<_>>()?,
    };
    if codes.is_empty() {
        return Err(ScenarioError::at("provinces.include", "names no province"));
    }
    for key in rp.overrides.keys().chain(raw.initial.provinces.keys()) {
        let code = ProvinceCode::parse(key)
            .map_err(|e| ScenarioError::at(format!("provinces.overrides.{key}"), e.message_en))?;
        if !codes.contains(&code) {
            return Err(ScenarioError::at(
                format!("provinces.overrides.{key}"),
                "this province is not in provinces.include",
            ));
        }
    }
    let eligible_share = share("provinces.eligible_share", rp.eligible_share)?;
    if rp.offices == 0 || rp.offices > MAX_OFFICES {
        return Err(ScenarioError::at(
            "provinces.offices",
            format!("must be between 1 and {MAX_OFFICES} (got {})", rp.offices),
        ));
    }
    let capacity = positive("provinces.office_daily_capacity", rp.office_daily_capacity)?;
    let shipping = range("shipping.days", raw.shipping.days)?;
    // Offices by population, largest remainder, at least one each.
    let pops: Vec<u64> = codes.iter().map(|c| c.province().population_2016).collect();
    let total_pop: u64 = pops.iter().sum();
    let quota: Vec<f64> = pops
        .iter()
        .map(|&p| f64::from(rp.offices) * p as f64 / total_pop as f64)
        .collect();
    let mut offices: Vec<u32> = quota.iter().map(|q| q.floor() as u32).collect();
    let mut left = rp.offices.saturating_sub(offices.iter().sum());
    let mut order: Vec<usize> = (0..codes.len()).collect();
    order.sort_by(|&a, &b| (quota[b] - quota[b].floor()).total_cmp(&(quota[a] - quota[a].floor())));
    for &i in order.iter().cycle().take(codes.len() * 2) {
        if left == 0 {
            break;
        }
        offices[i] += 1;
        left -= 1;
    }
    let eligible_of = |code: &ProvinceCode| {
        rp.overrides
            .get(code.as_str())
            .and_then(|o| o.eligible)
            .unwrap_or_else(|| {
                (code.province().population_2016 as f64 * eligible_share).round() as u64
            })
    };
    let national_eligible: u64 = codes.iter().map(eligible_of).sum();
    let mut out = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let key = code.as_str();
        let o = rp.overrides.get(key);
        let f = format!("provinces.overrides.{key}");
        let eligible = eligible_of(code);
        let mut initial = raw.initial.provinces.get(key).cloned().unwrap_or_default();
        if let Some(national) = &raw.initial.national {
            let mut national = national.clone();
            let share = eligible as f64 / national_eligible.max(1) as f64;
            for (mine, all) in initial.values_mut().into_iter().zip(national.values_mut()) {
                *mine += (*all as f64 * share).round() as u64;
            }
        }
        let setup = ProvinceSetup {
            code: *code,
            eligible,
            offices: o.and_then(|o| o.offices).unwrap_or(offices[i]).max(1),
            office_daily_capacity: positive(
                &format!("{f}.office_daily_capacity"),
                o.and_then(|o| o.office_daily_capacity).unwrap_or(capacity),
            )?,
            office_capacities: None,
            apply_per_year: share(
                &format!("{f}.apply_per_year"),
                o.and_then(|o| o.apply_per_year).unwrap_or(demand_rate),
            )?
            .min(0.999_999),
            shipping_days: range(
                &format!("{f}.shipping_days"),
                o.and_then(|o| o.shipping_days).unwrap_or(shipping),
            )?,
            initial,
        };
        if setup.initial_applied() > setup.eligible {
            return Err(ScenarioError::at(
                format!("initial.provinces.{key}"),
                format!(
                    "holds {} applications but the province has only {} eligible people",
                    setup.initial_applied(),
                    setup.eligible
                ),
            ));
        }
        out.push(setup);
    }
    let total_offices: u32 = out.iter().map(|p| p.offices).sum();
    if total_offices > MAX_OFFICES {
        return Err(ScenarioError::at(
            "provinces.overrides",
            format!("{total_offices} offices in all; at most {MAX_OFFICES}"),
        ));
    }
    Ok(out)
}
