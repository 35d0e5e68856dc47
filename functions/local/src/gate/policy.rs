//! The SAM template's IAM statements, per function, as the local IAM gate evaluates them: the
//! intrinsic functions they use resolved for the local stack (`!GetAtt`, `!Ref`, `!Sub`, `!If`
//! and the conditions), then IAM's evaluation of one request (an explicit deny wins, else an
//! allow whose action, resource and conditions all match, else denied).

use std::collections::BTreeMap;

use serde_yaml_ng::Value as Yaml;

/// The template the functions are deployed with; the gate reads it at build time, so a policy
/// edited there is the policy the next local run enforces.
pub const TEMPLATE: &str = include_str!("../../../../infra/template.yaml");

/// What one AWS call asks IAM for: an action on a resource, with the request's context keys
/// (lower-case names; `dynamodb:LeadingKeys` may hold several values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub action: String,
    pub resource: String,
    pub context: BTreeMap<String, Vec<String>>,
}

#[derive(Clone, Debug)]
pub struct Statement {
    allow: bool,
    actions: Vec<String>,
    resources: Vec<String>,
    /// (operator, key, values)
    conditions: Vec<(String, String, Vec<String>)>,
}

/// A table of the template, under its local name.
#[derive(Clone, Debug)]
pub struct TableSchema {
    pub logical_id: String,
    pub hash_key: String,
    /// Index name → its hash key.
    pub index_hash_keys: BTreeMap<String, String>,
}

/// The local stack's values for what the template leaves to the deployment.
#[derive(Clone, Debug)]
pub struct LocalStack {
    pub region: String,
    pub account: String,
    /// Logical id → local table name (`RegistryTable` → `<prefix>-registry`).
    pub tables: BTreeMap<String, String>,
    /// Parameter values that differ from the template's defaults.
    pub parameters: BTreeMap<String, String>,
    /// Logical id → local bucket name (`SiteBucket` → `<prefix>-site`).
    pub buckets: BTreeMap<String, String>,
}

impl LocalStack {
    pub fn table_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:dynamodb:{}:{}:table/{name}",
            self.region, self.account
        )
    }
}

/// Every function's statements (by the binary its `Metadata.BuildProperties.Binary` names) and
/// the tables' keys.
#[derive(Clone, Debug, Default)]
pub struct Policies {
    pub functions: BTreeMap<String, Vec<Statement>>,
    /// Local table name → schema.
    pub tables: BTreeMap<String, TableSchema>,
}

impl Policies {
    /// Reads `template` for `stack`. An intrinsic function or policy form the gate does not
    /// understand is an error: the gate never guesses a policy.
    pub fn from_template(template: &str, stack: &LocalStack) -> Result<Self, String> {
        let doc: Yaml = serde_yaml_ng::from_str(template).map_err(|e| format!("template: {e}"))?;
        let resolver = Resolver { doc: &doc, stack };
        let resources = doc["Resources"]
            .as_mapping()
            .ok_or("template: no Resources")?;
        let mut policies = Policies::default();
        for (id, resource) in resources {
            let id = id.as_str().unwrap_or_default();
            match resource["Type"].as_str() {
                Some("AWS::DynamoDB::Table") => {
                    let Some(name) = stack.tables.get(id) else {
                        continue;
                    };
                    let properties = &resource["Properties"];
                    let hash = |schema: &Yaml| {
                        schema.as_sequence().and_then(|keys| {
                            keys.iter()
                                .find(|k| k["KeyType"].as_str() == Some("HASH"))
                                .and_then(|k| k["AttributeName"].as_str())
                                .map(str::to_owned)
                        })
                    };
                    let index_hash_keys = properties["GlobalSecondaryIndexes"]
                        .as_sequence()
                        .into_iter()
                        .flatten()
                        .filter_map(|index| {
                            Some((
                                index["IndexName"].as_str()?.to_owned(),
                                hash(&index["KeySchema"])?,
                            ))
                        })
                        .collect();
                    policies.tables.insert(
                        name.clone(),
                        TableSchema {
                            logical_id: id.to_owned(),
                            hash_key: hash(&properties["KeySchema"])
                                .ok_or_else(|| format!("{id}: no HASH key"))?,
                            index_hash_keys,
                        },
                    );
                }
                Some("AWS::Serverless::Function") => {
                    let Some(binary) = resource["Metadata"]["BuildProperties"]["Binary"].as_str()
                    else {
                        continue;
                    };
                    let mut statements = Vec::new();
                    for policy in resource["Properties"]["Policies"]
                        .as_sequence()
                        .into_iter()
                        .flatten()
                    {
                        let Some(list) = policy["Statement"].as_sequence() else {
                            return Err(format!(
                                "{id}: only inline Statement policies are understood, found {policy:?}"
                            ));
                        };
                        for statement in list {
                            // A statement under `!If [condition, statement, !Ref AWS::NoValue]`:
                            // the branch the local stack's parameters take.
                            let Some(statement) = resolver
                                .value(statement)
                                .map_err(|e| format!("{id}: {e}"))?
                            else {
                                continue;
                            };
                            statements.push(
                                resolver
                                    .statement(&statement)
                                    .map_err(|e| format!("{id}: {e}"))?,
                            );
                        }
                    }
                    policies.functions.insert(binary.to_owned(), statements);
                }
                _ => {}
            }
        }
        Ok(policies)
    }

