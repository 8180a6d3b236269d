//! Classification of a LOG entry into what RocksDB said: EVENT_LOG_v1 JSON events, write stalls, background errors, warnings, the options dump, DB open/close.
//!
//! Only `EVENT_LOG_v1` lines are JSON-parsed (see `logging/event_logger.cc`: the line is
//! `EVENT_LOG_v1 {json}`); everything else is recognised by cheap prefix checks on the text.

use std::borrow::Cow;

use memchr::memmem;
use serde::Serialize;
use serde_json::Value;

/// Prefix of the JSON event lines (`logging/event_logger.h`, `Prefix()`).
pub const EVENT_PREFIX: &str = "EVENT_LOG_v1 ";

/// The EVENT_LOG_v1 event kinds this module names; everything else is [`EventKind::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// `flush_started`.
    FlushStarted,
    /// `flush_finished`.
    FlushFinished,
    /// `compaction_started`.
    CompactionStarted,
    /// `compaction_finished`.
    CompactionFinished,
    /// `table_file_creation`: an SST file was written (by a flush, a compaction or WAL recovery).
    TableFileCreation,
    /// `table_file_deletion`.
    TableFileDeletion,
    /// `recovery_started`: WAL recovery at open.
    RecoveryStarted,
    /// `recovery_finished`.
    RecoveryFinished,
    /// Any other event, by its `"event"` name (e.g. `blob_file_creation`).
    Other(String),
}

impl EventKind {
    /// The kind of an `"event"` name; unknown names give [`EventKind::Other`].
    pub fn from_name(name: &str) -> EventKind {
        match name {
            "flush_started" => EventKind::FlushStarted,
            "flush_finished" => EventKind::FlushFinished,
            "compaction_started" => EventKind::CompactionStarted,
            "compaction_finished" => EventKind::CompactionFinished,
            "table_file_creation" => EventKind::TableFileCreation,
            "table_file_deletion" => EventKind::TableFileDeletion,
            "recovery_started" => EventKind::RecoveryStarted,
            "recovery_finished" => EventKind::RecoveryFinished,
            other => EventKind::Other(other.to_string()),
        }
    }

    /// The `"event"` name, as RocksDB writes it.
    pub fn name(&self) -> &str {
        match self {
            EventKind::FlushStarted => "flush_started",
            EventKind::FlushFinished => "flush_finished",
            EventKind::CompactionStarted => "compaction_started",
            EventKind::CompactionFinished => "compaction_finished",
            EventKind::TableFileCreation => "table_file_creation",
            EventKind::TableFileDeletion => "table_file_deletion",
            EventKind::RecoveryStarted => "recovery_started",
            EventKind::RecoveryFinished => "recovery_finished",
            EventKind::Other(n) => n,
        }
    }

    fn flat(&self) -> Kind {
        match self {
            EventKind::FlushStarted => Kind::FlushStarted,
            EventKind::FlushFinished => Kind::FlushFinished,
            EventKind::CompactionStarted => Kind::CompactionStarted,
            EventKind::CompactionFinished => Kind::CompactionFinished,
            EventKind::TableFileCreation => Kind::TableFileCreation,
            EventKind::TableFileDeletion => Kind::TableFileDeletion,
            EventKind::RecoveryStarted => Kind::RecoveryStarted,
            EventKind::RecoveryFinished => Kind::RecoveryFinished,
            EventKind::Other(_) => Kind::OtherEvent,
        }
    }
}

/// One `EVENT_LOG_v1` event.
///
/// The common fields are extracted by a typed pass over the JSON that builds no tree (about
/// four times faster than a [`Value`]); the whole object is kept as text and parsed on demand by
/// [`JsonEvent::json`]. It serializes with the parsed object under `json`.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonEvent {
    /// The `"event"` name.
    pub kind: EventKind,
    /// `time_micros`: microseconds since the Unix epoch (UTC), from the writing machine's clock.
    pub time_micros: Option<i64>,
    /// `job`: the flush/compaction job number (restarts at every DB open).
    pub job: Option<u64>,
    /// `cf_name` from the JSON (only some events carry it; the stream fills
    /// [`super::LogEntry::cf`] from the job's other lines otherwise).
    pub cf_name: Option<String>,
    /// `file_number` (table file events).
    pub file_number: Option<u64>,
    /// `file_size` (`table_file_creation`).
    pub file_size: Option<u64>,
    /// `input_data_size` (`compaction_started`).
    pub input_data_size: Option<u64>,
    /// `total_output_size` (`compaction_finished`).
    pub total_output_size: Option<u64>,
    /// `compaction_time_micros` (`compaction_finished`).
    pub compaction_time_micros: Option<u64>,
    raw: String,
}

