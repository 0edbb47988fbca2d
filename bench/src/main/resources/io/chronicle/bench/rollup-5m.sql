-- The Flink SQL side of the rollup benchmark: count, sum, min and max per series and 5-minute
-- window, from the same Kafka topic and into an Iceberg table of the same catalog as Chronicle's
-- rollup_5m. A series is its tenant, metric and tags, as in Chronicle. The ${...} names are
-- filled in by SqlRollups.

SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.allow-latency' = '1 s';
SET 'table.exec.mini-batch.size' = '5000';
SET 'table.optimizer.agg-phase-strategy' = 'TWO_PHASE';
-- The same Iceberg sink implementation as Chronicle's (commit on checkpoint, sink v2).
SET 'table.exec.iceberg.use-v2-sink' = 'true';

CREATE CATALOG `${catalog_name}` WITH (${catalog_options});

CREATE DATABASE IF NOT EXISTS `${catalog_name}`.`${namespace}`;

-- Same layout and file properties as Chronicle's rollup tables, where SQL DDL can say it:
-- Iceberg's Flink DDL has identity partitions only, and the workload's windows lie in one day.
CREATE TABLE IF NOT EXISTS `${catalog_name}`.`${namespace}`.rollup_5m (
  tenant STRING NOT NULL,
  metric STRING NOT NULL,
  tags ${tags_type},
  window_start TIMESTAMP_LTZ(6) NOT NULL,
  window_end TIMESTAMP_LTZ(6) NOT NULL,
  sample_count BIGINT NOT NULL,
  value_sum DOUBLE NOT NULL,
  value_min DOUBLE NOT NULL,
  value_max DOUBLE NOT NULL
) PARTITIONED BY (tenant) WITH (
  'format-version' = '2',
  'write.format.default' = 'parquet',
  'write.parquet.compression-codec' = 'zstd',
  'write.parquet.dict-size-bytes' = '131072'
);

-- Event time from the payload's epoch milliseconds; the watermark trails it by the workload's
-- largest disorder, so no point is dropped as late (Chronicle's allowed lateness covers it too).
CREATE TEMPORARY TABLE points (
  tenant STRING,
  metric STRING,
  tags ${tags_type},
  `value` DOUBLE,
  `timestamp` BIGINT,
  ts AS TO_TIMESTAMP_LTZ(`timestamp`, 3),
  WATERMARK FOR ts AS ts - INTERVAL '${max_disorder_seconds}' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = '${topic}',
  'properties.bootstrap.servers' = '${bootstrap_servers}',
  'properties.group.id' = '${group_id}',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

INSERT INTO `${catalog_name}`.`${namespace}`.rollup_5m
SELECT tenant, metric, tags, window_start, window_end,
  COUNT(*), SUM(`value`), MIN(`value`), MAX(`value`)
FROM TABLE(TUMBLE(TABLE points, DESCRIPTOR(ts), INTERVAL '5' MINUTES))
GROUP BY window_start, window_end, tenant, metric, tags;
