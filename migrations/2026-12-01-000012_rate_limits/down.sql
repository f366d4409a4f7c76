DROP TABLE login_attempts;
DROP TABLE rate_limit_windows;
