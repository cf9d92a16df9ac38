//! Form pieces shared by the pages: errors beside their fields (`<p class="error" id="err-FIELD">`) or at the top
//! of the form, labelled inputs and selects, hidden fields, and the responses pages answer (HTML, 303 redirects).

use crate::error::ApiError;
use crate::web::html::{fa_digits, html, portal, Markup};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

/// The API's nested objects whose fields the forms show flat: `birth_certificate.serial` is the form's `serial`,
/// `fingerprint.data` the desk form's `data`.
const NESTED: [&str; 2] = ["birth_certificate.", "fingerprint."];

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
            .map(|f| NESTED.iter().find_map(|p| f.strip_prefix(p)).unwrap_or(f))
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

    /// The form-wide messages, as an alert box (nothing when there are none). Digits are shown in Persian.
    pub fn top_box(&self) -> Markup {
        html! {
            @if !self.top.is_empty() {
                div.alert #err-form role="alert" {
                    @for m in &self.top { p.error { (fa_digits(m)) } }
                }
            }
        }
    }

    /// The message beside `field` (nothing when none).
    pub fn beside(&self, field: &str) -> Markup {
        html! {
            @if let Some(m) = self.get(field) {
                p.error id=(format!("err-{field}")) { (fa_digits(m)) }
            }
        }
    }

    /// `aria-invalid`'s value for an input tied to `field`: `true` when it has a message.
    pub fn invalid(&self, field: &str) -> Option<&'static str> {
        self.get(field).map(|_| "true")
    }

    /// `aria-describedby`'s value for an input tied to `field`: its message's id, when it has one.
    pub fn described_by(&self, field: &str) -> Option<String> {
        self.get(field).map(|_| format!("err-{field}"))
    }

    fn class(&self, field: &str) -> &'static str {
        if self.get(field).is_some() {
            "field invalid"
        } else {
            "field"
        }
    }
}

/// What an input adds to its name and value: how phones key it, whether browsers fill it, its length, its
/// direction and its class.
#[derive(Debug, Clone, Copy, Default)]
pub struct Input {
    pub inputmode: Option<&'static str>,
    pub autocomplete: Option<&'static str>,
    pub maxlength: Option<u16>,
    pub dir: Option<&'static str>,
    pub class: Option<&'static str>,
}

impl Input {
    /// Digits typed left to right, not remembered by the browser (codes, serials).
    pub const fn code(maxlength: u16) -> Self {
        Self {
            inputmode: Some("numeric"),
            autocomplete: Some("off"),
            maxlength: Some(maxlength),
            dir: Some("ltr"),
            class: None,
        }
    }

    /// Digits typed left to right (area codes, years).
    pub const fn digits(maxlength: u16) -> Self {
        Self {
            inputmode: Some("numeric"),
            autocomplete: None,
            maxlength: Some(maxlength),
            dir: Some("ltr"),
            class: None,
        }
    }

    pub const fn class(mut self, class: &'static str) -> Self {
        self.class = Some(class);
        self
    }
}

/// A labelled text input with its hint and error.
pub fn text_input(
    errors: &Errors,
    name: &str,
    label: &str,
    value: &str,
    hint: &str,
    input: Input,
) -> Markup {
    html! {
        div class=(errors.class(name)) {
            label for=(name) { (label) }
            input id=(name) name=(name) value=(value) inputmode=[input.inputmode]
                autocomplete=[input.autocomplete] maxlength=[input.maxlength] dir=[input.dir]
                class=[input.class] aria-invalid=[errors.invalid(name)]
                aria-describedby=[errors.described_by(name)];
            @if !hint.is_empty() { p.hint { (hint) } }
            (errors.beside(name))
        }
    }
}

/// `<option>`s with `selected` marked; the first pair may be an empty choice.
pub fn option_list(choices: &[(String, String)], selected: &str) -> Markup {
    html! {
        @for (value, text) in choices {
            option value=(value) selected[value == selected] { (text) }
        }
    }
}

/// A labelled `<select>` with its error.
pub fn select_input(
    errors: &Errors,
    name: &str,
    label: &str,
    choices: &[(String, String)],
    selected: &str,
) -> Markup {
    html! {
        div class=(errors.class(name)) {
            label for=(name) { (label) }
            select id=(name) name=(name) aria-invalid=[errors.invalid(name)]
                aria-describedby=[errors.described_by(name)] {
                (option_list(choices, selected))
            }
            (errors.beside(name))
        }
    }
}

/// A date as three labelled selects (day, month, year) in one fieldset with its error; `after` goes under them.
pub fn date_input(
    errors: &Errors,
    field: &str,
    legend: &str,
    names: [&str; 3],
    values: [&str; 3],
    choices: [Vec<(String, String)>; 3],
    after: Markup,
) -> Markup {
    let labels = ["روز", "ماه", "سال"];
    let class = if errors.get(field).is_some() {
        "group date invalid"
    } else {
        "group date"
    };
    html! {
        fieldset class=(class) id=(field) {
            legend { (legend) }
            div.row {
                @for i in 0..3 {
                    div.part {
                        label for=(names[i]) class="sub" { (labels[i]) }
                        select id=(names[i]) name=(names[i]) aria-invalid=[errors.invalid(field)]
                            aria-describedby=[errors.described_by(field)] {
                            (option_list(&choices[i], values[i].trim()))
                        }
                    }
                }
            }
            (after)
            (errors.beside(field))
        }
    }
}

/// A hidden field.
pub fn hidden_input(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
}

/// A whole portal page as a response.
pub fn respond(status: StatusCode, title: &str, body: Markup) -> Response {
    html_document(status, portal(title, body).into_string())
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
    let body = html! {
        section.card {
            h1 { (title) }
            p { (message) }
            p { a.button href="/" { "بازگشت به صفحهٔ نخست" } }
        }
    };
    respond(status, title, body)
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
        assert!(e
            .beside("serial")
            .into_string()
            .contains("id=\"err-serial\""));
        assert!(e.top_box().into_string().contains("&lt;b&gt;خطا&lt;/b&gt;"));
        let field = text_input(&e, "serial", "سریال", "\"x", "", Input::default()).into_string();
        assert!(field.contains("value=\"&quot;x\""), "{field}");
        assert!(field.contains("aria-invalid=\"true\""), "{field}");
        assert_eq!(Errors::default().top_box().into_string(), "");
    }
}
