//! Key shapes of the single-table design (docs/DATA_MODEL.md). Every key is built here, so the
//! table's layout can be read in one place.

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";
pub const GSI3: &str = "GSI3";
pub const GSI3PK: &str = "GSI3PK";
pub const GSI3SK: &str = "GSI3SK";

/// The first `n` characters of `s` (not bytes: folded names may hold non-ASCII letters).
pub fn head(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

pub fn establishment(finess: &str) -> String {
    format!("EST#{finess}")
}
pub const ESTABLISHMENT_SK: &str = "EST";

/// GSI1 bucket for FINESS prefix search: the two département characters.
pub fn establishment_finess_bucket(finess_prefix: &str) -> String {
    format!("ESTFIN#{}", head(finess_prefix, 2))
}

/// GSI2 of an establishment: by postal code, bucketed by its first two characters
/// (`ESTCP#75` / `<postal code>#<finess>`); none for an item without a postal code.
pub fn establishment_postal_bucket(postal_code: &str) -> Option<String> {
    (postal_code.chars().count() >= 2).then(|| format!("ESTCP#{}", head(postal_code, 2)))
}
pub fn establishment_postal_sort(postal_code: &str, finess: &str) -> String {
    format!("{postal_code}#{finess}")
}
/// GSI3 of the establishments (and of their past versions): every one by the instant an import
/// last changed it, sort key `<instant, UTC, fixed width>#<finess>` (`_lastUpdated`).
pub const ESTABLISHMENT_UPDATES: &str = "ESTUPD";
pub fn establishment_update_sort(instant_key: &str, finess: &str) -> String {
    format!("{instant_key}#{finess}")
}
/// A past version of an establishment, kept 25 hours (`ESTV#<instant it was written>`).
pub fn establishment_version_sk(instant_key: &str) -> String {
    format!("{ESTABLISHMENT_VERSION_PREFIX}{instant_key}")
}
pub const ESTABLISHMENT_VERSION_PREFIX: &str = "ESTV#";

pub fn establishment_token_sk(token: &str) -> String {
    format!("TOKEN#{token}")
}

/// GSI2 bucket for name search: the first two characters of a folded word.
pub fn establishment_token_bucket(token: &str) -> String {
    format!("ESTTOK#{}", head(token, 2))
}

pub fn rpps_counter() -> (&'static str, &'static str) {
    ("COUNTER#RPPS", "COUNTER")
}

pub fn audit_subject(subject: &str) -> String {
    format!("AUDIT#{subject}")
}

pub fn audit_actor(actor: &str) -> String {
    format!("ACTOR#{actor}")
}

pub fn login_state(state: &str) -> String {
    format!("LOGIN#{state}")
}

pub fn session(id_hash: &str) -> String {
    format!("SESSION#{id_hash}")
}

pub fn manager_sk(national_id: &str) -> String {
    format!("MGR#{national_id}")
}

pub fn manager(national_id: &str) -> String {
    format!("MGR#{national_id}")
}

pub fn professional(rpps: &str) -> String {
    format!("PRO#{rpps}")
}
pub const PROFESSIONAL_SK: &str = "PROFILE";

/// Uniqueness and look-up items: one per FranceConnect subject, one per civil-status identity.
pub fn franceconnect_subject(sub: &str) -> String {
    format!("FCSUB#{sub}")
}
pub fn civil_identity(hash: &str) -> String {
    format!("IDENT#{hash}")
}
pub const CLAIM_SK: &str = "CLAIM";

pub fn registration(id: &str) -> String {
    format!("REQ#{id}")
}
pub const REGISTRATION_SK: &str = "REQ";

/// GSI1: the requests waiting for an establishment's managers (only while submitted).
pub fn pending(finess: &str) -> String {
    format!("PENDING#{finess}")
}

/// GSI1: every draft, by the instant it expires if left unsent (one partition: the daily run
/// reads the ones due within a week).
pub const DRAFT_EXPIRY: &str = "DRAFTEXP";

/// GSI2: an applicant's requests (self-service).
pub fn applicant(sub: &str) -> String {
    format!("APPLICANT#{sub}")
}

/// GSI3: the registrations that may be the same person (`rpps_domain::candidate_key`: the
/// canonical birth place and the birth year), and the lock that serialises their validations.
pub fn identity_candidates(candidate_key: &str) -> String {
    format!("IDCAND#{candidate_key}")
}
pub fn identity_lock(candidate_key: &str) -> String {
    format!("IDLOCK#{candidate_key}")
}
pub const IDENTITY_LOCK_SK: &str = "LOCK";

/// One open request per person (civil-status identity key).
pub fn open_request(identity_key: &str) -> String {
    format!("OPENREQ#{identity_key}")
}

pub fn practice_site_sk(finess: &str, start: &str) -> String {
    format!("SITE#{finess}#{start}")
}

/// GSI1: the staff of an establishment.
pub fn staff(finess: &str) -> String {
    format!("STAFF#{finess}")
}

/// The public directory entry of a professional (and, under the same partition, one index item
/// per published practice site).
pub fn directory(rpps: &str) -> String {
    format!("{DIRECTORY_PREFIX}{rpps}")
}
pub const DIRECTORY_PREFIX: &str = "DIR#";

/// The RPPS number of a directory partition key (`DIR#<rpps>`), if it is one.
pub fn directory_number(pk: &str) -> Option<&str> {
    pk.strip_prefix(DIRECTORY_PREFIX)
        .filter(|rpps| rpps_domain::RppsNumber::try_from((*rpps).to_owned()).is_ok())
}

/// A directory index position as a cursor carries it (`PK`, `SK` and the index's two key
/// attributes, nothing else), checked to continue the index partition `partition`: the RPPS
/// number of its partition key, its sort key and its index sort key.
/// `attributes` is the number of attributes the cursor holds, `get` reads one.
pub fn directory_index_position<'a>(
    attributes: usize,
    get: impl Fn(&str) -> Option<&'a str>,
    partition_attr: &str,
    sort_attr: &str,
    partition: &str,
) -> Option<(&'a str, &'a str, &'a str)> {
    let (pk, sk, index_partition, sort) =
        (get(PK)?, get(SK)?, get(partition_attr)?, get(sort_attr)?);
    if attributes != 4 || index_partition != partition {
        return None;
    }
    Some((directory_number(pk)?, sk, sort))
}
pub const DIRECTORY_SK: &str = "DIR";
pub fn directory_site_sk(finess: &str) -> String {
    format!("LOC#{finess}")
}
/// A past version of an entry, kept 25 hours for the listings' snapshot reads
/// (`crate::listing`): `DIRV#<version>`, in GSI2 only.
pub fn directory_version_sk(version: u64) -> String {
    format!("{DIRECTORY_VERSION_PREFIX}{version:012}")
}
pub const DIRECTORY_VERSION_PREFIX: &str = "DIRV#";
/// GSI2 of the entries (and of their past versions): every entry by its last update, sort key
/// `<updated, UTC, fixed width>#<rpps>` (`_lastUpdated` deltas, the daily files' delta).
pub const DIRECTORY_UPDATES: &str = "DIRUPD";
/// GSI3 of the entries: every entry by RPPS number (the full listing, the daily files).
pub const DIRECTORY_ALL: &str = "DIRALL";
/// GSI1: directory name search, bucketed by the first two characters of the folded name.
pub fn directory_name_bucket(folded: &str) -> String {
    format!("DIRNAME#{}", head(folded, 2))
}
/// A name token of a published entry (`TOK#<folded word>`, a copy of the entry), in GSI1
/// `DIRTOK#<first 2 chars of the word>` / `<word>#<rpps>` (FHIR `given`, `name`).
pub fn directory_token_sk(token: &str) -> String {
    format!("{DIRECTORY_TOKEN_PREFIX}{token}")
}
pub const DIRECTORY_TOKEN_PREFIX: &str = "TOK#";
pub fn directory_token_bucket(token: &str) -> String {
    format!("DIRTOK#{}", head(token, 2))
}
/// An inner suffix of a word of a published entry's names (`SUF#<suffix>`, a copy of the
/// entry): with the name tokens, in GSI2 `DIRSUF#<first 2 chars>` / `<suffix or word>#<rpps>`
/// (FHIR `name:contains`: a substring of a word is the start of one of its suffixes).
pub fn directory_suffix_sk(suffix: &str) -> String {
    format!("{DIRECTORY_SUFFIX_PREFIX}{suffix}")
}
pub const DIRECTORY_SUFFIX_PREFIX: &str = "SUF#";
/// The word or suffix a name item's sort key (`TOK#…`, `SUF#…`) names.
pub fn directory_name_item(sk: &str) -> Option<&str> {
    sk.strip_prefix(DIRECTORY_TOKEN_PREFIX)
        .or_else(|| sk.strip_prefix(DIRECTORY_SUFFIX_PREFIX))
}
pub fn directory_suffix_bucket(suffix: &str) -> String {
    format!("DIRSUF#{}", head(suffix, 2))
}
/// GSI1 of a directory site: who practises at an establishment (FHIR
/// `PractitionerRole?organization=`), sort key the RPPS number.
pub fn directory_organization(finess: &str) -> String {
    format!("DIRORG#{finess}")
}
/// GSI2: directory search by the commune of a practice site.
pub fn directory_commune(insee: &str) -> String {
    format!("DIRCOM#{insee}")
}
/// GSI3: directory search by département.
pub fn directory_departement(code: &str) -> String {
    format!("DIRDEP#{code}")
}

pub fn outbox(event_id: &str) -> String {
    format!("OUTBOX#{event_id}")
}
pub const OUTBOX_SK: &str = "EVENT";

/// A consumer's delivery record of one outbox event (`DELIVERY#<consumer>#<event id>`): what the
/// mailer claims, completes or releases.
pub fn delivery(consumer: &str, event_id: &str) -> String {
    format!("DELIVERY#{consumer}#{event_id}")
}

/// A manager's import of a team from a file (issue 19): its job and its chunks of lines.
pub fn import(id: &str) -> String {
    format!("IMPORT#{id}")
}
pub const IMPORT_JOB_SK: &str = "JOB";
pub fn import_chunk(index: u32) -> String {
    format!("LINES#{index:04}")
}
/// GSI1 of a manager's imports.
pub fn imports_of(actor: &str) -> String {
    format!("IMPORTS#{actor}")
}
/// GSI2 of the imports whose requests are being created (sparse: only while running).
pub const IMPORTS_RUNNING: &str = "IMPORTRUN";
