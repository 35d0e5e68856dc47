//! Counting DynamoDB round trips: an SDK interceptor on the DynamoDB client that tallies what
//! the client sent, per execution (one per `send()`, labelled by operation, table, key prefix or
//! index), per attempt, and how it ended. Shared by the benchmarks (`src/bin/validations.rs`,
//! `src/bin/directory_bench.rs`); figures in docs/PERFORMANCE.md.
//!
//! ```ignore
//! let counter = RoundTrips::default();
//! let config = aws_sdk_dynamodb::config::Builder::from(&sdk).interceptor(counter.clone());
//! // … calls …
//! let tally = counter.take(); // what was counted since the last take
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::client::interceptors::context::{Error as ErasedError, Input};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use rpps_store::keys;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

// ---------------------------------------------------------------------------------------------
// The interceptor: what the client sent, per execution, per attempt, and how it ended.

#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Executions (one per `send()`), by label: operation, table, key prefix or index.
    pub executions: BTreeMap<String, u64>,
    /// Attempts by operation: more than its executions means the SDK retried.
    pub attempts: BTreeMap<String, u64>,
    /// Failed executions by operation and error code.
    pub errors: BTreeMap<String, u64>,
    /// What each label's transaction held, e.g. `Put REQ, Put PRO, Delete OPENREQ…`.
    pub transactions: BTreeMap<String, String>,
}

impl Tally {
    pub fn executions_total(&self) -> u64 {
        self.executions.values().sum()
    }

    pub fn attempts_total(&self) -> u64 {
        self.attempts.values().sum()
    }

