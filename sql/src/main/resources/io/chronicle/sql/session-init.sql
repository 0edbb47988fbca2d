-- Runs at the start of every SQL gateway session, so a client can query Chronicle's tables at
-- once: `SELECT metric, count(*) FROM chronicle.points_raw GROUP BY metric`.
-- ${catalog_name} and ${catalog_options} come from the same configuration the jobs use.

-- Chronicle's tables are read as bounded snapshots: batch execution gives plain result rows.
SET 'execution.runtime-mode' = 'batch';

CREATE CATALOG `${catalog_name}` WITH (${catalog_options});

USE CATALOG `${catalog_name}`;

USE `${namespace}`;
