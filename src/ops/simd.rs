//! Four f32 lanes for the hot pixel loops: wasm SIMD (simd128) in the edge build, plain arrays
//! elsewhere. Both run the same IEEE operations in the same order, so they give bit-identical
//! results. (Left to itself, the compiler vectorises byte ↔ float conversions only sometimes.)

use std::ops::{Add, Mul, Sub};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct V4(v128);

    impl V4 {
        #[inline(always)]
        pub fn splat(v: f32) -> V4 {
            V4(f32x4_splat(v))
        }
        #[inline(always)]
        pub fn load(s: &[f32]) -> V4 {
            let s = &s[..4];
            // SAFETY: `s` holds 4 f32 (16 bytes); wasm loads need no alignment.
            V4(unsafe { v128_load(s.as_ptr() as *const v128) })
        }
        #[inline(always)]
        pub fn store(self, s: &mut [f32]) {
            let s = &mut s[..4];
            // SAFETY: as in `load`.
            unsafe { v128_store(s.as_mut_ptr() as *mut v128, self.0) }
        }
        #[inline(always)]
        pub fn add(self, o: V4) -> V4 {
            V4(f32x4_add(self.0, o.0))
        }
        #[inline(always)]
        pub fn sub(self, o: V4) -> V4 {
            V4(f32x4_sub(self.0, o.0))
        }
        #[inline(always)]
        pub fn mul(self, o: V4) -> V4 {
            V4(f32x4_mul(self.0, o.0))
        }
        #[inline(always)]
        pub fn abs(self) -> V4 {
            V4(f32x4_abs(self.0))
        }
        #[inline(always)]
        pub fn select_lt(self, limit: V4, then: V4, otherwise: V4) -> V4 {
            V4(v128_bitselect(then.0, otherwise.0, f32x4_lt(self.0, limit.0)))
        }
    }

    #[inline(always)]
    fn load16(s: &[u8]) -> v128 {
        let s = &s[..16];
        // SAFETY: `s` holds 16 bytes; wasm loads need no alignment.
        unsafe { v128_load(s.as_ptr() as *const v128) }
    }

    #[inline(always)]
    fn widen(lo: v128, hi: v128) -> [V4; 4] {
        let f = |v| V4(f32x4_convert_i32x4(v));
        [
            f(u32x4_extend_low_u16x8(lo)),
            f(u32x4_extend_high_u16x8(lo)),
            f(u32x4_extend_low_u16x8(hi)),
            f(u32x4_extend_high_u16x8(hi)),
        ]
    }

    #[inline(always)]
    pub fn bytes16(s: &[u8]) -> [V4; 4] {
        let v = load16(s);
        widen(u16x8_extend_low_u8x16(v), u16x8_extend_high_u8x16(v))
    }

    #[inline(always)]
    pub fn byte_pairs16(a: &[u8], b: &[u8]) -> [V4; 4] {
        let (a, b) = (load16(a), load16(b));
        widen(
            u16x8_add(u16x8_extend_low_u8x16(a), u16x8_extend_low_u8x16(b)),
            u16x8_add(u16x8_extend_high_u8x16(a), u16x8_extend_high_u8x16(b)),
        )
    }

    #[inline(always)]
    pub fn store_bytes16(v: [V4; 4], out: &mut [u8]) {
        let out = &mut out[..16];
        let half = f32x4_splat(0.5);
        let (zero, max) = (i32x4_splat(0), i32x4_splat(255));
        let i = v.map(|x| i32x4_max(i32x4_min(i32x4_trunc_sat_f32x4(f32x4_add(x.0, half)), max), zero));
        let bytes = u8x16_narrow_i16x8(u16x8_narrow_i32x4(i[0], i[1]), u16x8_narrow_i32x4(i[2], i[3]));
        // SAFETY: `out` holds 16 bytes.
        unsafe { v128_store(out.as_mut_ptr() as *mut v128, bytes) }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    use super::super::blur::{to_f32, to_u8};

    #[derive(Clone, Copy)]
    pub struct V4([f32; 4]);

    impl V4 {
        #[inline(always)]
        pub fn splat(v: f32) -> V4 {
            V4([v; 4])
        }
        #[inline(always)]
        pub fn load(s: &[f32]) -> V4 {
            V4([s[0], s[1], s[2], s[3]])
        }
        #[inline(always)]
        pub fn store(self, s: &mut [f32]) {
            s[..4].copy_from_slice(&self.0);
        }
        #[inline(always)]
        fn zip(self, o: V4, f: impl Fn(f32, f32) -> f32) -> V4 {
            V4([0, 1, 2, 3].map(|l| f(self.0[l], o.0[l])))
        }
        #[inline(always)]
        pub fn add(self, o: V4) -> V4 {
            self.zip(o, |a, b| a + b)
        }
        #[inline(always)]
        pub fn sub(self, o: V4) -> V4 {
            self.zip(o, |a, b| a - b)
        }
        #[inline(always)]
        pub fn mul(self, o: V4) -> V4 {
            self.zip(o, |a, b| a * b)
        }
        #[inline(always)]
        pub fn abs(self) -> V4 {
            V4(self.0.map(f32::abs))
        }
        #[inline(always)]
        pub fn select_lt(self, limit: V4, then: V4, otherwise: V4) -> V4 {
            V4([0, 1, 2, 3].map(|l| if self.0[l] < limit.0[l] { then.0[l] } else { otherwise.0[l] }))
        }
    }

    #[inline(always)]
    pub fn bytes16(s: &[u8]) -> [V4; 4] {
        let s = &s[..16];
        [0, 1, 2, 3].map(|q| V4([0, 1, 2, 3].map(|l| to_f32(s[q * 4 + l]))))
    }

    #[inline(always)]
    pub fn byte_pairs16(a: &[u8], b: &[u8]) -> [V4; 4] {
        let (a, b) = (&a[..16], &b[..16]);
        [0, 1, 2, 3].map(|q| V4([0, 1, 2, 3].map(|l| (a[q * 4 + l] as u16 + b[q * 4 + l] as u16) as f32)))
    }

    #[inline(always)]
    pub fn store_bytes16(v: [V4; 4], out: &mut [u8]) {
        for (q, x) in v.iter().enumerate() {
            for l in 0..4 {
                out[q * 4 + l] = to_u8(x.0[l]);
            }
        }
    }
}

