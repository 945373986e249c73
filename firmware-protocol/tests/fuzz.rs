//! Fuzz-style robustness on the stable toolchain: ≥ 1,000,000 random and mutated byte strings
//! (seeded, deterministic) through every decoder. No panic; and whatever decodes re-encodes to
//! exactly the same bytes (so no decoder accepts a byte string the encoder would not write).

use steady_protocol::command::CommandFrame;
use steady_protocol::crc::{crc16, crc8};
use steady_protocol::data::DataFrame;
use steady_protocol::status::StatusFrame;

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, seedable, good enough for fuzzing.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn fix_crc(b: &mut [u8], data_frame: bool) {
    let n = b.len();
    if data_frame && n > 20 && n >= 3 {
        let c = crc16(&b[..n - 2]);
        b[n - 2..].copy_from_slice(&c.to_le_bytes());
    } else if n >= 2 {
        b[n - 1] = crc8(&b[..n - 1]);
    }
}

/// Returns how many inputs decoded.
fn check(b: &[u8]) -> u32 {
    let mut ok = 0;
    let mut out = [0u8; 300];
    if let Ok(f) = DataFrame::decode(b) {
        let n = f.encode(&mut out).unwrap();
        assert_eq!(&out[..n], b, "data frame re-encodes differently");
        ok += 1;
    }
    if let Ok(f) = CommandFrame::decode(b) {
        let n = f.encode(&mut out).unwrap();
        assert_eq!(&out[..n], b, "command re-encodes differently");
        ok += 1;
    }
    if let Ok(f) = StatusFrame::decode(b) {
        let n = f.encode(&mut out).unwrap();
        assert_eq!(&out[..n], b, "status re-encodes differently");
        ok += 1;
    }
    ok
}

#[test]
fn a_million_random_and_mutated_inputs_never_panic() {
    let mut rng = Rng(0x5EED_0F57_EAD1);
    let mut buf = [0u8; 300];
    let mut inputs = 0u64;
    let mut decoded = 0u32;
    // Valid seeds to mutate: frames of every kind and size.
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    for n in 1..=19usize {
        let mut b = vec![0x10u8, 0x4F, 7, 1, 2, 3, 4];
        for i in 0..12 * n {
            b.push((i * 37) as u8);
        }
        b.extend_from_slice(if n == 1 { &[0][..] } else { &[0, 0][..] });
        fix_crc(&mut b, true);
        assert!(DataFrame::decode(&b).is_ok());
        seeds.push(b);
    }
    for (op, len) in [
        (1u8, 1usize),
        (2, 0),
        (3, 1),
        (4, 8),
        (5, 1),
        (6, 0),
        (7, 0),
    ] {
        let mut b = vec![0x10, op, 9];
        b.extend(std::iter::repeat_n(if op == 3 { 0x4F } else { 3 }, len));
        b.push(0);
        fix_crc(&mut b, false);
        assert!(CommandFrame::decode(&b).is_ok(), "{b:02x?}");
        seeds.push(b);
    }
    for (k, p) in [
        (1u8, &[50u8, 0x10, 0x0E, 0][..]),
        (2, &[0x10, 0x09][..]),
        (3, &[0x01, 0x00][..]),
        (4, &[1u8; 16][..]),
        (5, &[1, 0][..]),
        (6, &[1, 0x4F, 4, 80, 0x10, 0x09, 0, 0][..]),
    ] {
        let mut b = vec![0x10, k, 0];
        b.extend_from_slice(p);
        b.push(0);
        fix_crc(&mut b, false);
        assert!(StatusFrame::decode(&b).is_ok(), "{b:02x?}");
        seeds.push(b);
    }
    while inputs < 1_000_000 {
        let len;
        match rng.below(4) {
            // Pure random bytes of random length.
            0 => {
                len = rng.below(260);
                for x in &mut buf[..len] {
                    *x = rng.next() as u8;
                }
            }
            // Random bytes with a valid version nibble and (often) a valid CRC.
            1 => {
                len = rng.below(260);
                for x in &mut buf[..len] {
                    *x = rng.next() as u8;
                }
                if len > 0 {
                    buf[0] = 0x10 | (buf[0] & 0x0F & (rng.below(2) as u8 * 0x0F));
                }
                if rng.below(4) != 0 {
                    fix_crc(&mut buf[..len], len >= 33);
                }
            }
            // A valid frame with mutations (flips, byte sets, truncation, extension).
            _ => {
                let s = &seeds[rng.below(seeds.len())];
                let mut l = s.len();
                buf[..l].copy_from_slice(s);
                for _ in 0..1 + rng.below(3) {
                    match rng.below(4) {
                        0 => buf[rng.below(l)] ^= 1 << rng.below(8),
                        1 => buf[rng.below(l)] = rng.next() as u8,
                        2 => l = rng.below(l + 1),
                        _ => {
                            let extra = rng.below(20);
                            for x in &mut buf[l..l + extra] {
                                *x = rng.next() as u8;
                            }
                            l += extra;
                        }
                    }
                    if l == 0 {
                        break;
                    }
                }
                if rng.below(2) == 0 {
                    fix_crc(&mut buf[..l], l >= 33);
                }
                len = l;
            }
        }
        decoded += check(&buf[..len]);
        inputs += 1;
    }
    assert_eq!(inputs, 1_000_000);
    // The mutators reach the accepting paths too, not only the early rejections.
    assert!(decoded > 10_000, "only {decoded} inputs decoded");
}