impl JsonEvent {
    /// The JSON object as RocksDB wrote it.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The JSON object, parsed (with the crate's `serde_json` features: key order kept,
    /// numbers exact).
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.raw)
    }

    /// An unsigned integer field of the JSON object (parses the whole object).
    pub fn u64_field(&self, key: &str) -> Option<u64> {
        let v = self.json().ok()?;
        let v = v.get(key)?;
        v.as_u64()
            .or_else(|| v.as_i64().and_then(|i| u64::try_from(i).ok()))
    }
}

impl Serialize for JsonEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("JsonEvent", 5)?;
        st.serialize_field("kind", self.kind.name())?;
        st.serialize_field("time_micros", &self.time_micros)?;
        st.serialize_field("job", &self.job)?;
        st.serialize_field("cf_name", &self.cf_name)?;
        match self.json() {
            Ok(v) => st.serialize_field("json", &v)?,
            Err(_) => st.serialize_field("json", &self.raw)?,
        }
        st.end()
    }
}

/// The fields [`JsonEvent`] extracts, read without building a tree.
#[derive(serde::Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    event: Cow<'a, str>,
    time_micros: Option<i64>,
    job: Option<i64>,
    #[serde(borrow)]
    cf_name: Option<Cow<'a, str>>,
    file_number: Option<i64>,
    file_size: Option<i64>,
    input_data_size: Option<i64>,
    total_output_size: Option<i64>,
    compaction_time_micros: Option<i64>,
}

/// Whether writes were slowed down (`Stalling writes`) or stopped (`Stopping writes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StallCondition {
    /// `Stalling writes`: writes are delayed to the delayed write rate.
    Stalling,
    /// `Stopping writes`: writes wait until the condition clears.
    Stopping,
}

/// What RocksDB gave as the reason (`WriteStallCause` in `db/column_family.cc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StallCause {
    /// `because we have N level-0 files`
    L0Files,
    /// `because of estimated pending compaction bytes N`
    PendingCompactionBytes,
    /// `because we have N immutable memtables (waiting for flush)`
    Memtables,
    /// Any other text after `because` (other RocksDB versions).
    Other,
}

/// A `Stalling writes because ...` / `Stopping writes because ...` warning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stall {
    /// Slowed down or stopped.
    pub condition: StallCondition,
    /// The reason, classified.
    pub cause: StallCause,
    /// The text after `because `.
    pub reason: String,
    /// The count RocksDB gave: level-0 files, immutable memtables or pending compaction bytes.
    pub value: Option<u64>,
    /// `rate N` (the delayed write rate, bytes/s) for `Stalling` messages.
    pub rate: Option<u64>,
}

/// Which background activity a background error came from, from its wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BgErrorSource {
    /// The text mentions a `flush error`.
    Flush,
    /// The text mentions a `compaction error`.
    Compaction,
    /// The text mentions an `IO error` (and no flush or compaction error).
    Io,
    /// None of the above.
    Other,
}

