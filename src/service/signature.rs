//! imgix-compatible signed URLs (`s`) and `expires`.
//!
//! `s` is the lowercase hex MD5 of `token + path + ("?" + query without s, when non-empty)`,
//! computed on the raw request bytes: clients encode paths differently (see
//! reference/imgix-signing.md §2), so nothing is decoded or reordered before hashing.

use crate::error::Error;

/// The raw query with every `s=` pair removed, other pairs byte-for-byte in their order,
/// and the value of the last `s` (imgix puts it last; we accept it anywhere).
pub fn split_signature(raw_query: &str) -> (String, Option<&str>) {
    let mut rest = Vec::new();
    let mut sig = None;
    for pair in raw_query.split('&') {
        match pair.strip_prefix("s=") {
            Some(v) => sig = Some(v),
            None if pair == "s" => sig = Some(""),
            None => rest.push(pair),
        }
    }
    // Drop empty pairs only at the ends so "a=1&&b=2" keeps its bytes.
    while rest.last() == Some(&"") {
        rest.pop();
    }
    (rest.join("&"), sig)
}

/// The signature a client computes for `path` and `query` (query without `?` and without `s`).
pub fn sign(token: &str, path: &str, query: &str) -> String {
    let mut ctx = Md5::new();
    ctx.update(token.as_bytes());
    ctx.update(path.as_bytes());
    if !query.is_empty() {
        ctx.update(b"?");
        ctx.update(query.as_bytes());
    }
    hex(&ctx.finish())
}

/// Checks `s` in the raw request against every token; any one may match (rotation).
/// A missing or wrong signature is a 403.
pub fn verify<'t>(tokens: impl IntoIterator<Item = &'t str>, raw_path: &str, raw_query: &str) -> Result<(), Error> {
    let (rest, sig) = split_signature(raw_query);
    let Some(sig) = sig.filter(|s| !s.is_empty()) else {
        return Err(Error::forbidden("this source requires a signed URL (parameter s)"));
    };
    // Clients send lowercase hex; compare case-insensitively without branching on content.
    let given = sig.to_ascii_lowercase();
    let mut ok = false;
    for token in tokens {
        // No early exit: every token is tried, so timing does not tell which one matched.
        ok |= constant_time_eq(sign(token, raw_path, &rest).as_bytes(), given.as_bytes());
    }
    if ok {
        Ok(())
    } else {
        Err(Error::forbidden("the signature (parameter s) does not match this URL"))
    }
}

/// Equality whose time depends only on the lengths, not on where the bytes differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `expires` (a Unix timestamp, seconds): in the past → 404 as imgix does; otherwise the
/// seconds that remain, which cap the response's max-age.
pub fn check_expires(value: &str, now_secs: u64) -> Result<u64, Error> {
    let at = value
        .trim()
        .parse::<u64>()
        .map_err(|_| Error::invalid_param("expires", format!("expires={value:?} is not a Unix timestamp")))?;
    expires_in(at, now_secs)
}

/// Seconds until `expires` (a Unix timestamp) passes; a 404 once it has.
pub fn expires_in(at: u64, now_secs: u64) -> Result<u64, Error> {
    if at <= now_secs {
        return Err(Error::expired("this URL has expired"));
    }
    Ok(at - now_secs)
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[(b >> 4) as usize] as char, DIGITS[(b & 15) as usize] as char]).collect()
}

/// MD5 (RFC 1321). Compact and dependency-free; imgix's format needs it, nothing here relies on
/// its collision resistance beyond what imgix itself does.
pub struct Md5 {
    state: [u32; 4],
    buffer: Vec<u8>,
    length: u64,
}

const S: [u32; 64] = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15,
    21,
];

impl Default for Md5 {
    fn default() -> Self {
        Self::new()
    }
}

impl Md5 {
    pub fn new() -> Self {
        Md5 { state: [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476], buffer: Vec::with_capacity(64), length: 0 }
    }

    pub fn digest(bytes: &[u8]) -> [u8; 16] {
        let mut m = Md5::new();
        m.update(bytes);
        m.finish()
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.length = self.length.wrapping_add(data.len() as u64);
        if !self.buffer.is_empty() {
            let take = (64 - self.buffer.len()).min(data.len());
            self.buffer.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buffer.len() == 64 {
                let block: [u8; 64] = self.buffer[..].try_into().expect("64 bytes");
                self.block(&block);
                self.buffer.clear();
            }
        }
        let mut chunks = data.chunks_exact(64);
        for chunk in &mut chunks {
            self.block(chunk.try_into().expect("64 bytes"));
        }
        self.buffer.extend_from_slice(chunks.remainder());
    }

