//! What keeps a request inside the platform's budget (and, later, signatures and expiry).

pub mod limits;
pub use limits::Limits;
