//! Connection manager against the in-memory BLE mock, in paused tokio time (deterministic).

use std::sync::Arc;

use steady_core::Placement;
use steady_sensors::ble::manager::{Manager, ManagerConfig, SensorData, SensorStatus};
use steady_sensors::ble::mock::{MockCentral, MockDevice};
use steady_sensors::ble::transport::{Address, Advert, CharInfo};
use steady_sensors::ble::vendor::{
    Vendor, BATTERY_LEVEL, BATTERY_SERVICE, STEADY_CONTROL, STEADY_DATA, STEADY_SERVICE,
};
use steady_sensors::ble::{LinkPolicy, RegisteredDevice, SensorState};
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep, timeout, Duration};

fn steady_device(central: &MockCentral, last: u8) -> MockDevice {
    let d = central.add_device(
        Advert {
            address: Some(Address([0xC0, 0, 0, 0, 0, last])),
            name: Some(format!("steady-{last}")),
            rssi_dbm: Some(-60),
            services: vec![STEADY_SERVICE],
            manufacturer_data: vec![],
        },
        vec![
            CharInfo {
                service: STEADY_SERVICE,
                uuid: STEADY_DATA,
                notify: true,
                write: false,
                read: false,
            },
            CharInfo {
                service: STEADY_SERVICE,
                uuid: STEADY_CONTROL,
                notify: false,
                write: true,
                read: false,
            },
            CharInfo {
                service: BATTERY_SERVICE,
                uuid: BATTERY_LEVEL,
                notify: false,
                write: false,
                read: true,
            },
        ],
    );
    d.set_read(BATTERY_LEVEL, &[87]);
    d
}

fn registered(last: u8, placement: Placement) -> RegisteredDevice {
    RegisteredDevice {
        address: Address([0xC0, 0, 0, 0, 0, last]),
        vendor: Vendor::Steady,
        placement,
        name: None,
    }
}

fn config() -> ManagerConfig {
    ManagerConfig {
        policy: LinkPolicy {
            stall_after_us: 200_000,
            link_lost_after_us: 1_000_000,
            backoff_initial_us: 100_000,
            backoff_max_us: 1_000_000,
            lost_after_attempts: 4,
            battery_period_us: 1_000_000,
        },
        ..ManagerConfig::default()
    }
}

/// A one-sample steady data frame of sample `seq` (device time `seq` × 10 ms, 100 Hz).
fn frame(seq: u32) -> Vec<u8> {
    let s = steady_protocol::RawSample {
        acc: [0, 0, 2048],
        gyr: [0; 3],
    };
    let f = steady_protocol::DataFrame::new(
        steady_protocol::DataFlags::default(),
        steady_protocol::StreamConfig::default(),
        seq as u8,
        seq.wrapping_mul(10_000),
        &[s],
    )
    .unwrap();
    let mut b = [0u8; 32];
    let n = f.encode(&mut b).unwrap();
    b[..n].to_vec()
}

/// Sends sample `seq` as a steady data frame every 10 ms (100 Hz).
fn feed(device: MockDevice, seqs: std::ops::Range<u32>) -> tokio::task::JoinHandle<u32> {
    tokio::spawn(async move {
        let mut sent = 0;
        for seq in seqs {
            if device.notify(STEADY_DATA, &frame(seq)) {
                sent += 1;
            }
            sleep(Duration::from_millis(10)).await;
        }
        sent
    })
}

async fn wait_state(
    rx: &mut watch::Receiver<Vec<SensorStatus>>,
    i: usize,
    pred: impl Fn(&SensorStatus) -> bool,
) -> SensorStatus {
    timeout(Duration::from_secs(30), rx.wait_for(|s| pred(&s[i])))
        .await
        .expect("state never reached (in paused time)")
        .unwrap()[i]
        .clone()
}

fn seq(n: &SensorData) -> u32 {
    steady_protocol::DataFrame::decode(&n.bytes).unwrap().t_us / 10_000
}

