//! Long walks report progress and hear "stop" at a steady pace: every 65,536 keys, often
//! enough for a progress line, rarely enough to cost nothing per key.

/// Counts the keys of a walk, reporting every 65,536 and asking then whether to stop.
pub struct Pacer<'a> {
    seen: u64,
    progress: &'a mut dyn FnMut(u64),
    cancelled: &'a dyn Fn() -> bool,
    stopped: bool,
}

impl<'a> Pacer<'a> {
    /// A pacer reporting to `progress` and asking `cancelled`.
    pub fn new(progress: &'a mut dyn FnMut(u64), cancelled: &'a dyn Fn() -> bool) -> Self {
        Self {
            seen: 0,
            progress,
            cancelled,
            stopped: false,
        }
    }

    /// Counts one key; `false` once the walk should stop.
    pub fn step(&mut self) -> bool {
        self.seen += 1;
        if self.seen.is_multiple_of(65_536) {
            (self.progress)(self.seen);
            self.stopped = (self.cancelled)();
        }
        !self.stopped
    }

    /// Whether it was told to stop.
    pub fn stopped(&self) -> bool {
        self.stopped
    }
}
