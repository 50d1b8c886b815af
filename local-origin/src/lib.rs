//! local-origin: a small native HTTP/1.1 origin serving generated sample originals (and files
//! from `--dir` folders) for ixora's development and end-to-end tests.
//!
//! `samples` builds the images, `generated` makes originals of any size on request; `server`
//! serves them. ixora's tests use `samples` directly as a
//! dev-dependency.

pub mod generated;
pub mod samples;
pub mod server;

pub use samples::{sample, samples, Sample};
pub use server::{serve, start, Config, Running};
