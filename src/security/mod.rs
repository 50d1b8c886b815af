//! What keeps a request inside the platform's budget and who may ask: signed URLs and expiry.

pub mod limits;
pub mod signature;
pub use limits::Limits;
