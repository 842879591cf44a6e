//! The SDK's random draws, written again in Rust: Philox4x32-10 (Salmon et al., SC'11, as
//! in Random123) and the conversions of `<trafficsim/random.h>`, bit for bit. (The C
//! SDK's draws are `static inline` functions in its headers, so there is no library to
//! call; they are a few lines.)

use crate::boundary::Stream;

/// Philox4x32-10 of counter `c` under key `k`.
pub fn philox(c: [u32; 4], k: [u32; 2]) -> [u32; 4] {
    let (mut x0, mut x1, mut x2, mut x3) = (c[0], c[1], c[2], c[3]);
    let (mut k0, mut k1) = (k[0], k[1]);
    for r in 0..10 {
        let p0 = 0xD251_1F53u64 * u64::from(x0);
        let p1 = 0xCD9E_8D57u64 * u64::from(x2);
        if r != 0 {
            k0 = k0.wrapping_add(0x9E37_79B9);
            k1 = k1.wrapping_add(0xBB67_AE85);
        }
        x0 = (p1 >> 32) as u32 ^ x1 ^ k0;
        x1 = p1 as u32;
        x2 = (p0 >> 32) as u32 ^ x3 ^ k1;
        x3 = p0 as u32;
    }
    [x0, x1, x2, x3]
}

/// 64 random bits at `slot` of stream `s` (slots 2b and 2b + 1 are block b):
/// trafficsim_bits.
pub fn bits(s: &Stream, slot: u32) -> u64 {
    let r = philox([s.counter[0], s.counter[1], s.counter[2], slot >> 1], s.key);
    if slot & 1 != 0 {
        u64::from(r[3]) << 32 | u64::from(r[2])
    } else {
        u64::from(r[1]) << 32 | u64::from(r[0])
    }
}

/// A double in [0, 1) from the top 53 bits: trafficsim_unit.
pub fn unit(s: &Stream, slot: u32) -> f64 {
    (bits(s, slot) >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// A double in [lo, hi): trafficsim_uniform.
pub fn uniform(s: &Stream, lo: f64, hi: f64, slot: u32) -> f64 {
    lo + (hi - lo) * unit(s, slot)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Random123's kat_vectors, "philox4x32 10" lines (the SDK's tests/sdk/philox_test.cpp).
    #[test]
    fn philox_known_answers() {
        assert_eq!(philox([0; 4], [0; 2]), [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]);
        assert_eq!(philox([u32::MAX; 4], [u32::MAX; 2]), [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]);
    }

    #[test]
    fn slots_read_the_two_halves_of_a_block() {
        let s = Stream { key: [1, 2], counter: [3, 4, 5, 99] };
        let r = philox([3, 4, 5, 0], [1, 2]);
        assert_eq!(bits(&s, 0), u64::from(r[1]) << 32 | u64::from(r[0]));
        assert_eq!(bits(&s, 1), u64::from(r[3]) << 32 | u64::from(r[2]));
        let u = uniform(&s, 0.9, 1.1, 2);
        assert!((0.9..1.1).contains(&u));
    }
}
