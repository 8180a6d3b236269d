//! Screen 3, the resource registry: resource reports, nodes without one, and records that
//! do not decode, in a chosen order. The registries are read with the Nodes screen's (see
//! `screens::registry`); drawing is in `draw`.

mod draw;

use std::collections::HashSet;
use std::sync::Arc;

use crossterm::event::KeyCode::Char;
use ratatui::Frame;
use ratatui::layout::Rect;
use uuid::Uuid;

use super::{Change, Cx, DrawCx, NO_FILTER_HERE, Screen, registry};
use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{Binding, b};
use crate::inspector::spear::records::RegistrySnapshot;
use crate::inspector::state::table::TableCursor;
use crate::inspector::worker::{Command, Event, Kind, Purpose};

/// Columns the resource table can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceColumn {
    /// Node uuid.
    Node,
    /// CPU percent.
    Cpu,
    /// Memory percent.
    Memory,
    /// Disk percent.
    Disk,
    /// 1-minute load.
    Load,
    /// rx + tx rate.
    Network,
    /// Age of the report.
    Age,
}

impl ResourceColumn {
    /// In table order.
    pub const ALL: [ResourceColumn; 7] = [
        ResourceColumn::Node,
        ResourceColumn::Cpu,
        ResourceColumn::Memory,
        ResourceColumn::Disk,
        ResourceColumn::Load,
        ResourceColumn::Network,
        ResourceColumn::Age,
    ];

    /// Header text.
    pub fn title(self) -> &'static str {
        match self {
            ResourceColumn::Node => "node",
            ResourceColumn::Cpu => "cpu",
            ResourceColumn::Memory => "memory",
            ResourceColumn::Disk => "disk",
            ResourceColumn::Load => "load 1/5/15",
            ResourceColumn::Network => "rx / tx",
            ResourceColumn::Age => "age",
        }
    }
}

/// One row of the Resources screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceRow {
    /// Index into `snapshot.resources.records`; `orphan` when no node has its uuid.
    Report {
        /// Index.
        index: usize,
        /// No node record has this uuid.
        orphan: bool,
    },
    /// A node (index into `snapshot.nodes.records`) with no resource record.
    Missing(usize),
    /// Index into `snapshot.resources.undecodable`.
    Broken(usize),
}

/// The Resources screen: the registries of the column family on show, and how its table
/// sorts and selects them.
#[derive(Debug, Clone)]
pub struct ResourcesView {
    /// The registries of the column family on show, once read.
    pub registry: Option<Arc<RegistrySnapshot>>,
    /// Rows in display order.
    pub rows: Vec<ResourceRow>,
    /// Cursor.
    pub cursor: TableCursor,
    /// Sort column.
    pub sort: ResourceColumn,
    /// Largest first.
    pub descending: bool,
}

impl Default for ResourcesView {
    fn default() -> Self {
        Self {
            registry: None,
            rows: Vec::new(),
            cursor: TableCursor::default(),
            sort: ResourceColumn::Cpu,
            descending: true,
        }
    }
}

