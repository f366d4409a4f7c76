ALTER TABLE complaints DROP COLUMN needs_redisposition;
ALTER TABLE units DROP COLUMN inspectorate;
DROP TABLE notifications;
DROP TABLE escalations;
DROP TABLE complaint_feedback;
ALTER TABLE attachments DROP COLUMN follow_up_id;
DROP TABLE follow_ups;
DROP TABLE dispositions;
DROP INDEX complaints_awaiting_reporter_idx;
ALTER TABLE complaints
    DROP COLUMN reopen_count,
    DROP COLUMN escalation_level,
    DROP COLUMN closed_reason,
    DROP COLUMN finished_at,
    DROP COLUMN first_response_at;
