//! The DynamoDB adapter of the registry.
//!
//! The table design is written down in `docs/DATA_MODEL.md`; the tables themselves are defined
//! once, in `infra/template.yaml`, and [`schema`] reads that same definition to create them
//! locally and in tests. Every access pattern is a `GetItem` or a `Query` on a key or an index:
//! nothing here scans a table.

pub mod audit;
pub mod counter;
pub mod deliveries;
pub mod directory;
mod error;
pub mod establishments;
pub mod imports;
pub mod keys;
pub mod listing;
pub mod managers;
pub mod organizations;
pub mod outbox;
pub mod professionals;
pub mod registrations;
pub mod schema;
pub mod sessions;
pub mod sites;
pub mod testing;

use aws_sdk_dynamodb::Client;

pub use audit::AuditEntry;
pub use counter::AllocationError;
pub use deliveries::{DeliveryClaim, DeliveryLease};
pub use directory::{
    DirectoryEntry, DirectoryError, DirectoryPage, DirectorySearch, DirectorySite,
    MIN_CONTAINS_CHARS,
};
pub use error::StoreError;
pub use establishments::{Establishment, EstablishmentSummary, ImportReport, StoredEstablishment};
pub use imports::{ImportJob, ImportStoreError, StoredImport};
pub use listing::{Listing, ListingError, ListingOrder, ListingPage};
pub use managers::{DesignationError, ManagerDesignation};
pub use organizations::{OrganizationPage, OrganizationSearch};
pub use outbox::{StreamRecord, new_event, stream_records};
pub use professionals::{ProfessionalError, ProfessionalRecord};
pub use registrations::{
    IdentityCandidates, Milestone, Milestones, RegistrationStoreError, StoredRegistration,
    Undelivered,
};
pub use sites::{
    ProfessionalFile, ProfessionalProfile, PurgeReport, PurgedSite, SiteRecord, SiteStoreError,
};

/// The names of the tables, as deployed (from the environment) or as a test created them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tables {
    pub registry: String,
    pub sessions: String,
}

impl Tables {
    /// Table names sharing one prefix, e.g. `rpps-local` → `rpps-local-registry`.
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            registry: format!("{prefix}-registry"),
            sessions: format!("{prefix}-sessions"),
        }
    }

    /// The table names a function's configuration gives (`RPPS_REGISTRY_TABLE`,
    /// `RPPS_SESSIONS_TABLE`).
    pub fn from_config(config: &rpps_runtime::Config) -> Self {
        Self {
            registry: config.registry_table.clone(),
            sessions: config.sessions_table.clone(),
        }
    }
}

/// The registry store: one DynamoDB client and the table names, built once at start-up.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    tables: Tables,
}

impl Store {
    pub fn new(client: Client, tables: Tables) -> Self {
        Self { client, tables }
    }

    /// A function's store: a DynamoDB client on its SDK configuration, the tables its
    /// configuration names.
    pub fn from_config(config: &rpps_runtime::Config, sdk: &rpps_runtime::aws::SdkConfig) -> Self {
        Self::new(Client::new(sdk), Tables::from_config(config))
    }

    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Checks that the registry table answers (`DescribeTable`), for the health route.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.client
            .describe_table()
            .table_name(&self.tables.registry)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("DescribeTable", e))?;
        Ok(())
    }

    /// Creates the tables that do not exist yet, from the definition in `infra/template.yaml`.
    /// Used by the local runner and the tests; in AWS the SAM template creates them.
    pub async fn ensure_tables(&self) -> Result<(), StoreError> {
        let specs = schema::table_specs()?;
        for (spec, name) in [
            (&specs.registry, &self.tables.registry),
            (&specs.sessions, &self.tables.sessions),
        ] {
            spec.create_if_missing(&self.client, name).await?;
        }
        Ok(())
    }
}
