//! [`RecordingWriter`]: appends a live recording to the store, committing at least once per
//! second so that a crash (even `kill -9`) loses at most the last second.

use std::borrow::BorrowMut;
use std::time::{Duration, Instant};
use steady_core::{Gap, ImuSample, Metric, Placement};

use crate::model::EventRecord;
use crate::store::{insert_events, insert_gap, insert_metrics, insert_samples};
use crate::{Result, Store, StoreError};

/// How often buffered data is committed: by sample time and by wall-clock time.
pub const COMMIT_INTERVAL: Duration = Duration::from_secs(1);

/// Buffered data of one sensor since the last commit.
#[derive(Debug)]
struct SensorBuffer {
    placement: Placement,
    samples: Vec<ImuSample>,
}

/// A live recording into a `recording` session. Data is buffered in memory and committed in
/// one transaction (one chunk per sensor) when a sensor's buffer spans
/// [`COMMIT_INTERVAL`] of sample time, when that much wall-clock time has passed, on
/// [`RecordingWriter::commit`] and on [`RecordingWriter::finish`]. A failed commit (disk full,
/// read-only) returns the error and keeps the buffer, so nothing already recorded is lost
/// and a later commit may succeed.
///
/// `S` is `&mut Store` ([`Store::recorder`]) or an owned [`Store`] ([`Store::into_recorder`],
/// for a long-lived service that keeps the writer in its state).
#[derive(Debug)]
pub struct RecordingWriter<S: BorrowMut<Store>> {
    store: S,
    finished: bool,
    session: i64,
    buffers: Vec<SensorBuffer>,
    gaps: Vec<(Placement, Gap)>,
    events: Vec<EventRecord>,
    last_commit: Instant,
    committed_samples: u64,
}

impl<S: BorrowMut<Store>> RecordingWriter<S> {
    pub(crate) fn new(store: S, session: i64) -> RecordingWriter<S> {
        RecordingWriter {
            store,
            finished: false,
            session,
            buffers: Vec::new(),
            gaps: Vec::new(),
            events: Vec::new(),
            last_commit: Instant::now(),
            committed_samples: 0,
        }
    }

    /// The session being written.
    pub fn session(&self) -> i64 {
        self.session
    }

    /// The store, for reading while recording.
    pub fn store(&self) -> &Store {
        self.store.borrow()
    }

    /// Gives the store back (uncommitted data is dropped: call [`Self::commit`] first).
    pub fn into_store(self) -> S {
        self.store
    }

    /// True once [`Self::finish`] succeeded.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Samples committed so far (all sensors).
    pub fn committed_samples(&self) -> u64 {
        self.committed_samples
    }

    /// Samples waiting for the next commit (all sensors).
    pub fn pending_samples(&self) -> usize {
        self.buffers.iter().map(|b| b.samples.len()).sum()
    }

    fn check_open(&self) -> Result<()> {
        if self.finished {
            Err(StoreError::NotRecording(self.session))
        } else {
            Ok(())
        }
    }

    fn due(&self) -> bool {
        let span_due = self
            .buffers
            .iter()
            .any(|b| match (b.samples.first(), b.samples.last()) {
                (Some(a), Some(z)) => (z.t - a.t) >= COMMIT_INTERVAL.as_micros() as i64,
                _ => false,
            });
        span_due || (self.has_pending() && self.last_commit.elapsed() >= COMMIT_INTERVAL)
    }

    fn has_pending(&self) -> bool {
        self.pending_samples() > 0 || !self.gaps.is_empty() || !self.events.is_empty()
    }

    /// Appends samples of one sensor (time order); commits when due.
    pub fn push_samples(&mut self, placement: Placement, samples: &[ImuSample]) -> Result<()> {
        self.check_open()?;
        match self.buffers.iter_mut().find(|b| b.placement == placement) {
            Some(b) => b.samples.extend_from_slice(samples),
            None => self.buffers.push(SensorBuffer {
                placement,
                samples: samples.to_vec(),
            }),
        }
        self.commit_if_due()
    }

    /// Records a gap (lost samples) of one sensor.
    pub fn push_gap(&mut self, placement: Placement, gap: Gap) -> Result<()> {
        self.check_open()?;
        self.gaps.push((placement, gap));
        self.commit_if_due()
    }

    /// Records an event.
    pub fn push_event(&mut self, event: EventRecord) -> Result<()> {
        self.check_open()?;
        self.events.push(event);
        self.commit_if_due()
    }

    /// Commits if a second of data or of wall-clock time has accumulated (call it from a timer
    /// too, so a stalled sensor still gets its last samples committed).
    pub fn commit_if_due(&mut self) -> Result<()> {
        if self.due() {
            self.commit()
        } else {
            Ok(())
        }
    }

    /// Commits everything buffered in one transaction. On error the buffer is kept.
    pub fn commit(&mut self) -> Result<()> {
        self.last_commit = Instant::now();
        if !self.has_pending() {
            return Ok(());
        }
        let session = self.session;
        let store: &mut Store = self.store.borrow_mut();
        let path = store.path().to_path_buf();
        let map = |e: rusqlite::Error| crate::store::map_write_err(&path, e);
        let tx = store.conn.transaction().map_err(map)?;
        for b in &self.buffers {
            if !b.samples.is_empty() {
                insert_samples(&tx, session, b.placement, &b.samples).map_err(map)?;
            }
        }
        for (p, g) in &self.gaps {
            insert_gap(&tx, session, *p, g).map_err(map)?;
        }
        insert_events(&tx, session, &self.events).map_err(map)?;
        tx.commit().map_err(map)?;
        self.committed_samples += self.pending_samples() as u64;
        for b in &mut self.buffers {
            b.samples.clear();
        }
        self.gaps.clear();
        self.events.clear();
        Ok(())
    }

    /// Commits the rest, stores the session's metrics (and extra events, e.g. from an
    /// analysis of the whole recording) and marks it `finished`.
    pub fn finish(&mut self, metrics: &[Metric]) -> Result<()> {
        self.finish_with(metrics, &[])
    }

    /// [`Self::finish`] with events to add.
    pub fn finish_with(&mut self, metrics: &[Metric], events: &[EventRecord]) -> Result<()> {
        self.check_open()?;
        if let Some(m) = metrics.iter().find(|m| !m.value.is_finite()) {
            return Err(StoreError::Invalid(format!(
                "metric {} is not finite",
                m.key
            )));
        }
        self.commit()?;
        let session = self.session;
        let store: &mut Store = self.store.borrow_mut();
        let path = store.path().to_path_buf();
        let map = |e: rusqlite::Error| crate::store::map_write_err(&path, e);
        let tx = store.conn.transaction().map_err(map)?;
        insert_metrics(&tx, session, metrics).map_err(map)?;
        insert_events(&tx, session, events).map_err(map)?;
        tx.execute(
            "UPDATE sessions SET status = 'finished', ended_unix_ms = ?2 WHERE id = ?1",
            rusqlite::params![session, crate::store::now_unix_ms()],
        )
        .map_err(map)?;
        tx.commit().map_err(map)?;
        self.finished = true;
        Ok(())
    }
}
