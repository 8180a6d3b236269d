//! The Nodes screen's state: which rows, in which order, under which filters.

use crate::common::{NodeInfo, NodeStatus};

use super::Reaction;
use super::overlay::{FilterKind, InputPurpose, Overlay};
use super::session::Session;
use crate::inspector::input::action::Action;
use crate::inspector::spear::records::RegistrySnapshot;
use crate::inspector::state::table::TableCursor;

/// Columns the node table can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeColumn {
    /// Node uuid.
    Uuid,
    /// ip:port.
    Address,
    /// Status.
    Status,
    /// Time since the last heartbeat.
    Heartbeat,
    /// Registration time.
    Registered,
    /// Number of metadata labels.
    Metadata,
}

impl NodeColumn {
    /// In table order.
    pub const ALL: [NodeColumn; 6] = [
        NodeColumn::Uuid,
        NodeColumn::Address,
        NodeColumn::Status,
        NodeColumn::Heartbeat,
        NodeColumn::Registered,
        NodeColumn::Metadata,
    ];

    /// Header text.
    pub fn title(self) -> &'static str {
        match self {
            NodeColumn::Uuid => "uuid",
            NodeColumn::Address => "address",
            NodeColumn::Status => "status",
            NodeColumn::Heartbeat => "heartbeat",
            NodeColumn::Registered => "registered",
            NodeColumn::Metadata => "labels",
        }
    }
}

/// One row: a node, or a record that did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRow {
    /// Index into `snapshot.nodes.records`.
    Node(usize),
    /// Index into `snapshot.nodes.undecodable`.
    Broken(usize),
}

/// Sorting, filtering and the cursor of the Nodes screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodesView {
    /// Rows in display order (recomputed when the data or a setting changes).
    pub rows: Vec<NodeRow>,
    /// Cursor.
    pub cursor: TableCursor,
    /// Sort column.
    pub sort: NodeColumn,
    /// Largest first.
    pub descending: bool,
    /// Only this status.
    pub status: Option<NodeStatus>,
    /// Only rows containing this text (uuid, address, labels, or the broken key).
    pub text: String,
    /// The detail pane is open.
    pub detail: bool,
}

impl Default for NodesView {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            cursor: TableCursor::default(),
            // Oldest heartbeat first: the nodes an on-call engineer came for.
            sort: NodeColumn::Heartbeat,
            descending: true,
            status: None,
            text: String::new(),
            detail: false,
        }
    }
}

fn matches_text(node: &NodeInfo, text: &str) -> bool {
    text.is_empty()
        || node.uuid.to_string().contains(text)
        || node.address().contains(text)
        || node
            .metadata
            .iter()
            .any(|(k, v)| k.contains(text) || v.contains(text))
}

impl NodesView {
    /// Recomputes the rows from `snapshot`. Broken records come last, whatever the sort:
    /// they have no fields to sort by, and must never hide good ones.
    pub fn rebuild(&mut self, snapshot: &RegistrySnapshot, visible: usize) {
        let nodes = &snapshot.nodes.records;
        let mut order: Vec<usize> = (0..nodes.len())
            .filter(|&i| {
                self.status.is_none_or(|s| nodes[i].status == s)
                    && matches_text(&nodes[i], &self.text)
            })
            .collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&nodes[a], &nodes[b]);
            let ordering = match self.sort {
                NodeColumn::Uuid => a.uuid.cmp(&b.uuid),
                NodeColumn::Address => (&a.ip_address, a.port).cmp(&(&b.ip_address, b.port)),
                NodeColumn::Status => (a.status as u8).cmp(&(b.status as u8)),
                // Oldest heartbeat = largest age: ascending age is descending time.
                NodeColumn::Heartbeat => b.last_heartbeat.cmp(&a.last_heartbeat),
                NodeColumn::Registered => a.registered_at.cmp(&b.registered_at),
                NodeColumn::Metadata => a.metadata.len().cmp(&b.metadata.len()),
            }
            .then_with(|| a.uuid.cmp(&b.uuid));
            if self.descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
        self.rows = order.into_iter().map(NodeRow::Node).collect();
        let broken = &snapshot.nodes.undecodable;
        self.rows.extend(
            (0..broken.len())
                .filter(|&i| {
                    self.status.is_none()
                        && (self.text.is_empty() || broken[i].key.contains(&self.text))
                })
                .map(NodeRow::Broken),
        );
        self.cursor.clamp(self.rows.len(), visible);
    }

    /// Next sort column.
    pub fn cycle_sort(&mut self) {
        let at = NodeColumn::ALL
            .iter()
            .position(|c| *c == self.sort)
            .unwrap_or(0);
        self.sort = NodeColumn::ALL[(at + 1) % NodeColumn::ALL.len()];
    }

    /// Next status filter: all, then each status in turn.
    pub fn cycle_status(&mut self) {
        self.status = match self.status {
            None => Some(NodeStatus::ALL[0]),
            Some(s) => {
                let at = NodeStatus::ALL.iter().position(|x| *x == s).unwrap_or(0);
                NodeStatus::ALL.get(at + 1).copied()
            }
        };
    }

    /// The selected row.
    pub fn selected(&self) -> Option<NodeRow> {
        self.rows.get(self.cursor.selected).copied()
    }

    /// The screen's own keys: what the App must do next.
    pub fn update(
        &mut self,
        action: Action,
        session: &mut Session,
        overlay: &mut Overlay,
    ) -> Reaction {
        let len = self.rows.len();
        if self.cursor.navigate(action, len, session.table_rows()) {
            return Reaction::None;
        }
        match action {
            Action::SortNext => self.cycle_sort(),
            Action::SortReverse => self.descending = !self.descending,
            Action::StatusFilter => self.cycle_status(),
            Action::Open => self.detail = !self.detail && len > 0,
            Action::StartFilter => {
                *overlay = Overlay::Input {
                    purpose: InputPurpose::Filter,
                    text: self.text.clone(),
                    kind: FilterKind::Contains,
                };
                return Reaction::None;
            }
            Action::Back => {
                if session.message.take().is_none() {
                    if self.detail {
                        self.detail = false;
                    } else {
                        self.text.clear();
                        self.status = None;
                    }
                }
            }
            Action::Refresh => return Reaction::Reread,
            _ => return Reaction::None,
        }
        Reaction::Rebuild
    }
}
