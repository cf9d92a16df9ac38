//! What the phone shows: Persian screens of at most [`MAX_CHARS`] characters, `CON ` or `END ` included, with
//! Persian digits. Variable parts (office names, addresses) are cut to the room left; [`Screen::render`] cuts
//! whatever still overflows, so no screen is ever longer. A plain-text screen cannot isolate stored text, so
//! control and directional formatting characters are taken out of those variable parts.

use domain::text::{strip_controls, to_persian_digits};
use domain::{ApplicationState, NationalCode, Office};
use store::journey::StatusView;

/// Characters a screen may have, counting the `CON `/`END ` prefix.
pub const MAX_CHARS: usize = 80;
const PREFIX_CHARS: usize = 4;

pub const TITLE: &str = "کارت هوشمند ملی";
pub const OPTION_MINE: &str = "۱- درخواست‌های شمارهٔ من";
pub const OPTION_TRACK: &str = "۲- پیگیری با کد ملی و کد رهگیری";
pub const PICK: &str = "درخواست‌ها:";
pub const MORE: &str = "۰- بیشتر";
pub const ASK_CODE: &str = "کد ملی ۱۰ رقمی را وارد کنید:";
pub const ASK_TRACKING: &str = "کد رهگیری ۱۲ رقمی را وارد کنید:";
/// The waiting card's two choices on one line (the office's name needs the room): its address, another office.
pub const OPTIONS_WAITING: &str = "۱- نشانی ۲- دفتر دیگر";
pub const OPTION_CHANGE: &str = "۲- دفتر دیگر";
pub const ASK_AREA: &str = "پیش‌شمارهٔ استان دفتر تازه (مثلاً ۰۲۱):";
pub const HINT_AREA: &str = "پیش‌شماره درست نیست.";
pub const OFFICES: &str = "دفترها:";
pub const YES_NO: &str = "۱- بله\n۲- خیر";
pub const NO_OFFICES: &str = "در این استان دفتری نیست.";
pub const KEPT: &str = "دفتر تحویل تغییر نکرد.";

pub const HINT_MENU: &str = "ورودی نادرست است.";
pub const HINT_CODE: &str = "کد ملی درست نیست.";
pub const HINT_TRACKING: &str = "کد رهگیری درست نیست.";

pub const EXPIRED: &str = "نشست به پایان رسید؛ دوباره شماره‌گیری کنید.";
pub const TOO_MANY_WRONG: &str = "سه بار ورودی نادرست؛ دوباره شماره‌گیری کنید.";
pub const TOO_LONG: &str = "ورودی بیش از اندازه طولانی است.";
pub const BAD_REQUEST: &str = "درخواست نامعتبر است.";
pub const WRONG_SERVICE: &str = "کد نادرست است؛ *۴*۶۰۹۰# را شماره‌گیری کنید.";
pub const RATE_LIMITED: &str = "درخواست‌ها بیش از حد است؛ چند دقیقهٔ دیگر تلاش کنید.";
pub const UNAVAILABLE: &str = "سامانه موقتاً در دسترس نیست؛ بعداً تلاش کنید.";
pub const UNKNOWN_NUMBER: &str = "شمارهٔ شما شناسایی نشد؛ از گزینهٔ ۲ استفاده کنید.";
pub const NONE_FOR_NUMBER: &str = "برای کدهای ملی این شماره درخواست فعالی نیست.";
pub const NOT_FOUND: &str = "درخواستی با این کد ملی و کد رهگیری یافت نشد.";
pub const NO_ADDRESS: &str = "نشانی این دفتر در دسترس نیست.";

/// One answer to the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    /// `CON` (more input wanted) or `END`.
    pub more: bool,
    pub body: String,
}

impl Screen {
    pub fn con(body: impl Into<String>) -> Self {
        Self {
            more: true,
            body: body.into(),
        }
    }

    pub fn end(body: impl Into<String>) -> Self {
        Self {
            more: false,
            body: body.into(),
        }
    }

    /// The text sent, never over [`MAX_CHARS`] characters.
    pub fn render(&self) -> String {
        let prefix = if self.more { "CON " } else { "END " };
        format!("{prefix}{}", cut(&self.body, MAX_CHARS - PREFIX_CHARS))
    }
}

/// `s` in at most `max` characters: cut, with `…`, when longer.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let kept: String = s.chars().take(max - 1).collect();
    let kept = kept.trim_end_matches(|c: char| c.is_whitespace() || c == '\u{200C}' || c == '،');
    format!("{kept}…")
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The lines joined, the one at `flex` cut to the room the others leave.
fn fit_lines(lines: &[&str], flex: usize) -> String {
    let fixed: usize = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != flex)
        .map(|(_, l)| chars(l))
        .sum::<usize>()
        + lines.len().saturating_sub(1);
    let room = (MAX_CHARS - PREFIX_CHARS).saturating_sub(fixed);
    let cut_flex = lines.get(flex).map(|l| cut(l, room)).unwrap_or_default();
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| if i == flex { cut_flex.as_str() } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn main_menu(hint: bool) -> Screen {
    let head = if hint { HINT_MENU } else { TITLE };
    Screen::con(format!("{head}\n{OPTION_MINE}\n{OPTION_TRACK}"))
}

