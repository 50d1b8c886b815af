//! ixora: the imgix URL API as an engine (pure Rust, native and wasm) plus a Fastly Compute
//! edge adapter (wasm only).

pub mod blurhash;
pub mod codec;
pub mod delivery;
pub mod error;
pub mod faces;
pub mod headers;
pub mod image;
pub mod measure;
pub mod metadata;
pub mod negotiate;
pub mod ops;
pub mod palette;
pub mod params;
pub mod pipeline;
pub mod plan;
pub mod proxy;
pub mod render;
pub mod security;
pub mod source;
pub mod timeline;

#[cfg(target_arch = "wasm32")]
pub mod edge;

pub use error::{Error, Result};
pub use render::{render, render_with, Assets, Rendered};
