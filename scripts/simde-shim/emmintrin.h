/* For the wasm32 build only (scripts/wasm-cc puts this directory first on the include path):
 * libwebp's SSE2 code gets its intrinsics from SIMDe (Debian libsimde-dev, MIT), which
 * implements them with wasm simd128. clang's own emmintrin.h is x86-only. */
#ifndef IXORA_SIMDE_EMMINTRIN_H
#define IXORA_SIMDE_EMMINTRIN_H
#define SIMDE_ENABLE_NATIVE_ALIASES
/* libsimde-dev's path, spelled out: -nostdlibinc keeps /usr/include (glibc) off the path. */
#include "/usr/include/simde/x86/sse2.h"
#include "wasm-sse2-fixes.h"
#endif
