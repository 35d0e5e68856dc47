//! The daily delta: the lines added, changed and removed between the previous full file and
//! today's, both in key order, found by one merge pass (memory: one line of each). Applying the
//! delta to the previous full file gives today's, exactly ([`apply`], the consumer's side,
//! checked by property tests here and over seven days end to end).

use crate::layout::{Action, delta_line, key, read_delta_line};

/// What to do with the previous file's next line (`previous`) and today's next one (`line`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The previous line's key comes first: it is gone (write it as removed, read the next
    /// previous line, compare again).
    Removed,
    /// Same key, same content: nothing in the delta; both move on.
    Unchanged,
    /// Same key, other content: today's line, as changed; both move on.
    Changed,
    /// Today's key comes first (or the previous file has ended): today's line, as added.
    Added,
}

/// The step for the previous file's head and today's line.
pub fn step(previous: Option<&str>, line: &str) -> Step {
    let Some(previous) = previous else {
        return Step::Added;
    };
    match key(previous).cmp(&key(line)) {
        std::cmp::Ordering::Less => Step::Removed,
        std::cmp::Ordering::Equal if previous == line => Step::Unchanged,
        std::cmp::Ordering::Equal => Step::Changed,
        std::cmp::Ordering::Greater => Step::Added,
    }
}

/// Counts of a delta, for the manifest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
}

impl Counts {
    pub fn count(&mut self, action: Action) {
        match action {
            Action::Added => self.added += 1,
            Action::Changed => self.changed += 1,
            Action::Removed => self.removed += 1,
        }
    }
}

/// The delta of two full files' lines (no headers) in memory: the same merge as the extract's.
pub fn diff(previous: &[String], today: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut old = previous.iter().peekable();
    for line in today {
        loop {
            match step(old.peek().map(|s| s.as_str()), line) {
                Step::Removed => {
                    if let Some(gone) = old.next() {
                        out.push(delta_line(Action::Removed, gone));
                    }
                }
                Step::Unchanged => {
                    old.next();
                    break;
                }
                Step::Changed => {
                    old.next();
                    out.push(delta_line(Action::Changed, line));
                    break;
                }
                Step::Added => {
                    out.push(delta_line(Action::Added, line));
                    break;
                }
            }
        }
    }
    out.extend(old.map(|gone| delta_line(Action::Removed, gone)));
    out
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApplyError {
    #[error("delta line {0} is not an action and a line")]
    Unreadable(usize),
    #[error("delta line {0} changes or removes a line the copy does not have")]
    Missing(usize),
    #[error("delta line {0} adds a line the copy already has")]
    Present(usize),
    #[error("delta line {0} is out of key order")]
    Order(usize),
}

/// A copy of the full file (lines without header, in key order) brought up to date by a delta
/// (lines without header): what a consumer does each day. Strict: a delta that does not fit
/// the copy is an error, never a silent mismatch.
pub fn apply(copy: &[String], delta: &[String]) -> Result<Vec<String>, ApplyError> {
    let mut out = Vec::with_capacity(copy.len());
    let mut old = copy.iter().peekable();
    let mut last: Option<(String, String)> = None;
    for (n, raw) in delta.iter().enumerate() {
        let number = n + 1;
        let (action, line) = read_delta_line(raw).ok_or(ApplyError::Unreadable(number))?;
        let k = key(line).ok_or(ApplyError::Unreadable(number))?;
        let owned = (k.0.to_owned(), k.1.to_owned());
        if last.as_ref().is_some_and(|l| *l >= owned) {
            return Err(ApplyError::Order(number));
        }
        last = Some(owned);
        // Lines before this key stay as they are.
        while let Some(kept) = old.next_if(|l| key(l) < Some(k)) {
            out.push(kept.clone());
        }
        let here = old.next_if(|l| key(l) == Some(k));
        match (action, here) {
            (Action::Added, None) => out.push(line.to_owned()),
            (Action::Added, Some(_)) => return Err(ApplyError::Present(number)),
            (Action::Changed, Some(_)) => out.push(line.to_owned()),
            (Action::Removed, Some(_)) => {}
            (Action::Changed | Action::Removed, None) => return Err(ApplyError::Missing(number)),
        }
    }
    out.extend(old.cloned());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A line of the layout's shape with this key and content.
    fn line(rpps: u64, finess: u32, content: u8) -> String {
        let mut fields = vec![String::new(); 56];
        fields[0] = "8".into();
        fields[1] = format!("{rpps:011}");
        fields[7] = format!("Nom{content}");
        fields[21] = format!("{finess:09}");
        fields.iter().map(|f| format!("{f}|")).collect()
    }

    fn file(lines: &std::collections::BTreeMap<(u64, u32), u8>) -> Vec<String> {
        lines.iter().map(|(&(r, f), &c)| line(r, f, c)).collect()
    }

    #[test]
    fn a_delta_says_what_was_added_changed_and_removed() {
        let before = vec![line(1, 10, 0), line(2, 10, 0), line(3, 10, 0)];
        let after = vec![
            line(1, 10, 0),
            line(2, 10, 1),
            line(2, 20, 0),
            line(4, 10, 0),
        ];
        let delta = diff(&before, &after);
        let actions: Vec<&str> = delta.iter().map(|l| l.split('|').next().unwrap()).collect();
        assert_eq!(actions, ["modification", "ajout", "suppression", "ajout"]);
        assert_eq!(apply(&before, &delta).unwrap(), after);
        // A delta for another copy is refused, never applied half-way.
        assert_eq!(
            apply(&after, &delta),
            Err(ApplyError::Present(2)),
            "adds a line already there"
        );
        assert_eq!(apply(&[], &delta), Err(ApplyError::Missing(1)));
    }

    proptest! {
        #[test]
        fn applying_the_delta_gives_the_new_file(
            before in proptest::collection::btree_map((0u64..40, 0u32..3), 0u8..3, 0..30),
            after in proptest::collection::btree_map((0u64..40, 0u32..3), 0u8..3, 0..30),
        ) {
            let (before, after) = (file(&before), file(&after));
            let delta = diff(&before, &after);
            prop_assert_eq!(apply(&before, &delta).unwrap(), after.clone());
            prop_assert!(diff(&after, &after).is_empty());
        }
    }
}
