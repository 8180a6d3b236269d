//! An etcd cluster's own figures as text lines (`etcdctl endpoint status` and `alarm
//! list` in one): `stats etcd://...` prints them and the Stats screen shows them.

use humansize::{BINARY, format_size};

use crate::storage::etcd::ClusterStatus;

/// The cluster's figures: a summary, the alarms, then one row per member.
pub fn cluster_lines(status: &ClusterStatus) -> Vec<String> {
    let namespace = if status.namespace.is_empty() {
        "the whole key space".to_string()
    } else {
        format!("namespace {:?}", status.namespace)
    };
    let leader = status
        .members
        .iter()
        .find(|m| m.id == status.leader)
        .map_or_else(
            || "no leader".to_string(),
            |m| format!("leader {} ({})", m.name, m.id),
        );
    let mut lines = vec![
        format!(
            "etcd cluster {} at {}, {namespace}",
            status.cluster_id, status.endpoints
        ),
        format!(
            "revision {}  keys {}  {leader}  members {}",
            status.revision,
            status.keys,
            status.members.len()
        ),
        if status.alarms.is_empty() {
            "alarms: none".to_string()
        } else {
            format!(
                "alarms: {} (writes fail until they are disarmed)",
                status.alarms.join(", ")
            )
        },
        String::new(),
        format!(
            "{:<16} {:<16} {:<7} {:<8} {:>6} {:>10} {:>10} {:>10} {:>10}  errors",
            "member", "id", "role", "version", "term", "index", "applied", "db size", "in use"
        ),
    ];
    for member in &status.members {
        let name = if member.is_learner {
            format!("{} (learner)", member.name)
        } else {
            member.name.clone()
        };
        lines.push(match &member.status {
            Ok(f) => format!(
                "{:<16} {:<16} {:<7} {:<8} {:>6} {:>10} {:>10} {:>10} {:>10}  {}",
                name,
                member.id,
                if f.is_leader { "leader" } else { "follower" },
                f.version,
                f.raft_term,
                f.raft_index,
                f.raft_applied_index,
                format_size(f.db_size.max(0) as u64, BINARY),
                format_size(f.db_size_in_use.max(0) as u64, BINARY),
                if f.errors.is_empty() {
                    "-".to_string()
                } else {
                    f.errors.join("; ")
                }
            ),
            Err(why) => format!(
                "{:<16} {:<16} unreachable at {}: {why}",
                name,
                member.id,
                member.client_urls.join(",")
            ),
        });
    }
    lines
}
