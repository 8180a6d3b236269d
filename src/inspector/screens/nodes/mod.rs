//! Screen 2, the node registry: which rows, in which order, under which filters, and the
//! node edits of write mode. The registries are read with the Resources screen's (see
//! `screens::registry`); drawing is in `draw`, the edits in `edits`.

mod draw;
mod edits;

use std::sync::Arc;

use crossterm::event::KeyCode::{Char, Enter};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Change, Cx, DrawCx, Screen, registry};
use crate::common::{NodeInfo, NodeStatus};
use crate::inspector::error::ErrorClass;
use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{Binding, b};
use crate::inspector::spear::records::RegistrySnapshot;
use crate::inspector::state::table::TableCursor;
use crate::inspector::state::{FilterKind, InputPurpose, Overlay};
use crate::inspector::worker::{Command, Event, Kind, Purpose};

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

/// The Nodes screen: the registries of the column family on show, and how its table
/// sorts, filters and selects them.
#[derive(Debug, Clone)]
pub struct NodesView {
    /// The registries of the column family on show, once read.
    pub registry: Option<Arc<RegistrySnapshot>>,
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
            registry: None,
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

    /// Rebuilds the rows from the registries held, if any.
    fn rebuild_rows(&mut self, visible: usize) {
        if let Some(snapshot) = self.registry.clone() {
            self.rebuild(&snapshot, visible);
        }
    }

    /// The screen's own keys, but for its edits.
    fn update_view(&mut self, action: Action, cx: &mut Cx) -> Vec<Command> {
        let len = self.rows.len();
        let rows = cx.session.table_rows();
        if self.cursor.navigate(action, len, rows) {
            return Vec::new();
        }
        match action {
            Action::SortNext => self.cycle_sort(),
            Action::SortReverse => self.descending = !self.descending,
            Action::StatusFilter => self.cycle_status(),
            Action::Open => self.detail = !self.detail && len > 0,
            Action::StartFilter => {
                *cx.overlay = Overlay::Input {
                    purpose: InputPurpose::Filter,
                    text: self.text.clone(),
                    kind: FilterKind::Contains,
                };
                return Vec::new();
            }
            Action::Back => {
                if cx.session.message.take().is_none() {
                    if self.detail {
                        self.detail = false;
                    } else {
                        self.text.clear();
                        self.status = None;
                    }
                }
            }
            Action::Refresh => return vec![registry::request(cx.session, Purpose::Show)],
            _ => return Vec::new(),
        }
        self.rebuild_rows(rows);
        Vec::new()
    }
}

/// The Nodes screen's own keys.
#[rustfmt::skip]
const KEYS: &[Binding] = &[
    b(&[(Char('s'), false)], Action::SortNext, "s", "sort by next column", Some("sort")),
    b(&[(Char('S'), false)], Action::SortReverse, "S", "reverse sort", None),
    b(&[(Char('t'), false)], Action::StatusFilter, "t", "filter by status", Some("status")),
    b(&[(Enter, false)], Action::Open, "Enter", "node detail", Some("detail")),
    b(&[(Char('o'), false)], Action::MarkOffline, "o", "mark Inactive (--write)", None),
    b(&[(Char('O'), false)], Action::MarkOnline, "O", "mark Active (--write)", None),
    b(&[(Char('X'), false)], Action::RemoveNode, "X", "remove node (--write)", None),
    b(&[(Char('u'), false)], Action::Undo, "u", "undo last edit (--write)", None),
];

impl Screen for NodesView {
    fn title(&self) -> &'static str {
        "Nodes"
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
        match action {
            Action::MarkOffline | Action::MarkOnline | Action::RemoveNode => {
                self.ask_node_edit(action, cx)
            }
            _ => self.update_view(action, cx),
        }
    }

    fn submit(
        &mut self,
        _purpose: InputPurpose,
        text: String,
        _kind: FilterKind,
        cx: &mut Cx,
    ) -> Vec<Command> {
        // The filter is text, unless keys are typed as hex: then it is read as a key is.
        let parsed = if cx.session.hex_keys {
            cx.session.parse_typed_key(&text)
        } else {
            Ok(text.into_bytes())
        };
        match parsed {
            Ok(bytes) => {
                self.text = String::from_utf8_lossy(&bytes).into_owned();
                self.rebuild_rows(cx.session.table_rows());
            }
            Err(error) => cx.session.report(ErrorClass::User, error),
        }
        Vec::new()
    }

    fn prompt(&self, _purpose: InputPurpose, _kind: FilterKind) -> &'static str {
        // The only prompt here is the filter, which matches any column of a node.
        "filter, nodes whose uuid, address or labels contain"
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
