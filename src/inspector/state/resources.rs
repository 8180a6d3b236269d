//! The Resources screen's state: resource reports, nodes without one, and records that
//! do not decode, in a chosen order.

use std::collections::HashSet;

use uuid::Uuid;

use super::Reaction;
use super::session::Session;
use crate::inspector::input::action::Action;
use crate::inspector::spear::records::RegistrySnapshot;
use crate::inspector::state::table::TableCursor;

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

/// Sorting and the cursor of the Resources screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcesView {
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

    /// The screen's own keys: what the App must do next.
    pub fn update(&mut self, action: Action, session: &mut Session) -> Reaction {
        let len = self.rows.len();
        if self.cursor.navigate(action, len, session.table_rows()) {
            return Reaction::None;
        }
        match action {
            Action::SortNext => self.cycle_sort(),
            Action::SortReverse => self.descending = !self.descending,
            Action::Back => session.message = None,
            Action::StartFilter => {
                session.say("filters work on the Keys (1) and Nodes (2) screens")
            }
            Action::Refresh => return Reaction::Reread,
            _ => return Reaction::None,
        }
        Reaction::Rebuild
    }
}
