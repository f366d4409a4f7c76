DROP TRIGGER units_notify_auth_changed ON units;
DROP TRIGGER users_notify_auth_changed ON users;
DROP TRIGGER sessions_notify_auth_changed ON sessions;
DROP FUNCTION notify_auth_changed();
