//! The chart set as self-contained SVG (no script, no external font or style, so a page with a strict
//! Content-Security-Policy can inline it): weekly line charts of one run, and of several runs side by side.

use crate::report::{Report, WeekRow};

const W: f64 = 720.0;
const H: f64 = 330.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 70.0;
pub const PALETTE: [&str; 6] = [
    "#0b5d7a", "#b3412e", "#8a5a00", "#3b7d3b", "#6b4c9a", "#5b6b7c",
];

/// One line: a name for the legend, a colour, and a value per week (`None` where there is none).
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    pub values: Vec<Option<f64>>,
    /// Line width in pixels, and whether the line is dashed (runs that agree draw on top of each other: wider
    /// lines under dashed ones keep each visible).
    pub width: f64,
    pub dashed: bool,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `1.2M`, `350k`, `42`, `0.35`.
fn short(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A round upper bound for the axis.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if v <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

/// A line chart over weeks. `x_labels` holds each week's first day; `guide` draws a dashed horizontal line.
pub fn line_chart(
    title: &str,
    x_labels: &[String],
    series: &[Series],
    guide: Option<(f64, &str)>,
) -> String {
    let n = x_labels.len().max(2);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .copied()
        .chain(guide.map(|g| g.0))
        .fold(0.0f64, f64::max);
    let top = nice_max(max);
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let x = |i: usize| LEFT + pw * i as f64 / (n - 1) as f64;
    let y = |v: f64| TOP + ph * (1.0 - v / top);
    let mut out = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" \
role=\"img\" font-family=\"Vazirmatn, Tahoma, sans-serif\" font-size=\"12\" direction=\"ltr\">\
<title>{t}</title><rect width=\"{W}\" height=\"{H}\" fill=\"#ffffff\"/>\
<text x=\"{LEFT}\" y=\"22\" font-size=\"15\" fill=\"#1d2733\">{t}</text>",
        t = escape(title)
    );
    for k in 0..=5 {
        let v = top * f64::from(k) / 5.0;
        out.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e3e8ee\"/>\
<text x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"#5b6b7c\">{label}</text>",
            x2 = W - RIGHT,
            yy = y(v),
            tx = LEFT - 6.0,
            ty = y(v) + 4.0,
            label = short(v)
        ));
    }
    let step = (n / 6).max(1);
    for (i, label) in x_labels.iter().enumerate().step_by(step) {
        out.push_str(&format!(
            "<text x=\"{xx:.1}\" y=\"{ty}\" text-anchor=\"middle\" fill=\"#5b6b7c\">{l}</text>",
            xx = x(i),
            ty = H - BOTTOM + 16.0,
            l = escape(label)
        ));
    }
    if let Some((v, label)) = guide {
        out.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#1d2733\" stroke-dasharray=\"5 4\"/>\
<text x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"#1d2733\">{l}</text>",
            x2 = W - RIGHT,
            yy = y(v),
            tx = W - RIGHT - 4.0,
            ty = y(v) - 5.0,
            l = escape(label)
        ));
    }
    let dash = |s: &Series| {
        if s.dashed {
            " stroke-dasharray=\"8 4\""
        } else {
            ""
        }
    };
    for s in series {
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => {
                    d.push_str(&format!(
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(i),
                        y(*v)
                    ));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !d.is_empty() {
            out.push_str(&format!(
                "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{:.1}\"{}/>",
                d.trim_end(),
                s.colour,
                s.width,
                dash(s)
            ));
        }
    }
    // The legend, in rows under the axis.
    let (mut lx, mut ly) = (LEFT, H - BOTTOM + 38.0);
    for s in series {
        let room = 30.0 + 7.0 * s.name.chars().count() as f64;
        if lx + room > W - RIGHT {
            lx = LEFT;
            ly += 18.0;
        }
        out.push_str(&format!(
            "<line x1=\"{lx:.1}\" x2=\"{lx2:.1}\" y1=\"{ry:.1}\" y2=\"{ry:.1}\" stroke=\"{c}\" stroke-width=\"{w:.1}\"{d}/>\
<text x=\"{tx:.1}\" y=\"{ly:.1}\" fill=\"#1d2733\">{name}</text>",
            lx2 = lx + 16.0,
            ry = ly - 4.0,
            c = s.colour,
            w = s.width.min(4.0),
            d = dash(s),
            tx = lx + 20.0,
            name = escape(&s.name)
        ));
        lx += room;
    }
    out.push_str("</svg>");
    out
}

fn rows<'a>(r: &'a Report, province: &'a str) -> Vec<&'a WeekRow> {
    // The last week may be a single day: its flows would read as a collapse, so charts leave a partial week out.
    let mut v: Vec<&WeekRow> = r.province_weeks(province).collect();
    if !r.days.is_multiple_of(7) {
        v.pop();
    }
    v
}

fn labels(rows: &[&WeekRow]) -> Vec<String> {
    rows.iter().map(|w| w.start.clone()).collect()
}

fn series(name: &str, i: usize, values: Vec<Option<f64>>) -> Series {
    Series {
        name: name.into(),
        colour: PALETTE[i % PALETTE.len()],
        values,
        width: 2.0,
        dashed: false,
    }
}

