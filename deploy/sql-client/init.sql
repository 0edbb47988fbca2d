-- Chronicle's init file for Flink's SQL client:
--   sql-client.sh gateway --endpoint <gateway host>:<port> -i init.sql
-- A gateway configured for Chronicle already opens every session in batch mode on Chronicle's
-- catalog and namespace; these statements make a session the same on a gateway that only has the
-- catalog in its catalog store. Results print as plain tables, fit for scripts and terminals.
SET 'execution.runtime-mode' = 'batch';
SET 'sql-client.execution.result-mode' = 'tableau';
USE CATALOG chronicle;
USE chronicle;