/// What one LOG entry says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LogEvent {
    /// An `EVENT_LOG_v1` JSON event.
    Event(JsonEvent),
    /// A write stall or stop warning (`db/column_family.cc`).
    Stall(Stall),
    /// `[cf] Increasing compaction threads because ...`: RocksDB logs this only when the write
    /// condition of the cf is *normal* (not stalled) but compaction is under pressure.
    CompactionPressure,
    /// A background error (`ErrorHandler: Set regular background error`, `Background IO error`,
    /// `Waiting after background flush/compaction error`, ...).
    BackgroundError {
        /// Where the error came from, from its wording.
        source: BgErrorSource,
    },
    /// Another `[ERROR]` or `[FATAL]` line.
    Error,
    /// Another `[WARN]` line.
    Warn,
    /// Option values from the options dump at open: `Options.name: value` lines (one value),
    /// or the multi-line `table_factory options:` block (names prefixed `table_factory.`).
    /// `cf` is `None` for DB-wide options, else the cf of the enclosing
    /// `--------------- Options for column family [cf]:` section.
    Options {
        /// The cf of the enclosing options section; `None` for DB-wide options.
        cf: Option<String>,
        /// (name, value) pairs, in the order written.
        values: Vec<(String, String)>,
    },
    /// `--------------- Options for column family [cf]:`: a cf's options follow.
    OptionsSection {
        /// The cf whose options follow.
        cf: String,
    },
    /// `RocksDB version: x.y.z`: the first line RocksDB writes when it opens a DB. RocksDB's
    /// auto-roll logger repeats this header (with the options dump) at the top of a LOG rolled
    /// by `max_log_file_size`/`log_file_time_to_roll`, so it also marks such a roll.
    DbOpen {
        /// The RocksDB version that wrote the LOG (e.g. `7.8.3`).
        version: String,
    },
    /// `Shutdown complete`.
    DbClose,
    /// The multi-line statistics dump (`** DB Stats **` ...) following `------- DUMPING STATS -------`.
    StatsDump,
    /// Anything else.
    Info,
}

/// A flat list of entry kinds, for filtering ([`KindSet`]) and counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Kind {
    /// [`EventKind::FlushStarted`].
    FlushStarted,
    /// [`EventKind::FlushFinished`].
    FlushFinished,
    /// [`EventKind::CompactionStarted`].
    CompactionStarted,
    /// [`EventKind::CompactionFinished`].
    CompactionFinished,
    /// [`EventKind::TableFileCreation`].
    TableFileCreation,
    /// [`EventKind::TableFileDeletion`].
    TableFileDeletion,
    /// [`EventKind::RecoveryStarted`].
    RecoveryStarted,
    /// [`EventKind::RecoveryFinished`].
    RecoveryFinished,
    /// [`EventKind::Other`]: any other EVENT_LOG_v1 event.
    OtherEvent,
    /// [`LogEvent::Stall`].
    Stall,
    /// [`LogEvent::CompactionPressure`].
    CompactionPressure,
    /// [`LogEvent::BackgroundError`].
    BackgroundError,
    /// [`LogEvent::Error`].
    Error,
    /// [`LogEvent::Warn`].
    Warn,
    /// [`LogEvent::Options`].
    Options,
    /// [`LogEvent::OptionsSection`].
    OptionsSection,
    /// [`LogEvent::DbOpen`].
    DbOpen,
    /// [`LogEvent::DbClose`].
    DbClose,
    /// [`LogEvent::StatsDump`].
    StatsDump,
    /// [`LogEvent::Info`].
    Info,
}

impl Kind {
    /// Every kind, in declaration order (the EVENT_LOG_v1 kinds first).
    pub const ALL: [Kind; 20] = [
        Kind::FlushStarted,
        Kind::FlushFinished,
        Kind::CompactionStarted,
        Kind::CompactionFinished,
        Kind::TableFileCreation,
        Kind::TableFileDeletion,
        Kind::RecoveryStarted,
        Kind::RecoveryFinished,
        Kind::OtherEvent,
        Kind::Stall,
        Kind::CompactionPressure,
        Kind::BackgroundError,
        Kind::Error,
        Kind::Warn,
        Kind::Options,
        Kind::OptionsSection,
        Kind::DbOpen,
        Kind::DbClose,
        Kind::StatsDump,
        Kind::Info,
    ];