pub fn ask_code(hint: bool) -> Screen {
    Screen::con(if hint {
        format!("{HINT_CODE}\n{ASK_CODE}")
    } else {
        ASK_CODE.to_string()
    })
}

pub fn ask_tracking(hint: bool) -> Screen {
    Screen::con(if hint {
        format!("{HINT_TRACKING}\n{ASK_TRACKING}")
    } else {
        ASK_TRACKING.to_string()
    })
}

/// A stage in a few words, for lists and tight screens.
pub fn short_state(s: ApplicationState) -> &'static str {
    use ApplicationState as S;
    match s {
        S::AwaitingPayment => "منتظر پرداخت",
        S::AwaitingAppointment => "منتظر نوبت",
        S::AppointmentBooked => "دارای نوبت",
        S::Enrolled => "ثبت‌نام شد",
        S::InProduction => "در حال صدور",
        S::Dispatched => "در راه دفتر",
        S::ReadyForPickup => "آمادهٔ تحویل",
        S::Delivered => "تحویل شد",
        S::Rejected => "رد شده",
        S::Cancelled => "لغو شده",
        S::ProductionFailed => "صدور دوباره",
        S::Uncollected => "تحویل‌نشده",
        S::Revoked => "باطل شده",
    }
}

/// `۰۰******۴۸`: enough for a family to tell its codes apart, never the whole code.
pub fn masked(code: &NationalCode) -> String {
    to_persian_digits(&code.masked())
}

/// One entry of the list of a number's applications: `۱- ۰۰******۴۸ منتظر نوبت`.
pub fn list_line(index: usize, code: &NationalCode, state: ApplicationState) -> String {
    format!(
        "{}- {} {}",
        to_persian_digits(&(index + 1).to_string()),
        masked(code),
        short_state(state)
    )
}

/// The page of the list that starts at `start`, and where the next page starts (`None` on the last page).
pub fn list_page(lines: &[String], start: usize, hint: bool) -> (Screen, Option<usize>) {
    titled_page(PICK, lines, start, hint)
}

/// [`list_page`] under another title.
pub fn titled_page(
    title: &str,
    lines: &[String],
    start: usize,
    hint: bool,
) -> (Screen, Option<usize>) {
    let mut body = String::from(if hint { HINT_MENU } else { title });
    let more = 1 + chars(MORE);
    let mut end = start;
    while let Some(line) = lines.get(end) {
        let needs_more = end + 1 < lines.len();
        let total =
            PREFIX_CHARS + chars(&body) + 1 + chars(line) + if needs_more { more } else { 0 };
        if end > start && total > MAX_CHARS {
            break;
        }
        body.push('\n');
        body.push_str(line);
        end += 1;
    }
    let next = (end < lines.len()).then_some(end);
    if next.is_some() {
        body.push('\n');
        body.push_str(MORE);
    }
    (Screen::con(body), next)
}

pub use crate::web::dates::day_fa;

/// The stage of an application whose card does not wait at an office: the code (masked), the stage, since when.
pub fn status_end(v: &StatusView) -> Screen {
    Screen::end(format!(
        "{}\nوضعیت: {}\nاز {}",
        masked(&v.national_code),
        v.state.fa(),
        day_fa(v.updated_at)
    ))
}

/// The card waits at an office: the stage, since when, the office's name, the address on request, and the
/// choice of sending it to another office.
pub fn waiting(v: &StatusView, office_name: &str, hint: bool) -> Screen {
    let at = format!("در {}", strip_controls(office_name));
    let body = if hint {
        fit_lines(&[HINT_MENU, &at, OPTIONS_WAITING], 1)
    } else {
        let stage = format!("{} از {}", short_state(v.state), day_fa(v.updated_at));
        fit_lines(&[&stage, &at, OPTIONS_WAITING], 1)
    };
    Screen::con(body)
}

/// The card is not yet on its way: the stage, and the choice of another office to send it to.
pub fn changeable(v: &StatusView, hint: bool) -> Screen {
    let head = if hint {
        HINT_MENU.to_string()
    } else {
        masked(&v.national_code)
    };
    Screen::con(format!(
        "{head}\n{} از {}\n{OPTION_CHANGE}",
        short_state(v.state),
        day_fa(v.updated_at)
    ))
}

pub fn ask_area(hint: bool) -> Screen {
    Screen::con(if hint {
        format!("{HINT_AREA}\n{ASK_AREA}")
    } else {
        ASK_AREA.to_string()
    })
}

/// One office of the list: its name, cut to a line.
pub fn office_line(index: usize, office: &Office) -> String {
    let line = format!(
        "{}- {}",
        to_persian_digits(&(index + 1).to_string()),
        strip_controls(&office.name)
    );
    cut(&line, 30)
}