fn drain(rx: &mut mpsc::Receiver<SensorData>) -> Vec<SensorData> {
    let mut v = Vec::new();
    while let Ok(n) = rx.try_recv() {
        v.push(n);
    }
    v
}

#[tokio::test(start_paused = true)]
async fn streams_registered_sensors_only_with_placement_and_configuration() {
    let central = MockCentral::new();
    let left = steady_device(&central, 1);
    let back = steady_device(&central, 2);
    let stranger = steady_device(&central, 3);
    let (manager, mut rx) = Manager::start(
        Arc::new(central.clone()),
        vec![
            registered(1, Placement::LeftShank),
            registered(2, Placement::LowerBack),
        ],
        config(),
    )
    .await
    .unwrap();
    let mut states = manager.states();
    for i in 0..2 {
        wait_state(&mut states, i, |s| s.state == SensorState::Connecting).await;
    }
    while !(left.subscribed(STEADY_DATA) && back.subscribed(STEADY_DATA)) {
        sleep(Duration::from_millis(1)).await;
    }
    let a = feed(left.clone(), 0..150);
    let b = feed(back.clone(), 1000..1150);
    assert_eq!(a.await.unwrap(), 150);
    assert_eq!(b.await.unwrap(), 150);
    let s = wait_state(&mut states, 0, |s| s.notifications == 150).await;
    assert_eq!(s.state, SensorState::Streaming);
    let got = drain(&mut rx);
    assert_eq!(got.len(), 300);
    let lefts: Vec<u32> = got
        .iter()
        .filter(|n| n.placement == Placement::LeftShank)
        .map(seq)
        .collect();
    assert_eq!(lefts, (0..150).collect::<Vec<_>>());
    assert!(got
        .iter()
        .filter(|n| n.placement == Placement::LowerBack)
        .all(|n| seq(n) >= 1000));
    // Arrival times are monotonic per sensor and ~10 ms apart.
    let t: Vec<u64> = got
        .iter()
        .filter(|n| n.placement == Placement::LeftShank)
        .map(|n| n.arrival_us)
        .collect();
    assert!(t.windows(2).all(|w| w[1] - w[0] == 10_000), "{t:?}");
    // Config and start commands were written; the stranger was never touched.
    let cmds: Vec<_> = left
        .writes()
        .iter()
        .map(|(u, v)| {
            assert_eq!(*u, STEADY_CONTROL);
            steady_protocol::CommandFrame::decode(v).unwrap().command
        })
        .collect();
    assert_eq!(
        cmds,
        [
            steady_protocol::Command::SetConfig(steady_protocol::StreamConfig::default()),
            steady_protocol::Command::StartStreaming {
                samples_per_frame: 0
            }
        ]
    );
    assert_eq!(stranger.connects(), 0);
    // Each sample decoded once, on the session timeline.
    assert_eq!(got.iter().map(|n| n.samples.len()).sum::<usize>(), 300);
    assert_eq!(stranger.connects(), 0);
    // Battery read at connect.
    let s = wait_state(&mut states, 1, |s| s.battery_pct.is_some()).await;
    assert_eq!(s.battery_pct, Some(87));
    manager.shutdown().await;
    assert!(!left.subscribed(STEADY_DATA));
}

