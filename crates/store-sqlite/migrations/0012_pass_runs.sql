-- Several instances on one database (issue 12): the last run of each background pass that runs once per period
-- whoever runs it (batch forming on its schedule, the PKI's responder renewal). An instance claims a period's run
-- with one conditional upsert on its row; see docs/several-instances.md. (0011, the change notices, is
-- PostgreSQL's alone.)

CREATE TABLE pass_runs (
    name    TEXT PRIMARY KEY,
    last_at TEXT NOT NULL
);
