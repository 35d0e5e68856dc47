//! The tables' definition, read from `infra/template.yaml` — the file SAM deploys — so the local
//! stack and the tests create exactly the tables production has.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use serde_yaml_ng::Value;

use crate::StoreError;

/// The SAM template, embedded at compile time.
pub const TEMPLATE: &str = include_str!("../../../infra/template.yaml");

/// Logical ids of the tables in the template.
pub const REGISTRY_TABLE_RESOURCE: &str = "RegistryTable";
pub const SESSIONS_TABLE_RESOURCE: &str = "SessionsTable";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAttribute {
    pub name: String,
    pub hash: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexSpec {
    pub name: String,
    pub keys: Vec<KeyAttribute>,
    pub projection: String,
}

/// One `AWS::DynamoDB::Table` of the template, the parts that shape data access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSpec {
    pub logical_id: String,
    /// Attribute name → `S`, `N` or `B`.
    pub attributes: Vec<(String, String)>,
    pub keys: Vec<KeyAttribute>,
    pub indexes: Vec<IndexSpec>,
    pub ttl_attribute: Option<String>,
    pub stream_view: Option<String>,
}

pub struct TableSpecs {
    pub registry: TableSpec,
    pub sessions: TableSpec,
}

/// Reads both tables from the embedded template.
pub fn table_specs() -> Result<TableSpecs, StoreError> {
    let doc: Value = serde_yaml_ng::from_str(TEMPLATE)
        .map_err(|e| StoreError::Schema(format!("template.yaml does not parse: {e}")))?;
    Ok(TableSpecs {
        registry: TableSpec::from_template(&doc, REGISTRY_TABLE_RESOURCE)?,
        sessions: TableSpec::from_template(&doc, SESSIONS_TABLE_RESOURCE)?,
    })
}

fn schema_err(logical_id: &str, what: &str) -> StoreError {
    StoreError::Schema(format!("{logical_id}: {what}"))
}

fn str_field<'a>(v: &'a Value, field: &str, logical_id: &str) -> Result<&'a str, StoreError> {
    v.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| schema_err(logical_id, &format!("missing string field {field}")))
}

fn key_schema(v: Option<&Value>, logical_id: &str) -> Result<Vec<KeyAttribute>, StoreError> {
    let list = v
        .and_then(Value::as_sequence)
        .ok_or_else(|| schema_err(logical_id, "missing KeySchema"))?;
    list.iter()
        .map(|k| {
            let name = str_field(k, "AttributeName", logical_id)?.to_owned();
            let hash = match str_field(k, "KeyType", logical_id)? {
                "HASH" => true,
                "RANGE" => false,
                other => return Err(schema_err(logical_id, &format!("KeyType {other}"))),
            };
            Ok(KeyAttribute { name, hash })
        })
        .collect()
}

