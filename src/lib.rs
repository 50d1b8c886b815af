//! ixora: the imgix URL API as an engine (pure Rust, native and wasm) plus a Fastly Compute
//! edge adapter (wasm only). Three layers, each depending only on the ones below it:
//!
//! - engine — bytes + parameters → bytes: `params` (the URL grammar), `codec` (probe, decode,
//!   encode, limits), `plan` (geometry as arithmetic), `analyse` (pixels looked at before the
//!   plan is final), `pipeline` (the ordered steps), `ops` (kernels), `output` (format choice,
//!   `fm=json`, palettes), `render` (the path through all of them), `working_copy` (a large original decoded once,
//!   small);
//! - service — the pure HTTP policy: sources, the fetch guard, signatures, cache keys, TTLs,
//!   response headers;
//! - edge — the Fastly adapter (wasm only).

// engine
pub mod analyse;
pub mod codec;
pub mod error;
pub mod image;
pub mod measure;
pub mod ops;
pub mod output;
pub mod params;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod text;
pub mod working_copy;

// service
pub mod service;

// edge
#[cfg(target_arch = "wasm32")]
pub mod edge;

pub use error::{Error, Result};
pub use output::negotiate::Accepts;
pub use render::{render, render_copy, render_with, Assets, Rendered};
pub use working_copy::WorkingCopy;
