//! The pages of the web app that the functions link to: sign-in landings, links in emails, the
//! card's QR code. The web app's router serves each of them (its test `linked_pages_exist`).

/// Where an applicant lands after signing in with FranceConnect (FAQ-R11).
pub const APPLICANT_REQUEST: &str = "/demande";
/// Where a professional lands after signing in with e-CPS (FAQ-R13).
pub const PROFESSIONAL_RECORD: &str = "/mon-dossier";
/// The managers' space: where a manager lands (FAQ-R9).
pub const MANAGER_QUEUE: &str = "/gestion";
/// A manager's staff and departures (FAQ-R6): linked from the purge's summary email.
pub const MANAGER_STAFF: &str = "/gestion/personnel";

/// A request as its managers see it: linked from the « new request » email (FAQ-R11).
pub fn manager_request(id: &str) -> String {
    format!("/gestion/demandes/{id}")
}

/// What the card's QR code opens (FAQ-R4).
pub fn card_verification(rpps: &str) -> String {
    format!("/verifier/{rpps}")
}

/// Every page above, with sample values: what the web app's router must serve.
pub fn linked_samples() -> Vec<String> {
    vec![
        APPLICANT_REQUEST.to_owned(),
        PROFESSIONAL_RECORD.to_owned(),
        MANAGER_QUEUE.to_owned(),
        MANAGER_STAFF.to_owned(),
        manager_request("0193a5b0-7c1e-7000-8000-000000000001"),
        card_verification("10001045367"),
    ]
}
