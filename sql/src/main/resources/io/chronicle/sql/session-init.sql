-- Runs at the start of every SQL gateway session, so a client can query Chronicle's tables at
-- once: `SELECT metric, count(*) FROM chronicle.points_raw GROUP BY metric`.
-- ${catalog_name} and ${catalog_options} come from the same configuration the jobs use.

-- Chronicle's tables are read as bounded snapshots: batch execution gives plain result rows.
SET 'execution.runtime-mode' = 'batch';

CREATE CATALOG `${catalog_name}` WITH (${catalog_options});

USE CATALOG `${catalog_name}`;

USE `${namespace}`;

-- Functions over the rollup tables: percentiles from the sketch column, mean, stddev, rate.
-- Queries run on the cluster, so the chronicle-sql jar must be on the cluster's classpath too.
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS sketch_quantile AS 'io.chronicle.sql.functions.SketchQuantile' LANGUAGE JAVA;

CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS sketch_merge AS 'io.chronicle.sql.functions.SketchMerge' LANGUAGE JAVA;

CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS rollup_mean AS 'io.chronicle.sql.functions.RollupMean' LANGUAGE JAVA;

CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS rollup_stddev AS 'io.chronicle.sql.functions.RollupStddev' LANGUAGE JAVA;

CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS rollup_rate AS 'io.chronicle.sql.functions.RollupRate' LANGUAGE JAVA;