/// Four f32 lanes.
pub use imp::V4;
/// 16 bytes as four `V4`s; the sums of 16 pairs of bytes; 16 values rounded to bytes (saturating).
pub use imp::{byte_pairs16, bytes16, store_bytes16};

impl Add for V4 {
    type Output = V4;
    #[inline(always)]
    fn add(self, o: V4) -> V4 {
        V4::add(self, o)
    }
}

impl Sub for V4 {
    type Output = V4;
    #[inline(always)]
    fn sub(self, o: V4) -> V4 {
        V4::sub(self, o)
    }
}

impl Mul for V4 {
    type Output = V4;
    #[inline(always)]
    fn mul(self, o: V4) -> V4 {
        V4::mul(self, o)
    }
}

/// Runs `f` over `row` (bytes) and `other` (f32, same length) 16 lanes at a time, writing the
/// rounded result back into `row`. The tail goes through a zero-padded copy, so every element
/// sees exactly the same operations.
pub fn map_row(row: &mut [u8], other: &[f32], f: impl Fn(V4, V4) -> V4) {
    let body = row.len() / 16 * 16;
    let apply = |row: &mut [u8], other: &[f32]| {
        let x = bytes16(row);
        let y = [0, 4, 8, 12].map(|q| V4::load(&other[q..]));
        store_bytes16([0, 1, 2, 3].map(|q| f(x[q], y[q])), row);
    };
    for (r, o) in row[..body].chunks_exact_mut(16).zip(other.chunks_exact(16)) {
        apply(r, o);
    }
    let n = row.len() - body;
    if n > 0 {
        let (mut r, mut o) = ([0u8; 16], [0f32; 16]);
        r[..n].copy_from_slice(&row[body..]);
        o[..n].copy_from_slice(&other[body..]);
        apply(&mut r, &o);
        row[body..].copy_from_slice(&r[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::blur::{to_f32, to_u8};

    fn lanes(v: [V4; 4]) -> [f32; 16] {
        let mut out = [0f32; 16];
        for (q, x) in v.iter().enumerate() {
            x.store(&mut out[q * 4..]);
        }
        out
    }

    /// Every lane operation against the scalar formula it stands for (in the wasm build this
    /// checks the simd128 code; natively, the array fallback).
    #[test]
    fn lanes_match_scalar_arithmetic() {
        let a: Vec<u8> = (0..16).map(|i| (i * 37 % 256) as u8).collect();
        let b: Vec<u8> = (0..16).map(|i| 255 - (i * 11 % 256) as u8).collect();
        let fa = lanes(bytes16(&a));
        let sums = lanes(byte_pairs16(&a, &b));
        for i in 0..16 {
            assert_eq!(fa[i], to_f32(a[i]));
            assert_eq!(sums[i], a[i] as f32 + b[i] as f32);
        }
        let x = [-3.7f32, -0.6, -0.4, 0.49, 0.5, 1.5, 127.5, 254.49, 254.5, 255.7, 1e9, -1e9, 3.0, 99.99, 200.5, 0.0];
        let v = [0, 4, 8, 12].map(|q| V4::load(&x[q..]));
        let mut bytes = [0u8; 16];
        store_bytes16(v, &mut bytes);
        for i in 0..16 {
            assert_eq!(bytes[i], to_u8(x[i]), "{}", x[i]);
        }
        let k = V4::splat(0.3);
        let got = lanes(v.map(|p| (p * k + k - p).abs().select_lt(V4::splat(50.0), p, k)));
        for i in 0..16 {
            let y = (x[i] * 0.3 + 0.3 - x[i]).abs();
            assert_eq!(got[i], if y < 50.0 { x[i] } else { 0.3 });
        }
    }

    #[test]
    fn map_row_handles_the_tail_like_the_body() {
        let row: Vec<u8> = (0..37).map(|i| (i * 7) as u8).collect();
        let other: Vec<f32> = (0..37).map(|i| i as f32 * 0.25).collect();
        let mut out = row.clone();
        map_row(&mut out, &other, |x, y| x + x - y);
        for i in 0..37 {
            assert_eq!(out[i], to_u8(2.0 * to_f32(row[i]) - other[i]), "{i}");
        }
    }
}
