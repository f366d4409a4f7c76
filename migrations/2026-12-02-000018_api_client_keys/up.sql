-- Open311 sends a client's secret alone as its `api_key`: the client is found by the secret's hash.
CREATE INDEX api_clients_secret_hash ON api_clients (secret_hash);
CREATE INDEX api_clients_previous_secret_hash ON api_clients (previous_secret_hash)
    WHERE previous_secret_hash IS NOT NULL;