/// Where people stand at each week's end.
pub fn stages(r: &Report, province: &str) -> String {
    let rows = rows(r, province);
    let pick =
        |f: &dyn Fn(&WeekRow) -> u64| rows.iter().map(|w| Some(f(w) as f64)).collect::<Vec<_>>();
    line_chart(
        &format!("{}: people waiting at each stage (week's end)", r.scenario),
        &labels(&rows),
        &[
            series(
                "awaiting enrollment",
                0,
                pick(&|w| w.stocks.awaiting_enrollment),
            ),
            series(
                "enrolled, in production or transit",
                1,
                pick(&|w| w.stocks.in_the_pipeline()),
            ),
            series("cards at offices", 2, pick(&|w| w.stocks.at_offices())),
            series(
                "uncollected (past the pickup period)",
                3,
                pick(&|w| w.stocks.uncollected),
            ),
        ],
        None,
    )
}

/// Lead time from request to card in hand of the cards collected each week.
pub fn lead_times(r: &Report, province: &str) -> String {
    let rows = rows(r, province);
    let pick = |f: &dyn Fn(&WeekRow) -> Option<u32>| {
        rows.iter().map(|w| f(w).map(f64::from)).collect::<Vec<_>>()
    };
    line_chart(
        &format!("{}: days from request to card in hand", r.scenario),
        &labels(&rows),
        &[
            series("median", 0, pick(&|w| w.lead_times.p50_days)),
            series("90th percentile", 1, pick(&|w| w.lead_times.p90_days)),
        ],
        Some((30.0, "the aim: one month")),
    )
}

/// Cards waiting at offices by days since they arrived.
pub fn waiting_by_age(r: &Report, province: &str) -> String {
    let rows = rows(r, province);
    let pick =
        |f: &dyn Fn(&WeekRow) -> u64| rows.iter().map(|w| Some(f(w) as f64)).collect::<Vec<_>>();
    line_chart(
        &format!("{}: cards waiting at offices, by age", r.scenario),
        &labels(&rows),
        &[
            series(
                "under 30 days",
                0,
                pick(&|w| w.waiting_by_age.under_30_days),
            ),
            series(
                "30 to 90 days",
                2,
                pick(&|w| w.waiting_by_age.days_30_to_90),
            ),
            series(
                "90 to 365 days",
                1,
                pick(&|w| w.waiting_by_age.days_90_to_365),
            ),
            series("over a year", 5, pick(&|w| w.waiting_by_age.over_a_year)),
        ],
        None,
    )
}

/// What can be compared across runs.
#[derive(Debug, Clone, Copy)]
pub enum Metric {
    LeadP90,
    WithinMonth,
    Pipeline,
    AtOffices,
}

impl Metric {
    fn title(self) -> &'static str {
        match self {
            Metric::LeadP90 => "90th percentile of days from request to card in hand",
            Metric::WithinMonth => {
                "share of the week's cards collected within a month of the request"
            }
            Metric::Pipeline => "cards enrolled, in production or in transit",
            Metric::AtOffices => "cards waiting at offices",
        }
    }

    fn value(self, w: &WeekRow) -> Option<f64> {
        match self {
            Metric::LeadP90 => w.lead_times.p90_days.map(f64::from),
            Metric::WithinMonth => w.lead_times.within_30_days,
            Metric::Pipeline => Some(w.stocks.in_the_pipeline() as f64),
            Metric::AtOffices => Some(w.stocks.at_offices() as f64),
        }
    }
}

/// Several runs of the same scenario (one per lever) on one chart.
pub fn compare(runs: &[(&str, &Report)], province: &str, metric: Metric) -> String {
    let Some((_, first)) = runs.first() else {
        return String::new();
    };
    let base = rows(first, province);
    let list: Vec<Series> = runs
        .iter()
        .enumerate()
        .map(|(i, (name, r))| Series {
            // Runs that agree draw on top of each other: earlier ones wider, every other one dashed.
            width: 2.0 + 1.5 * (runs.len() - 1 - i) as f64,
            dashed: i % 2 == 1,
            ..series(
                name,
                i,
                rows(r, province).iter().map(|w| metric.value(w)).collect(),
            )
        })
        .collect();
    let guide = match metric {
        Metric::LeadP90 => Some((30.0, "the aim: one month")),
        _ => None,
    };
    line_chart(metric.title(), &labels(&base), &list, guide)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_scales_to_its_largest_value_and_escapes_names() {
        let svg = line_chart(
            "t <1>",
            &["a".into(), "b".into(), "c".into()],
            &[series("x & y", 0, vec![Some(0.0), None, Some(95.0)])],
            Some((30.0, "aim")),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("t &lt;1&gt;") && svg.contains("x &amp; y"));
        // The axis tops out at 100 and the gap leaves two separate pieces of line.
        assert!(svg.contains(">100<"));
        assert_eq!(svg.matches('M').count(), 2, "{svg}");
        assert_eq!(nice_max(630_000.0), 800_000.0);
        assert_eq!(short(1_250_000.0), "1.2M");
    }
}
