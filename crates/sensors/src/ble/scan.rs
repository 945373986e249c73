//! One-shot scan: nearby supported IMUs with name, vendor, RSSI and (when readable) battery.

use serde::Serialize;
use tokio::time::Duration;

use super::transport::{Address, BleCentral, BleError, BlePeripheral};
use super::vendor::{BatteryRead, Vendor, BATTERY_LEVEL};
use crate::driver::Driver;

/// One device found by a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanResult {
    /// Address.
    pub address: Address,
    /// Advertised name.
    pub name: Option<String>,
    /// Recognised sensor family.
    pub vendor: Vendor,
    /// Signal strength, dBm.
    pub rssi_dbm: Option<i16>,
    /// Battery, percent, when it could be read.
    pub battery_pct: Option<u8>,
}

/// Scans for `duration`, then lists the recognised IMUs (strangers are left out). With
/// `read_battery`, connects briefly to each to read the Battery Level.
pub async fn scan<C: BleCentral>(
    central: &C,
    duration: Duration,
    read_battery: bool,
) -> Result<Vec<ScanResult>, BleError> {
    let mut events = central.events().await?;
    central.start_scan().await?;
    let _ = tokio::time::timeout(duration, async { while events.recv().await.is_some() {} }).await;
    central.stop_scan().await?;
    let mut out = Vec::new();
    for ad in central.adverts().await? {
        let (Some(address), Some(vendor)) = (ad.address, Vendor::recognise(&ad)) else {
            continue;
        };
        let battery_pct = if read_battery {
            read_battery_pct(central, address, vendor).await
        } else {
            None
        };
        out.push(ScanResult {
            address,
            name: ad.name,
            vendor,
            rssi_dbm: ad.rssi_dbm,
            battery_pct,
        });
    }
    Ok(out)
}

/// Reads the battery where one read answers it: the family's battery characteristic (Battery
/// Service 0x2A19, or Movella DOT's 15173001), parsed by the family's driver. Families that
/// answer a command by notification (steady, WitMotion, MetaWear) are left out of a scan.
async fn read_battery_pct<C: BleCentral>(
    central: &C,
    address: Address,
    vendor: Vendor,
) -> Option<u8> {
    let p = central.peripheral(address).await.ok()?;
    let read = async {
        p.connect().await?;
        let chars = p.discover().await?;
        let uuid = match vendor.plan(100, &chars).map(|plan| plan.battery) {
            Ok(BatteryRead::Gatt(u)) => Some(u),
            _ => chars
                .iter()
                .any(|c| c.uuid == BATTERY_LEVEL && c.read)
                .then_some(BATTERY_LEVEL),
        };
        let pct = match uuid {
            Some(u) => match p.read(u).await {
                Ok(v) => Driver::new(vendor, 100).on_battery_read(u, &v),
                Err(_) => None,
            },
            None => None,
        };
        Ok::<_, BleError>(pct)
    };
    let v = tokio::time::timeout(Duration::from_secs(5), read).await;
    let _ = p.disconnect().await;
    v.ok()?.ok()?
}