impl ResourcesView {
    /// Recomputes the rows: reports in the chosen order, then nodes without a report,
    /// then records that do not decode.
    pub fn rebuild(&mut self, snapshot: &RegistrySnapshot, visible: usize) {
        let reports = &snapshot.resources.records;
        let node_ids: HashSet<Uuid> = snapshot.nodes.records.iter().map(|n| n.uuid).collect();
        let report_ids: HashSet<Uuid> = reports.iter().map(|r| r.node_uuid).collect();
        let mut order: Vec<usize> = (0..reports.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&reports[a], &reports[b]);
            let ordering = match self.sort {
                ResourceColumn::Node => a.node_uuid.cmp(&b.node_uuid),
                ResourceColumn::Cpu => a.cpu_usage_percent.total_cmp(&b.cpu_usage_percent),
                ResourceColumn::Memory => a.memory_usage_percent.total_cmp(&b.memory_usage_percent),
                ResourceColumn::Disk => a.disk_usage_percent.total_cmp(&b.disk_usage_percent),
                ResourceColumn::Load => a.load_average_1m.total_cmp(&b.load_average_1m),
                ResourceColumn::Network => (a.network_rx_bytes_per_sec
                    + a.network_tx_bytes_per_sec)
                    .cmp(&(b.network_rx_bytes_per_sec + b.network_tx_bytes_per_sec)),
                // Older report first when ascending.
                ResourceColumn::Age => b.updated_at.cmp(&a.updated_at),
            }
            .then_with(|| a.node_uuid.cmp(&b.node_uuid));
            if self.descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
        self.rows = order
            .into_iter()
            .map(|index| ResourceRow::Report {
                index,
                orphan: !node_ids.contains(&reports[index].node_uuid),
            })
            .collect();
        self.rows.extend(
            snapshot
                .nodes
                .records
                .iter()
                .enumerate()
                .filter(|(_, n)| !report_ids.contains(&n.uuid))
                .map(|(i, _)| ResourceRow::Missing(i)),
        );
        self.rows
            .extend((0..snapshot.resources.undecodable.len()).map(ResourceRow::Broken));
        self.cursor.clamp(self.rows.len(), visible);
    }

    /// Next sort column.
    pub fn cycle_sort(&mut self) {
        let at = ResourceColumn::ALL
            .iter()
            .position(|c| *c == self.sort)
            .unwrap_or(0);
        self.sort = ResourceColumn::ALL[(at + 1) % ResourceColumn::ALL.len()];
    }

    /// Rebuilds the rows from the registries held, if any.
    fn rebuild_rows(&mut self, visible: usize) {
        if let Some(snapshot) = self.registry.clone() {
            self.rebuild(&snapshot, visible);
        }
    }
}

/// The Resources screen's own keys.
#[rustfmt::skip]
const KEYS: &[Binding] = &[
    b(&[(Char('s'), false)], Action::SortNext, "s", "sort by next column", Some("sort")),
    b(&[(Char('S'), false)], Action::SortReverse, "S", "reverse sort", None),
];

impl Screen for ResourcesView {
    fn title(&self) -> &'static str {
        "Resources"
    }

    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Registry]
    }

    fn show(&mut self, cx: &mut Cx) -> Vec<Command> {
        registry::show(self.registry.is_some(), cx.session)
    }

    fn update(&mut self, action: Action, cx: &mut Cx) -> Vec<Command> {
        let len = self.rows.len();
        let rows = cx.session.table_rows();
        if self.cursor.navigate(action, len, rows) {
            return Vec::new();
        }
        match action {
            Action::SortNext => self.cycle_sort(),
            Action::SortReverse => self.descending = !self.descending,
            Action::Back => cx.session.message = None,
            Action::StartFilter => cx.session.say(NO_FILTER_HERE),
            Action::Refresh => return vec![registry::request(cx.session, Purpose::Show)],
            _ => return Vec::new(),
        }
        self.rebuild_rows(rows);
        Vec::new()
    }

    fn on_event(&mut self, event: Event, cx: &mut Cx) -> Vec<Command> {
        if let Some(snapshot) = registry::answer(event, cx.session) {
            self.registry = Some(snapshot);
            self.rebuild_rows(cx.session.table_rows());
        }
        Vec::new()
    }

    fn follow(&mut self, cx: &mut Cx) -> Vec<Command> {
        registry::follow(cx.session)
    }

    fn switch_cf(&mut self, _shown: bool, cx: &mut Cx) -> Vec<Command> {
        self.registry = None;
        vec![registry::cancel(cx.session)]
    }

    fn changed(&mut self, change: &Change, shown: bool, cx: &mut Cx) -> Vec<Command> {
        registry::changed(change, shown || self.registry.is_some(), cx.session)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &DrawCx) {
        draw::draw(frame, area, self, cx);
    }
}
