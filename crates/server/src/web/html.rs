//! HTML building blocks: escaping, the page layout (Vazirmatn, right to left), Persian digits and amounts.

use domain::text::to_persian_digits;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

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
    /// More of the header after the brand (a menu); already HTML.
    pub header: &'a str,
    pub footer: &'a str,
}

/// The citizen portal's frame.
pub const PORTAL: Chrome<'static> = Chrome {
    site: "شناس",
    stylesheet: None,
    body_class: None,
    home: "/",
    brand: "شناس · کارت هوشمند ملی",
    header: "",
    footer: "سازمان ثبت احوال کشور · سامانهٔ کارت هوشمند ملی",
};

/// A whole page of the portal: Persian, right to left, the product's stylesheet and font.
pub fn page(title: &str, body: &str) -> String {
    framed(&PORTAL, title, body)
}

/// A whole page in the given frame.
pub fn framed(chrome: &Chrome<'_>, title: &str, body: &str) -> String {
    let sheet = chrome
        .stylesheet
        .map(|h| format!("\n<link rel=\"stylesheet\" href=\"{h}\">"))
        .unwrap_or_default();
    let body_tag = chrome
        .body_class
        .map(|c| format!("<body class=\"{c}\">"))
        .unwrap_or_else(|| "<body>".into());
    format!(
        r#"<!doctype html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | {site}</title>
<link rel="stylesheet" href="/assets/portal.css">{sheet}
</head>
{body_tag}
<header class="top"><a href="{home}" class="brand">{brand}</a>{header}</header>
<main>
{body}
</main>
<footer class="bottom">{footer}</footer>
</body>
</html>"#,
        title = escape(title),
        site = chrome.site,
        home = chrome.home,
        brand = chrome.brand,
        header = chrome.header,
        footer = chrome.footer,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_escaping() {
        assert_eq!(rials_fa(250_000), "۲۵۰٬۰۰۰ ریال");
        assert_eq!(rials_fa(20_000), "۲۰٬۰۰۰ ریال");
        assert_eq!(rials_fa(1_250_000), "۱٬۲۵۰٬۰۰۰ ریال");
        assert_eq!(
            escape("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }
}
