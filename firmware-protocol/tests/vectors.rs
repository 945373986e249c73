//! The example frames of PROTOCOL.md, read from the document itself, decode to the values the
//! document describes (written out here by hand) and re-encode to the same bytes.

use steady_protocol::command::{Command, CommandFrame};
use steady_protocol::data::{DataFlags, DataFrame, RawSample};
use steady_protocol::scale::{acc_mps2, gyr_dps};
use steady_protocol::status::{
    Ack, AckResult, Battery, ErrorFlags, Report, Status, StatusFrame, TimeSyncResponse,
};
use steady_protocol::{AccRange, GyrRange, SampleRate, StreamConfig};

const DOC: &str = include_str!("../PROTOCOL.md");

/// Every `<!-- vector: NAME -->` followed by a ```hex block.
fn vectors() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = DOC;
    while let Some(i) = rest.find("<!-- vector: ") {
        rest = &rest[i + 13..];
        let end = rest.find(" -->").unwrap();
        let name = rest[..end].to_string();
        let start = rest.find("```hex\n").unwrap() + 7;
        let stop = start + rest[start..].find("```").unwrap();
        let bytes = rest[start..stop]
            .split_whitespace()
            .map(|h| u8::from_str_radix(h, 16).unwrap())
            .collect();
        out.push((name, bytes));
        rest = &rest[stop..];
    }
    out
}

fn get(name: &str) -> Vec<u8> {
    vectors()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("PROTOCOL.md has no vector {name}"))
        .1
}

const C100: StreamConfig = StreamConfig {
    rate: SampleRate::Hz100,
    acc_range: AccRange::G16,
    gyr_range: GyrRange::Dps2000,
};
const C50: StreamConfig = StreamConfig {
    rate: SampleRate::Hz50,
    acc_range: AccRange::G8,
    gyr_range: GyrRange::Dps1000,
};

fn reencode_data(f: &DataFrame) -> Vec<u8> {
    let mut b = [0u8; 300];
    let n = f.encode(&mut b).unwrap();
    b[..n].to_vec()
}

#[test]
fn the_document_has_all_vectors() {
    let names: Vec<String> = vectors().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 10, "{names:?}");
}

#[test]
fn data_vectors() {
    let b = get("data-1");
    assert_eq!(b.len(), 20);
    let f = DataFrame::decode(&b).unwrap();
    let want = DataFrame::new(
        DataFlags::default(),
        C100,
        42,
        1_000_000,
        &[RawSample {
            acc: [0, 0, 2048],
            gyr: [16, -16, 0],
        }],
    )
    .unwrap();
    assert_eq!(f, want);
    assert_eq!(reencode_data(&want), b);
    assert_eq!(acc_mps2(2048, AccRange::G16), 9.80665);
    assert_eq!(gyr_dps(-16, GyrRange::Dps2000), -0.9765625);

    let b = get("data-2");
    assert_eq!(b.len(), 33);
    let want = DataFrame::new(
        DataFlags {
            saturated: true,
            overrun: false,
            restart: true,
        },
        C50,
        255,
        0xFFFF_FFF0,
        &[
            RawSample {
                acc: [-32768, 32767, 4096],
                gyr: [-1, 1, 1000],
            },
            RawSample {
                acc: [1, 2, 3],
                gyr: [4, 5, 6],
            },
        ],
    )
    .unwrap();
    assert_eq!(DataFrame::decode(&b), Ok(want));
    assert_eq!(reencode_data(&want), b);
}

#[test]
fn command_vectors() {
    for (name, request_id, command) in [
        (
            "cmd-start",
            1,
            Command::StartStreaming {
                samples_per_frame: 0,
            },
        ),
        ("cmd-config", 2, Command::SetConfig(C50)),
        (
            "cmd-timesync",
            3,
            Command::TimeSyncRequest {
                host_time_us: 1_234_567_890_123,
            },
        ),
        ("cmd-stop", 4, Command::StopStreaming),
    ] {
        let b = get(name);
        let want = CommandFrame {
            request_id,
            command,
        };
        assert_eq!(CommandFrame::decode(&b), Ok(want), "{name}");
        let mut out = [0u8; 32];
        let n = want.encode(&mut out).unwrap();
        assert_eq!(&out[..n], &b[..], "{name}");
    }
}

#[test]
fn status_vectors() {
    for (name, request_id, status) in [
        (
            "status-battery",
            5,
            Status::Battery(Battery {
                percent: 87,
                millivolts: 3950,
                charging: false,
            }),
        ),
        (
            "status-timesync",
            3,
            Status::TimeSync(TimeSyncResponse {
                host_time_us: 1_234_567_890_123,
                device_rx_us: 0xFFFF_FF00,
                device_tx_us: 0x10,
            }),
        ),
        (
            "status-report",
            0,
            Status::Report(Report {
                streaming: true,
                config: C100,
                samples_per_frame: 4,
                battery_percent: 87,
                temperature_centi_c: 2315,
                errors: ErrorFlags::from_bits(ErrorFlags::FIFO_OVERRUN).unwrap(),
            }),
        ),
        (
            "status-ack",
            2,
            Status::Ack(Ack {
                opcode: 0x03,
                result: AckResult::Ok,
            }),
        ),
    ] {
        let b = get(name);
        let want = StatusFrame { request_id, status };
        assert_eq!(StatusFrame::decode(&b), Ok(want), "{name}");
        let mut out = [0u8; 32];
        let n = want.encode(&mut out).unwrap();
        assert_eq!(&out[..n], &b[..], "{name}");
    }
}
