//! The menu as a state machine over the inputs of one session. The gateway sends every input so far, so each
//! request replays them from the first screen: a valid input moves on, a wrong one stays on its step (the step is
//! shown again with a hint), and three wrong inputs in a row end the session.
//!
//! ```text
//! main ─1→ the number's applications (pages: 0) ─n→ stage ┐
//!      └2→ national code → tracking code ───────────→ stage ┴─ card waits at an office → 1: the address
//!                                                                                    └ 2: another office ┐
//!                                                   not yet on its way (enrolled, in production) → 2: ───┤
//!   another office: province area code → the province's offices (pages: 0) → n → 1: yes (sent) / 2: no ─┘
//! ```
//!
//! The holder reaches an application either through the calling number (registered to the national code at the
//! operators) or with the national code and tracking code together, as on the portal; the office change is the
//! portal's (`crate::transfer::transfer_to`), and happens only on the session's last input.

use super::screens::{self, Screen};
use crate::state::AppState;
use axum::http::StatusCode;
use domain::text::digit_value;
use domain::{ApplicationState, Mobile, NationalCode, Office, TrackingCode};
use store::journey::StatusView;

/// Characters of one input looked at; the rest is ignored.
pub const MAX_INPUT_CHARS: usize = 32;
/// Wrong inputs in a row that end the session.
pub const MAX_WRONG: u32 = 3;
/// National codes of one number looked up at most.
const MAX_LINKED: usize = 20;

/// What the caller is known by.
pub struct Caller<'a> {
    pub state: &'a AppState,
    /// The calling number, when it is one.
    pub mobile: Option<Mobile>,
}

struct Item {
    code: NationalCode,
    tracking: TrackingCode,
    state: ApplicationState,
}

enum Step {
    Main,
    /// The number's applications, the page shown starting at `start`.
    Pick {
        items: Vec<Item>,
        start: usize,
    },
    AskCode,
    AskTracking(NationalCode),
    /// The card waits at an office; `1` shows the address, `2` sends it to another office.
    Waiting(StatusView, TrackingCode),
    /// Not yet on its way: `2` changes the office it goes to.
    Changeable(StatusView, TrackingCode),
    /// The province (by its area code) of the office to send the card to.
    AskArea(TrackingCode),
    PickOffice {
        tracking: TrackingCode,
        offices: Vec<Office>,
        start: usize,
    },
    Confirm(TrackingCode, Office),
}

enum Next {
    Go(Step),
    Wrong(Step),
    End(Screen),
}

/// The screen for the inputs so far (the gateway's `text` split at `*`).
pub async fn answer(caller: &Caller<'_>, inputs: &[&str]) -> Screen {
    let mut step = Step::Main;
    let mut wrong = 0u32;
    for (i, raw) in inputs.iter().enumerate() {
        let input: String = raw.chars().take(MAX_INPUT_CHARS).collect();
        let last = i + 1 == inputs.len();
        match advance(caller, step, input.trim(), wrong > 0, last).await {
            Next::Go(s) => {
                step = s;
                wrong = 0;
            }
            Next::Wrong(s) => {
                step = s;
                wrong += 1;
                if wrong >= MAX_WRONG {
                    return Screen::end(screens::TOO_MANY_WRONG);
                }
            }
            Next::End(screen) => return screen,
        }
    }
    show(&step, wrong > 0)
}

fn show(step: &Step, hint: bool) -> Screen {
    match step {
        Step::Main => screens::main_menu(hint),
        Step::Pick { items, start } => list(items, *start, hint).0,
        Step::AskCode => screens::ask_code(hint),
        Step::AskTracking(_) => screens::ask_tracking(hint),
        Step::Waiting(v, _) => {
            let name = v.office.as_ref().map(|(_, n)| n.as_str()).unwrap_or("");
            screens::waiting(v, name, hint)
        }
        Step::Changeable(v, _) => screens::changeable(v, hint),
        Step::AskArea(_) => screens::ask_area(hint),
        Step::PickOffice { offices, start, .. } => office_page(offices, *start, hint).0,
        Step::Confirm(_, office) => screens::confirm(office, hint),
    }
}