/// Send the card to `office`?
pub fn confirm(office: &Office, hint: bool) -> Screen {
    let head = if hint {
        HINT_MENU
    } else {
        "ارسال کارت به:"
    };
    let name = strip_controls(&office.name);
    Screen::con(fit_lines(&[head, &name, YES_NO], 1))
}

/// The card goes to `office` from now.
pub fn moved(office: &Office) -> Screen {
    let name = strip_controls(&office.name);
    Screen::end(fit_lines(&["کارت به این دفتر فرستاده می‌شود:", &name], 1))
}

/// The office's name and address.
pub fn address(office: &Office) -> Screen {
    let name = cut(&strip_controls(&office.name), 30);
    let (city, address) = (
        strip_controls(&office.city),
        strip_controls(&office.address),
    );
    let place = if address.contains(city.as_str()) {
        address
    } else {
        format!("{city}، {address}")
    };
    Screen::end(fit_lines(&[&name, &place], 1))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use domain::OfficeId;

    fn fits(s: &Screen) {
        let r = s.render();
        assert!(
            r.chars().count() <= MAX_CHARS,
            "{} chars: {r}",
            r.chars().count()
        );
    }

    const ALL: [ApplicationState; 13] = [
        ApplicationState::AwaitingPayment,
        ApplicationState::AwaitingAppointment,
        ApplicationState::AppointmentBooked,
        ApplicationState::Enrolled,
        ApplicationState::InProduction,
        ApplicationState::Dispatched,
        ApplicationState::ReadyForPickup,
        ApplicationState::Delivered,
        ApplicationState::Rejected,
        ApplicationState::Cancelled,
        ApplicationState::ProductionFailed,
        ApplicationState::Uncollected,
        ApplicationState::Revoked,
    ];

    #[test]
    fn fixed_screens_fit_uncut() {
        for s in [
            main_menu(false),
            main_menu(true),
            ask_code(false),
            ask_code(true),
            ask_tracking(false),
            ask_tracking(true),
        ] {
            fits(&s);
            assert_eq!(s.render(), format!("CON {}", s.body), "cut: {}", s.body);
        }
        for m in [
            EXPIRED,
            TOO_MANY_WRONG,
            TOO_LONG,
            BAD_REQUEST,
            WRONG_SERVICE,
            RATE_LIMITED,
            UNAVAILABLE,
            UNKNOWN_NUMBER,
            NONE_FOR_NUMBER,
            NOT_FOUND,
            NO_ADDRESS,
            NO_OFFICES,
            KEPT,
        ] {
            assert!(PREFIX_CHARS + chars(m) <= MAX_CHARS, "{m}");
        }
    }

    #[test]
    fn every_state_on_every_day_fits() {
        let code = NationalCode::parse("0084575948").unwrap();
        // Long month names (اردیبهشت), two-digit days.
        let days = [
            "2024-05-18T12:00:00Z",
            "2025-02-17T20:00:00Z",
            "2024-12-31T23:59:00Z",
        ];
        let long_name = "دفتر پیشخوان خدمات دولت الکترونیک شمارهٔ ۱۲۳۴ شهرستان کرج، استان البرز";
        for state in ALL {
            for day in days {
                let v = StatusView {
                    row: store::changes::ApplicationRow(1),
                    national_code: code,
                    state,
                    updated_at: day.parse().unwrap(),
                    office: Some((OfficeId::parse("30-0001").unwrap(), long_name.into())),
                };
                let s = status_end(&v);
                fits(&s);
                assert_eq!(s.render(), format!("END {}", s.body));
                for hint in [false, true] {
                    let w = waiting(&v, long_name, hint);
                    fits(&w);
                    assert!(w.render().ends_with(OPTIONS_WAITING));
                    let c = changeable(&v, hint);
                    fits(&c);
                    assert_eq!(c.render(), format!("CON {}", c.body));
                    let w = waiting(&v, "دفتر پیشخوان کرج", hint);
                    assert!(w.render().contains("دفتر پیشخوان کرج"), "{}", w.render());
                }
            }
            let lines: Vec<String> = (0..12).map(|i| list_line(i, &code, state)).collect();
            // Two to a page at least, the longest stages included.
            assert!(list_page(&lines, 0, false).1 >= Some(2), "{state:?}");
            for hint in [false, true] {
                let mut start = Some(0);
                let mut seen = 0;
                while let Some(s) = start {
                    let (page, next) = list_page(&lines, s, hint);
                    fits(&page);
                    assert_eq!(page.render(), format!("CON {}", page.body));
                    assert_eq!(next.is_some(), page.body.ends_with(MORE));
                    seen += next.unwrap_or(lines.len()) - s;
                    start = next;
                }
                assert_eq!(seen, lines.len());
            }
        }
    }

    #[test]
    fn cut_marks_what_it_drops() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
        assert_eq!(cut("ab cd", 4), "ab…");
        assert_eq!(cut("abc", 0), "");
        let long = "ن".repeat(500);
        let s = Screen::end(long);
        assert_eq!(s.render().chars().count(), MAX_CHARS);
    }
}
