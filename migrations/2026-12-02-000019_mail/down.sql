DROP INDEX changes_order;
DROP INDEX changes_entity;
DROP TABLE mail_feed_cursor;
DROP TABLE mail_outbox;
DROP TABLE mail_preferences;