    /// IAM's answer for `function` (a binary name): `Ok` when allowed, else why not.
    pub fn check(&self, function: &str, request: &Authorization) -> Result<(), String> {
        let Some(statements) = self.functions.get(function) else {
            return Err(format!("{function} is not a function of the template"));
        };
        let matching = |allow: bool| {
            statements
                .iter()
                .filter(move |s| s.allow == allow)
                .find(|s| s.matches(request))
        };
        if matching(false).is_some() {
            return Err("an explicit deny in the function's policy".into());
        }
        if matching(true).is_some() {
            return Ok(());
        }
        Err(format!(
            "no statement of the function's policy allows it (context {:?})",
            request.context
        ))
    }
}

impl Statement {
    fn matches(&self, request: &Authorization) -> bool {
        self.actions
            .iter()
            .any(|a| like_ignore_case(a, &request.action))
            && self.resources.iter().any(|r| like(r, &request.resource))
            && self.conditions.iter().all(|(operator, key, values)| {
                condition(operator, values, request.context.get(key))
            })
    }
}

/// One condition of a statement: `operator` (`ForAllValues:StringLike`, `StringEqualsIfExists`…)
/// over the request's values of its key. An operator the gate does not know never matches.
fn condition(operator: &str, expected: &[String], actual: Option<&Vec<String>>) -> bool {
    let (set, base) = match operator.split_once(':') {
        Some((set, base)) => (Some(set), base),
        None => (None, operator),
    };
    let (base, if_exists) = match base.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (base, false),
    };
    let one = |value: &str| match base {
        "StringEquals" => expected.iter().any(|e| e == value),
        "StringLike" => expected.iter().any(|e| like(e, value)),
        "StringEqualsIgnoreCase" => expected.iter().any(|e| e.eq_ignore_ascii_case(value)),
        "Bool" => expected.iter().any(|e| e.eq_ignore_ascii_case(value)),
        _ => false,
    };
    let values = actual.map(Vec::as_slice).unwrap_or_default();
    match set {
        // IAM: true when the request has no value at all.
        Some("ForAllValues") => values.iter().all(|v| one(v)),
        Some("ForAnyValue") => values.iter().any(|v| one(v)),
        Some(_) => false,
        None if values.is_empty() => if_exists,
        None => values.iter().any(|v| one(v)),
    }
}

