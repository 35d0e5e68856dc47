//! What the operator's command does that is worth testing on its own: the search for people the
//! register may hold twice (`duplicates`).

pub mod duplicates;
