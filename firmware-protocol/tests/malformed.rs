//! Every kind of malformed input gives its own typed error.

use steady_protocol::command::CommandFrame;
use steady_protocol::crc::{crc16, crc8};
use steady_protocol::data::{DataFlags, DataFrame, RawSample};
use steady_protocol::status::StatusFrame;
use steady_protocol::{DecodeError, StreamConfig};

fn frame(n: usize) -> Vec<u8> {
    let s = vec![RawSample::default(); n];
    let f = DataFrame::new(DataFlags::default(), StreamConfig::default(), 1, 2, &s).unwrap();
    let mut b = [0u8; 300];
    let len = f.encode(&mut b).unwrap();
    b[..len].to_vec()
}

fn refix16(b: &mut [u8]) {
    let n = b.len();
    let c = crc16(&b[..n - 2]);
    b[n - 2..].copy_from_slice(&c.to_le_bytes());
}

#[test]
fn data_frame_errors() {
    use DecodeError::*;
    assert_eq!(
        DataFrame::decode(&[]),
        Err(Truncated { needed: 20, got: 0 })
    );
    assert_eq!(
        DataFrame::decode(&frame(1)[..19]),
        Err(Truncated {
            needed: 20,
            got: 19
        })
    );
    assert_eq!(DataFrame::decode(&[0x20; 20]), Err(UnknownVersion(2)));
    assert_eq!(DataFrame::decode(&[0x00; 20]), Err(UnknownVersion(0)));
    assert_eq!(DataFrame::decode(&[0x55, 0x61]), Err(UnknownVersion(5))); // a WitMotion frame
    let mut long = frame(19);
    long.push(0);
    assert_eq!(
        DataFrame::decode(&long),
        Err(TooLong { max: 237, got: 238 })
    );
    assert_eq!(
        DataFrame::decode(&[0x10; 4000]),
        Err(TooLong {
            max: 237,
            got: 4000
        })
    );
    for bad in [21usize, 32, 34, 44, 236] {
        let mut b = frame(19);
        b.truncate(bad);
        assert_eq!(DataFrame::decode(&b), Err(BadLength { got: bad }), "{bad}");
    }
    let mut b = frame(1);
    b[10] ^= 0x40;
    assert!(matches!(DataFrame::decode(&b), Err(BadCrc { .. })));
    let mut b = frame(3);
    b[3] ^= 1;
    assert!(matches!(DataFrame::decode(&b), Err(BadCrc { .. })));
    // Well-formed CRC but reserved flag bit 3.
    let mut b = frame(2);
    b[0] |= 0x08;
    refix16(&mut b);
    assert_eq!(
        DataFrame::decode(&b),
        Err(ReservedBits {
            field: "data flags"
        })
    );
    // Rate code 0.
    let mut b = frame(2);
    b[1] &= 0x0F;
    refix16(&mut b);
    assert_eq!(
        DataFrame::decode(&b),
        Err(InvalidField {
            field: "sample rate code",
            value: 0
        })
    );
}

fn small(code: u8, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0x10, code, 0];
    b.extend_from_slice(payload);
    b.push(crc8(&b));
    b
}

#[test]
fn command_errors() {
    use DecodeError::*;
    assert_eq!(
        CommandFrame::decode(&[]),
        Err(Truncated { needed: 4, got: 0 })
    );
    assert_eq!(
        CommandFrame::decode(&[0x10, 1, 0]),
        Err(Truncated { needed: 4, got: 3 })
    );
    assert_eq!(
        CommandFrame::decode(&[0x30, 1, 0, 0]),
        Err(UnknownVersion(3))
    );
    assert_eq!(
        CommandFrame::decode(&[0x10; 13]),
        Err(TooLong { max: 12, got: 13 })
    );
    let mut b = small(0x02, &[]);
    b[2] = 9;
    assert!(matches!(CommandFrame::decode(&b), Err(BadCrc { .. })));
    assert_eq!(
        CommandFrame::decode(&small(0x08, &[])),
        Err(UnknownCommand(0x08))
    );
    assert_eq!(
        CommandFrame::decode(&small(0x00, &[])),
        Err(UnknownCommand(0x00))
    );
    // Payload lengths that do not match the opcode.
    assert_eq!(
        CommandFrame::decode(&small(0x04, &[1, 2, 3])),
        Err(Truncated { needed: 12, got: 7 })
    );
    assert_eq!(
        CommandFrame::decode(&small(0x02, &[1])),
        Err(BadLength { got: 5 })
    );
    assert_eq!(
        CommandFrame::decode(&small(0x01, &[20])),
        Err(InvalidField {
            field: "samples per frame",
            value: 20
        })
    );
    assert!(matches!(
        CommandFrame::decode(&small(0x03, &[0x0F])),
        Err(InvalidField { .. })
    ));
    let mut b = small(0x02, &[]);
    b[0] = 0x11;
    let n = b.len();
    b[n - 1] = crc8(&b[..n - 1]);
    assert_eq!(
        CommandFrame::decode(&b),
        Err(ReservedBits { field: "header" })
    );
}

#[test]
fn status_errors() {
    use DecodeError::*;
    assert_eq!(
        StatusFrame::decode(&[0x10; 21]),
        Err(TooLong { max: 20, got: 21 })
    );
    assert_eq!(
        StatusFrame::decode(&small(0x07, &[])),
        Err(UnknownStatus(0x07))
    );
    assert!(matches!(
        StatusFrame::decode(&small(0x01, &[101, 0, 0, 0])),
        Err(InvalidField {
            field: "battery percent",
            ..
        })
    ));
    assert!(matches!(
        StatusFrame::decode(&small(0x01, &[50, 0, 0, 2])),
        Err(InvalidField {
            field: "charging",
            ..
        })
    ));
    assert_eq!(
        StatusFrame::decode(&small(0x03, &[0, 1])),
        Err(ReservedBits {
            field: "error flags"
        })
    );
    assert!(matches!(
        StatusFrame::decode(&small(0x05, &[3, 5])),
        Err(InvalidField {
            field: "ack result",
            ..
        })
    ));
    assert_eq!(
        StatusFrame::decode(&small(0x04, &[0; 15])),
        Err(Truncated {
            needed: 20,
            got: 19
        })
    );
    assert!(matches!(
        StatusFrame::decode(&small(0x06, &[2, 0x4F, 4, 0, 0, 0, 0, 0])),
        Err(ReservedBits { .. })
    ));
    assert!(matches!(
        StatusFrame::decode(&small(0x06, &[1, 0x4F, 0, 0, 0, 0, 0, 0])),
        Err(InvalidField {
            field: "samples per frame",
            ..
        })
    ));
}