fn office_page(offices: &[Office], start: usize, hint: bool) -> (Screen, Option<usize>) {
    let lines: Vec<String> = offices
        .iter()
        .enumerate()
        .map(|(i, o)| screens::office_line(i, o))
        .collect();
    screens::titled_page(screens::OFFICES, &lines, start, hint)
}

fn list(items: &[Item], start: usize, hint: bool) -> (Screen, Option<usize>) {
    let lines: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, it)| screens::list_line(i, &it.code, it.state))
        .collect();
    screens::list_page(&lines, start, hint)
}

/// A menu choice: one to three digits, Persian, Arabic-Indic or ASCII.
fn choice(input: &str) -> Option<u32> {
    if input.is_empty() || input.chars().count() > 3 {
        return None;
    }
    input
        .chars()
        .try_fold(0u32, |n, c| digit_value(c).map(|d| n * 10 + u32::from(d)))
}

async fn advance(caller: &Caller<'_>, step: Step, input: &str, hinted: bool, last: bool) -> Next {
    match step {
        Step::Main => match choice(input) {
            Some(1) => mine(caller).await,
            Some(2) => Next::Go(Step::AskCode),
            _ => Next::Wrong(Step::Main),
        },
        Step::Pick { items, start } => match choice(input) {
            Some(0) => match list(&items, start, hinted).1 {
                Some(next) => Next::Go(Step::Pick { items, start: next }),
                None => Next::Wrong(Step::Pick { items, start }),
            },
            Some(n) if (1..=items.len()).contains(&(n as usize)) => {
                let it = &items[n as usize - 1];
                stage(caller, &it.code, &it.tracking).await
            }
            _ => Next::Wrong(Step::Pick { items, start }),
        },
        Step::AskCode => match NationalCode::parse(input) {
            Ok(code) => Next::Go(Step::AskTracking(code)),
            Err(_) => Next::Wrong(Step::AskCode),
        },
        Step::AskTracking(code) => match TrackingCode::parse(input) {
            Ok(tracking) => {
                // A fresh lookup counts against the national code's limit, as on the API.
                if last && caller.state.settings.rate_limits {
                    let key = format!("status:nc:{}", code.as_str());
                    let per_minute = caller.state.settings.status_per_code_per_minute;
                    if caller
                        .state
                        .services
                        .limiter
                        .check(&key, per_minute)
                        .await
                        .is_err()
                    {
                        return Next::End(Screen::end(screens::RATE_LIMITED));
                    }
                }
                stage(caller, &code, &tracking).await
            }
            Err(_) => Next::Wrong(Step::AskTracking(code)),
        },
        Step::Waiting(v, t) => match choice(input) {
            Some(1) => Next::End(office_address(caller, &v).await),
            Some(2) => Next::Go(Step::AskArea(t)),
            _ => Next::Wrong(Step::Waiting(v, t)),
        },
        Step::Changeable(v, t) => match choice(input) {
            Some(2) => Next::Go(Step::AskArea(t)),
            _ => Next::Wrong(Step::Changeable(v, t)),
        },
        Step::AskArea(t) => {
            let Ok(province) = domain::Province::by_area_code(input) else {
                return Next::Wrong(Step::AskArea(t));
            };
            match caller
                .state
                .store
                .offices_in_province(province.code())
                .await
            {
                Ok(offices) if offices.is_empty() => Next::End(Screen::end(screens::NO_OFFICES)),
                Ok(offices) => Next::Go(Step::PickOffice {
                    tracking: t,
                    offices,
                    start: 0,
                }),
                Err(e) => {
                    tracing::warn!(error = %e, "ussd: offices unavailable");
                    Next::End(Screen::end(screens::UNAVAILABLE))
                }
            }
        }
        Step::PickOffice {
            tracking,
            offices,
            start,
        } => match choice(input) {
            Some(0) => match office_page(&offices, start, hinted).1 {
                Some(next) => Next::Go(Step::PickOffice {
                    tracking,
                    offices,
                    start: next,
                }),
                None => Next::Wrong(Step::PickOffice {
                    tracking,
                    offices,
                    start,
                }),
            },
            Some(n) if (1..=offices.len()).contains(&(n as usize)) => {
                let office = offices[n as usize - 1].clone();
                Next::Go(Step::Confirm(tracking, office))
            }
            _ => Next::Wrong(Step::PickOffice {
                tracking,
                offices,
                start,
            }),
        },
        Step::Confirm(t, office) => match choice(input) {
            Some(1) if last => Next::End(send_to(caller, &t, &office).await),
            // Replayed from an earlier request of the session: already done.
            Some(1) => Next::End(screens::moved(&office)),
            Some(2) => Next::End(Screen::end(screens::KEPT)),
            _ => Next::Wrong(Step::Confirm(t, office)),
        },
    }
}

