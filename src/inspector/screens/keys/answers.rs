//! The Keys screen's answers from the worker: pages placed in the window, values decoded,
//! substring matches and progress, counts and the estimate.

use super::{
    CountState, Counted, DecodedValue, KeysState, MAX_MATCHES, ScanProgress, ValueView, value_view,
};
use crate::inspector::screens::Cx;
use crate::inspector::source::Bounds;
use crate::inspector::error::ErrorClass;
use crate::inspector::state::Session;
use crate::inspector::state::Message;
use crate::inspector::worker::{
    Body, Command, Context, Event, Kind, Placement, Progress, Purpose, Ticket,
};

impl KeysState {
    /// Keeps `scanned` as the column family's exact size when the walk that counted it
    /// covered all of it (no bounds) in the column family on screen.
    fn learn_total(&mut self, context: &Context, session: &Session, scanned: u64) {
        if context.bounds == Bounds::default() && context.cf == session.cf {
            self.total = Some(scanned);
        }
    }

    /// Folds in an answer to one of this screen's current requests. A count made before
    /// a prefix delete opens the question, with the bounds and column family it counted.
    pub(super) fn answer(&mut self, event: Event, cx: &mut Cx) -> Vec<Command> {
        let Event {
            ticket,
            context,
            body,
        } = event;
        if context.purpose == Purpose::ConfirmDelete
            && let Body::Counted { counted, .. } = body
        {
            self.count = CountState::Done(counted);
            self.confirm_range_delete(context, counted, cx);
            return Vec::new();
        }
        self.fold(ticket, &context, body, cx.session)
    }

    fn fold(
        &mut self,
        ticket: Ticket,
        context: &Context,
        body: Body,
        session: &mut Session,
    ) -> Vec<Command> {
        match body {
            Body::Page { placement, page } => {
                self.window.loading = false;
                if let Some(first) = page.skipped.first() {
                    let more = match page.skipped.len() {
                        1 => String::new(),
                        n => format!(" (and {} more)", n - 1),
                    };
                    session.message = Some(Message {
                        text: format!("{}{more}", first.describe()),
                        problem: Some(ErrorClass::Storage),
                    });
                }
                self.window.place(placement, page, session.list_rows);
                if self.window.entries.is_empty() {
                    // No key is selected: the pane must not keep the last one's value.
                    self.value = None;
                }
                if self.window.owed != 0
                    && matches!(placement, Placement::Append | Placement::Prepend)
                {
                    // Movement the user asked for while this page was on its way.
                    return self.move_by(session, 0);
                }
                return self.value_request(session).into_iter().collect();
            }
            Body::Value { key, value } => {
                let mut view = match value {
                    None => ValueView::vanished(key),
                    Some((bytes, size)) => {
                        let mut view = value_view(key, &bytes, size);
                        view.decoded = session.decoders.as_ref().and_then(|d| {
                            DecodedValue::read(d, &session.cf, &view.key, &bytes, bytes.len() == size)
                        });
                        view
                    }
                };
                // Raw or decoded, as last chosen.
                view.show_raw = self.value.as_ref().is_some_and(|old| old.show_raw);
                // A periodic re-read of the same value keeps the pane where it was
                // scrolled to; a changed value starts again at its top only if it no
                // longer reaches there.
                if let Some(old) = &self.value
                    && old.key == view.key
                {
                    view.scroll = old.scroll.min(view.shown_lines().len().saturating_sub(1));
                }
                self.value = Some(view);
            }
            Body::Matches(entries) => {
                let was_empty = self.window.entries.is_empty();
                let room = MAX_MATCHES.saturating_sub(self.window.entries.len());
                self.window.entries.extend(entries.into_iter().take(room));
                self.window.loading = false;
                if was_empty {
                    return self.value_request(session).into_iter().collect();
                }
            }
            Body::Progress(Progress::Count { counted, .. }) => {
                self.count = CountState::Running(counted)
            }
            Body::Progress(Progress::Filter {
                scanned,
                matched,
                undecoded,
            }) => {
                self.scan = Some(ScanProgress {
                    scanned,
                    matched,
                    undecoded,
                    done: false,
                })
            }
            Body::Counted { scanned, counted } => {
                self.learn_total(context, session, scanned);
                self.count = CountState::Done(counted);
                self.counted = Some(Counted {
                    at: session.now,
                    estimate: self.estimate,
                });
            }
            Body::Filtered {
                scanned,
                matched,
                undecoded,
            } => {
                self.learn_total(context, session, scanned);
                if context.bounds == Bounds::default() {
                    self.counted = Some(Counted {
                        at: session.now,
                        estimate: self.estimate,
                    });
                }
                self.scan = Some(ScanProgress {
                    scanned,
                    matched,
                    undecoded,
                    done: true,
                });
                self.window.at_end = true;
                self.window.loading = false;
            }
            // An exact count (etcd's) is the truth at once, as a finished walk is.
            Body::Refreshed {
                estimate,
                exact: true,
            } => self.total = Some(estimate),
            Body::Refreshed { estimate, .. } => self.estimate = Some(estimate),
            Body::Failed(error) => {
                self.window.loading = false;
                // A failure names no job: its ticket says whose it is.
                if ticket.kind == Kind::Count {
                    self.count = CountState::Idle;
                }
                session.fail(&error);
            }
            _ => {}
        }
        Vec::new()
    }
}
