//! The national funnel as an SVG drawn on the server: one horizontal bar per stage, growing from the right.
//! The drawing's coordinates are laid out left to right (`direction="ltr"` on the root and `direction: ltr` in the
//! portal's stylesheet, or the page's right-to-left direction would flip every `text-anchor`; no inline `style`,
//! which the pages' Content-Security-Policy forbids); the Persian labels still read right to left in their boxes.

use super::figures::Figures;
use crate::web::html::{fa_digits, html, Markup};

pub use crate::web::html::fa_count;

/// A percentage with one decimal, in Persian: `۱۲٫۵٪`.
pub fn fa_pct(p: f64) -> String {
    format!("{}٪", fa_digits(&format!("{p:.1}")).replace('.', "٫"))
}

const WIDTH: u64 = 640;
const LABEL: u64 = 130;
const NUMBER: u64 = 90;
const ROW: u64 = 40;

/// The `<svg>` root of a chart `height` pixels high, titled for screen readers; `body` is what it draws. Its
/// elements are closed (`rect .. {}`, not maud's void `rect ..;`): inside SVG an unclosed `<rect>` would take the
/// elements after it as its children, which are not drawn.
fn svg(height: u64, title_id: &str, title: &str, body: Markup) -> Markup {
    html! {
        svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (height) }
            width=(WIDTH) height=(height) role="img" aria-labelledby=(title_id)
            font-family="Vazirmatn, Tahoma, sans-serif" font-size="14" direction="ltr" {
            title id=(title_id) { (title) }
            (body)
        }
    }
}

/// eligible → applied → enrolled → in production → ready → delivered.
pub fn funnel(f: &Figures) -> Markup {
    let stages = [
        ("واجدان شرایط", f.eligible),
        ("متقاضیان", f.applied),
        ("ثبت‌نام و زیست‌سنجی", f.enrolled),
        ("در حال صدور", f.in_production),
        ("آمادهٔ تحویل", f.ready_for_pickup),
        ("تحویل‌شده", f.delivered),
    ];
    let max = stages.iter().map(|s| s.1).max().unwrap_or(0).max(1);
    let span = WIDTH - LABEL - NUMBER;
    let right = WIDTH - LABEL;
    let height = ROW * stages.len() as u64 + 10;
    let body = html! {
        @for (i, (label, v)) in stages.iter().enumerate() {
            @let y = 5 + ROW * i as u64;
            @let w = (span * v / max).max(u64::from(*v > 0));
            @let x = right - w;
            @let text_y = y + ROW / 2 + 5;
            text x=(WIDTH - 4) y=(text_y) text-anchor="end" fill="#1d2733" { (label) }
            rect x=(x) y=(y + 6) width=(w) height=(ROW - 12) rx="3" fill="#0b5d7a" {}
            text x=(x.saturating_sub(6)) y=(text_y) text-anchor="end" fill="#5b6b7c" { (fa_count(*v)) }
        }
    };
    svg(
        height,
        "funnel-title",
        "قیف کشوری: از واجدان شرایط تا تحویل کارت",
        body,
    )
}

/// Horizontal bars growing from the right, one per `(label, value, shown value, colour)`, with the value's text
/// beside; `label` pixels on the right hold the labels. Labels are embedded right to left (U+202B … U+202C) so one
/// that starts with a number ("۰ تا ۷ روز") keeps its order inside the drawing's left-to-right layout.
fn bars(title_id: &str, title: &str, label: u64, rows: &[(String, u64, String, &str)]) -> Markup {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    // Room on the left for a long value ("۹۵٫۰٪ (۴۵/۵۰)").
    let span = WIDTH - label - 180;
    let right = WIDTH - label - 10;
    let height = ROW * rows.len() as u64 + 10;
    let body = html! {
        @for (i, (text, v, shown, colour)) in rows.iter().enumerate() {
            @let y = 5 + ROW * i as u64;
            @let w = (span * v / max).max(u64::from(*v > 0));
            @let x = right - w;
            @let text_y = y + ROW / 2 + 5;
            text x=(WIDTH - 4) y=(text_y) text-anchor="end" fill="#1d2733" { "\u{202B}" (text) "\u{202C}" }
            rect x=(x) y=(y + 6) width=(w) height=(ROW - 12) rx="3" fill=(colour) {}
            text x=(x.saturating_sub(6)) y=(text_y) text-anchor="end" fill="#5b6b7c" {
                "\u{202B}" (shown) "\u{202C}"
            }
        }
    };
    svg(height, title_id, title, body)
}

/// Deliveries by days from application, the bins within the one-month aim in the funnel's colour, later ones in red.
pub fn lead_times(lt: &super::cards::LeadTimes) -> Markup {
    let rows: Vec<(String, u64, String, &str)> = lt
        .bins
        .iter()
        .map(|b| {
            let label = match b.to_days {
                Some(t) => format!(
                    "{} تا {} روز",
                    fa_digits(&b.from_days.to_string()),
                    fa_digits(&t.to_string())
                ),
                None => format!("بیش از {} روز", fa_digits(&(b.from_days - 1).to_string())),
            };
            let colour = if b.to_days.is_some_and(|t| t <= lt.aim_days) {
                "#0b5d7a"
            } else {
                "#b3412e"
            };
            (label, b.deliveries, fa_count(b.deliveries), colour)
        })
        .collect();
    bars("lead-title", "فاصلهٔ درخواست تا تحویل کارت", LABEL, &rows)
}

