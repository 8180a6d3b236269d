//! A real etcd cluster for the tests: Debian's `etcd` (installed by `scripts/setup.sh`)
//! started as N members on loopback ports, data in a temporary directory.
//!
//! The members are children of one keeper thread that lives as long as the cluster and
//! are started under `setpriv --pdeathsig KILL`, so they die with that thread: when the
//! cluster is dropped (also while a panicking test unwinds) the keeper kills them, and
//! when the whole test process dies, the kernel does. No test leaves an etcd running.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What the keeper thread is asked to do.
enum Order {
    Kill(usize, mpsc::Sender<()>),
    Start(usize, mpsc::Sender<()>),
    Pids(mpsc::Sender<Vec<Option<u32>>>),
    Stop,
}

/// A running cluster; dropping it stops every member and removes the data.
pub struct EtcdCluster {
    /// Client URLs (`127.0.0.1:port`), member by member.
    pub endpoints: Vec<String>,
    orders: mpsc::Sender<Order>,
    keeper: Option<std::thread::JoinHandle<()>>,
    dir: Option<tempfile::TempDir>,
}

/// The `etcd` binary, or a failure naming it: setup.sh installs it, so a test never
/// skips for want of it.
fn etcd_binary() -> PathBuf {
    for tool in ["etcd", "etcdctl", "setpriv"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "`{tool}` is not installed: run scripts/setup.sh (it installs Debian's etcd-server, etcd-client and util-linux)"
        );
    }
    PathBuf::from("etcd")
}

/// `n` distinct free loopback ports. Their listeners are all held until every port is
/// chosen: one released before the next bind can come back (a CI run met a cluster whose
/// two members were given the same port).
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free loopback port"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("a bound port").port())
        .collect()
}

impl EtcdCluster {
    /// Starts `members` members and waits until the cluster has a leader.
    pub fn start(members: usize) -> Self {
        Self::start_with(members, 1000)
    }

    /// [`Self::start`] with the members' `--max-txn-ops` (the benchmarks write 10k
    /// pairs in one transaction).
    pub fn start_with(members: usize, max_txn_ops: u32) -> Self {
        let max_txn_ops = max_txn_ops.to_string();
        let binary = etcd_binary();
        remove_stale_data();
        // The owner's pid in the name tells a later run whether the data is stale.
        let dir = tempfile::Builder::new()
            .prefix(&format!("spear-etcd-{}-", std::process::id()))
            .tempdir()
            .expect("a directory for etcd's data");
        let mut ports = free_ports(2 * members);
        let peers: Vec<u16> = ports.split_off(members);
        let clients: Vec<u16> = ports;
        let token = format!("spear-test-{}-{}", std::process::id(), clients[0]);
        let initial: Vec<String> = (0..members)
            .map(|i| format!("m{i}=http://127.0.0.1:{}", peers[i]))
            .collect();
        let commands: Vec<Command> = (0..members)
            .map(|i| {
                let data = dir.path().join(format!("m{i}"));
                let log = std::fs::File::create(dir.path().join(format!("m{i}.log")))
                    .expect("etcd log file");
                let mut cmd = Command::new("setpriv");
                cmd.args(["--pdeathsig", "KILL", "--"])
                    .arg(&binary)
                    .args(["--name", &format!("m{i}")])
                    .arg("--data-dir")
                    .arg(&data)
                    .args([
                        "--listen-client-urls",
                        &format!("http://127.0.0.1:{}", clients[i]),
                        "--advertise-client-urls",
                        &format!("http://127.0.0.1:{}", clients[i]),
                        "--listen-peer-urls",
                        &format!("http://127.0.0.1:{}", peers[i]),
                        "--initial-advertise-peer-urls",
                        &format!("http://127.0.0.1:{}", peers[i]),
                        "--initial-cluster",
                        &initial.join(","),
                        "--initial-cluster-token",
                        &token,
                        "--initial-cluster-state",
                        "new",
                        // The contract's atomicity test writes batches of 500.
                        "--max-txn-ops",
                        &max_txn_ops,
                        // And a 4 MiB value (the default limit is 1.5 MiB).
                        "--max-request-bytes",
                        "8388608",
                        // etcd's own timing: shorter elections flap on a loaded
                        // two-core machine running the rest of the suite.
                        "--heartbeat-interval",
                        "100",
                        "--election-timeout",
                        "1000",
                        "--logger",
                        "zap",
                        "--log-level",
                        "warn",
                    ])
                    .stdin(Stdio::null())
                    .stdout(log.try_clone().expect("log"))
                    .stderr(log);
                cmd
            })
            .collect();
        let (orders, inbox) = mpsc::channel::<Order>();
        let (ready, started) = mpsc::channel();
        let keeper = std::thread::spawn(move || keep(commands, inbox, ready));
        started.recv().expect("the keeper started the members");
        let cluster = Self {
            endpoints: clients.iter().map(|p| format!("127.0.0.1:{p}")).collect(),
            orders,
            keeper: Some(keeper),
            dir: Some(dir),
        };
        cluster.wait_for_leader(Duration::from_secs(60));
        cluster
    }

