//! A manager's staff and departures (FAQ-R6, R14), and a professional's own record (FAQ-R13).

use serde::{Deserialize, Serialize};

use crate::registration::{ContactView, Profession};
use crate::{Day, Instant};

/// A practice site of a professional at an establishment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeSiteView {
    pub rpps: String,
    pub family_name: String,
    pub given_names: String,
    pub profession: Profession,
    /// FINESS number of the establishment.
    pub finess: String,
    pub started_on: Day,
    /// The last day at the establishment, once a departure is recorded.
    #[serde(default)]
    pub departure_on: Option<Day>,
    /// Still in the public directory (not yet purged).
    pub published: bool,
    /// Published and within its dates today (in Paris).
    pub active_today: bool,
    /// A departure is recorded and not yet reached: it can still be cancelled.
    pub departure_cancellable: bool,
}

/// One establishment's staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstablishmentStaff {
    pub finess: String,
    /// Its name in the FINESS file, when known.
    #[serde(default)]
    pub name: Option<String>,
    pub staff: Vec<PracticeSiteView>,
}

/// `GET /api/manager/staff`: the staff of every establishment the manager manages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffList {
    pub establishments: Vec<EstablishmentStaff>,
}

/// `PUT /api/manager/staff/{rpps}/sites/{finess}/departure`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartureBody {
    /// The last day at the establishment, `YYYY-MM-DD`.
    pub date: String,
}

/// `PATCH /api/me/contact`, `PATCH /api/manager/staff/{rpps}/contact`: the fields given replace
/// the current ones; an empty `mobile` removes the mobile number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

/// The answer of a contact change: the contact data as it now is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactChangeView {
    pub rpps: String,
    pub contact: Option<ContactView>,
}

/// `GET /api/me`: a professional's own record (e-CPS sign-in).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeView {
    pub rpps: String,
    pub family_name: String,
    pub given_names: String,
    #[serde(default)]
    pub contact: Option<ContactView>,
    /// From when an e-CPS can be activated (FAQ-R5).
    #[serde(default)]
    pub ecps_activable_from: Option<Instant>,
    pub sites: Vec<PracticeSiteView>,
}

/// An establishment a manager manages, by name (issue 19).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedEstablishment {
    /// FINESS number.
    pub finess: String,
    /// Its name in the FINESS file, when known.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub town: Option<String>,
}

/// `GET /api/manager/establishments`: the manager's establishments, in the session's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedEstablishments {
    pub establishments: Vec<ManagedEstablishment>,
}
