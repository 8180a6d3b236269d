//! etcd's errors in words that say what to do: which failures mean no endpoint answered,
//! no quorum, permission denied, a request or transaction too large, or no space left.

use etcd_client::Error;
use tonic::Code;

use crate::storage::kv::KvError;

/// Turns an etcd client error into the storage layer's error, keeping etcd's message.
pub(crate) fn classify(err: Error, endpoints: &str) -> KvError {
    let endpoints = endpoints.to_string();
    match err {
        Error::GRpcStatus(status) => {
            let detail = status.message().to_string();
            let lower = detail.to_ascii_lowercase();
            if lower.contains("no leader")
                || lower.contains("leader changed")
                || lower.contains("timed out")
                || lower.contains("timeout")
            {
                return KvError::NoQuorum { endpoints, detail };
            }
            if lower.contains("too many operations in txn") {
                return KvError::Backend {
                    backend: "etcd",
                    message: format!(
                        "{detail}: the max_txn_ops parameter is above the server's --max-txn-ops; set it to the server's value (nothing was written)"
                    ),
                };
            }
            if lower.contains("request is too large")
                || lower.contains("larger than max")
                || status.code() == Code::ResourceExhausted
            {
                return KvError::RequestTooLarge { detail };
            }
            if lower.contains("database space exceeded") || lower.contains("nospace") {
                return KvError::NoSpace { detail };
            }
            match status.code() {
                Code::PermissionDenied | Code::Unauthenticated => {
                    KvError::PermissionDenied { detail }
                }
                Code::FailedPrecondition | Code::InvalidArgument
                    if lower.contains("authentication failed")
                        || lower.contains("user name")
                        || lower.contains("permission denied")
                        || lower.contains("invalid auth token") =>
                {
                    KvError::PermissionDenied { detail }
                }
                Code::DeadlineExceeded | Code::Cancelled => KvError::NoQuorum {
                    endpoints,
                    detail: if detail.is_empty() {
                        "no answer in time".into()
                    } else {
                        detail
                    },
                },
                Code::Unavailable => {
                    // A member that cannot reach a leader, versus a connection that
                    // never opened.
                    if lower.contains("connect")
                        || lower.contains("dns")
                        || lower.contains("refused")
                        || lower.contains("transport")
                    {
                        KvError::Unreachable { endpoints, detail }
                    } else {
                        KvError::NoQuorum { endpoints, detail }
                    }
                }
                _ => KvError::Backend {
                    backend: "etcd",
                    message: detail,
                },
            }
        }
        Error::TransportError(e) => KvError::Unreachable {
            endpoints,
            detail: transport_detail(&e),
        },
        Error::IoError(e) => KvError::Unreachable {
            endpoints,
            detail: e.to_string(),
        },
        Error::InvalidUri(e) => KvError::InvalidParam {
            name: "endpoints".into(),
            value: endpoints,
            expected: format!("host:port[,host:port...] ({e})"),
        },
        other => KvError::Backend {
            backend: "etcd",
            message: other.to_string(),
        },
    }
}

/// A transport error with its causes, which say why (connection refused, DNS).
fn transport_detail(err: &tonic::transport::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What a request that ran out of time means: the cluster cannot commit or serve it.
pub(crate) fn timed_out(endpoints: &str, after: std::time::Duration) -> KvError {
    KvError::NoQuorum {
        endpoints: endpoints.to_string(),
        detail: format!("no answer within {after:?}"),
    }
}

/// Whether the request failed before reaching any server (no connection could be made),
/// so sending it again cannot apply it twice.
pub(crate) fn never_sent(err: &Error) -> bool {
    match err {
        Error::TransportError(_) => true,
        Error::GRpcStatus(status) => {
            status.code() == Code::Unavailable && {
                let lower = status.message().to_ascii_lowercase();
                lower.contains("connect error") || lower.contains("connection refused")
            }
        }
        _ => false,
    }
}

/// Whether no endpoint accepts a TCP connection (each tried for a moment): what tells
/// "nothing is there" from "a cluster that cannot answer" when a request runs out of time.
pub(crate) async fn none_listening(endpoints: &[String]) -> bool {
    for endpoint in endpoints {
        let address = endpoint
            .trim_start_matches("http://")
            .trim_start_matches("https://")
            .trim_end_matches('/');
        let attempt = tokio::net::TcpStream::connect(address);
        if let Ok(Ok(_)) =
            tokio::time::timeout(std::time::Duration::from_millis(300), attempt).await
        {
            return false;
        }
    }
    true
}
