// Tests in one process keep aggregates in memory and log only warnings; cluster tests set their own env per process.
process.env.DATA_DIR = process.env.DATA_DIR || ":memory:";
process.env.LOG_LEVEL = process.env.LOG_LEVEL || "warn";
process.env.OUTBOX_SWEEP_MS = process.env.OUTBOX_SWEEP_MS || "200";
process.env.PORT = process.env.PORT || "0";
