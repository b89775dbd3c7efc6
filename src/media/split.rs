//! One file's measurements on two threads: the reading thread decodes and converts each
//! block once, and both threads feed the blocks to the accumulators, each accumulator taking
//! every block in order on whichever thread is free (an accumulator's state is one sequence,
//! so one thread at a time holds it). Which thread measures what is settled as they go, so
//! the two cores stay busy whatever the material makes expensive; the figures are those of
//! one thread, bit for bit.
//!
//! The reading thread also measures, so nothing waits for the second thread: when it never
//! starts (`rayon::join` found no free worker), the reader measures every block itself and the
//! second closure finds nothing left. Memory stays bounded: the reader waits when `WINDOW`
//! blocks are converted and not yet measured by all.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use super::analysis::{Accumulator, Analyzer, Converted};
use super::{guarded, FileIssue, SampleSource};

/// Converted blocks held at most (about 0.5 MB each for 24-bit stereo).
const WINDOW: usize = 4;

/// How long a thread with nothing to do sleeps before looking again, should a wake-up be
/// missed (a thread finishing an accumulator does not signal).
const NAP: Duration = Duration::from_millis(1);

/// What the two closures of `read` do: the first reads, the second helps.
type Read<'a> = &'a mut (dyn FnMut() -> (u64, Option<FileIssue>) + Send);
type Help<'a> = &'a mut (dyn FnMut() -> std::thread::Result<()> + Send);

/// Reads `source` on this thread into `analyzer`'s measurements, shared with whichever thread
/// `both` runs its second closure on (`rayon::join`: a free worker, or this one afterwards).
/// Gives the frames read and the decode error that ended the stream, as reading on one thread
/// does; a panic on either thread reaches the caller.
pub(super) fn read(
    source: &mut dyn SampleSource,
    analyzer: &mut Analyzer,
    channels: usize,
    both: impl FnOnce(Read<'_>, Help<'_>) -> ((u64, Option<FileIssue>), std::thread::Result<()>),
) -> (u64, Option<FileIssue>) {
    let shared = Shared::new(analyzer.take_accumulators());
    let (read, helped) = both(
        &mut || shared.read(&mut *source, &mut *analyzer, channels),
        &mut || guarded(|| shared.measure_until_done()),
    );
    analyzer.restore(shared.into_accumulators());
    // A panic on the other thread was caught there (quietly) and is carried here, where this
    // file's own `guarded` turns it into a finding.
    if let Err(payload) = helped {
        std::panic::resume_unwind(payload);
    }
    read
}

/// Locks a mutex whose holder may have panicked (the panic reaches the caller anyway).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One accumulator and the next block it is to see.
struct Lane {
    accumulator: Mutex<Box<dyn Accumulator>>,
    next: AtomicU64,
}

/// The blocks converted and not yet seen by every accumulator.
#[derive(Default)]
struct Window {
    /// The number of the first block held.
    first: u64,
    blocks: VecDeque<Arc<Converted>>,
    /// The reader has converted its last block.
    closed: bool,
}

impl Window {
    /// Blocks converted so far.
    fn converted(&self) -> u64 {
        self.first + self.blocks.len() as u64
    }
}

struct Shared {
    lanes: Vec<Lane>,
    window: Mutex<Window>,
    /// Signalled when a block is converted, a block is let go, or the reader is done.
    changed: Condvar,
    /// Blocks every accumulator has seen, for the reader to reuse.
    spare: Mutex<Vec<Converted>>,
    /// An accumulator panicked: its lane will never catch up, and nobody waits for it.
    failed: AtomicBool,
}

impl Shared {
    fn new(accumulators: Vec<Box<dyn Accumulator>>) -> Self {
        Shared {
            lanes: accumulators
                .into_iter()
                .map(|accumulator| Lane {
                    accumulator: Mutex::new(accumulator),
                    next: AtomicU64::new(0),
                })
                .collect(),
            window: Mutex::new(Window::default()),
            changed: Condvar::new(),
            spare: Mutex::new(Vec::new()),
            failed: AtomicBool::new(false),
        }
    }

    fn failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    fn into_accumulators(self) -> Vec<Box<dyn Accumulator>> {
        self.lanes
            .into_iter()
            .map(|lane| {
                lane.accumulator
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
            })
            .collect()
    }