    /// The kind's snake_case name (as serialized, and for a command line's `--kind`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::FlushStarted => "flush_started",
            Kind::FlushFinished => "flush_finished",
            Kind::CompactionStarted => "compaction_started",
            Kind::CompactionFinished => "compaction_finished",
            Kind::TableFileCreation => "table_file_creation",
            Kind::TableFileDeletion => "table_file_deletion",
            Kind::RecoveryStarted => "recovery_started",
            Kind::RecoveryFinished => "recovery_finished",
            Kind::OtherEvent => "other_event",
            Kind::Stall => "stall",
            Kind::CompactionPressure => "compaction_pressure",
            Kind::BackgroundError => "background_error",
            Kind::Error => "error",
            Kind::Warn => "warn",
            Kind::Options => "options",
            Kind::OptionsSection => "options_section",
            Kind::DbOpen => "db_open",
            Kind::DbClose => "db_close",
            Kind::StatsDump => "stats_dump",
            Kind::Info => "info",
        }
    }

    /// Parses a [`Kind::name`] (for a command line's `--kind`).
    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    fn from_event_name(name: &[u8]) -> Kind {
        match name {
            b"flush_started" => Kind::FlushStarted,
            b"flush_finished" => Kind::FlushFinished,
            b"compaction_started" => Kind::CompactionStarted,
            b"compaction_finished" => Kind::CompactionFinished,
            b"table_file_creation" => Kind::TableFileCreation,
            b"table_file_deletion" => Kind::TableFileDeletion,
            b"recovery_started" => Kind::RecoveryStarted,
            b"recovery_finished" => Kind::RecoveryFinished,
            _ => Kind::OtherEvent,
        }
    }
}

/// A set of [`Kind`]s (a bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KindSet(u32);

impl KindSet {
    /// No kind.
    pub const fn empty() -> Self {
        KindSet(0)
    }
    /// Every kind.
    pub const fn all() -> Self {
        KindSet((1 << Kind::ALL.len()) - 1)
    }
    /// This set with `k` added.
    pub fn with(mut self, k: Kind) -> Self {
        self.insert(k);
        self
    }
    /// Adds `k`.
    pub fn insert(&mut self, k: Kind) {
        self.0 |= 1 << (k as u8);
    }
    /// Whether `k` is in the set.
    pub fn contains(self, k: Kind) -> bool {
        self.0 & (1 << (k as u8)) != 0
    }
    /// Every EVENT_LOG_v1 kind.
    pub fn json_events() -> Self {
        Kind::ALL[..9]
            .iter()
            .fold(KindSet::empty(), |s, &k| s.with(k))
    }
}

impl FromIterator<Kind> for KindSet {
    fn from_iter<I: IntoIterator<Item = Kind>>(iter: I) -> Self {
        iter.into_iter().fold(KindSet::empty(), |s, k| s.with(k))
    }
}

impl LogEvent {
    /// The event's [`Kind`].
    pub fn kind(&self) -> Kind {
        match self {
            LogEvent::Event(e) => e.kind.flat(),
            LogEvent::Stall(_) => Kind::Stall,
            LogEvent::CompactionPressure => Kind::CompactionPressure,
            LogEvent::BackgroundError { .. } => Kind::BackgroundError,
            LogEvent::Error => Kind::Error,
            LogEvent::Warn => Kind::Warn,
            LogEvent::Options { .. } => Kind::Options,
            LogEvent::OptionsSection { .. } => Kind::OptionsSection,
            LogEvent::DbOpen { .. } => Kind::DbOpen,
            LogEvent::DbClose => Kind::DbClose,
            LogEvent::StatsDump => Kind::StatsDump,
            LogEvent::Info => Kind::Info,
        }
    }
}

/// The `"event": "name"` of an EVENT_LOG_v1 text without parsing the JSON.
pub fn json_event_name(text: &str) -> Option<&str> {
    let body = text.strip_prefix(EVENT_PREFIX)?;
    const KEY: &[u8] = b"\"event\": \"";
    let i = memmem::find(body.as_bytes(), KEY)? + KEY.len();
    let len = memchr::memchr(b'"', &body.as_bytes()[i..])?;
    body.get(i..i + len)
}

