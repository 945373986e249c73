//! Harness shared by the btleplug end-to-end tests: the process-wide private bus and fake
//! BlueZ, a tokio runtime per test, the btleplug central and the manager's test policy.
//!
//! libdbus reads `DBUS_SYSTEM_BUS_ADDRESS` once per process, so each test binary sets up one
//! bus and one fake (before anything touches D-Bus) and runs its tests one at a time.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use steady_fake_bluez::{FakeBluez, PrivateBus, SimSensor, SYSTEM_BUS_ENV};
use steady_sensors::ble::bluez::BluezCentral;
use steady_sensors::ble::manager::ManagerConfig;
use steady_sensors::ble::LinkPolicy;
use tokio::time::{sleep, Duration};

struct Env {
    _bus: PrivateBus,
    fake: FakeBluez,
}

/// The process-wide bus and fake (holding `devices()`, made on first use), and the lock
/// that runs tests one at a time.
pub fn env(devices: fn() -> Vec<SimSensor>) -> (&'static FakeBluez, MutexGuard<'static, ()>) {
    static ENV: OnceLock<Env> = OnceLock::new();
    static SERIAL: Mutex<()> = Mutex::new(());
    let guard = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let env = ENV.get_or_init(|| {
        let bus = PrivateBus::start().unwrap_or_else(|e| panic!("cannot run BLE tests: {e}"));
        // Before btleplug's first connection: libdbus caches the address per process.
        std::env::set_var(SYSTEM_BUS_ENV, bus.address());
        let fake = FakeBluez::start(bus.address()).expect("fake BlueZ owns org.bluez");
        for d in devices() {
            fake.add(d);
        }
        Env { _bus: bus, fake }
    });
    (&env.fake, guard)
}

/// Runs one test's async body on its own runtime.
pub fn run<F: Future<Output = ()>>(f: F) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        f.await;
        // Let bluez-async remove its match rules (spawned on drop) before the runtime ends.
        sleep(Duration::from_millis(100)).await;
    });
}

/// btleplug's central on the fake adapter.
pub async fn central() -> Arc<BluezCentral> {
    Arc::new(
        BluezCentral::new()
            .await
            .expect("btleplug finds the fake adapter"),
    )
}

/// Manager settings for tests: quick stall/link-loss detection and short backoff, so a
/// reconnect fits in a test.
pub fn policy(rate_hz: u32) -> ManagerConfig {
    ManagerConfig {
        policy: LinkPolicy {
            stall_after_us: 300_000,
            link_lost_after_us: 1_500_000,
            backoff_initial_us: 100_000,
            backoff_max_us: 400_000,
            lost_after_attempts: 50,
            battery_period_us: 60_000_000,
        },
        rate_hz,
        channel_capacity: 8192,
        connect_timeout_us: 5_000_000,
        receive: steady_sensors::receive::ReceiveConfig::default(),
    }
}
