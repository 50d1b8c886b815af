//! On Fastly (wasm32): the edge handler. Natively: the `ixora` command line.

#[cfg(target_arch = "wasm32")]
fn main() {
    ixora::edge::main();
}

/// Counts heap bytes so `render` can report its peak (the wasm build installs it in the lib).
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static GLOBAL: ixora::measure::CountingAlloc = ixora::measure::CountingAlloc;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(cli::run(std::env::args().skip(1).collect()));
}

#[cfg(not(target_arch = "wasm32"))]
mod cli;