/// The kind [`classify`] would give, without JSON parsing and without building values.
/// `level` is the line's level tag.
pub fn quick_kind(text: &str, level: super::line::Level, has_cf: bool) -> Kind {
    use super::line::Level;
    if text.starts_with(EVENT_PREFIX) {
        return match json_event_name(text) {
            Some(n) => Kind::from_event_name(n.as_bytes()),
            None => Kind::Info,
        };
    }
    let t = text.trim_start();
    if t.starts_with("Options.") || t.starts_with("table_factory options:") {
        return Kind::Options;
    }
    if level == Level::Warn
        && has_cf
        && (t.starts_with("Stalling writes because ") || t.starts_with("Stopping writes because "))
    {
        return Kind::Stall;
    }
    if has_cf && t.starts_with("Increasing compaction threads because ") {
        return Kind::CompactionPressure;
    }
    if is_background_error(t) {
        return Kind::BackgroundError;
    }
    match level {
        Level::Error | Level::Fatal => return Kind::Error,
        Level::Warn => return Kind::Warn,
        _ => {}
    }
    if t.starts_with("--------------- Options for column family [") {
        return Kind::OptionsSection;
    }
    if t.starts_with("RocksDB version: ") {
        return Kind::DbOpen;
    }
    if t == "Shutdown complete" {
        return Kind::DbClose;
    }
    if t.starts_with("\n** DB Stats **") || t.starts_with("** DB Stats **") {
        return Kind::StatsDump;
    }
    Kind::Info
}

fn is_background_error(t: &str) -> bool {
    let b = t.as_bytes();
    if memmem::find(b, b"rror").is_none() {
        return false;
    }
    b.starts_with(b"ErrorHandler: Set regular background error")
        || memmem::find(b, b"ackground error").is_some()
        || memmem::find(b, b"ackground IO error").is_some()
        || memmem::find(b, b"ackground flush error").is_some()
        || memmem::find(b, b"ackground compaction error").is_some()
}

fn bg_error_source(t: &str) -> BgErrorSource {
    let b = t.as_bytes();
    if memmem::find(b, b"flush error").is_some() {
        BgErrorSource::Flush
    } else if memmem::find(b, b"compaction error").is_some() {
        BgErrorSource::Compaction
    } else if memmem::find(b, b"IO error").is_some() {
        BgErrorSource::Io
    } else {
        BgErrorSource::Other
    }
}

/// Classifies an entry's text (the first line's message plus any continuation lines, joined
/// by `\n`). `kind` must be [`quick_kind`]'s answer for it; `options_cf` is the cf of the
/// options section being dumped, if any.
pub fn classify(text: &str, kind: Kind, options_cf: Option<&str>) -> LogEvent {
    let t = text.trim_start();
    match kind {
        Kind::FlushStarted
        | Kind::FlushFinished
        | Kind::CompactionStarted
        | Kind::CompactionFinished
        | Kind::TableFileCreation
        | Kind::TableFileDeletion
        | Kind::RecoveryStarted
        | Kind::RecoveryFinished
        | Kind::OtherEvent => parse_json_event(text).map_or(LogEvent::Info, LogEvent::Event),
        Kind::Stall => parse_stall(t).map_or(LogEvent::Warn, LogEvent::Stall),
        Kind::CompactionPressure => LogEvent::CompactionPressure,
        Kind::BackgroundError => LogEvent::BackgroundError {
            source: bg_error_source(t),
        },
        Kind::Error => LogEvent::Error,
        Kind::Warn => LogEvent::Warn,
        Kind::Options => LogEvent::Options {
            cf: options_cf.map(str::to_string),
            values: parse_options(t),
        },
        Kind::OptionsSection => {
            let name = t
                .strip_prefix("--------------- Options for column family [")
                .and_then(|r| r.rfind("]:").map(|i| &r[..i]))
                .unwrap_or("");
            LogEvent::OptionsSection {
                cf: name.to_string(),
            }
        }
        Kind::DbOpen => LogEvent::DbOpen {
            version: t["RocksDB version: ".len()..].trim().to_string(),
        },
        Kind::DbClose => LogEvent::DbClose,
        Kind::StatsDump => LogEvent::StatsDump,
        Kind::Info => LogEvent::Info,
    }
}

