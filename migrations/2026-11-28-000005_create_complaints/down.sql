DROP TABLE idempotency_keys;
DROP TABLE attachments;
DROP TABLE complaint_supplements;
DROP TABLE reporter_access_log;
DROP TABLE complaint_reporters;
DROP TABLE complaints;
DROP TABLE tracking_sequences;
