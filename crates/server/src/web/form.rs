//! Form pieces shared by the pages: errors beside their fields (`<p class="error" id="err-FIELD">`) or at the top
//! of the form, labelled inputs and selects, hidden fields, and the responses pages answer (HTML, 303 redirects).

use crate::error::ApiError;
use crate::web::html::{escape, fa_digits, page};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

/// The messages one submission earned: some beside a field, some for the whole form.
#[derive(Debug, Default)]
pub struct Errors {
    top: Vec<String>,
    fields: Vec<(String, String)>,
    codes: Vec<String>,
}

impl Errors {
    pub fn is_empty(&self) -> bool {
        self.top.is_empty() && self.fields.is_empty()
    }

    pub fn top(&mut self, message: impl Into<String>) {
        self.top.push(message.into());
    }

    /// A message beside `field`; the first one a field gets is kept.
    pub fn field(&mut self, field: &str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.fields.push((field.into(), message.into()));
        }
    }

    /// An operation's error: beside its field when the form has that field (the API's `birth_certificate.`
    /// prefix dropped), else at the top.
    pub fn api(&mut self, e: &ApiError, form_fields: &[&str]) {
        self.codes.push(e.detail.code.clone());
        let field = e
            .detail
            .field
            .as_deref()
            .map(|f| f.strip_prefix("birth_certificate.").unwrap_or(f))
            .filter(|f| form_fields.contains(f));
        match field {
            Some(f) => self.field(f, e.detail.message.clone()),
            None => self.top(e.detail.message.clone()),
        }
    }

    /// Whether an operation answered the error `code`.
    pub fn has_code(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c == code)
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The form-wide messages, as an alert box (empty when there are none). Digits are shown in Persian.
    pub fn render_top(&self) -> String {
        if self.top.is_empty() {
            return String::new();
        }
        let items: String = self
            .top
            .iter()
            .map(|m| format!("<p class=\"error\">{}</p>", escape(&fa_digits(m))))
            .collect();
        format!("<div class=\"alert\" id=\"err-form\" role=\"alert\">{items}</div>")
    }

    /// The message beside `field` (empty when none).
    pub fn render(&self, field: &str) -> String {
        self.get(field)
            .map(|m| {
                format!(
                    "<p class=\"error\" id=\"err-{field}\">{}</p>",
                    escape(&fa_digits(m))
                )
            })
            .unwrap_or_default()
    }

    /// Attributes that tie an input to its message for screen readers.
    pub fn aria(&self, field: &str) -> String {
        match self.get(field) {
            Some(_) => format!(" aria-invalid=\"true\" aria-describedby=\"err-{field}\""),
            None => String::new(),
        }
    }

    fn class(&self, field: &str) -> &'static str {
        if self.get(field).is_some() {
            "field invalid"
        } else {
            "field"
        }
    }
}

/// A labelled text input with its hint and error; `attrs` adds attributes (`inputmode`, `dir`, …).
pub fn text_field(
    errors: &Errors,
    name: &str,
    label: &str,
    value: &str,
    hint: &str,
    attrs: &str,
) -> String {
    let hint = if hint.is_empty() {
        String::new()
    } else {
        format!("<p class=\"hint\">{hint}</p>")
    };
    format!(
        "<div class=\"{class}\"><label for=\"{name}\">{label}</label>\
<input id=\"{name}\" name=\"{name}\" value=\"{value}\"{attrs}{aria}>{hint}{error}</div>",
        class = errors.class(name),
        value = escape(value),
        aria = errors.aria(name),
        error = errors.render(name),
    )
}

/// `<option>`s with `selected` marked; the first pair may be an empty choice.
pub fn options(choices: &[(String, String)], selected: &str) -> String {
    choices
        .iter()
        .map(|(value, text)| {
            let sel = if value == selected { " selected" } else { "" };
            format!(
                "<option value=\"{}\"{sel}>{}</option>",
                escape(value),
                escape(text)
            )
        })
        .collect()
}

/// A labelled `<select>` with its error.
pub fn select_field(
    errors: &Errors,
    name: &str,
    label: &str,
    choices: &[(String, String)],
    selected: &str,
) -> String {
    format!(
        "<div class=\"{class}\"><label for=\"{name}\">{label}</label>\
<select id=\"{name}\" name=\"{name}\"{aria}>{opts}</select>{error}</div>",
        class = errors.class(name),
        aria = errors.aria(name),
        opts = options(choices, selected),
        error = errors.render(name),
    )
}

/// A date as three labelled selects (day, month, year) in one fieldset with its error; `after` goes under them.
pub fn date_field(
    errors: &Errors,
    field: &str,
    legend: &str,
    names: [&str; 3],
    values: [&str; 3],
    choices: [Vec<(String, String)>; 3],
    after: &str,
) -> String {
    let labels = ["روز", "ماه", "سال"];
    let selects: String = (0..3)
        .map(|i| {
            format!(
                "<div class=\"part\"><label for=\"{n}\" class=\"sub\">{l}</label>\
<select id=\"{n}\" name=\"{n}\"{aria}>{o}</select></div>",
                n = names[i],
                l = labels[i],
                aria = errors.aria(field),
                o = options(&choices[i], values[i].trim()),
            )
        })
        .collect();
    let class = if errors.get(field).is_some() {
        "group date invalid"
    } else {
        "group date"
    };
    format!(
        "<fieldset class=\"{class}\" id=\"{field}\"><legend>{legend}</legend>\
<div class=\"row\">{selects}</div>{after}{err}</fieldset>",
        err = errors.render(field),
    )
}

pub fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
        escape(value)
    )
}

/// A whole portal page as a response.
pub fn html(status: StatusCode, title: &str, body: &str) -> Response {
    html_document(status, page(title, body))
}

/// A whole HTML document as a response, never cached.
pub fn html_document(status: StatusCode, document: String) -> Response {
    let mut res = (status, Html(document)).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

/// A page for something that went wrong outside any form.
pub fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<section class=\"card\"><h1>{}</h1><p>{}</p>\
<p><a class=\"button\" href=\"/\">بازگشت به صفحهٔ نخست</a></p></section>",
        escape(title),
        escape(message)
    );
    html(status, title, &body)
}

/// 303 See Other to `location`, setting a cookie when given.
pub fn see_other(location: &str, cookie: Option<String>) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    let h = res.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(location) {
        h.insert(header::LOCATION, v);
    }
    if let Some(v) = cookie.and_then(|c| header::HeaderValue::from_str(&c).ok()) {
        h.insert(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_go_beside_known_fields_or_on_top() {
        let mut e = Errors::default();
        let serial = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "x", "سریال بد", "bad")
            .with_field("birth_certificate.serial");
        e.api(&serial, &["serial"]);
        let other = ApiError::new(StatusCode::CONFLICT, "y", "<b>خطا</b>", "bad").with_field("zzz");
        e.api(&other, &["serial"]);
        assert_eq!(e.get("serial"), Some("سریال بد"));
        assert!(e.render("serial").contains("id=\"err-serial\""));
        assert!(e.render_top().contains("&lt;b&gt;خطا&lt;/b&gt;"));
        let field = text_field(&e, "serial", "سریال", "\"x", "", "");
        assert!(field.contains("value=\"&quot;x\""), "{field}");
        assert!(field.contains("aria-invalid=\"true\""), "{field}");
        assert_eq!(Errors::default().render_top(), "");
    }
}