    /// Waits until every running member reports the same leader.
    pub fn wait_for_leader(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            if self.leader().is_some() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the etcd cluster found no leader within {within:?}; logs:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The index of the member that leads, as `etcdctl endpoint status` reports it.
    pub fn leader(&self) -> Option<usize> {
        let out = Command::new("etcdctl")
            .env("ETCDCTL_API", "3")
            .args([
                "--endpoints",
                &self.endpoints.join(","),
                "--command-timeout=3s",
                "--dial-timeout=1s",
                "endpoint",
                "status",
                "-w",
                "json",
            ])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let statuses: serde_json::Value = serde_json::from_str(&text).ok()?;
        let statuses = statuses.as_array()?;
        for status in statuses {
            let member = status["Status"]["header"]["member_id"].as_u64()?;
            let leader = status["Status"]["leader"].as_u64()?;
            if member == leader {
                let endpoint = status["Endpoint"].as_str()?;
                return self
                    .endpoints
                    .iter()
                    .position(|e| endpoint.ends_with(e.as_str()));
            }
        }
        None
    }

    /// Kills member `i` (SIGKILL, as a crashed host).
    pub fn kill(&self, i: usize) {
        let (done, wait) = mpsc::channel();
        self.orders
            .send(Order::Kill(i, done))
            .expect("keeper alive");
        wait.recv().expect("member killed");
    }

    /// Starts member `i` again on its data.
    pub fn restart(&self, i: usize) {
        let (done, wait) = mpsc::channel();
        self.orders
            .send(Order::Start(i, done))
            .expect("keeper alive");
        wait.recv().expect("member started");
    }

    /// The running members' process ids (`None`: not running).
    pub fn pids(&self) -> Vec<Option<u32>> {
        let (reply, answer) = mpsc::channel();
        self.orders.send(Order::Pids(reply)).expect("keeper alive");
        answer.recv().expect("pids")
    }

    /// Every member's log, for a failure message.
    pub fn logs(&self) -> String {
        let Some(dir) = &self.dir else {
            return String::new();
        };
        (0..self.endpoints.len())
            .map(|i| {
                let text = std::fs::read_to_string(dir.path().join(format!("m{i}.log")))
                    .unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                format!(
                    "--- m{i}\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The endpoints as one `host:port,host:port` string.
    pub fn endpoint_list(&self) -> String {
        self.endpoints.join(",")
    }
}

/// The keeper thread: spawns the members (so their parent-death signal is tied to this
/// thread) and kills them when told to stop or when the cluster's owner goes away.
fn keep(mut commands: Vec<Command>, inbox: mpsc::Receiver<Order>, ready: mpsc::Sender<()>) {
    let spawn = |cmd: &mut Command| cmd.spawn().expect("start etcd (see scripts/setup.sh)");
    let mut children: Vec<Option<Child>> = commands.iter_mut().map(|c| Some(spawn(c))).collect();
    let _ = ready.send(());
    let stop = |child: &mut Option<Child>| {
        if let Some(mut c) = child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    };
    // A closed channel (the cluster dropped, even mid-panic) ends the loop too.
    while let Ok(order) = inbox.recv() {
        match order {
            Order::Kill(i, done) => {
                stop(&mut children[i]);
                let _ = done.send(());
            }
            Order::Start(i, done) => {
                if children[i].is_none() {
                    children[i] = Some(spawn(&mut commands[i]));
                }
                let _ = done.send(());
            }
            Order::Pids(reply) => {
                let _ = reply.send(children.iter().map(|c| c.as_ref().map(Child::id)).collect());
            }
            Order::Stop => break,
        }
    }
    children.iter_mut().for_each(stop);
}

impl Drop for EtcdCluster {
    fn drop(&mut self) {
        let _ = self.orders.send(Order::Stop);
        if let Some(keeper) = self.keeper.take() {
            let _ = keeper.join();
        }
        // The data goes after the members have stopped writing it.
        drop(self.dir.take());
    }
}

/// Removes the data of clusters whose test process has ended: the shared cluster lives
/// in a static, which is never dropped, so its directory outlives its process.
fn remove_stale_data() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(owner) = name
            .strip_prefix("spear-etcd-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{owner}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// One cluster shared by the tests that only need a working cluster (each in its own
/// namespace); it lives as long as the test process.
pub fn shared() -> &'static EtcdCluster {
    static SHARED: std::sync::OnceLock<EtcdCluster> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| EtcdCluster::start(3))
}

/// A namespace no other test uses.
pub fn fresh_namespace(test: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("test/{}/{test}/{n}/", std::process::id())
}
