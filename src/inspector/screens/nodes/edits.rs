//! The Nodes screen's edits (write mode): mark the selected node Inactive or Active, or
//! remove it with its resource record. The App has refused them already when read-only
//! or while another edit runs.

use super::{NodeRow, NodesView};
use crate::common::NodeStatus;
use crate::inspector::error::ErrorClass;
use crate::inspector::input::action::Action;
use crate::inspector::screens::Cx;
use crate::inspector::state::ask;
use crate::inspector::worker::Command;
use crate::inspector::write::edit::Edit;

impl NodesView {
    /// Asks before changing the selected node.
    pub(super) fn ask_node_edit(&mut self, action: Action, cx: &mut Cx) -> Vec<Command> {
        let node = match (self.selected(), &self.registry) {
            (Some(NodeRow::Node(i)), Some(snapshot)) => snapshot.nodes.records[i].uuid,
            _ => {
                cx.session
                    .report(ErrorClass::User, "select a node that decodes");
                return Vec::new();
            }
        };
        match action {
            Action::MarkOffline => ask(
                cx,
                Edit::SetNodeStatus {
                    uuid: node,
                    status: NodeStatus::Inactive,
                },
                format!("Mark node {node} Inactive (it then takes no work)?"),
                "Mark Inactive",
            ),
            Action::MarkOnline => ask(
                cx,
                Edit::SetNodeStatus {
                    uuid: node,
                    status: NodeStatus::Active,
                },
                format!("Mark node {node} Active (it takes work again)?"),
                "Mark Active",
            ),
            _ => ask(
                cx,
                Edit::RemoveNode { uuid: node },
                format!("Remove node {node} and its resource record? Undo with u."),
                "Remove",
            ),
        }
        Vec::new()
    }
}