/// Uncollected cards by age (since the pickup period ran out), each bar the sum over the reasons.
pub fn uncollected(u: &super::cards::Uncollected) -> Markup {
    let rows: Vec<(String, u64, String, &str)> = store::stats::AgeBucket::ALL
        .iter()
        .map(|a| {
            let n = u.count(None, Some(*a));
            (a.fa().to_string(), n, fa_count(n), "#8a5a00")
        })
        .collect();
    bars(
        "uncollected-title",
        "کارت‌های تحویل‌نگرفته به تفکیک مدت",
        LABEL,
        &rows,
    )
}

/// The most loaded offices: booked share of the day's capacity.
pub fn office_load(rows: &[super::cards::OfficeLoadRow]) -> Markup {
    let rows: Vec<(String, u64, String, &str)> = rows
        .iter()
        .map(|r| {
            let colour = if r.load_pct >= 100.0 {
                "#b3412e"
            } else {
                "#0b5d7a"
            };
            (
                r.name.chars().take(30).collect(),
                (r.load_pct * 10.0) as u64,
                format!(
                    "{} ({}/{})",
                    fa_pct(r.load_pct),
                    fa_count(r.booked),
                    fa_count(r.daily_capacity)
                ),
                colour,
            )
        })
        .collect();
    bars(
        "load-title",
        "پرکارترین دفترها نسبت به ظرفیت روزانه",
        230,
        &rows,
    )
}

/// The backlog over time: cards waiting at offices (blue) and, of them, uncollected (red), one point a day, the
/// first and last day labelled under the axis. An empty history draws nothing.
pub fn backlog(points: &[crate::backlog::figures::BacklogPoint]) -> Markup {
    if points.is_empty() {
        return Markup::default();
    }
    let (h, top, bottom, left, right) = (220u64, 20u64, 180u64, 70u64, WIDTH - 20);
    let max = points.iter().map(|p| p.waiting).max().unwrap_or(0).max(1);
    let x = |i: usize| {
        if points.len() == 1 {
            right
        } else {
            left + (right - left) * i as u64 / (points.len() as u64 - 1)
        }
    };
    let y = |v: u64| bottom - (bottom - top) * v / max;
    let line = |f: &dyn Fn(&crate::backlog::figures::BacklogPoint) -> u64| -> String {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{},{}", x(i), y(f(p))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let day =
        |p: &crate::backlog::figures::BacklogPoint| fa_digits(&p.day_jalali.replace('-', "/"));
    let body = html! {
        line x1=(left) y1=(bottom) x2=(right) y2=(bottom) stroke="#9aa7b4" {}
        text x=(left - 8) y=(top + 5) text-anchor="end" fill="#5b6b7c" { (fa_count(max)) }
        text x=(left - 8) y=(bottom + 5) text-anchor="end" fill="#5b6b7c" { "۰" }
        polyline points=(line(&|p| p.waiting)) fill="none" stroke="#0b5d7a" stroke-width="3" {}
        polyline points=(line(&|p| p.uncollected)) fill="none" stroke="#b3412e" stroke-width="3" {}
        text x=(left) y=(bottom + 30) text-anchor="start" fill="#5b6b7c" { (day(&points[0])) }
        text x=(right) y=(bottom + 30) text-anchor="end" fill="#5b6b7c" { (day(&points[points.len() - 1])) }
    };
    svg(
        h,
        "backlog-title",
        "کارت‌های منتظر در دفترها، روز به روز",
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persian_numbers() {
        assert_eq!(fa_count(1_234_567), "۱٬۲۳۴٬۵۶۷");
        assert_eq!(fa_count(0), "۰");
        assert_eq!(fa_pct(12.5), "۱۲٫۵٪");
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let f = Figures {
            eligible: 100,
            applied: 50,
            ..Figures::default()
        };
        let svg = funnel(&f).into_string();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("width=\"420\""));
        assert!(svg.contains("width=\"210\""));
        assert!(svg.contains("تحویل‌شده"));
    }

    #[test]
    fn backlog_lines_scale_to_the_largest() {
        use crate::backlog::figures::BacklogPoint;
        let p = |day: &str, waiting, uncollected| BacklogPoint {
            day_jalali: day.into(),
            waiting,
            uncollected,
            in_production: 0,
        };
        assert_eq!(backlog(&[]).into_string(), "");
        let svg = backlog(&[p("1405-09-01", 100, 10), p("1405-09-02", 50, 20)]).into_string();
        // The first day's 100 waiting at the top (y 20), the second's 50 half-way down (y 100), 20 uncollected
        // at y 148.
        assert!(svg.contains("points=\"70,20 620,100\""), "{svg}");
        assert!(svg.contains("points=\"70,164 620,148\""), "{svg}");
        assert!(svg.contains("۱۴۰۵/۰۹/۰۱"));
    }
}