    pub fn finish(mut self) -> [u8; 16] {
        let bits = self.length.wrapping_mul(8);
        let mut pad = vec![0x80u8];
        pad.resize((55usize.wrapping_sub(self.buffer.len()) % 64) + 1, 0);
        pad.extend_from_slice(&bits.to_le_bytes());
        let length = self.length;
        self.update(&pad);
        self.length = length;
        let mut out = [0u8; 16];
        for (i, word) in self.state.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
        }
        out
    }

    fn block(&mut self, block: &[u8; 64]) {
        let m: [u32; 16] = std::array::from_fn(|i| u32::from_le_bytes(block[i * 4..i * 4 + 4].try_into().unwrap()));
        let [mut a, mut b, mut c, mut d] = self.state;
        for (i, &shift) in S.iter().enumerate() {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            // K[i] = floor(|sin(i + 1)| * 2^32), computed rather than tabled.
            let k = ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32;
            let f = f.wrapping_add(a).wrapping_add(k).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(shift));
        }
        for (s, v) in self.state.iter_mut().zip([a, b, c, d]) {
            *s = s.wrapping_add(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md5_hex(s: &str) -> String {
        hex(&Md5::digest(s.as_bytes()))
    }

    #[test]
    fn md5_rfc1321_vectors() {
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
        assert_eq!(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
        assert_eq!(md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
        assert_eq!(
            md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
        // Block boundaries: 55, 56, 63, 64, 65 bytes, and streamed in odd pieces.
        for n in [55, 56, 63, 64, 65, 119, 120, 128] {
            let data = vec![b'x'; n];
            let mut m = Md5::new();
            for piece in data.chunks(7) {
                m.update(piece);
            }
            assert_eq!(m.finish(), Md5::digest(&data), "length {n}");
        }
        assert_eq!(md5_hex(&"x".repeat(64)), "c1bb4f81d892b2d57947682aeb252456");
    }

    /// (token, path, query) → s, from reference/imgix-signing.md §3 (the official clients' tests).
    const VECTORS: &[(&str, &str, &str, &str)] = &[
        ("FOO123bar", "/users/1.png", "", "6797c24146142d5b40bde3141fd3600c"),
        ("FOO123bar", "/users/1.png", "h=300&w=400", "1a4e48641614d1109c6a7af51be23d18"),
        ("FOO123bar", "/users/1.png", "w=400&h=300", "c7b86f666a832434dd38577e38cf86d1"),
        ("FOO123bar", "/http%3A%2F%2Favatars.com%2Fjohn-smith.png", "", "493a52f008c91416351f8b33d4883135"),
        ("FOO123bar", "/http%3A%2F%2Favatars.com%2Fjohn-smith.png", "h=300&w=400", "a201fe1a3caef4944dcb40f6ce99e746"),
        ("FOO123bar", "/http%3A%2F%2Favatars.com%2Fjohn-smith.png", "w=400&h=300", "61ea1cc7add87653bb0695fe25f2b534"),
        (
            "FOO123bar",
            "/http%3A%2F%2Favatars.com%2F%E3%81%A7%E3%81%AE%E3%83%91.png",
            "",
            "8e04a5dd9a659a6a540d7c817d3df1d3",
        ),
        (
            "FOO123bar",
            "/http%3A%2F%2Favatars.com%2F%E3%81%A7%E3%81%AE%E3%83%91.png",
            "h=300&w=400",
            "8b97a8fffdfa639af4bae846a9661c50",
        ),
        ("10adc394", "/images/demo.png", "", "2c7c157eaf23b06a0deb2f60b81938c4"),
        ("10adc394", "/images/demo.png", "w=200", "da421114ca238d1f4a927b889f67c34e"),
        ("10adc394", "/images/demo.png", "h=200&w=200", "d570a1ecd765470f7b34a69b56718a7a"),
        ("10adc394", "/images/demo.png", "mark", "6ca2720a15de7ec9862650cca69ad96d"),
        ("10adc394", "/images/demo.png", "mark&h=200&w=200", "70e6fd73fad79125c3596c0575a6e4cf"),
        ("10adc394", "/images/demo.png", "markalign=middle%2Ccenter", "f0d0e28a739f022638f4ba6dddf9b694"),
        ("10adc394", "/%5Bimages%5D/demo.png", "", "270832685733a36ba02bd8ab9fd72df5"),
        ("10adc394", "/[images]/demo.png", "", "ed6eb07e9eff3f6c8bbcc83fc4f63198"),
        ("10adc394", "/https%3A%2F%2Fgoogle.com%2Fcats.gif", "", "e686099fbba86fc2b8141d3c1ff60605"),
        (
            "10adc394",
            "/https%3A%2F%2Fmy-demo-site.com%2Ffiles%2F133467012%2Favatar%20icon.png",
            "",
            "0698b87ab279364977e93f0e6baee41b",
        ),
        ("10adc394", "/%20%3C%3E%5B%5D%7B%7D%7C%5C%5E%25.jpg", "h=200&w=200", "1731846fd046c84270d052b1152b0cfa"),
        ("10adc394", "/%26%24%2B%2C%3A%3B%3D%3F%40%23.jpg", "h=200&w=200", "08730633f350ceb3cc6bce4caa4be55a"),
        ("MYT0KEN", "/path/to/image.jpg", "", "c8bd1807209f7f1d96dd7123f92febb4"),
        ("abcde1234", "/file+with%20some+crazy%20things.jpg", "", "4aadfc1a58f27729a41d05831c52116f"),
        ("abcde1234", "/file+with%20some+crazy%20things.jpg", "w=100", "524748753f8aa52fb41b9359f79c3188"),
        // js-core's internal _signParams has no leading slash.
        ("MYT0KEN", "images/1.png", "", "6d82410f89cc6d80a6aa9888dcf85825"),
        ("MYT0KEN", "images/1.png", "w=400", "990916ef8cc640c58d909833e47f6c31"),
        ("my-token", "/image.jpg", "w=100", "e2e581a39c917bdee50b2f8689c30893"),
        ("my-token", "/image.jpg", "w=116", "836e0bc15da2ad74af8130d93a0ebda6"),
        ("my-token", "/image.jpg", "w=8192", "59eb881b618fed314fe30cf9e3ec7b00"),
        ("my-token", "/image.jpg", "h=800&ar=3%3A2&fit=crop&dpr=1", "3d754a157458402fd3e26977107ade74"),
    ];

    #[test]
    fn official_client_vectors() {
        for &(token, path, query, want) in VECTORS {
            assert_eq!(sign(token, path, query), want, "{token} {path}?{query}");
            let signed = if query.is_empty() { format!("s={want}") } else { format!("{query}&s={want}") };
            assert_eq!(verify([token], path, &signed), Ok(()), "{path}?{signed}");
        }
    }

    #[test]
    fn verify_refuses_missing_wrong_and_tampered() {
        let path = "/users/1.png";
        let good = "h=300&w=400&s=1a4e48641614d1109c6a7af51be23d18";
        assert_eq!(verify(["FOO123bar"], path, good), Ok(()));
        assert_eq!(verify(["FOO123bar"], path, "h=300&w=400&s=1A4E48641614D1109C6A7AF51BE23D18"), Ok(()));
        for (p, q) in [
            (path, "h=300&w=400"),                                    // missing
            (path, "h=300&w=400&s="),                                 // empty
            (path, "h=300&w=401&s=1a4e48641614d1109c6a7af51be23d18"), // value changed
            (path, "w=400&h=300&s=1a4e48641614d1109c6a7af51be23d18"), // reordered
            ("/users/2.png", good),                                   // other path
            (path, "h=300&w=400&s=1a4e48641614d1109c6a7af51be23d1"),  // short
        ] {
            let e = verify(["FOO123bar"], p, q).unwrap_err();
            assert_eq!(e.status, 403, "{p}?{q}");
        }
        assert_eq!(verify(["wrong"], path, good).unwrap_err().status, 403);
        // Rotation: any configured token may match.
        assert_eq!(verify(["old", "FOO123bar"], path, good), Ok(()));
        assert_eq!(verify(Vec::<&str>::new(), path, good).unwrap_err().status, 403);
    }

    #[test]
    fn signature_removed_byte_for_byte() {
        assert_eq!(split_signature("w=1&s=ab"), ("w=1".into(), Some("ab")));
        assert_eq!(split_signature("s=ab&w=1&h=%20"), ("w=1&h=%20".into(), Some("ab")));
        assert_eq!(split_signature("s=ab"), ("".into(), Some("ab")));
        assert_eq!(split_signature("mark&sat=2"), ("mark&sat=2".into(), None));
        assert_eq!(split_signature(""), ("".into(), None));
    }

    #[test]
    fn expires() {
        assert_eq!(check_expires("1000", 400), Ok(600));
        assert_eq!(check_expires("1000", 1000).unwrap_err().status, 404);
        assert_eq!(check_expires("10", 1000).unwrap_err().status, 404);
        assert_eq!(check_expires("soon", 1000).unwrap_err().status, 400);
    }

    #[test]
    fn constant_time() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
