//! HTML building blocks: the page layout (Vazirmatn, right to left), Persian digits and amounts.
//!
//! Pages are written with `maud::html!`, which escapes every value it is given: a value reaches a page as text
//! unless it is wrapped in `PreEscaped`, which only this module's callers use for markup they built themselves.

use domain::text::to_persian_digits;
pub use maud::{html, Markup, PreEscaped, Render, DOCTYPE};

/// ASCII digits shown as Persian digits.
pub fn fa_digits(s: &str) -> String {
    to_persian_digits(s)
}

/// A count with Persian digits and thousands separators: `۱۲٬۳۴۵`.
pub fn fa_count(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('٬');
        }
        grouped.push(c);
    }
    to_persian_digits(&grouped)
}

/// An amount in rials with Persian digits and thousands separators: `۲۵۰٬۰۰۰ ریال`.
pub fn rials_fa(rials: u64) -> String {
    format!("{} ریال", fa_count(rials))
}

/// A table's head: one row of column headers (`<th scope="col">`), an empty string for a column with none.
pub fn column_heads(heads: &[&str]) -> Markup {
    html! { thead { tr { @for h in heads { th scope="col" { (h) } } } } }
}

/// What frames a page's content: the portal's (see [`PORTAL`]) or the office desk's.
pub struct Chrome<'a> {
    /// After the page's title in `<title>`, e.g. `شناس`.
    pub site: &'a str,
    /// A stylesheet after the portal's, if any.
    pub stylesheet: Option<&'a str>,
    /// The `<body>`'s class, if any.
    pub body_class: Option<&'a str>,
    /// The header's brand link and text.
    pub home: &'a str,
    pub brand: &'a str,
    pub footer: &'a str,
}

/// The citizen portal's frame.
pub const PORTAL: Chrome<'static> = Chrome {
    site: "شناس",
    stylesheet: None,
    body_class: None,
    home: "/",
    brand: "شناس · کارت هوشمند ملی",
    footer: "سازمان ثبت احوال کشور · سامانهٔ کارت هوشمند ملی",
};

/// A whole page of the portal: Persian, right to left, the product's stylesheet and font.
pub fn portal(title: &str, body: Markup) -> Markup {
    document(&PORTAL, title, html! {}, body)
}

/// A whole page in the given frame; `header` follows the brand in the page's header (a menu).
pub fn document(chrome: &Chrome<'_>, title: &str, header: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="fa" dir="rtl" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " | " (chrome.site) }
                link rel="stylesheet" href="/assets/portal.css";
                @if let Some(sheet) = chrome.stylesheet {
                    link rel="stylesheet" href=(sheet);
                }
            }
            body class=[chrome.body_class] {
                header.top { a.brand href=(chrome.home) { (chrome.brand) } (header) }
                main { (body) }
                footer.bottom { (chrome.footer) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_escaping() {
        assert_eq!(rials_fa(250_000), "۲۵۰٬۰۰۰ ریال");
        assert_eq!(rials_fa(20_000), "۲۰٬۰۰۰ ریال");
        assert_eq!(rials_fa(1_250_000), "۱٬۲۵۰٬۰۰۰ ریال");
        let evil = "<a href=\"x\">'&";
        let page = portal(evil, html! { p title=(evil) { (evil) } }).into_string();
        assert!(
            page.contains("<title>&lt;a href=&quot;x&quot;&gt;'&amp; | شناس</title>"),
            "{page}"
        );
        assert!(
            page.contains("<p title=\"&lt;a href=&quot;x&quot;&gt;'&amp;\">"),
            "{page}"
        );
        assert!(!page.contains("<a href=\"x\">"), "{page}");
    }
}
