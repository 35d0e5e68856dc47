//! DynamoDB Streams, locally: the runner reads the registry table's stream on moto and hands
//! the outbox events to the same consumer code the Lambda runs (`rpps_mailer::deliver`), as
//! Lambda's event source mapping does in AWS.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodbstreams::types::{AttributeValue, OperationType, ShardIteratorType};
use rpps_store::OutboxEvent;

/// The outbox event in a stream record's new image, if it is one (strings only, as written).
fn outbox_event(image: &HashMap<String, AttributeValue>) -> Option<OutboxEvent> {
    let pk = image.get("PK")?.as_s().ok()?;
    if !pk.starts_with("OUTBOX#") {
        return None;
    }
    let plain: serde_json::Map<String, serde_json::Value> = image
        .iter()
        .filter_map(|(k, v)| {
            v.as_s()
                .ok()
                .map(|s| (k.clone(), serde_json::Value::String(s.clone())))
        })
        .collect();
    serde_json::from_value(serde_json::Value::Object(plain)).ok()
}

/// Follows the stream of `table` for ever (until the process ends), delivering each outbox
/// event to the mailer; a failed delivery is retried on the next pass, as Lambda retries.
pub async fn follow(
    dynamodb: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
    table: String,
    mailer: rpps_mailer::MailerState,
) {
    let mut iterators: HashMap<String, Option<String>> = HashMap::new();
    let mut pending: Vec<OutboxEvent> = Vec::new();
    loop {
        if let Err(e) = poll_once(
            &dynamodb,
            &streams,
            &table,
            &mut iterators,
            &mut pending,
            &mailer,
        )
        .await
        {
            tracing::debug!(error = %e, "stream poll");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn poll_once(
    dynamodb: &aws_sdk_dynamodb::Client,
    streams: &aws_sdk_dynamodbstreams::Client,
    table: &str,
    iterators: &mut HashMap<String, Option<String>>,
    pending: &mut Vec<OutboxEvent>,
    mailer: &rpps_mailer::MailerState,
) -> anyhow::Result<()> {
    // Events whose delivery failed before: again, first.
    let retry = std::mem::take(pending);
    for event in retry {
        if let Err(e) = rpps_mailer::deliver(mailer, &event, time::OffsetDateTime::now_utc()).await
        {
            tracing::warn!(error = %e, event = %event.id, "email not sent yet; will retry");
            pending.push(event);
        }
    }
    let described = dynamodb.describe_table().table_name(table).send().await?;
    let Some(arn) = described.table().and_then(|t| t.latest_stream_arn()) else {
        return Ok(());
    };
    let stream = streams.describe_stream().stream_arn(arn).send().await?;
    let shards: Vec<String> = stream
        .stream_description()
        .map(|d| {
            d.shards()
                .iter()
                .filter_map(|s| s.shard_id().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for shard in shards {
        let iterator = match iterators.get(&shard) {
            Some(Some(it)) => it.clone(),
            Some(None) => continue, // closed shard, read to its end
            None => streams
                .get_shard_iterator()
                .stream_arn(arn)
                .shard_id(&shard)
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await?
                .shard_iterator()
                .map(str::to_owned)
                .unwrap_or_default(),
        };
        let out = streams
            .get_records()
            .shard_iterator(iterator)
            .send()
            .await?;
        for record in out.records() {
            if record.event_name() != Some(&OperationType::Insert) {
                continue;
            }
            let Some(event) = record
                .dynamodb()
                .and_then(|d| d.new_image())
                .and_then(outbox_event)
            else {
                continue;
            };
            if let Err(e) =
                rpps_mailer::deliver(mailer, &event, time::OffsetDateTime::now_utc()).await
            {
                tracing::warn!(error = %e, event = %event.id, "email not sent yet; will retry");
                pending.push(event);
            }
        }
        iterators.insert(shard, out.next_shard_iterator().map(str::to_owned));
    }
    Ok(())
}
