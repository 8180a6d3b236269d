//! The etcd backend's parameters (`KV_PARAM_*` / `KV_STORE_*`, `with_param`): endpoints,
//! key namespace, timeouts, credentials, TLS files and the server's transaction limit.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::storage::kv::KvError;

/// Parameter names accepted by the etcd backend, with what each expects.
pub const PARAMS: &[(&str, &str)] = &[
    (
        "endpoints",
        "host:port[,host:port...] (http:// or https:// may lead)",
    ),
    (
        "namespace",
        "a key prefix every key is stored under, e.g. spear/",
    ),
    (
        "dial_timeout",
        "a duration (5s, 500ms, or seconds): how long to wait for a connection",
    ),
    (
        "request_timeout",
        "a duration (10s, 500ms, or seconds): how long one request may take",
    ),
    ("user", "an etcd user name (with password)"),
    ("password", "that user's password"),
    (
        "ca_file",
        "a PEM file of the CA that signed the servers' certificates",
    ),
    ("cert_file", "a PEM client certificate (with key_file)"),
    ("key_file", "the PEM private key of cert_file"),
    (
        "max_txn_ops",
        "the server's --max-txn-ops (default 128): the largest batch written at once",
    ),
];

/// etcd's own default for `--max-txn-ops`.
pub const DEFAULT_MAX_TXN_OPS: usize = 128;

/// Typed etcd settings, parsed from `KvStoreConfig` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtcdParams {
    /// Where the cluster answers, as given.
    pub endpoints: Vec<String>,
    /// Prefix of every stored key (empty: none).
    pub namespace: String,
    /// Connection timeout.
    pub dial_timeout: Duration,
    /// Timeout of each request.
    pub request_timeout: Duration,
    /// User name and password, when the cluster has authentication on.
    pub credentials: Option<(String, String)>,
    /// CA certificate file (turns TLS on).
    pub ca_file: Option<PathBuf>,
    /// Client certificate and key files (mutual TLS).
    pub identity: Option<(PathBuf, PathBuf)>,
    /// The largest transaction the server accepts.
    pub max_txn_ops: usize,
}

impl EtcdParams {
    /// Parses and checks the parameters: unknown names and bad values are errors.
    pub fn from_params(params: &BTreeMap<String, String>) -> Result<Self, KvError> {
        let known: Vec<&str> = PARAMS.iter().map(|(n, _)| *n).collect();
        if let Some(name) = params.keys().find(|n| !known.contains(&n.as_str())) {
            return Err(KvError::UnknownParam {
                backend: "etcd",
                name: name.clone(),
                accepted: known.join(", "),
            });
        }
        let get = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let endpoints: Vec<String> = get("endpoints")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        if endpoints.is_empty() {
            return Err(KvError::MissingEndpoints);
        }
        let duration = |name: &str, default: Duration| match get(name) {
            None => Ok(default),
            Some(v) => parse_duration(v).ok_or_else(|| KvError::InvalidParam {
                name: name.to_string(),
                value: v.to_string(),
                expected: "a duration such as 5s, 500ms or 2.5 (seconds), above zero".into(),
            }),
        };
        let credentials = match (get("user"), get("password")) {
            (Some(u), Some(p)) => Some((u.to_string(), p.to_string())),
            (None, None) => None,
            (Some(_), None) | (None, Some(_)) => {
                return Err(KvError::InvalidParam {
                    name: "user/password".into(),
                    value: "only one of them".into(),
                    expected: "both user and password, or neither".into(),
                });
            }
        };
        let identity = match (get("cert_file"), get("key_file")) {
            (Some(c), Some(k)) => Some((PathBuf::from(c), PathBuf::from(k))),
            (None, None) => None,
            _ => {
                return Err(KvError::InvalidParam {
                    name: "cert_file/key_file".into(),
                    value: "only one of them".into(),
                    expected: "both cert_file and key_file, or neither".into(),
                });
            }
        };
        let max_txn_ops =
            match get("max_txn_ops") {
                None => DEFAULT_MAX_TXN_OPS,
                Some(v) => v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    KvError::InvalidParam {
                        name: "max_txn_ops".into(),
                        value: v.to_string(),
                        expected: "a positive integer: the server's --max-txn-ops".into(),
                    }
                })?,
            };
        Ok(Self {
            endpoints,
            namespace: params.get("namespace").cloned().unwrap_or_default(),
            dial_timeout: duration("dial_timeout", Duration::from_secs(5))?,
            request_timeout: duration("request_timeout", Duration::from_secs(10))?,
            credentials,
            ca_file: get("ca_file").map(PathBuf::from),
            identity,
            max_txn_ops,
        })
    }

    /// The endpoints as one comma-separated string, for messages.
    pub fn endpoint_list(&self) -> String {
        self.endpoints.join(",")
    }
}

/// `5s`, `500ms`, `2m` or a plain number of seconds (fractions allowed); zero is refused.
fn parse_duration(text: &str) -> Option<Duration> {
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let seconds = number.trim().parse::<f64>().ok()? * scale;
    (seconds.is_finite() && seconds > 0.0).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn endpoints_are_required_and_split() {
        assert!(matches!(
            EtcdParams::from_params(&params(&[])),
            Err(KvError::MissingEndpoints)
        ));
        let p = EtcdParams::from_params(&params(&[("endpoints", "a:1, b:2,")])).unwrap();
        assert_eq!(p.endpoints, ["a:1", "b:2"]);
        assert_eq!(p.max_txn_ops, 128);
    }

    #[test]
    fn durations_and_bad_values() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2.5"), Some(Duration::from_millis(2500)));
        assert_eq!(parse_duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("0"), None);
        assert_eq!(parse_duration("soon"), None);
        let err =
            EtcdParams::from_params(&params(&[("endpoints", "a:1"), ("nope", "1")])).unwrap_err();
        assert!(err.to_string().contains("namespace"), "{err}");
        let err =
            EtcdParams::from_params(&params(&[("endpoints", "a:1"), ("user", "u")])).unwrap_err();
        assert!(err.to_string().contains("password"), "{err}");
    }
}