/// The card goes to `office`: the portal's operation, recorded as the citizen's by USSD. A card that already goes
/// there is reported as sent (a gateway's retry of the same request).
async fn send_to(caller: &Caller<'_>, tracking: &TrackingCode, office: &Office) -> Screen {
    match crate::transfer::transfer_to(caller.state, tracking, &office.id, "citizen:ussd".into())
        .await
    {
        Ok(_) => screens::moved(office),
        Err(e) if e.detail.code == "same_office" => screens::moved(office),
        Err(e) if e.status.is_client_error() => Screen::end(e.detail.message.clone()),
        Err(e) => {
            tracing::warn!(error = %e.detail.message_en, "ussd: office change failed");
            Screen::end(screens::UNAVAILABLE)
        }
    }
}

/// The applications of the national codes registered to the calling number.
async fn mine(caller: &Caller<'_>) -> Next {
    let Some(mobile) = caller.mobile else {
        return Next::End(Screen::end(screens::UNKNOWN_NUMBER));
    };
    let mut codes = match caller.state.services.ownership.linked_codes(&mobile).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(phone = %mobile.masked(), error = %e, "ussd: linked national codes unavailable");
            return Next::End(Screen::end(screens::UNAVAILABLE));
        }
    };
    codes.sort();
    codes.dedup();
    codes.truncate(MAX_LINKED);
    let mut items = Vec::new();
    for code in codes {
        match caller.state.store.active_application(&code).await {
            Ok(Some(a)) => items.push(Item {
                code,
                tracking: a.tracking_code,
                state: a.state,
            }),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(national_code = %code.masked(), error = %e, "ussd: application lookup failed");
                return Next::End(Screen::end(screens::UNAVAILABLE));
            }
        }
    }
    if items.is_empty() {
        return Next::End(Screen::end(screens::NONE_FOR_NUMBER));
    }
    Next::Go(Step::Pick { items, start: 0 })
}

/// The stage of one application, by the pair of codes (checked together, as on the API).
async fn stage(caller: &Caller<'_>, code: &NationalCode, tracking: &TrackingCode) -> Next {
    match crate::status::lookup(caller.state, code, tracking).await {
        Ok(v) if v.office.is_some() => Next::Go(Step::Waiting(v, *tracking)),
        Ok(v)
            if matches!(
                v.state,
                ApplicationState::Enrolled | ApplicationState::InProduction
            ) =>
        {
            Next::Go(Step::Changeable(v, *tracking))
        }
        Ok(v) => Next::End(screens::status_end(&v)),
        Err(e) if e.status == StatusCode::NOT_FOUND => Next::End(Screen::end(screens::NOT_FOUND)),
        Err(e) => {
            tracing::warn!(national_code = %code.masked(), error = %e.detail.message_en, "ussd: status lookup failed");
            Next::End(Screen::end(screens::UNAVAILABLE))
        }
    }
}

async fn office_address(caller: &Caller<'_>, v: &StatusView) -> Screen {
    let Some((id, _)) = &v.office else {
        return Screen::end(screens::NO_ADDRESS);
    };
    match caller.state.store.office(id).await {
        Ok(Some(o)) => screens::address(&o),
        Ok(None) => Screen::end(screens::NO_ADDRESS),
        Err(e) => {
            tracing::warn!(office = %id.as_str(), error = %e, "ussd: office lookup failed");
            Screen::end(screens::UNAVAILABLE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::choice;

    #[test]
    fn choices_in_any_digits() {
        assert_eq!(choice("1"), Some(1));
        assert_eq!(choice("۲"), Some(2));
        assert_eq!(choice("٣"), Some(3));
        assert_eq!(choice("۱۲"), Some(12));
        assert_eq!(choice(""), None);
        assert_eq!(choice("1a"), None);
        assert_eq!(choice("1234"), None);
        assert_eq!(choice("x"), None);
    }
}
