-- Run once by the postgres image when its data volume is first initialised
-- (files in /docker-entrypoint-initdb.d/ are skipped on later starts).
-- Temporal's databases, temporal and temporal_visibility, are created by
-- the temporal-schema job instead; this adds Computor's domain database.
-- The password is the one in COMPUTOR_DATABASE_URL of the compose files:
-- the database is reachable only on the compose network, but change both
-- before running anything that matters.
CREATE ROLE computor LOGIN PASSWORD 'computor';
CREATE DATABASE computor OWNER computor;
