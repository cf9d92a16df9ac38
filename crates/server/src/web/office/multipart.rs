//! `multipart/form-data` (RFC 7578) as browsers send file uploads, read from a body already in memory by `multer`
//! (the parser under axum's `Multipart`). The service's body limit bounds the size; the pages look fields up by
//! name.

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

/// Splits a `multipart/form-data` body into its parts with `multer` (the parser axum's own `Multipart` uses).
pub async fn parse(content_type: &str, body: axum::body::Bytes) -> Result<Vec<Part>, Malformed> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| Malformed::NotMultipart)?;
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|_| Malformed::Truncated)? {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        if parts.len() == MAX_PARTS {
            return Err(Malformed::TooManyParts);
        }
        let filename = field.file_name().map(str::to_owned);
        let data = field.bytes().await.map_err(|_| Malformed::Truncated)?;
        parts.push(Part {
            name,
            filename,
            data: data.to_vec(),
        });
    }
    Ok(parts)
}

/// The parts of a form, looked up by name.
#[derive(Debug, Default)]
pub struct Fields(Vec<Part>);

/// The fields of a `multipart/form-data` request, by its `Content-Type` header.
pub async fn request_fields(
    headers: &axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Fields, Malformed> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    parse(content_type, body).await.map(Fields::new)
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

    /// The finger a desk form sends (`position`, `format` and the scanner's file `data`) as the API's probe; else
    /// the field at fault with its Persian message.
    pub fn probe(&self) -> Result<crate::pickup::ProbeInput, (&'static str, &'static str)> {
        use base64::Engine;
        let Ok(position) = self.text("position").trim().parse::<i64>() else {
            return Err(("position", "انگشت را انتخاب کنید"));
        };
        let Some(data) = self.file("data") else {
            return Err((
                "data",
                "پروندهٔ اثر انگشتی را که دستگاه گرفته است انتخاب کنید",
            ));
        };
        Ok(crate::pickup::ProbeInput {
            position,
            format: self.text("format"),
            data: base64::engine::general_purpose::STANDARD.encode(data),
        })
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

    #[tokio::test]
    async fn parts_with_text_files_and_empty_files() {
        let parts = parse(CT, body().into()).await.unwrap();
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

    #[tokio::test]
    async fn boundaries_and_malformed_bodies() {
        let quoted = "multipart/form-data; charset=utf-8; boundary=\"x y\"";
        let one = "--x y\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x y--\r\n";
        let parts = parse(quoted, one.as_bytes().to_vec().into()).await.unwrap();
        assert_eq!(
            (parts[0].name.as_str(), parts[0].data.as_slice()),
            ("a", &b"1"[..])
        );
        for ct in ["application/x-www-form-urlencoded", "text/plain"] {
            assert_eq!(
                parse(ct, b"x".to_vec().into()).await.unwrap_err(),
                Malformed::NotMultipart
            );
        }
        let b = body();
        assert_eq!(
            parse(CT, b[..b.len() - 30].to_vec().into())
                .await
                .unwrap_err(),
            Malformed::Truncated
        );
        assert_eq!(
            parse(CT, axum::body::Bytes::new()).await.unwrap_err(),
            Malformed::Truncated
        );
        let empty = b"------WebKitFormBoundaryAbC123--\r\n";
        assert_eq!(parse(CT, empty.to_vec().into()).await.unwrap(), vec![]);
    }
}
