//! Waiting for a slow open with the terminal already taken: the opening frame redrawn
//! with the bytes read, `q` to leave a read-only open (nothing is written, so it can be
//! abandoned), and the signals that end the TUI handled as they are afterwards.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::task::JoinHandle;

use super::source::Source;
use super::source::open_work::read_chars;
use super::ui::opening::Opening;
use super::{Ended, PANICKED, Tty, terminal_answers, terminal_gone};

/// How often the figures are redrawn.
const REDRAW: Duration = Duration::from_millis(250);

/// How the wait ended.
pub(super) enum Waited<E> {
    /// The database is open.
    Opened(Arc<Source>),
    /// The open failed with this error.
    Failed(E),
    /// The user or a signal ended the TUI before the open finished.
    Ended(Ended),
}

/// Whether a key press asks to quit: `q`, `Esc` or Ctrl-C (a key in raw mode).
fn quits(key: crossterm::event::KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
    key.kind != KeyEventKind::Release
        && match key.code {
            KeyCode::Char('q') | KeyCode::Esc => true,
            KeyCode::Char('c') => key.modifiers.contains(KeyModifiers::CONTROL),
            _ => false,
        }
}

/// Shows `shown` until `open` finishes, the user quits, or a signal arrives. A read-only
/// open is abandoned on `q`; a read-write one finishes first (and is then closed).
pub(super) async fn wait<E>(
    Tty {
        terminal,
        input,
        signals,
    }: &mut Tty,
    mut open: JoinHandle<Result<Arc<Source>, E>>,
    mut shown: Opening,
) -> std::io::Result<Waited<E>> {
    let began = Instant::now();
    let start = read_chars();
    let mut redraw = tokio::time::interval(REDRAW);
    redraw.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        shown.elapsed = began.elapsed();
        if let (Some(start), Some(now)) = (start, read_chars()) {
            shown.read = now.saturating_sub(start);
        }
        shown.phase = crate::inspector::source::open_phases::latest();
        terminal.draw(|frame| super::ui::opening::draw(frame, &shown))?;
        tokio::select! {
            joined = &mut open => {
                return match joined {
                    Ok(Ok(_)) if shown.quit_asked => Ok(Waited::Ended(Ended::Quit)),
                    Ok(Ok(source)) => Ok(Waited::Opened(source)),
                    Ok(Err(error)) => Ok(Waited::Failed(error)),
                    Err(stopped) => Err(std::io::Error::other(format!(
                        "the open stopped: {stopped}"
                    ))),
                };
            }
            event = input.next() => match event {
                None => return Ok(Waited::Ended(Ended::Quit)),
                Some(Err(e)) => return Err(e),
                Some(Ok(crossterm::event::Event::Key(key))) if quits(key) => {
                    if !shown.write {
                        return Ok(Waited::Ended(Ended::QuitWhileOpening));
                    }
                    shown.quit_asked = true;
                }
                Some(Ok(_)) => {}
            },
            _ = redraw.tick() => {}
            signal = signals.next() => {
                tracing::warn!(signal, "ending on a signal while opening");
                if signal == libc::SIGHUP && !terminal_answers() {
                    terminal_gone();
                }
                return Ok(Waited::Ended(Ended::Signal(signal)));
            }
            () = PANICKED.notified() => {
                return Err(std::io::Error::other(
                    "a background thread panicked (its message is above); please report it",
                ));
            }
        }
    }
}
