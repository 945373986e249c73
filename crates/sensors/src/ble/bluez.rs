//! The btleplug implementation of [`BleCentral`] / [`BlePeripheral`] (BlueZ over D-Bus on
//! Linux; libdbus is compiled from source by the `dbus` crate's `vendored` feature).

use btleplug::api::{
    BDAddr, Central, CentralEvent as BtEvent, CharPropFlags, Characteristic, Manager as _,
    Peripheral as _, ScanFilter, WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use futures::StreamExt;
use tokio::sync::mpsc;

use super::transport::{
    Address, Advert, BleCentral, BleError, BlePeripheral, CentralEvent, CharInfo, Notification,
    Uuid128,
};

fn stack(e: btleplug::Error) -> BleError {
    BleError::Stack(e.to_string())
}

fn to_address(a: BDAddr) -> Address {
    Address(a.into_inner())
}

/// The first Bluetooth adapter, through btleplug.
#[derive(Debug, Clone)]
pub struct BluezCentral {
    adapter: Adapter,
}

impl BluezCentral {
    /// Connects to the system bus and takes the first adapter.
    pub async fn new() -> Result<Self, BleError> {
        let manager = Manager::new().await.map_err(stack)?;
        let adapter = manager
            .adapters()
            .await
            .map_err(stack)?
            .into_iter()
            .next()
            .ok_or(BleError::NoAdapter)?;
        Ok(BluezCentral { adapter })
    }
}

/// One btleplug peripheral.
#[derive(Debug, Clone)]
pub struct BluezPeripheral {
    peripheral: Peripheral,
    address: Address,
}

impl BluezPeripheral {
    fn characteristic(&self, uuid: Uuid128) -> Result<Characteristic, BleError> {
        self.peripheral
            .characteristics()
            .into_iter()
            .find(|c| c.uuid.as_u128() == uuid)
            .ok_or(BleError::MissingCharacteristic(self.address, uuid))
    }
}

impl BleCentral for BluezCentral {
    type Peripheral = BluezPeripheral;

    async fn start_scan(&self) -> Result<(), BleError> {
        self.adapter
            .start_scan(ScanFilter::default())
            .await
            .map_err(stack)
    }

    async fn stop_scan(&self) -> Result<(), BleError> {
        self.adapter.stop_scan().await.map_err(stack)
    }

    async fn events(&self) -> Result<mpsc::Receiver<CentralEvent>, BleError> {
        // btleplug's stream is unbounded and also carries every notification of the adapter:
        // drain it in a task of its own, always.
        let mut stream = self.adapter.events().await.map_err(stack)?;
        let adapter = self.adapter.clone();
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(async move {
            while let Some(ev) = stream.next().await {
                let (id, make): (_, fn(Address) -> CentralEvent) = match ev {
                    BtEvent::DeviceDiscovered(id) => (id, CentralEvent::Discovered),
                    BtEvent::DeviceConnected(id) => (id, CentralEvent::Connected),
                    BtEvent::DeviceDisconnected(id) => (id, CentralEvent::Disconnected),
                    BtEvent::DeviceUpdated(id)
                    | BtEvent::ManufacturerDataAdvertisement { id, .. }
                    | BtEvent::ServiceDataAdvertisement { id, .. }
                    | BtEvent::ServicesAdvertisement { id, .. } => (id, CentralEvent::Updated),
                    _ => continue,
                };
                let Ok(p) = adapter.peripheral(&id).await else {
                    continue;
                };
                if tx.send(make(to_address(p.address()))).await.is_err() {
                    break;
                }
            }
        });
        Ok(rx)
    }

    async fn adverts(&self) -> Result<Vec<Advert>, BleError> {
        let mut out = Vec::new();
        for p in self.adapter.peripherals().await.map_err(stack)? {
            let Ok(Some(props)) = p.properties().await else {
                continue;
            };
            let mut manufacturer_data: Vec<(u16, Vec<u8>)> =
                props.manufacturer_data.into_iter().collect();
            manufacturer_data.sort();
            out.push(Advert {
                address: Some(to_address(props.address)),
                name: props.local_name,
                rssi_dbm: props.rssi,
                services: props.services.iter().map(|u| u.as_u128()).collect(),
                manufacturer_data,
            });
        }
        out.sort_by_key(|a| a.address);
        Ok(out)
    }

    async fn peripheral(&self, address: Address) -> Result<BluezPeripheral, BleError> {
        let want = BDAddr::from(address.0);
        self.adapter
            .peripherals()
            .await
            .map_err(stack)?
            .into_iter()
            .find(|p| p.address() == want)
            .map(|peripheral| BluezPeripheral {
                peripheral,
                address,
            })
            .ok_or(BleError::NotFound(address))
    }
}

impl BlePeripheral for BluezPeripheral {
    fn address(&self) -> Address {
        self.address
    }

    async fn connect(&self) -> Result<(), BleError> {
        self.peripheral.connect().await.map_err(stack)
    }

    async fn disconnect(&self) -> Result<(), BleError> {
        self.peripheral.disconnect().await.map_err(stack)
    }

    async fn is_connected(&self) -> Result<bool, BleError> {
        self.peripheral.is_connected().await.map_err(stack)
    }

    async fn discover(&self) -> Result<Vec<CharInfo>, BleError> {
        self.peripheral.discover_services().await.map_err(stack)?;
        Ok(self
            .peripheral
            .characteristics()
            .into_iter()
            .map(|c| CharInfo {
                service: c.service_uuid.as_u128(),
                uuid: c.uuid.as_u128(),
                notify: c.properties.contains(CharPropFlags::NOTIFY),
                write: c
                    .properties
                    .intersects(CharPropFlags::WRITE | CharPropFlags::WRITE_WITHOUT_RESPONSE),
                read: c.properties.contains(CharPropFlags::READ),
            })
            .collect())
    }

    async fn subscribe(&self, uuid: Uuid128) -> Result<(), BleError> {
        let c = self.characteristic(uuid)?;
        self.peripheral.subscribe(&c).await.map_err(stack)
    }

    async fn write(
        &self,
        uuid: Uuid128,
        value: &[u8],
        with_response: bool,
    ) -> Result<(), BleError> {
        let c = self.characteristic(uuid)?;
        let kind = if with_response {
            WriteType::WithResponse
        } else {
            WriteType::WithoutResponse
        };
        self.peripheral.write(&c, value, kind).await.map_err(stack)
    }

    async fn read(&self, uuid: Uuid128) -> Result<Vec<u8>, BleError> {
        let c = self.characteristic(uuid)?;
        self.peripheral.read(&c).await.map_err(stack)
    }

    async fn notifications(&self) -> Result<mpsc::Receiver<Notification>, BleError> {
        let mut stream = self.peripheral.notifications().await.map_err(stack)?;
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(async move {
            while let Some(n) = stream.next().await {
                let note = Notification {
                    uuid: n.uuid.as_u128(),
                    value: n.value,
                };
                if tx.send(note).await.is_err() {
                    break;
                }
            }
        });
        Ok(rx)
    }
}
