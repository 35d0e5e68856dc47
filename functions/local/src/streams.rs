//! DynamoDB Streams, locally: the runner reads the registry table's stream on moto and hands
//! the outbox events to the same consumer code the Lambdas run (`rpps_mailer::consume`,
//! `rpps_publisher::consume`), as Lambda's event source mappings do in AWS — each consumer on its
//! own, so one failing does not hold the other back.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodbstreams::types::{AttributeValue, OperationType, ShardIteratorType};
use rpps_contract::events::OutboxEvent;
use rpps_store::StreamRecord;

/// What a stream record's new image is, read as the Lambda consumers read it.
fn stream_record(image: &HashMap<String, AttributeValue>) -> StreamRecord {
    rpps_store::outbox::event_of_image(|name| image.get(name)?.as_s().ok().map(String::as_str))
}

/// A consumer of the table's stream, as deployed (one event source mapping each).
pub enum Consumer {
    Mailer(rpps_mailer::MailerState),
    Publisher(rpps_publisher::PublisherState),
}

impl Consumer {
    fn name(&self) -> &'static str {
        match self {
            Consumer::Mailer(_) => "mailer",
            Consumer::Publisher(_) => "publisher",
        }
    }

    async fn deliver(&self, event: &OutboxEvent) -> Result<(), String> {
        let now = time::OffsetDateTime::now_utc();
        match self {
            Consumer::Mailer(state) => rpps_mailer::consume(state, event, now)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Consumer::Publisher(state) => rpps_publisher::consume(state, event, now)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
        }
    }
}

/// Retries of a failed record before it is given up, as the template's event source mappings
/// (`MaximumRetryAttempts: 5`): then only the outbox sweeper delivers it again, as in AWS.
pub const MAX_RETRIES: u32 = 5;

/// Follows the stream of `table` for ever (until the process ends), delivering each outbox
/// event to every consumer; a failed delivery is retried on the next passes, up to
/// [`MAX_RETRIES`] times, as Lambda retries.
pub async fn follow(
    dynamodb: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
    table: String,
    consumers: Vec<Consumer>,
) {
    let mut last_read: HashMap<String, String> = HashMap::new();
    let mut pending: Vec<(usize, OutboxEvent, u32)> = Vec::new();
    loop {
        if let Err(e) = poll_once(
            &dynamodb,
            &streams,
            &table,
            &mut last_read,
            &mut pending,
            &consumers,
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
    last_read: &mut HashMap<String, String>,
    pending: &mut Vec<(usize, OutboxEvent, u32)>,
    consumers: &[Consumer],
) -> anyhow::Result<()> {
    // Events whose delivery failed before: again, first.
    let retry = std::mem::take(pending);
    for (index, event, retries) in retry {
        let consumer = consumers[index].name();
        if let Err(e) = consumers[index].deliver(&event).await {
            if retries + 1 >= MAX_RETRIES {
                tracing::error!(error = %e, event = %event.id, consumer, "retries spent: given up (in AWS, its coordinates go to the dead-letter queue); the outbox sweeper will deliver it again");
            } else {
                tracing::warn!(error = %e, event = %event.id, consumer, "not delivered yet; will retry");
                pending.push((index, event, retries + 1));
            }
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
        // A fresh iterator each pass, after the last record read (moto's iterators hold on to
        // the shard object, which a cancelled transaction replaces: an old iterator would then
        // read nothing, ever).
        let request = streams
            .get_shard_iterator()
            .stream_arn(arn)
            .shard_id(&shard);
        let request = match last_read.get(&shard) {
            Some(last) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(last),
            _ => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let iterator = request
            .send()
            .await?
            .shard_iterator()
            .map(str::to_owned)
            .unwrap_or_default();
        let out = streams
            .get_records()
            .shard_iterator(iterator)
            .send()
            .await?;
        for record in out.records() {
            if record.event_name() != Some(&OperationType::Insert) {
                continue;
            }
            let event = match record
                .dynamodb()
                .and_then(|d| d.new_image())
                .map(stream_record)
            {
                Some(StreamRecord::Event(event)) => event,
                // In AWS: retried, then kept by the dead-letter queue; here, said and skipped.
                Some(StreamRecord::Unreadable { id, error }) => {
                    tracing::error!(event = %id, %error, "outbox event unreadable");
                    continue;
                }
                Some(StreamRecord::NotAnEvent) | None => continue,
            };
            for (index, consumer) in consumers.iter().enumerate() {
                if let Err(e) = consumer.deliver(&event).await {
                    tracing::warn!(error = %e, event = %event.id, consumer = consumer.name(), "not delivered yet; will retry");
                    pending.push((index, event.clone(), 0));
                }
            }
        }
        if let Some(last) = out
            .records()
            .last()
            .and_then(|r| r.dynamodb())
            .and_then(|d| d.sequence_number())
        {
            last_read.insert(shard, last.to_owned());
        }
    }
    Ok(())
}