impl TableSpec {
    pub fn from_template(doc: &Value, logical_id: &str) -> Result<Self, StoreError> {
        let resource = doc
            .get("Resources")
            .and_then(|r| r.get(logical_id))
            .ok_or_else(|| schema_err(logical_id, "no such resource"))?;
        if resource.get("Type").and_then(Value::as_str) != Some("AWS::DynamoDB::Table") {
            return Err(schema_err(logical_id, "not an AWS::DynamoDB::Table"));
        }
        let props = resource
            .get("Properties")
            .ok_or_else(|| schema_err(logical_id, "no Properties"))?;
        let attributes = props
            .get("AttributeDefinitions")
            .and_then(Value::as_sequence)
            .ok_or_else(|| schema_err(logical_id, "missing AttributeDefinitions"))?
            .iter()
            .map(|a| {
                Ok((
                    str_field(a, "AttributeName", logical_id)?.to_owned(),
                    str_field(a, "AttributeType", logical_id)?.to_owned(),
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let keys = key_schema(props.get("KeySchema"), logical_id)?;
        let indexes = match props.get("GlobalSecondaryIndexes") {
            None => Vec::new(),
            Some(list) => list
                .as_sequence()
                .ok_or_else(|| schema_err(logical_id, "GlobalSecondaryIndexes is not a list"))?
                .iter()
                .map(|i| {
                    Ok(IndexSpec {
                        name: str_field(i, "IndexName", logical_id)?.to_owned(),
                        keys: key_schema(i.get("KeySchema"), logical_id)?,
                        projection: i
                            .get("Projection")
                            .map(|p| str_field(p, "ProjectionType", logical_id))
                            .transpose()?
                            .unwrap_or("ALL")
                            .to_owned(),
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?,
        };
        let ttl_attribute = props
            .get("TimeToLiveSpecification")
            .filter(|t| t.get("Enabled").and_then(Value::as_bool) == Some(true))
            .map(|t| str_field(t, "AttributeName", logical_id).map(str::to_owned))
            .transpose()?;
        let stream_view = props
            .get("StreamSpecification")
            .map(|s| str_field(s, "StreamViewType", logical_id).map(str::to_owned))
            .transpose()?;
        Ok(Self {
            logical_id: logical_id.to_owned(),
            attributes,
            keys,
            indexes,
            ttl_attribute,
            stream_view,
        })
    }

    /// Creates the table under `name` unless it exists; enables TTL as the template does.
    pub async fn create_if_missing(&self, client: &Client, name: &str) -> Result<(), StoreError> {
        match client.describe_table().table_name(name).send().await {
            Ok(_) => return Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(StoreError::from_sdk("DescribeTable", e)),
        }
        let build = |what: &str, e: aws_sdk_dynamodb::error::BuildError| {
            schema_err(&self.logical_id, &format!("{what}: {e}"))
        };
        let key_elements = |keys: &[KeyAttribute]| {
            keys.iter()
                .map(|k| {
                    KeySchemaElement::builder()
                        .attribute_name(&k.name)
                        .key_type(if k.hash {
                            KeyType::Hash
                        } else {
                            KeyType::Range
                        })
                        .build()
                        .map_err(|e| build("key", e))
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let mut request = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_key_schema(Some(key_elements(&self.keys)?));
        for (attr, kind) in &self.attributes {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(attr)
                    .attribute_type(ScalarAttributeType::from(kind.as_str()))
                    .build()
                    .map_err(|e| build("attribute", e))?,
            );
        }
        for index in &self.indexes {
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&index.name)
                    .set_key_schema(Some(key_elements(&index.keys)?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::from(index.projection.as_str()))
                            .build(),
                    )
                    .build()
                    .map_err(|e| build("index", e))?,
            );
        }
        if let Some(view) = &self.stream_view {
            request = request.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(view.as_str()))
                    .build()
                    .map_err(|e| build("stream", e))?,
            );
        }
        match request.send().await {
            Ok(_) => {}
            // Another process created it between our check and our call: fine.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_in_use_exception()) => {}
            Err(e) => return Err(StoreError::from_sdk("CreateTable", e)),
        }
        if let Some(ttl) = &self.ttl_attribute {
            client
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(ttl)
                        .enabled(true)
                        .build()
                        .map_err(|e| build("ttl", e))?,
                )
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("UpdateTimeToLive", e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_defines_both_tables() {
        let specs = table_specs().expect("template parses");
        let r = &specs.registry;
        assert_eq!(r.keys.len(), 2);
        assert_eq!(r.keys[0].name, "PK");
        assert!(r.keys[0].hash);
        let names: Vec<_> = r.indexes.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["GSI1", "GSI2", "GSI3"]);
        assert_eq!(r.ttl_attribute.as_deref(), Some("expires_at"));
        assert_eq!(r.stream_view.as_deref(), Some("NEW_AND_OLD_IMAGES"));
        // Every key attribute is declared, and nothing else is (CloudFormation rejects both).
        let mut declared: Vec<_> = r.attributes.iter().map(|(n, _)| n.clone()).collect();
        let mut used: Vec<_> = r
            .keys
            .iter()
            .chain(r.indexes.iter().flat_map(|i| i.keys.iter()))
            .map(|k| k.name.clone())
            .collect();
        declared.sort();
        used.sort();
        used.dedup();
        assert_eq!(declared, used);
        assert_eq!(specs.sessions.keys.len(), 1);
        assert_eq!(specs.sessions.ttl_attribute.as_deref(), Some("expires_at"));
    }
}
