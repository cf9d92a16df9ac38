//! `multipart/form-data` bodies, as a browser builds them from a form with file inputs.

/// The boundary every kit body uses.
pub const BOUNDARY: &str = "----shenas-test-boundary-7MA4YWxkTrZu0gW";

enum Part {
    Text(String, String),
    File(String, String, Vec<u8>),
}

/// A form's parts in order: text fields and files.
#[derive(Default)]
pub struct Multipart {
    parts: Vec<Part>,
}

impl Multipart {
    pub fn new() -> Self {
        Self::default()
    }

    /// A text field.
    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.parts.push(Part::Text(name.into(), value.into()));
        self
    }

    /// A file input: its file name (`""` for an input left empty) and bytes, sent as
    /// `application/octet-stream`.
    pub fn file(mut self, name: &str, filename: &str, data: Vec<u8>) -> Self {
        self.parts
            .push(Part::File(name.into(), filename.into(), data));
        self
    }

    /// `multipart/form-data; boundary=…`.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={BOUNDARY}")
    }

    /// The encoded body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::new();
        for p in &self.parts {
            b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            match p {
                Part::Text(name, value) => {
                    b.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                            .as_bytes(),
                    );
                    b.extend_from_slice(value.as_bytes());
                }
                Part::File(name, filename, data) => {
                    b.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
Content-Type: application/octet-stream\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                    b.extend_from_slice(data);
                }
            }
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        b
    }
}