/// IAM's `StringLike`: `*` any run of characters, `?` one character.
pub fn like(pattern: &str, value: &str) -> bool {
    fn go(p: &[char], v: &[char]) -> bool {
        match p.split_first() {
            None => v.is_empty(),
            Some(('*', rest)) => (0..=v.len()).any(|i| go(rest, &v[i..])),
            Some(('?', rest)) => !v.is_empty() && go(rest, &v[1..]),
            Some((c, rest)) => v.first() == Some(c) && go(rest, &v[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    go(&p, &v)
}

fn like_ignore_case(pattern: &str, value: &str) -> bool {
    like(&pattern.to_ascii_lowercase(), &value.to_ascii_lowercase())
}

struct Resolver<'a> {
    doc: &'a Yaml,
    stack: &'a LocalStack,
}

impl Resolver<'_> {
    fn statement(&self, statement: &Yaml) -> Result<Statement, String> {
        let allow = match statement["Effect"].as_str() {
            Some("Allow") => true,
            Some("Deny") => false,
            other => return Err(format!("Effect {other:?}")),
        };
        let actions = self.strings(&statement["Action"])?;
        let resources = self.strings(&statement["Resource"])?;
        let mut conditions = Vec::new();
        if let Some(operators) = statement["Condition"].as_mapping() {
            for (operator, keys) in operators {
                let operator = operator.as_str().ok_or("a condition operator")?;
                for (key, values) in keys.as_mapping().ok_or("a condition's keys")? {
                    let key = key.as_str().ok_or("a condition key")?.to_ascii_lowercase();
                    conditions.push((operator.to_owned(), key, self.strings(values)?));
                }
            }
        }
        if actions.is_empty() || resources.is_empty() {
            return Err(format!(
                "a statement without action or resource: {statement:?}"
            ));
        }
        Ok(Statement {
            allow,
            actions,
            resources,
            conditions,
        })
    }

    /// A string or a list of them, intrinsics resolved (`!Ref AWS::NoValue` drops an item).
    fn strings(&self, value: &Yaml) -> Result<Vec<String>, String> {
        match self.value(value)? {
            None => Ok(Vec::new()),
            Some(Yaml::Sequence(items)) => {
                let mut out = Vec::new();
                for item in &items {
                    out.extend(self.strings(item)?);
                }
                Ok(out)
            }
            Some(Yaml::String(s)) => Ok(vec![s]),
            Some(Yaml::Bool(b)) => Ok(vec![b.to_string()]),
            Some(Yaml::Number(n)) => Ok(vec![n.to_string()]),
            Some(other) => Err(format!("not a string: {other:?}")),
        }
    }

    /// `value` with its intrinsic functions applied; None for `AWS::NoValue`.
    fn value(&self, value: &Yaml) -> Result<Option<Yaml>, String> {
        let Yaml::Tagged(tagged) = value else {
            return Ok(Some(value.clone()));
        };
        let arg = &tagged.value;
        match tagged.tag.to_string().trim_start_matches('!') {
            "Ref" => self.reference(arg.as_str().ok_or("!Ref of a non-string")?),
            "GetAtt" => {
                let text = match arg {
                    Yaml::String(s) => s.clone(),
                    Yaml::Sequence(parts) => parts
                        .iter()
                        .filter_map(Yaml::as_str)
                        .collect::<Vec<_>>()
                        .join("."),
                    _ => return Err("!GetAtt".into()),
                };
                self.attribute(&text).map(|s| Some(Yaml::String(s)))
            }
            "Sub" => {
                let (template, vars) = match arg {
                    Yaml::String(s) => (s.as_str(), None),
                    Yaml::Sequence(parts) => (
                        parts.first().and_then(Yaml::as_str).ok_or("!Sub")?,
                        parts.get(1).and_then(Yaml::as_mapping),
                    ),
                    _ => return Err("!Sub".into()),
                };
                let mut out = String::new();
                let mut rest = template;
                while let Some(start) = rest.find("${") {
                    out.push_str(&rest[..start]);
                    let end = rest[start..].find('}').ok_or("!Sub: an unclosed ${")? + start;
                    let name = &rest[start + 2..end];
                    let given = vars.and_then(|v| v.get(name));
                    let value = match given {
                        Some(v) => self.strings(v)?.join(","),
                        None if name.contains('.') && !name.starts_with("AWS::") => {
                            self.attribute(name)?
                        }
                        None => self
                            .strings(&Yaml::Tagged(Box::new(serde_yaml_ng::value::TaggedValue {
                                tag: serde_yaml_ng::value::Tag::new("Ref"),
                                value: Yaml::String(name.to_owned()),
                            })))?
                            .join(","),
                    };
                    out.push_str(&value);
                    rest = &rest[end + 1..];
                }
                out.push_str(rest);
                Ok(Some(Yaml::String(out)))
            }
            "Join" => {
                let parts = arg.as_sequence().filter(|p| p.len() == 2).ok_or("!Join")?;
                let separator = parts[0].as_str().ok_or("!Join's separator")?;
                Ok(Some(Yaml::String(self.strings(&parts[1])?.join(separator))))
            }
            "If" => {
                let parts = arg.as_sequence().filter(|p| p.len() == 3).ok_or("!If")?;
                let name = parts[0].as_str().ok_or("!If's condition")?;
                let branch = if self.condition(name)? {
                    &parts[1]
                } else {
                    &parts[2]
                };
                self.value(branch)
            }
            other => Err(format!("the intrinsic !{other} is not understood")),
        }
    }

    fn reference(&self, name: &str) -> Result<Option<Yaml>, String> {
        // A list parameter is its items (`!Ref` of a CommaDelimitedList is a list).
        if self.doc["Parameters"][name]["Type"].as_str() == Some("CommaDelimitedList") {
            let given = match self.stack.parameters.get(name) {
                Some(value) => value.clone(),
                None => self
                    .strings(&self.doc["Parameters"][name]["Default"])?
                    .join(","),
            };
            return Ok(Some(Yaml::Sequence(
                given
                    .split(',')
                    .map(|item| Yaml::String(item.trim().to_owned()))
                    .collect(),
            )));
        }
        let text = match name {
            "AWS::NoValue" => return Ok(None),
            "AWS::Region" => self.stack.region.clone(),
            "AWS::AccountId" => self.stack.account.clone(),
            "AWS::Partition" => "aws".into(),
            "AWS::StackName" => "rpps-local".into(),
            _ => {
                if let Some(value) = self.stack.parameters.get(name) {
                    value.clone()
                } else if let Some(parameter) = self.doc["Parameters"].get(name) {
                    self.strings(&parameter["Default"])?
                        .into_iter()
                        .next()
                        .ok_or_else(|| format!("the parameter {name} has no local value"))?
                } else if let Some(table) = self.stack.tables.get(name) {
                    table.clone()
                } else if let Some(bucket) = self.stack.buckets.get(name) {
                    bucket.clone()
                } else if self.doc["Resources"].get(name).is_some() {
                    // A resource the local stack does not have (a secret, a topic): its
                    // logical id stands for its physical id.
                    name.to_owned()
                } else {
                    return Err(format!("!Ref {name}: no such parameter or resource"));
                }
            }
        };
        Ok(Some(Yaml::String(text)))
    }

    fn attribute(&self, text: &str) -> Result<String, String> {
        let (id, attribute) = text.split_once('.').ok_or("GetAtt without attribute")?;
        if let (Some(bucket), "Arn") = (self.stack.buckets.get(id), attribute) {
            return Ok(format!("arn:aws:s3:::{bucket}"));
        }
        match (self.stack.tables.get(id), attribute) {
            (Some(table), "Arn") => Ok(self.stack.table_arn(table)),
            (Some(table), "StreamArn") => Ok(format!("{}/stream/*", self.stack.table_arn(table))),
            _ if self.doc["Resources"].get(id).is_some() => Ok(format!(
                "arn:aws:local:{}:{}:{id}.{attribute}",
                self.stack.region, self.stack.account
            )),
            _ => Err(format!("GetAtt {text}: no such resource")),
        }
    }

    fn condition(&self, name: &str) -> Result<bool, String> {
        let definition = self.doc["Conditions"]
            .get(name)
            .ok_or_else(|| format!("no condition {name}"))?;
        self.truth(definition)
    }

    fn truth(&self, value: &Yaml) -> Result<bool, String> {
        let Yaml::Tagged(tagged) = value else {
            return Err(format!("a condition: {value:?}"));
        };
        let args = tagged.value.as_sequence();
        match tagged.tag.to_string().trim_start_matches('!') {
            "Equals" => {
                let args = args.filter(|a| a.len() == 2).ok_or("!Equals")?;
                Ok(self.strings(&args[0])? == self.strings(&args[1])?)
            }
            "Not" => Ok(!self.truth(args.and_then(|a| a.first()).ok_or("!Not")?)?),
            "And" => {
                for a in args.ok_or("!And")? {
                    if !self.truth(a)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            "Or" => {
                for a in args.ok_or("!Or")? {
                    if self.truth(a)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            "Condition" => self.condition(tagged.value.as_str().ok_or("!Condition")?),
            other => Err(format!("the condition function !{other} is not understood")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack() -> LocalStack {
        LocalStack {
            region: "eu-west-3".into(),
            account: "123456789012".into(),
            tables: BTreeMap::from([
                ("RegistryTable".into(), "t-registry".into()),
                ("SessionsTable".into(), "t-sessions".into()),
            ]),
            parameters: BTreeMap::from([("MailFrom".into(), "no-reply@example.fr".into())]),
            buckets: BTreeMap::new(),
        }
    }

    fn ask(action: &str, resource: &str, context: &[(&str, &[&str])]) -> Authorization {
        Authorization {
            action: action.into(),
            resource: resource.into(),
            context: context
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect(),
        }
    }

    #[test]
    fn every_function_of_the_template_has_its_statements_resolved() {
        let policies = Policies::from_template(TEMPLATE, &stack()).unwrap();
        for binary in [
            "rpps-auth",
            "rpps-registrations",
            "rpps-mailer",
            "rpps-purge",
        ] {
            assert!(
                !policies.functions[binary].is_empty(),
                "{binary}: {:?}",
                policies.functions.keys()
            );
        }
        let registry = &policies.tables["t-registry"];
        assert_eq!(registry.hash_key, "PK");
        assert_eq!(registry.index_hash_keys["GSI2"], "GSI2PK");
    }

    #[test]
    fn leading_keys_attributes_and_return_values_are_evaluated_as_iam_does() {
        let policies = Policies::from_template(TEMPLATE, &stack()).unwrap();
        let table = stack().table_arn("t-registry");
        let sessions = stack().table_arn("t-sessions");
        // The directory reads its own partitions only.
        let read = |pk: &str| {
            ask(
                "dynamodb:GetItem",
                &table,
                &[("dynamodb:leadingkeys", &[pk])],
            )
        };
        assert_eq!(
            policies.check("rpps-directory", &read("DIR#10000000008")),
            Ok(())
        );
        assert!(
            policies
                .check("rpps-directory", &read("SESSION#x"))
                .is_err()
        );
        // Not a resource it was given.
        let other = ask("dynamodb:GetItem", &sessions, &[]);
        assert!(policies.check("rpps-directory", &other).is_err());
        // Registrations may slide a session's expiry, nothing more.
        let slide = |attributes: &[&str], returns: &[&str]| {
            ask(
                "dynamodb:UpdateItem",
                &sessions,
                &[
                    ("dynamodb:attributes", attributes),
                    ("dynamodb:returnvalues", returns),
                ],
            )
        };
        assert_eq!(
            policies.check("rpps-registrations", &slide(&["PK", "expires_at"], &[])),
            Ok(())
        );
        assert!(
            policies
                .check("rpps-registrations", &slide(&["PK", "role"], &[]))
                .is_err()
        );
        assert!(
            policies
                .check(
                    "rpps-registrations",
                    &slide(&["PK", "expires_at"], &["ALL_NEW"])
                )
                .is_err()
        );
        // Sessions are written by sign-in alone.
        let put = ask("dynamodb:PutItem", &sessions, &[]);
        assert_eq!(policies.check("rpps-auth", &put), Ok(()));
        assert!(policies.check("rpps-staff", &put).is_err());
    }

    /// Issue 20: the card key's statements, with the template's defaults (the stack's own key,
    /// no retired key) and after a rotation (a key made by hand, the stack's retired).
    #[test]
    fn only_the_cards_function_signs_and_retired_keys_only_give_their_public_key() {
        let stack_key = "arn:aws:local:eu-west-3:123456789012:CardSigningKey.Arn";
        let sign = |key: &str| ask("kms:Sign", key, &[]);
        let public = |key: &str| ask("kms:GetPublicKey", key, &[]);
        let policies = Policies::from_template(TEMPLATE, &stack()).unwrap();
        assert_eq!(policies.check("rpps-cards", &sign(stack_key)), Ok(()));
        assert_eq!(policies.check("rpps-cards", &public(stack_key)), Ok(()));
        for other in policies.functions.keys().filter(|f| *f != "rpps-cards") {
            assert!(policies.check(other, &sign(stack_key)).is_err(), "{other}");
            assert!(
                policies.check(other, &public(stack_key)).is_err(),
                "{other}"
            );
        }
        let new_key = "arn:aws:kms:eu-west-3:123456789012:key/1234abcd-0000-0000-0000-000000000002";
        let old_key = "arn:aws:kms:eu-west-3:123456789012:key/1234abcd-0000-0000-0000-000000000001";
        assert!(policies.check("rpps-cards", &public(old_key)).is_err());

        let mut rotated = stack();
        rotated
            .parameters
            .insert("CardSigningKeyArn".into(), new_key.into());
        rotated.parameters.insert(
            "CardRetiredKeyArns".into(),
            format!("{old_key},{stack_key}"),
        );
        let policies = Policies::from_template(TEMPLATE, &rotated).unwrap();
        assert_eq!(policies.check("rpps-cards", &sign(new_key)), Ok(()));
        for retired in [old_key, stack_key] {
            assert_eq!(policies.check("rpps-cards", &public(retired)), Ok(()));
            assert!(policies.check("rpps-cards", &sign(retired)).is_err());
        }
    }

    #[test]
    fn conditions_follow_iam_for_missing_keys_and_sets() {
        let values = vec!["DIR#*".to_owned()];
        let one = vec!["DIR#1".to_owned()];
        let two = vec!["DIR#1".to_owned(), "REQ#2".to_owned()];
        assert!(condition("ForAllValues:StringLike", &values, None));
        assert!(condition("ForAllValues:StringLike", &values, Some(&one)));
        assert!(!condition("ForAllValues:StringLike", &values, Some(&two)));
        assert!(condition("ForAnyValue:StringLike", &values, Some(&two)));
        assert!(!condition("StringLike", &values, None));
        assert!(condition("StringLikeIfExists", &values, None));
        assert!(!condition("NumericEquals", &values, Some(&one)));
        assert!(like("arn:*:table/t/index/*", "arn:aws:table/t/index/GSI1"));
        assert!(!like("secret-??????", "secret-abc"));
    }
}