fn parse_json_event(text: &str) -> Option<JsonEvent> {
    let body = text.strip_prefix(EVENT_PREFIX)?;
    // Only the first line is JSON (continuation lines, if any, are not).
    let body = body.split('\n').next().unwrap_or("").trim_end();
    let u = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
    let ev = match serde_json::from_str::<Head>(body) {
        Ok(h) => JsonEvent {
            kind: EventKind::from_name(&h.event),
            time_micros: h.time_micros,
            job: u(h.job),
            cf_name: h.cf_name.map(Cow::into_owned),
            file_number: u(h.file_number),
            file_size: u(h.file_size),
            input_data_size: u(h.input_data_size),
            total_output_size: u(h.total_output_size),
            compaction_time_micros: u(h.compaction_time_micros),
            raw: body.to_string(),
        },
        Err(_) => {
            // Unusual shapes (a field of another type, a duplicate field): the slow path.
            let json: Value = serde_json::from_str(body).ok()?;
            let i = |k: &str| json.get(k).and_then(Value::as_i64);
            JsonEvent {
                kind: EventKind::from_name(json.get("event")?.as_str()?),
                time_micros: i("time_micros"),
                job: u(i("job")),
                cf_name: json
                    .get("cf_name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                file_number: u(i("file_number")),
                file_size: u(i("file_size")),
                input_data_size: u(i("input_data_size")),
                total_output_size: u(i("total_output_size")),
                compaction_time_micros: u(i("compaction_time_micros")),
                raw: body.to_string(),
            }
        }
    };
    Some(ev)
}

fn first_number(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let start = b.iter().position(u8::is_ascii_digit)?;
    let len = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    s[start..start + len].parse().ok()
}

fn parse_stall(t: &str) -> Option<Stall> {
    let (condition, reason) = if let Some(r) = t.strip_prefix("Stalling writes because ") {
        (StallCondition::Stalling, r)
    } else {
        (
            StallCondition::Stopping,
            t.strip_prefix("Stopping writes because ")?,
        )
    };
    let reason = reason.split('\n').next().unwrap_or("").trim_end();
    let cause = if reason.starts_with("of estimated pending compaction bytes") {
        StallCause::PendingCompactionBytes
    } else if reason.contains("level-0 files") {
        StallCause::L0Files
    } else if reason.contains("immutable memtables") || reason.contains("memtable") {
        StallCause::Memtables
    } else {
        StallCause::Other
    };
    let rate = reason
        .rfind(" rate ")
        .and_then(|i| reason[i + 6..].trim().parse().ok());
    Some(Stall {
        condition,
        cause,
        reason: reason.to_string(),
        value: first_number(reason),
        rate,
    })
}

/// `Options.name: value` → [(name, value)]; the `table_factory options:` block → one pair per
/// continuation line, nested blocks (e.g. `block_cache_options:`) joined with `.`.
fn parse_options(t: &str) -> Vec<(String, String)> {
    let mut lines = t.split('\n');
    let first = lines.next().unwrap_or("").trim();
    let mut out = Vec::new();
    if let Some(rest) = first.strip_prefix("Options.") {
        if let Some((k, v)) = rest.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
        return out;
    }
    // table_factory options:   flush_block_policy_factory: X
    let rest = first.strip_prefix("table_factory options:").unwrap_or("");
    if let Some((k, v)) = rest.split_once(':') {
        out.push((format!("table_factory.{}", k.trim()), v.trim().to_string()));
    }
    // Nested blocks: a line `name:` with an empty value opens a block whose lines are indented
    // deeper than it.
    let mut block: Option<(usize, String)> = None;
    for line in lines {
        let indent = line.len() - line.trim_start().len();
        let Some((k, v)) = line.trim().split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if let Some((bi, _)) = &block
            && indent <= *bi
        {
            block = None;
        }
        let name = match &block {
            Some((_, b)) => format!("table_factory.{b}.{k}"),
            None => format!("table_factory.{k}"),
        };
        if v.is_empty() && block.is_none() {
            block = Some((indent, k.to_string()));
        }
        out.push((name, v.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::line::Level;
    use super::*;

    fn cls(text: &str, level: Level, has_cf: bool) -> LogEvent {
        classify(text, quick_kind(text, level, has_cf), Some("default"))
    }

    #[test]
    fn stalls() {
        let LogEvent::Stall(s) = cls(
            "Stalling writes because we have 3 level-0 files rate 16777216",
            Level::Warn,
            true,
        ) else {
            panic!()
        };
        assert_eq!(
            (s.condition, s.cause, s.value, s.rate),
            (
                StallCondition::Stalling,
                StallCause::L0Files,
                Some(3),
                Some(16777216)
            )
        );
        let LogEvent::Stall(s) = cls(
            "Stopping writes because we have 2 immutable memtables (waiting for flush), max_write_buffer_number is set to 2",
            Level::Warn,
            true,
        ) else {
            panic!()
        };
        assert_eq!(
            (s.condition, s.cause, s.value, s.rate),
            (
                StallCondition::Stopping,
                StallCause::Memtables,
                Some(2),
                None
            )
        );
        let LogEvent::Stall(s) = cls(
            "Stopping writes because of estimated pending compaction bytes 1000000000",
            Level::Warn,
            true,
        ) else {
            panic!()
        };
        assert_eq!(
            (s.cause, s.value),
            (StallCause::PendingCompactionBytes, Some(1000000000))
        );
        // Not a WARN line, or no cf: not a stall.
        assert_eq!(
            cls("Stalling writes because x", Level::Info, true),
            LogEvent::Info
        );
    }

    #[test]
    fn json() {
        let t = r#"EVENT_LOG_v1 {"time_micros": 1795677550489253, "job": 2, "event": "flush_started", "num_memtables": 1, "big": 123456789012345678901234567890}"#;
        let LogEvent::Event(e) = cls(t, Level::Info, false) else {
            panic!()
        };
        assert_eq!(e.kind, EventKind::FlushStarted);
        assert_eq!(e.job, Some(2));
        assert_eq!(e.time_micros, Some(1795677550489253));
        assert_eq!(e.u64_field("num_memtables"), Some(1));
        assert!(e.raw().ends_with("890}"));
        // Slow path: a duplicate field, a job given as text.
        let t = r#"EVENT_LOG_v1 {"job": "7", "job": 8, "event": "table_file_creation", "file_size": 12, "cf_name": "a\"b"}"#;
        let LogEvent::Event(e) = cls(t, Level::Info, false) else {
            panic!()
        };
        assert_eq!(
            (e.kind.clone(), e.file_size, e.cf_name.as_deref()),
            (EventKind::TableFileCreation, Some(12), Some("a\"b"))
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "table_file_creation");
        assert_eq!(v["json"]["file_size"].as_u64(), Some(12));
        let t = r#"EVENT_LOG_v1 {"time_micros": 1, "event": "blob_file_creation"}"#;
        let LogEvent::Event(e) = cls(t, Level::Info, false) else {
            panic!()
        };
        assert_eq!(e.kind, EventKind::Other("blob_file_creation".into()));
        assert_eq!(
            cls(
                "EVENT_LOG_v1 {\"event\": \"flush_started\", broken",
                Level::Info,
                false
            ),
            LogEvent::Info
        );
    }

    #[test]
    fn options() {
        let e = cls(
            "                 Options.write_buffer_size: 65536",
            Level::Info,
            false,
        );
        assert_eq!(
            e,
            LogEvent::Options {
                cf: Some("default".into()),
                values: vec![("write_buffer_size".into(), "65536".into())]
            }
        );
        let t = "           table_factory options:   flush_block_policy_factory: F (0x1)\n  cache_index_and_filter_blocks: 0\n  block_cache_options:\n    capacity : 8388608\n  block_size: 4096";
        let LogEvent::Options { values, .. } = cls(t, Level::Info, false) else {
            panic!()
        };
        assert!(values.contains(&(
            "table_factory.block_cache_options.capacity".into(),
            "8388608".into()
        )));
        assert!(values.contains(&("table_factory.block_size".into(), "4096".into())));
        assert!(values.contains(&(
            "table_factory.flush_block_policy_factory".into(),
            "F (0x1)".into()
        )));
    }
}
