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

/// A whole page: Persian, right to left, the product's stylesheet and font.
pub fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | شناس</title>
<link rel="stylesheet" href="/assets/portal.css">
</head>
<body>
<header class="top"><a href="/" class="brand">شناس · کارت هوشمند ملی</a></header>
<main>
{body}
</main>
<footer class="bottom">سازمان ثبت احوال کشور · سامانهٔ کارت هوشمند ملی</footer>
</body>
</html>"#,
        title = escape(title),
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