    /// The reader's side: decodes and converts every block, measuring between blocks.
    fn read(
        &self,
        source: &mut dyn SampleSource,
        analyzer: &mut Analyzer,
        channels: usize,
    ) -> (u64, Option<FileIssue>) {
        // Closed however this ends (a decoder panic included), so that the other thread never
        // waits for a block that will not come.
        struct Closes<'a>(&'a Shared);
        impl Drop for Closes<'_> {
            fn drop(&mut self) {
                lock(&self.0.window).closed = true;
                self.0.changed.notify_all();
            }
        }
        let closes = Closes(self);
        let mut frames = 0u64;
        let ended = loop {
            let block = match source.next_block() {
                Ok(Some(block)) => block,
                Ok(None) => break None,
                Err(failure) => break Some(failure),
            };
            frames += (block.len() / channels) as u64;
            let mut converted = lock(&self.spare).pop().unwrap_or_default();
            let Some(raw) = analyzer.convert(&block, &mut converted) else {
                lock(&self.spare).push(converted);
                continue;
            };
            converted.keep_raw(raw);
            {
                let mut window = lock(&self.window);
                // Reading ahead while there is room keeps the other thread fed; then measure
                // what it does not hold until there is room again.
                while window.blocks.len() >= WINDOW {
                    if self.failed() {
                        // An accumulator panicked on the other thread, which reports it.
                        return (frames, None);
                    }
                    drop(window);
                    if !self.measure() {
                        let window = lock(&self.window);
                        if window.blocks.len() >= WINDOW {
                            drop(self.changed.wait_timeout(window, NAP));
                        }
                    }
                    window = lock(&self.window);
                }
                window.blocks.push_back(Arc::new(converted));
            }
            self.changed.notify_all();
        };
        drop(closes);
        self.measure_until_done();
        (frames, ended)
    }

    /// Feeds the next block to each accumulator no other thread holds, when it is converted.
    /// One block per accumulator per round, so that the threads trade accumulators often and
    /// neither waits long for one the other holds. True when it measured something.
    fn measure(&self) -> bool {
        let mut measured = false;
        for lane in &self.lanes {
            let mut accumulator = match lane.accumulator.try_lock() {
                Ok(accumulator) => accumulator,
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Poisoned(_)) => {
                    self.failed.store(true, Ordering::Release);
                    return false;
                }
            };
            let next = lane.next.load(Ordering::Acquire);
            let block = {
                let window = lock(&self.window);
                next.checked_sub(window.first)
                    .and_then(|index| window.blocks.get(index as usize))
                    .cloned()
            };
            let Some(block) = block else { continue };
            accumulator.push(&block.frames());
            lane.next.store(next + 1, Ordering::Release);
            measured = true;
        }
        if measured {
            self.let_go();
        }
        measured
    }

    /// Drops the blocks every accumulator has seen, keeping their buffers for reuse.
    fn let_go(&self) {
        let seen = self
            .lanes
            .iter()
            .map(|lane| lane.next.load(Ordering::Acquire))
            .min()
            .unwrap_or(u64::MAX);
        let mut released = Vec::new();
        {
            let mut window = lock(&self.window);
            while window.first < seen {
                let Some(block) = window.blocks.pop_front() else {
                    break;
                };
                window.first += 1;
                released.push(block);
            }
        }
        if released.is_empty() {
            return;
        }
        self.changed.notify_all();
        let mut spare = lock(&self.spare);
        for block in released {
            // The last holder keeps it; a block still being read elsewhere is simply freed.
            if let Some(block) = Arc::into_inner(block) {
                if spare.len() < WINDOW {
                    spare.push(block);
                }
            }
        }
    }

    /// Measures until the reader is done and every accumulator has seen every block.
    fn measure_until_done(&self) {
        loop {
            if self.measure() {
                continue;
            }
            if self.failed() {
                return;
            }
            let window = lock(&self.window);
            let converted = window.converted();
            let done = window.closed
                && self
                    .lanes
                    .iter()
                    .all(|lane| lane.next.load(Ordering::Acquire) >= converted);
            if done {
                return;
            }
            // Nothing free to measure: the other thread holds what is left, or the reader
            // has not converted the next block yet.
            drop(self.changed.wait_timeout(window, NAP));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{analysis, guarded, panic_message, read_in_turn, Block};
    use crate::model::record::{FileIssueKind, SampleFormat};

    /// Blocks of a 24-bit stereo stream of `blocks` blocks (frames of varying length), then
    /// the end, a decode error or a panic.
    struct Blocks {
        left: usize,
        frame: i64,
        buffer: Vec<i32>,
        /// Float blocks instead, with a NaN and an infinity now and then.
        floats: Option<Vec<f32>>,
        end: End,
    }

    #[derive(Clone, Copy)]
    enum End {
        Clean,
        Error,
        Panic,
    }

    impl Blocks {
        fn new(blocks: usize, end: End) -> Self {
            Blocks {
                left: blocks,
                frame: 0,
                buffer: Vec::new(),
                floats: None,
                end,
            }
        }

        fn floats(mut self) -> Self {
            self.floats = Some(Vec::new());
            self
        }
    }

    impl SampleSource for Blocks {
        fn next_block(&mut self) -> Result<Option<Block<'_>>, FileIssue> {
            if self.left == 0 {
                return match self.end {
                    End::Clean => Ok(None),
                    End::Error => Err(FileIssue::new(FileIssueKind::Corrupt, "cut".to_owned())),
                    End::Panic => panic!("a decoder bug"),
                };
            }
            self.left -= 1;
            let frames = 3000 + (self.left % 7) * 611;
            self.buffer.clear();
            for _ in 0..frames {
                let t = self.frame as f64 / 48_000.0;
                // A tone whose level moves, and a quieter other channel.
                let level = 0.3 + 0.25 * (t * 0.7).sin();
                let value = level * (t * 2.0 * std::f64::consts::PI * 440.0).sin();
                self.buffer.push((value * 8_388_607.0) as i32);
                self.buffer.push((value * 0.5 * 8_388_607.0) as i32);
                self.frame += 1;
            }
            if let Some(floats) = &mut self.floats {
                floats.clear();
                floats.extend(self.buffer.iter().map(|&value| value as f32 / 8_388_608.0));
                if self.left % 5 == 0 {
                    floats[101] = f32::NAN;
                    floats[2000] = f32::INFINITY;
                }
                return Ok(Some(Block::Float(floats)));
            }
            Ok(Some(Block::Int {
                samples: &self.buffer,
                bits: 24,
            }))
        }
    }

    fn analyzer(float: bool) -> analysis::Analyzer {
        let spec = analysis::StreamSpec {
            channels: 2,
            sample_rate: 48_000,
            sample_format: if float {
                SampleFormat::Float
            } else {
                SampleFormat::Int
            },
            bit_depth: Some(if float { 32 } else { 24 }),
            channel_mask: None,
        };
        analysis::Analyzer::new(spec, &analysis::AnalysisSettings::default())
    }

    fn source(blocks: usize, end: End, float: bool) -> Blocks {
        let source = Blocks::new(blocks, end);
        if float {
            source.floats()
        } else {
            source
        }
    }

    fn in_turn(
        blocks: usize,
        end: End,
        float: bool,
    ) -> (u64, Option<FileIssue>, analysis::Analysis) {
        let mut analyzer = analyzer(float);
        let (frames, issue) = read_in_turn(&mut source(blocks, end, float), &mut analyzer, 2);
        (frames, issue, analyzer.finish())
    }

    fn split(
        blocks: usize,
        end: End,
        float: bool,
        on_two_threads: bool,
    ) -> (u64, Option<FileIssue>, analysis::Analysis) {
        let mut analyzer = analyzer(float);
        let mut source = source(blocks, end, float);
        let (frames, issue) = if on_two_threads {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .expect("a pool");
            pool.install(|| {
                read(&mut source, &mut analyzer, 2, |read, measure| {
                    rayon::join(read, measure)
                })
            })
        } else {
            // The other thread never started while the file was read: the reader measures
            // every block itself, and the helper finds nothing left.
            read(&mut source, &mut analyzer, 2, |read, measure| {
                let read = read();
                (read, measure())
            })
        };
        (frames, issue, analyzer.finish())
    }

    #[test]
    fn a_shared_analysis_measures_what_one_thread_does_bit_for_bit() {
        for float in [false, true] {
            let alone = in_turn(60, End::Clean, float);
            assert!(alone.0 > 200_000 && alone.1.is_none());
            assert!(alone.2.integrated_lufs.is_some() && alone.2.true_peak_dbtp.is_some());
            if float {
                // Read from the raw samples, which a shared block keeps only then.
                assert_eq!(alone.2.non_finite_samples, 24);
            }
            for on_two_threads in [false, true] {
                for _ in 0..4 {
                    let shared = split(60, End::Clean, float, on_two_threads);
                    assert_eq!(shared.0, alone.0);
                    assert!(shared.1.is_none());
                    assert_eq!(
                        shared.2, alone.2,
                        "float {float}, two threads {on_two_threads}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_shared_analysis_keeps_what_decoded_before_an_error() {
        let alone = in_turn(30, End::Error, false);
        let shared = split(30, End::Error, false, true);
        assert_eq!(shared.0, alone.0);
        assert!(shared
            .1
            .is_some_and(|issue| issue.kind == FileIssueKind::Corrupt));
        assert_eq!(shared.2, alone.2);
    }

    #[test]
    fn a_decoder_panic_while_split_reaches_the_caller_and_nothing_waits_forever() {
        for on_two_threads in [false, true] {
            let outcome = guarded(|| split(30, End::Panic, false, on_two_threads));
            let payload = outcome.expect_err("the panic is carried");
            assert_eq!(panic_message(payload.as_ref()), "a decoder bug");
        }
    }
}
