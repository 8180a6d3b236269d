//! Following an etcd cluster without polling: a watch on the namespace, its responses
//! turned into "something changed" for the event loop (a burst of changes is one
//! re-read), and the watch's end into a sentence.

use tokio::sync::mpsc;

use crate::storage::etcd::EtcdKvStore;
use crate::storage::kv::KvError;

/// What the watch tells the event loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    /// Keys of the namespace changed since the last news.
    Changed,
    /// The watch ended (the cluster went away, or compacted past it): why.
    Ended(String),
}

/// Starts watching `store`'s namespace; news arrive on the receiver. At most one
/// `Changed` waits: changes that come while it waits are folded into it.
pub async fn changes(store: &EtcdKvStore) -> std::io::Result<mpsc::Receiver<News>> {
    let mut stream = store
        .watch_namespace()
        .await
        .map_err(|e: KvError| std::io::Error::other(e.to_string()))?;
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        let ended = loop {
            match stream.message().await {
                Ok(Some(response)) if response.canceled() => {
                    break format!("cancelled by etcd: {}", response.cancel_reason());
                }
                Ok(Some(response)) => {
                    if !response.events().is_empty()
                        && let Err(mpsc::error::TrySendError::Closed(_)) =
                            tx.try_send(News::Changed)
                    {
                        return;
                    }
                }
                Ok(None) => break "the cluster closed it".to_string(),
                Err(e) => break e.to_string(),
            }
        };
        let _ = tx.send(News::Ended(ended)).await;
    });
    Ok(rx)
}

/// The next news, if there is a watch; pending for ever otherwise (for `select!`).
pub async fn next(changes: &mut Option<mpsc::Receiver<News>>) -> Option<News> {
    match changes {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
