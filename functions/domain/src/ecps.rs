//! The e-CPS (FAQ-R5): 48 hours after the RPPS number is allocated, the professional can
//! activate an e-CPS in its own application. The portal and the email say from when.

use time::{Duration, OffsetDateTime};

/// From allocation to the moment an e-CPS can be activated.
pub const ECPS_DELAY: Duration = Duration::hours(48);

/// When the professional whose number was allocated at `allocated_at` can activate an e-CPS.
pub fn ecps_activable_from(allocated_at: OffsetDateTime) -> OffsetDateTime {
    allocated_at + ECPS_DELAY
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn faq_r5_the_ecps_is_activable_48_hours_after_allocation() {
        assert_eq!(
            ecps_activable_from(datetime!(2026-03-27 10:15 UTC)),
            datetime!(2026-03-29 10:15 UTC)
        );
    }
}
