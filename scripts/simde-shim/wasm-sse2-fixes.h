/* SSE2 intrinsics that SIMDe 0.7.4 (Debian bookworm's libsimde-dev) implements on wasm32 with a
 * scalar loop through memory, re-done here with the simd128 instruction that does the same. They
 * are the hot ones in libwebp's encoder: ITransform and the quantizers multiply with mulhi/mullo,
 * SetResidualCoeffs uses movemask, the distortion and SSE code madd and sad. Without these the
 * "SIMD" build encoded 2-3x slower than plain C (profiled with viceroy --profile=guest).
 * Each one returns exactly what the x86 instruction returns, bit for bit. */
#ifndef IXORA_WASM_SSE2_FIXES_H
#define IXORA_WASM_SSE2_FIXES_H
#include <wasm_simd128.h>

/* The odd (high) 16-bit halves of the 32-bit products, lanes in order. */
static __inline__ __m128i __attribute__((__always_inline__))
ixora_mm_mulhi_epi16(__m128i a, __m128i b) {
  return wasm_i16x8_shuffle(wasm_i32x4_extmul_low_i16x8(a, b), wasm_i32x4_extmul_high_i16x8(a, b),
                            1, 3, 5, 7, 9, 11, 13, 15);
}
static __inline__ __m128i __attribute__((__always_inline__))
ixora_mm_mulhi_epu16(__m128i a, __m128i b) {
  return wasm_i16x8_shuffle(wasm_u32x4_extmul_low_u16x8(a, b), wasm_u32x4_extmul_high_u16x8(a, b),
                            1, 3, 5, 7, 9, 11, 13, 15);
}
/* pmaddwd and i32x4.dot_i16x8_s are the same operation, wraparound included. */
static __inline__ __m128i __attribute__((__always_inline__))
ixora_mm_madd_epi16(__m128i a, __m128i b) {
  return wasm_i32x4_dot_i16x8(a, b);
}
static __inline__ int __attribute__((__always_inline__))
ixora_mm_movemask_epi8(__m128i a) {
  return (int)wasm_i8x16_bitmask(a);
}
/* |a-b| per byte, summed per 8-byte half into the low 16 bits of each 64-bit lane. */
static __inline__ __m128i __attribute__((__always_inline__))
ixora_mm_sad_epu8(__m128i a, __m128i b) {
  const v128_t d = wasm_v128_or(wasm_u8x16_sub_sat(a, b), wasm_u8x16_sub_sat(b, a));
  const v128_t s32 = wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(d));
  return wasm_i64x2_add(wasm_v128_and(s32, wasm_i64x2_const_splat(0xffffffff)),
                        wasm_u64x2_shr(s32, 32));
}

#undef _mm_mulhi_epi16
#undef _mm_mulhi_epu16
#undef _mm_mullo_epi16
#undef _mm_madd_epi16
#undef _mm_movemask_epi8
#undef _mm_sad_epu8
#define _mm_mulhi_epi16(a, b) ixora_mm_mulhi_epi16(a, b)
#define _mm_mulhi_epu16(a, b) ixora_mm_mulhi_epu16(a, b)
#define _mm_mullo_epi16(a, b) wasm_i16x8_mul(a, b)
#define _mm_madd_epi16(a, b) ixora_mm_madd_epi16(a, b)
#define _mm_movemask_epi8(a) ixora_mm_movemask_epi8(a)
#define _mm_sad_epu8(a, b) ixora_mm_sad_epu8(a, b)
#endif
