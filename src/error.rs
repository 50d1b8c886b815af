//! The one error type: every failure knows its HTTP status, a stable machine code,
//! a message that is safe to show to the public, and (for bugs) a detail for the log only.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub status: u16,
    pub code: &'static str,
    pub param: Option<String>,
    pub message: String,
    /// What went wrong, for the log line only: never in a response body.
    pub detail: Option<String>,
}

impl Error {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Error { status, code, param: None, message: message.into(), detail: None }
    }

    /// A query parameter with a value we refuse (400).
    pub fn invalid_param(param: &str, message: impl Into<String>) -> Self {
        Error { param: Some(param.to_string()), ..Self::new(400, "invalid_param", message) }
    }
    /// Input or output beyond a configured limit (413).
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(413, "too_large", message)
    }
    /// Input in a format we do not read (415).
    pub fn unsupported_format(message: impl Into<String>) -> Self {
        Self::new(415, "unsupported_format", message)
    }
    /// Input that claims a format we read but is corrupt or uses an unsupported coding (422).
    pub fn undecodable(message: impl Into<String>) -> Self {
        Self::new(422, "undecodable", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }
    /// A missing or wrong signature, or a refused credential (403).
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "forbidden", message)
    }
    /// A signed URL past its `expires` (404, as imgix answers).
    pub fn expired(message: impl Into<String>) -> Self {
        Self::new(404, "expired", message)
    }
    /// A host with no configured source (410).
    pub fn unknown_source(message: impl Into<String>) -> Self {
        Self::new(410, "unknown_source", message)
    }
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "method_not_allowed", message)
    }
    /// The origin answered with an error or an unusable response (502).
    pub fn bad_gateway(message: impl Into<String>) -> Self {
        Self::new(502, "origin_error", message)
    }
    /// The origin did not answer in time (504).
    pub fn gateway_timeout(message: impl Into<String>) -> Self {
        Self::new(504, "origin_timeout", message)
    }
    /// A bug on our side. `detail` (which check, which values) goes to the log only; the public
    /// message stays generic.
    pub fn internal(detail: impl Into<String>) -> Self {
        Error { detail: Some(detail.into()), ..Self::new(500, "internal", "internal error") }
    }

    /// The JSON body of an error response (DESIGN.md §5).
    pub fn to_json(&self) -> String {
        let mut error = serde_json::json!({
            "status": self.status,
            "code": self.code,
            "message": self.message,
        });
        if let Some(p) = &self.param {
            error["param"] = serde_json::Value::String(p.clone());
        }
        serde_json::json!({ "error": error }).to_string()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.param {
            Some(p) => write!(f, "{} {} ({}): {}", self.status, self.code, p, self.message),
            None => write!(f, "{} {}: {}", self.status, self.code, self.message),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
