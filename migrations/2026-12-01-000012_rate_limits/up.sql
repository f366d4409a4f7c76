-- Rate limits shared by every instance and surviving restarts.

-- Fixed windows of the public endpoints' allowances (intake, uploads, tracking lookups), per policy and client address.
CREATE TABLE rate_limit_windows (
    policy text NOT NULL,
    subject text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL CHECK (hits > 0),
    PRIMARY KEY (policy, subject)
);

CREATE INDEX rate_limit_windows_window_start ON rate_limit_windows (window_start);

-- Failed sign-ins per (account as typed, client address); an account need not exist, so that the answers never tell.
-- `failures` counts the failures that followed each other within the window, up to `last_failure_at`; a sign-in that
-- succeeds clears them and marks the address as one the account is known to use.
CREATE TABLE login_attempts (
    account text NOT NULL,
    address text NOT NULL,
    failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_failure_at timestamptz,
    last_success_at timestamptz,
    PRIMARY KEY (account, address)
);

CREATE INDEX login_attempts_address ON login_attempts (address, last_failure_at);
