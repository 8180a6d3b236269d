//! What the user can ask for, independent of the key that asked.

/// A user intent, produced by the keymap and consumed by `App::update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Keep more of the newest entries (the Log screen).
    LoadMore,
    /// Leave the program.
    Quit,
    /// Switch screen (1-8).
    Screen(u8),
    /// Show or hide help.
    ToggleHelp,
    /// The selected key's history (its versions in the WAL, and now).
    History,
    /// A read of the selected key, explained (what it cost, where, and why).
    Explain,
    /// The seek that fills the list on show (from its first key, a page of keys),
    /// explained.
    ExplainSeek,
    /// Close the overlay, clear the filter, or dismiss the message.
    Back,
    /// Selection up one.
    Up,
    /// Selection down one.
    Down,
    /// Selection up a page.
    PageUp,
    /// Selection down a page.
    PageDown,
    /// First key (a seek).
    First,
    /// Last key (a seek).
    Last,
    /// Start typing a filter.
    StartFilter,
    /// Start typing a key to go to.
    StartGoto,
    /// Keys as escaped text or as hex.
    ToggleHex,
    /// The value pane: as its decoder rule reads it, or the raw bytes.
    ToggleRawValue,
    /// Count the keys exactly.
    Count,
    /// Pick a column family from a list.
    PickColumnFamily,
    /// Next column family.
    NextColumnFamily,
    /// Previous column family.
    PrevColumnFamily,
    /// Scroll the value pane down.
    ValueDown,
    /// Scroll the value pane up.
    ValueUp,
    /// Re-read the view (and catch up with the primary).
    Refresh,
    /// A typed character, in input modes.
    Input(char),
    /// Delete the last typed character.
    Backspace,
    /// Accept the input.
    Submit,
    /// Switch the filter between prefix and substring.
    ToggleFilterKind,
    /// Sort by the next column.
    SortNext,
    /// Reverse the sort.
    SortReverse,
    /// Cycle the status filter.
    StatusFilter,
    /// Open the selected row's detail.
    Open,
    /// Next page of a multi-page screen.
    NextPage,
    /// Compact (asks first; write mode only).
    Compact,
    /// Flush memtables (asks first; write mode only).
    Flush,
    /// Move the focus between a dialog's buttons.
    FocusToggle,
    /// Put a new key (write mode).
    NewKey,
    /// Edit the selected value (write mode).
    EditValue,
    /// Delete the selected key (write mode).
    DeleteKey,
    /// Delete every key of the prefix on screen (write mode).
    DeleteRange,
    /// Undo the last edit (write mode).
    Undo,
    /// Mark the selected node Inactive (write mode).
    MarkOffline,
    /// Mark the selected node Active (write mode).
    MarkOnline,
    /// Remove the selected node and its resource record (write mode).
    RemoveNode,
    /// Cursor left (editor).
    CursorLeft,
    /// Cursor right (editor).
    CursorRight,
    /// Start of line (editor).
    LineStart,
    /// Clear the text typed at a prompt (a filter offered again starts with the old one).
    ClearInput,
    /// End of line (editor).
    LineEnd,
}