    pub fn count(&self, prefix: &str) -> u64 {
        self.executions
            .iter()
            .filter(|(label, _)| label.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }

    /// `GetItem registry REQ# ×2, UpdateItem COUNTER# ×1, …`
    pub fn summary(&self) -> String {
        self.executions
            .iter()
            .map(|(label, n)| format!("{n} × {label}"))
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

#[derive(Debug, Default, Clone)]
pub struct RoundTrips {
    tally: Arc<Mutex<Tally>>,
}

impl RoundTrips {
    fn with<R>(&self, f: impl FnOnce(&mut Tally) -> R) -> R {
        let mut tally = self.tally.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut tally)
    }

    /// What was counted since the last call, and a fresh start.
    pub fn take(&self) -> Tally {
        self.with(std::mem::take)
    }
}

fn operation(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>()
        .map_or_else(|| "?".to_owned(), |m| m.name().to_owned())
}

/// `REQ#…` → `REQ#`: what kind of item a key names.
fn prefix(value: Option<&AttributeValue>) -> String {
    match value.and_then(|v| v.as_s().ok()) {
        Some(s) => match s.split_once('#') {
            Some((kind, _)) => format!("{kind}#"),
            None => s.to_owned(),
        },
        None => "?".to_owned(),
    }
}

fn table(name: Option<&str>) -> &'static str {
    match name {
        Some(n) if n.ends_with("-sessions") => "sessions",
        Some(_) => "registry",
        None => "?",
    }
}

/// A label for one execution, and for a transaction what it holds.
fn describe(op: &str, input: &Input) -> (String, Option<String>) {
    use aws_sdk_dynamodb::operation::{
        batch_get_item::BatchGetItemInput, batch_write_item::BatchWriteItemInput,
        delete_item::DeleteItemInput, get_item::GetItemInput, put_item::PutItemInput,
        query::QueryInput, transact_write_items::TransactWriteItemsInput,
        update_item::UpdateItemInput,
    };
    if let Some(i) = input.downcast_ref::<GetItemInput>() {
        let pk = i.key().and_then(|k| k.get(keys::PK));
        return (
            format!("GetItem {} {}", table(i.table_name()), prefix(pk)),
            None,
        );
    }
    if let Some(i) = input.downcast_ref::<UpdateItemInput>() {
        let pk = i.key().and_then(|k| k.get(keys::PK));
        return (format!("UpdateItem {}", prefix(pk)), None);
    }
    if let Some(i) = input.downcast_ref::<PutItemInput>() {
        let pk = i.item().and_then(|k| k.get(keys::PK));
        return (
            format!("PutItem {} {}", table(i.table_name()), prefix(pk)),
            None,
        );
    }
    if let Some(i) = input.downcast_ref::<DeleteItemInput>() {
        let pk = i.key().and_then(|k| k.get(keys::PK));
        return (
            format!("DeleteItem {} {}", table(i.table_name()), prefix(pk)),
            None,
        );
    }
    if let Some(i) = input.downcast_ref::<QueryInput>() {
        let pk = i
            .expression_attribute_values()
            .and_then(|v| v.get(":pk"))
            .map(|v| prefix(Some(v)))
            .unwrap_or_else(|| "?".to_owned());
        return (
            format!("Query {} {pk}", i.index_name().unwrap_or("table")),
            None,
        );
    }
    if let Some(i) = input.downcast_ref::<BatchWriteItemInput>() {
        let items: usize = i
            .request_items()
            .map_or(0, |r| r.values().map(Vec::len).sum());
        return (format!("BatchWriteItem ({items} items)"), None);
    }
    if let Some(i) = input.downcast_ref::<BatchGetItemInput>() {
        let keys: usize = i
            .request_items()
            .map_or(0, |r| r.values().map(|k| k.keys().len()).sum());
        return (format!("BatchGetItem ({keys} keys)"), None);
    }
    if let Some(i) = input.downcast_ref::<TransactWriteItemsInput>() {
        let items = i.transact_items();
        let parts: Vec<String> = items
            .iter()
            .map(|item| {
                if let Some(p) = item.put() {
                    let pk = prefix(p.item().get(keys::PK));
                    if pk == "PRO#" {
                        // The professional's profile and their practice site share the PK.
                        format!("Put PRO#/{}", prefix(p.item().get(keys::SK)))
                    } else {
                        format!("Put {pk}")
                    }
                } else if let Some(d) = item.delete() {
                    format!("Delete {}", prefix(d.key().get(keys::PK)))
                } else if let Some(c) = item.condition_check() {
                    format!("ConditionCheck {}", prefix(c.key().get(keys::PK)))
                } else if let Some(u) = item.update() {
                    format!("Update {}", prefix(u.key().get(keys::PK)))
                } else {
                    "?".to_owned()
                }
            })
            .collect();
        return (
            format!("TransactWriteItems ({} items)", items.len()),
            Some(parts.join(", ")),
        );
    }
    (op.to_owned(), None)
}

/// The error code of a failed execution (`TransactionCanceledException`, a timeout…).
fn error_code(error: &ErasedError) -> String {
    use aws_sdk_dynamodb::operation::{
        delete_item::DeleteItemError, get_item::GetItemError, put_item::PutItemError,
        query::QueryError, transact_write_items::TransactWriteItemsError,
        update_item::UpdateItemError,
    };
    let code = if let Some(e) = error.downcast_ref::<TransactWriteItemsError>() {
        match e {
            TransactWriteItemsError::TransactionCanceledException(c) => {
                let reasons: Vec<&str> = c
                    .cancellation_reasons()
                    .iter()
                    .map(|r| r.code().unwrap_or("-"))
                    .collect();
                return format!("TransactionCanceled [{}]", reasons.join(","));
            }
            other => other.code(),
        }
    } else if let Some(e) = error.downcast_ref::<UpdateItemError>() {
        e.code()
    } else if let Some(e) = error.downcast_ref::<GetItemError>() {
        e.code()
    } else if let Some(e) = error.downcast_ref::<PutItemError>() {
        e.code()
    } else if let Some(e) = error.downcast_ref::<QueryError>() {
        e.code()
    } else if let Some(e) = error.downcast_ref::<DeleteItemError>() {
        e.code()
    } else {
        None
    };
    code.unwrap_or("unknown").to_owned()
}

impl Intercept for RoundTrips {
    fn name(&self) -> &'static str {
        "RoundTrips"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (label, parts) = describe(&operation(cfg), context.input());
        self.with(|t| {
            if let Some(parts) = parts {
                t.transactions.insert(label.clone(), parts);
            }
            *t.executions.entry(label).or_default() += 1;
        });
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = operation(cfg);
        self.with(|t| *t.attempts.entry(op).or_default() += 1);
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Err(error)) = context.output_or_error() {
            let code = if let Some(e) = error.as_operation_error() {
                error_code(e)
            } else if error.is_timeout_error() {
                "timeout".to_owned()
            } else if error.is_connector_error() {
                "connection error".to_owned()
            } else {
                "other error".to_owned()
            };
            let key = format!("{} {code}", operation(cfg));
            self.with(|t| *t.errors.entry(key).or_default() += 1);
        }
        Ok(())
    }
}

pub fn print_tally(title: &str, tally: &Tally) {
    println!(
        "  {title}: {} executions, {} attempts",
        tally.executions_total(),
        tally.attempts_total()
    );
    for (label, n) in &tally.executions {
        println!("    {n:>6} × {label}");
    }
    for (label, parts) in &tally.transactions {
        println!("           {label}: {parts}");
    }
    for (op, n) in &tally.attempts {
        println!("    {n:>6} attempts of {op}");
    }
    for (error, n) in &tally.errors {
        println!("    {n:>6} failed: {error}");
    }
}
