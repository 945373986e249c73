//! Encoding and decoding are exact inverses, over all field values (proptest).

use proptest::prelude::*;
use steady_protocol::command::{Command, CommandFrame};
use steady_protocol::data::{frame_len, DataFlags, DataFrame, RawSample, MAX_FRAME_LEN};
use steady_protocol::status::{
    Ack, AckResult, Battery, ErrorFlags, Report, Status, StatusFrame, TimeSyncResponse,
};
use steady_protocol::{AccRange, DecodeError, EncodeError, GyrRange, SampleRate, StreamConfig};

fn config() -> impl Strategy<Value = StreamConfig> {
    (0usize..15, 0usize..4, 0usize..4).prop_map(|(r, a, g)| StreamConfig {
        rate: SampleRate::ALL[r],
        acc_range: AccRange::ALL[a],
        gyr_range: GyrRange::ALL[g],
    })
}

fn flags() -> impl Strategy<Value = DataFlags> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(saturated, overrun, restart)| {
        DataFlags {
            saturated,
            overrun,
            restart,
        }
    })
}

fn sample() -> impl Strategy<Value = RawSample> {
    (any::<[i16; 3]>(), any::<[i16; 3]>()).prop_map(|(acc, gyr)| RawSample { acc, gyr })
}

fn data_frame() -> impl Strategy<Value = DataFrame> {
    (
        flags(),
        config(),
        any::<u8>(),
        any::<u32>(),
        prop::collection::vec(sample(), 1..=19),
    )
        .prop_map(|(f, c, s, t, v)| DataFrame::new(f, c, s, t, &v).unwrap())
}

fn percent() -> impl Strategy<Value = u8> {
    prop_oneof![0u8..=100, Just(255u8)]
}

fn errors() -> impl Strategy<Value = ErrorFlags> {
    (0u16..=0xFF).prop_map(|b| ErrorFlags::from_bits(b).unwrap())
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (0u8..=19).prop_map(|n| Command::StartStreaming {
            samples_per_frame: n
        }),
        Just(Command::StopStreaming),
        config().prop_map(Command::SetConfig),
        any::<u64>().prop_map(|t| Command::TimeSyncRequest { host_time_us: t }),
        any::<u8>().prop_map(|d| Command::Identify { duration_s: d }),
        Just(Command::QueryBattery),
        Just(Command::QueryStatus),
    ]
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        (percent(), any::<u16>(), any::<bool>()).prop_map(|(percent, millivolts, charging)| {
            Status::Battery(Battery {
                percent,
                millivolts,
                charging,
            })
        }),
        any::<i16>().prop_map(|c| Status::Temperature { centi_c: c }),
        errors().prop_map(Status::Errors),
        (any::<u64>(), any::<u32>(), any::<u32>()).prop_map(|(h, r, t)| {
            Status::TimeSync(TimeSyncResponse {
                host_time_us: h,
                device_rx_us: r,
                device_tx_us: t,
            })
        }),
        (any::<u8>(), 0usize..5).prop_map(|(opcode, r)| Status::Ack(Ack {
            opcode,
            result: [
                AckResult::Ok,
                AckResult::UnknownCommand,
                AckResult::InvalidArgument,
                AckResult::Busy,
                AckResult::Failed
            ][r],
        })),
        (
            any::<bool>(),
            config(),
            1u8..=19,
            percent(),
            any::<i16>(),
            errors()
        )
            .prop_map(|(streaming, config, spf, bp, t, e)| Status::Report(Report {
                streaming,
                config,
                samples_per_frame: spf,
                battery_percent: bp,
                temperature_centi_c: t,
                errors: e,
            })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn data_frame_round_trip(f in data_frame()) {
        let mut buf = [0u8; 300];
        let n = f.encode(&mut buf).unwrap();
        prop_assert_eq!(n, frame_len(f.samples().len()));
        prop_assert!(n <= MAX_FRAME_LEN);
        prop_assert_eq!(DataFrame::decode(&buf[..n]), Ok(f));
        // Any shorter buffer is refused, never written past.
        let mut short = [0u8; 300];
        prop_assert_eq!(
            f.encode(&mut short[..n - 1]),
            Err(EncodeError::BufferTooSmall { needed: n, got: n - 1 })
        );
    }

    #[test]
    fn data_frame_bytes_round_trip(f in data_frame()) {
        // decode ∘ encode on the byte side: re-encoding a decoded frame gives the same bytes.
        let mut a = [0u8; 300];
        let n = f.encode(&mut a).unwrap();
        let g = DataFrame::decode(&a[..n]).unwrap();
        let mut b = [0u8; 300];
        let m = g.encode(&mut b).unwrap();
        prop_assert_eq!(&a[..n], &b[..m]);
    }

    #[test]
    fn command_round_trip(c in command(), id in any::<u8>()) {
        let f = CommandFrame { request_id: id, command: c };
        let mut buf = [0u8; 32];
        let n = f.encode(&mut buf).unwrap();
        prop_assert!(n <= 20);
        prop_assert_eq!(CommandFrame::decode(&buf[..n]), Ok(f));
    }

    #[test]
    fn status_round_trip(s in status(), id in any::<u8>()) {
        let f = StatusFrame { request_id: id, status: s };
        let mut buf = [0u8; 32];
        let n = f.encode(&mut buf).unwrap();
        prop_assert!(n <= 20);
        prop_assert_eq!(StatusFrame::decode(&buf[..n]), Ok(f));
    }

    #[test]
    fn any_single_bit_flip_is_detected(f in data_frame(), bit in any::<prop::sample::Index>()) {
        let mut buf = [0u8; 300];
        let n = f.encode(&mut buf).unwrap();
        let i = bit.index(n * 8);
        buf[i / 8] ^= 1 << (i % 8);
        // A flip in the version nibble is an unknown version; anywhere else the CRC catches it.
        match DataFrame::decode(&buf[..n]) {
            Err(DecodeError::UnknownVersion(_)) => prop_assert!(i / 8 == 0 && i % 8 >= 4),
            Err(DecodeError::BadCrc { .. }) => {}
            other => prop_assert!(false, "flip of bit {} gave {:?}", i, other),
        }
    }
}

#[test]
fn encoders_refuse_out_of_range_values() {
    let mut buf = [0u8; 32];
    let bad = CommandFrame {
        request_id: 0,
        command: Command::StartStreaming {
            samples_per_frame: 20,
        },
    };
    assert!(matches!(
        bad.encode(&mut buf),
        Err(EncodeError::OutOfRange { .. })
    ));
    let bad = StatusFrame {
        request_id: 0,
        status: Status::Battery(Battery {
            percent: 101,
            millivolts: 0,
            charging: false,
        }),
    };
    assert!(matches!(
        bad.encode(&mut buf),
        Err(EncodeError::OutOfRange { .. })
    ));
    let c = StreamConfig::default();
    assert_eq!(
        DataFrame::new(DataFlags::default(), c, 0, 0, &[]),
        Err(EncodeError::SampleCount(0))
    );
    assert_eq!(
        DataFrame::new(DataFlags::default(), c, 0, 0, &[RawSample::default(); 20]),
        Err(EncodeError::SampleCount(20))
    );
}