#[tokio::test(start_paused = true)]
async fn silent_link_loss_reconnects_and_the_gap_shows_in_sequence_numbers() {
    let central = MockCentral::new();
    let dev = steady_device(&central, 1);
    let (manager, mut rx) = Manager::start(
        Arc::new(central.clone()),
        vec![registered(1, Placement::LowerBack)],
        config(),
    )
    .await
    .unwrap();
    let mut states = manager.states();
    while !dev.subscribed(STEADY_DATA) {
        sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(feed(dev.clone(), 0..50).await.unwrap(), 50);
    // The link dies with no event at all (btleplug on a vanished device): only silence tells.
    dev.drop_link(false);
    let s = wait_state(&mut states, 0, |s| s.state == SensorState::Stalled).await;
    assert_eq!(s.links_lost, 0);
    wait_state(&mut states, 0, |s| s.links_lost == 1).await;
    while !dev.subscribed(STEADY_DATA) {
        sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(dev.connects(), 2);
    // The sensor's counter kept running while the link was down.
    assert_eq!(feed(dev.clone(), 200..250).await.unwrap(), 50);
    let s = wait_state(&mut states, 0, |s| s.notifications == 100).await;
    assert_eq!(s.state, SensorState::Streaming);
    let got = drain(&mut rx);
    let seqs: Vec<u32> = got.iter().map(seq).collect();
    assert_eq!(seqs.len(), 100);
    assert_eq!(seqs[49], 49);
    assert_eq!(seqs[50], 200, "gap visible as a jump in sequence numbers");
    // ... and reported as an explicit gap of exactly the samples the sensor sent meanwhile.
    let gaps: Vec<_> = got.iter().flat_map(|n| n.gaps.iter()).collect();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].lost_samples, 150);
    let s = states.borrow()[0].clone();
    assert_eq!((s.received, s.lost), (100, 150));
    manager.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn reported_disconnect_reconnects_and_removed_device_is_rediscovered() {
    let central = MockCentral::new();
    let dev = steady_device(&central, 1);
    let (manager, _rx) = Manager::start(
        Arc::new(central.clone()),
        vec![registered(1, Placement::RightFoot)],
        config(),
    )
    .await
    .unwrap();
    let mut states = manager.states();
    while !dev.subscribed(STEADY_DATA) {
        sleep(Duration::from_millis(1)).await;
    }
    feed(dev.clone(), 0..10).await.unwrap();
    dev.drop_link(true);
    wait_state(&mut states, 0, |s| s.links_lost == 1).await;
    while !dev.subscribed(STEADY_DATA) {
        sleep(Duration::from_millis(1)).await;
    }
    // Now the device leaves the room: reconnects fail until it advertises again.
    feed(dev.clone(), 10..20).await.unwrap();
    dev.set_present(false);
    let s = wait_state(&mut states, 0, |s| s.state == SensorState::Lost).await;
    assert!(s.last_error.unwrap().contains("not found"));
    let connects = dev.connects();
    dev.set_present(true);
    while !dev.subscribed(STEADY_DATA) {
        sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(dev.connects(), connects + 1);
    feed(dev.clone(), 20..30).await.unwrap();
    let s = wait_state(&mut states, 0, |s| s.notifications == 30).await;
    assert_eq!(s.state, SensorState::Streaming);
    manager.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn malformed_notification_is_counted_and_never_streaming_sensor_is_stalled() {
    let central = MockCentral::new();
    let good = steady_device(&central, 1);
    let mute = steady_device(&central, 2);
    let (manager, mut rx) = Manager::start(
        Arc::new(central.clone()),
        vec![
            registered(1, Placement::LeftFoot),
            registered(2, Placement::RightFoot),
        ],
        config(),
    )
    .await
    .unwrap();
    let mut states = manager.states();
    while !(good.subscribed(STEADY_DATA) && mute.subscribed(STEADY_DATA)) {
        sleep(Duration::from_millis(1)).await;
    }
    good.notify(STEADY_DATA, &[1, 2]); // too short for any steady frame
    feed(good.clone(), 0..5).await.unwrap();
    let s = wait_state(&mut states, 0, |s| s.notifications == 6).await;
    assert_eq!(s.malformed, 1);
    // Malformed bytes are still passed on raw (the decoder reports them in detail).
    assert_eq!(drain(&mut rx)[0].bytes, vec![1, 2]);
    let s = wait_state(&mut states, 1, |s| s.state == SensorState::Stalled).await;
    assert_eq!(s.notifications, 0);
    // Long after the loss threshold it is still connected and stalled, not reconnect-looping.
    sleep(Duration::from_secs(5)).await;
    let s = states.borrow()[1].clone();
    assert_eq!(s.state, SensorState::Stalled);
    assert_eq!(s.links_lost, 0);
    assert_eq!(mute.connects(), 1);
    manager.shutdown().await;
}
