//! What leaves the engine: the negotiated output format, `fm=json` metadata, palettes and
//! blurhash summaries.

pub mod blurhash;
pub mod metadata;
pub mod negotiate;
pub mod palette;
