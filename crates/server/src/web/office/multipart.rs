//! `multipart/form-data` (RFC 7578) as browsers send file uploads, read from a body already in memory. The
//! service's body limit bounds the size; this only splits the parts and reads each one's name and file name.

/// One part of a form: a field's text or a file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// Present for a file input, empty when no file was chosen.
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

/// Why a body could not be read as a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    NotMultipart,
    Truncated,
    TooManyParts,
}

const MAX_PARTS: usize = 200;

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let kind = params.next()?.trim();
    if !kind.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() || from > haystack.len() - needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = from;
    while i + needle.len() <= haystack.len() {
        match haystack[i..=haystack.len() - needle.len()]
            .iter()
            .position(|&b| b == first)
        {
            None => return None,
            Some(off) => {
                let at = i + off;
                if &haystack[at..at + needle.len()] == needle {
                    return Some(at);
                }
                i = at + 1;
            }
        }
    }
    None
}

/// A header parameter's value: `name="x"` or `name=x`.
fn param(header: &str, key: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        if !k.trim().eq_ignore_ascii_case(key) {
            return None;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        Some(
            v.replace("%22", "\"")
                .replace("%0D", "\r")
                .replace("%0A", "\n"),
        )
    })
}

/// Splits a body into its parts.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, Malformed> {
    let boundary = boundary(content_type).ok_or(Malformed::NotMultipart)?;
    let delimiter = format!("--{boundary}").into_bytes();
    let next_delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut at = find(body, &delimiter, 0).ok_or(Malformed::Truncated)? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding, then the line break that ends the delimiter line.
        while body.get(at).is_some_and(|b| *b == b' ' || *b == b'\t') {
            at += 1;
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err(Malformed::Truncated);
        }
        at += 2;
        // A part without headers has its empty line right away.
        let (headers, content_start) = if body[at..].starts_with(b"\r\n") {
            (String::new(), at + 2)
        } else {
            let end = find(body, b"\r\n\r\n", at).ok_or(Malformed::Truncated)?;
            (
                String::from_utf8_lossy(&body[at..end]).into_owned(),
                end + 4,
            )
        };
        let end = find(body, &next_delimiter, content_start).ok_or(Malformed::Truncated)?;
        let disposition = headers
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-disposition"))
            .map(|(_, value)| value.trim().to_string())
            .unwrap_or_default();
        if let Some(name) = param(&disposition, "name") {
            if parts.len() == MAX_PARTS {
                return Err(Malformed::TooManyParts);
            }
            parts.push(Part {
                name,
                filename: param(&disposition, "filename"),
                data: body[content_start..end].to_vec(),
            });
        }
        at = end + next_delimiter.len();
    }
}

/// The parts of a form, looked up by name.
#[derive(Debug, Default)]
pub struct Fields(Vec<Part>);

/// The fields of a `multipart/form-data` request, by its `Content-Type` header.
pub fn request_fields(headers: &axum::http::HeaderMap, body: &[u8]) -> Result<Fields, Malformed> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    parse(content_type, body).map(Fields::new)
}

impl Fields {
    pub fn new(parts: Vec<Part>) -> Self {
        Self(parts)
    }

    /// A text field (the first of that name), empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(&p.data).into_owned())
            .unwrap_or_default()
    }

    /// Whether a checkbox was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|p| p.name == name)
    }

    /// A file's bytes; `None` when no file was chosen.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|p| p.name == name && !p.data.is_empty())
            .map(|p| p.data.as_slice())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const CT: &str = "multipart/form-data; boundary=----WebKitFormBoundaryAbC123";

    fn body() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(b"preamble\r\n------WebKitFormBoundaryAbC123\r\n");
        b.extend_from_slice(b"Content-Disposition: form-data; name=\"tracking_code\"\r\n\r\n");
        b.extend_from_slice("۱۲۳".as_bytes());
        b.extend_from_slice(b"\r\n------WebKitFormBoundaryAbC123\r\n");
        b.extend_from_slice(
            b"Content-Disposition: form-data; name=\"photo\"; filename=\"a b.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n",
        );
        b.extend_from_slice(b"\xff\xd8\r\n--not-the-boundary\r\n\x00\xff");
        b.extend_from_slice(b"\r\n------WebKitFormBoundaryAbC123\r\n");
        b.extend_from_slice(
            b"Content-Disposition: form-data; name=\"signature\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n",
        );
        b.extend_from_slice(b"\r\n------WebKitFormBoundaryAbC123--\r\n");
        b
    }

    #[test]
    fn parts_with_text_files_and_empty_files() {
        let parts = parse(CT, &body()).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].name, "tracking_code");
        assert_eq!(parts[0].filename, None);
        assert_eq!(parts[1].filename.as_deref(), Some("a b.jpg"));
        assert_eq!(parts[1].data, b"\xff\xd8\r\n--not-the-boundary\r\n\x00\xff");
        let f = Fields::new(parts);
        assert_eq!(f.text("tracking_code"), "۱۲۳");
        assert!(f.file("photo").is_some());
        assert!(f.file("signature").is_none(), "no file chosen");
        assert!(f.checked("signature") && !f.checked("old_card_collected"));
    }

    #[test]
    fn boundaries_and_malformed_bodies() {
        assert_eq!(
            boundary("multipart/form-data; charset=utf-8; boundary=\"x y\"").as_deref(),
            Some("x y")
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(
            parse("text/plain", b"x").unwrap_err(),
            Malformed::NotMultipart
        );
        let b = body();
        assert_eq!(
            parse(CT, &b[..b.len() - 30]).unwrap_err(),
            Malformed::Truncated
        );
        assert_eq!(parse(CT, b"").unwrap_err(), Malformed::Truncated);
        let empty = b"------WebKitFormBoundaryAbC123--\r\n";
        assert_eq!(parse(CT, empty).unwrap(), vec![]);
    }
}
