-- Each service process remembers live sessions between requests (auth::session_cache). Any change that could end or
-- alter one (a session revoked, an account edited or deactivated, a unit moved) tells every process to forget what it
-- holds. Statement-level, so that a bulk change sends one notice; PostgreSQL delivers it at commit, and folds
-- repeated notices of one transaction into one.
CREATE FUNCTION notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pengaduan_auth_changed', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER sessions_notify_auth_changed AFTER UPDATE OR DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER users_notify_auth_changed AFTER UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER units_notify_auth_changed AFTER UPDATE OR DELETE OR TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
