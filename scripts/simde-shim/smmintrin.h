/* As emmintrin.h here: libwebp's SSE4.1 code on wasm32 through SIMDe, plus the SSSE3 byte
 * shuffle, which SIMDe 0.7.4 does with a scalar loop: pshufb zeroes a byte whose index has the
 * top bit set, swizzle one whose index is >= 16, so keeping bits 0x8f gives the same result. */
#ifndef IXORA_SIMDE_SMMINTRIN_H
#define IXORA_SIMDE_SMMINTRIN_H
#define SIMDE_ENABLE_NATIVE_ALIASES
/* libsimde-dev's path, spelled out: -nostdlibinc keeps /usr/include (glibc) off the path. */
#include "/usr/include/simde/x86/sse4.1.h"
#include "wasm-sse2-fixes.h"
#undef _mm_shuffle_epi8
#define _mm_shuffle_epi8(a, b) wasm_i8x16_swizzle(a, wasm_v128_and(b, wasm_i8x16_splat((int8_t)0x8f)))
#endif
