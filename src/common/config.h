// Server configuration. Precedence (lowest to highest): defaults, TOML file, EXEMPLAR_* environment
// variables, command-line flags. Every source goes through Config::Set so a key means one thing.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace exemplar {

// An LM endpoint declared by the operator ([lm_providers.NAME] in the TOML file). Runs name a
// provider; they never supply URLs or keys themselves (unless allow_caller_lm_endpoints).
struct LmProviderConfig {
  std::string kind = "openai";              // openai (any OpenAI-compatible /chat/completions)
  std::string base_url;
  std::string model;                        // default model
  std::string api_key_env;                  // the environment variable holding its key ("" = none)
  std::vector<std::string> allowed_models;  // models a run may choose; empty = only `model`
  int64_t timeout_ms = 60000;
  int max_retries = 3;
  // How requests authenticate: api_key (Bearer $api_key_env) or databricks (the OAuth token of the
  // Databricks service principal, DATABRICKS_CLIENT_ID/SECRET, refreshed before it expires).
  std::string auth = "api_key";
};

struct Config {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string data_dir = "./data/exemplar";
  std::string db;                      // "" = SQLite in data_dir; a SQLite file; or postgres://…
  int db_connections = 16;             // PostgreSQL connection pool size
  // SQLite page caches (MiB): the writer's, and each of the 4 readers' (bench/README.md, "Memory at 100k").
  int sqlite_cache_mb = 16;
  int sqlite_reader_cache_mb = 4;
  // After resident heap memory grew by this much (MiB) and then held still (bulk work ended), malloc's
  // free pages go back to the OS (common/memory.h, MemoryReleaser); 0 = never.
  int memory_release_mb = 32;
  // glibc malloc arenas (M_ARENA_MAX); 0 = two per core. MALLOC_ARENA_MAX in the environment wins.
  int malloc_arenas = 0;
  // PostgreSQL passwords that rotate (issue 22). With none of these the URL / PGPASSWORD decides.
  // db_token_command: a command printing the password, run again every db_token_ttl_s.
  // Otherwise, with Databricks service-principal credentials and no password: an OAuth token
  // (exchanged for a Lakebase database credential when databricks_lakebase_instance is set).
  std::string db_token_command;
  int db_token_ttl_s = 900;
  int db_credential_refresh_s = 300;   // fetch a new token this long before the current one expires
  std::string databricks_lakebase_instance;
  // Replicas over one PostgreSQL: the name this one claims optimization runs under ("" = host:port)
  // and how often indexes poll the change log when no NOTIFY arrives.
  std::string replica_id;
  int follow_interval_ms = 1000;
  std::string web_dir;                 // built web UI; "" = look beside the binary
  int64_t max_body_bytes = 8 * 1024 * 1024;
  // Request bodies held in memory at once, server-wide (a body counts from its head until its
  // handler returns; bodies up to 64 KiB are not counted); beyond it a new body gets 503 with
  // Retry-After. 256 MiB: 32 bodies of the largest size, far below any host's memory.
  int64_t max_buffered_body_bytes = 256 * 1024 * 1024;
  // HTTP: handlers run on `threads` workers; sockets live on `io_threads` event-loop threads, so
  // idle, slow and streaming connections hold no worker.
  int threads = 64;                    // handler workers (requests executing at once)
  int io_threads = 0;                  // event-loop threads; 0 = one per core, at most 4
  int max_connections = 10000;         // open connections; more are answered 503 and closed
  int max_connections_per_ip = 1000;   // per client address; 0 = no per-address limit
  int request_timeout_s = 30;          // whole request head + body, from its first byte → 408
  int keep_alive_timeout_s = 30;       // an idle connection between requests is closed after this
  int listen_backlog = 1024;           // pending connections the kernel queues (capped by somaxconn)
  int max_event_streams = 1000;        // open SSE streams; more get 503 with Retry-After
  std::string log_level = "info";
  bool insecure = false;               // allow non-loopback without auth
  int run_workers = 2;                 // optimization runs executed at once
  // Runs one caller (token, forwarded user, or local) may have pending or running at once; a
  // launch beyond it is a 409, so one caller cannot queue runs without bound ahead of everyone
  // else. 0 = no limit.
  int max_runs_per_caller = 4;
  // Data quality defaults of example writes (a request's on_duplicate / on_secret wins):
  // near-duplicates allow | warn | reject, and whether content holding a secret is refused.
  std::string on_duplicate = "warn";
  bool reject_secrets = false;
  // Replicas: the replica executing a run renews a lease on it every run_lease_s / 3; once it
  // expires (the replica died), another replica takes the run over.
  int run_lease_s = 30;
  // The audit log keeps entries this many days (0 = forever); older ones are deleted daily.
  int audit_retention_days = 365;
  // Usage evidence (retrievals and usage events) is kept this many days (0 = forever), and at
  // most max_retrievals_kept retrievals (0 = no bound), the oldest going first with their events,
  // and at most max_usage_events_kept usage events (0 = no bound), the oldest going first.
  // Effectiveness counters live on the examples and are not changed by a prune.
  int usage_retention_days = 90;
  int max_retrievals_kept = 1'000'000;
  int max_usage_events_kept = 10'000'000;
  std::string auth = "auto";           // auto (required beyond loopback) | required | off
  // Proxy identity (Databricks Apps): X-Forwarded-Email names the user when the request comes
  // from one of trusted_proxy_addresses; what that user may do comes from proxy_roles (emails or
  // "*@domain" → role), else proxy_default_role. The forwarded identity never grants more.
  bool trusted_proxy = false;
  std::string trusted_proxy_addresses = "127.0.0.1,::1";  // comma-separated IPs or CIDRs, or "*"
  std::string proxy_default_role = "read";                // none | read | write | admin
  std::map<std::string, std::string> proxy_roles;         // email or *@domain → role
  // Host names this server answers to besides its listen address, localhost and IP literals
  // (comma-separated; ".example.com" matches subdomains; "*" any). Closes DNS rebinding.
  std::string allowed_hosts;
  double rate_limit_rps = 0;           // per token; 0 = unlimited
  double rate_limit_burst = 0;         // 0 = 2 × rate
  std::string cors_origins;            // comma-separated allowed origins, or "*"; "" = no CORS
  // Searches, retrievals, exports and run launches in flight at once; more get 503 with
  // Retry-After instead of queuing. 0 = half of `threads`, so cheap requests always find a worker.
  int max_concurrent_expensive = 0;
  int write_timeout_s = 10;            // a client not reading the response (or a piece of a stream) is dropped

  // LM providers for optimization runs (name → endpoint), plus the built-in "offline".
  std::map<std::string, LmProviderConfig> lm_providers;
  // Lets a run request name its own base_url (with its own api_key). Off by default; even then the
  // server attaches no key of its own, follows no redirects, and refuses loopback, private and
  // link-local addresses unless lm_allow_private_networks.
  bool allow_caller_lm_endpoints = false;
  bool lm_allow_private_networks = false;

  // Embeddings (SPEC §4.1).
  std::string embedder = "hash";       // hash | openai | local
  std::string model_dir;               // local: a sentence-transformers model directory (BERT family)
  // local: a Hugging Face repository id ("sentence-transformers/all-MiniLM-L6-v2") found in
  // models_dir/<id> (written by `exemplar model pull`); model_dir wins when both are set. With
  // model_auto_pull the first start pulls it (HF_ENDPOINT, HF_TOKEN) when it is not there yet.
  std::string model;
  std::string models_dir;              // "" = $XDG_CACHE_HOME/exemplar/models or ~/.cache/exemplar/models
  bool model_auto_pull = false;
  std::string embed_base_url;
  std::string embed_model;
  std::string embed_api_key_env = "EXEMPLAR_EMBED_API_KEY";
  std::string embed_auth = "api_key";  // api_key | databricks (service-principal OAuth token as bearer)
  int embed_dimensions = 0;            // 0 = provider default
  int embed_batch_size = 64;
  int embed_timeout_ms = 30000;
  int embed_retries = 4;
  // Memory for remembered embeddings (openai and local embedders): identical texts are embedded
  // once per model. 0 turns the cache off.
  int embed_cache_mb = 64;

  // Vector index tuning.
  int hnsw_m = 16;                     // graph degree: 16 gives recall ≥ 0.95 at ef 128 on 384-d (stack.md §4)
  int hnsw_ef_construction = 100;     // 100 halves graph-build CPU vs 200; recall@10 stays ≥ 0.95 at ef 128 (bench)
  int hnsw_ef_search = 128;            // up to 100k vectors; grows by two thirds per tenfold beyond (HnswGraph::SearchEf)
  // How the HNSW graph stores vectors: f32 | f16 | int8. f16 / int8 keep compact codes in the
  // graph and the f32 vectors in a file in data_dir, re-ranking the top candidates exactly
  // (index::VectorStorage). int8 is the default: at 100k and at 1M it searches faster than f32
  // with the same recall, builds faster, restarts faster and holds less than half the memory
  // (bench/README.md, "Session 11"). A data dir whose snapshot is f32 rebuilds its index once.
  std::string vector_storage = "int8";

  // What the platform provides (ApplyPlatformEnv), never settable by a request: the Databricks
  // workspace URL and the app's service principal (DATABRICKS_HOST, DATABRICKS_CLIENT_ID,
  // DATABRICKS_CLIENT_SECRET), and whether PGPASSWORD is set.
  std::string databricks_host;
  std::string databricks_client_id;
  std::string databricks_client_secret;
  bool pg_password_in_env = false;
  // Keys given by a file, an EXEMPLAR_* variable or a flag (not left at their defaults).
  std::set<std::string> explicit_keys;

  // Sets one key (TOML key name, e.g. "port" or "embed_base_url"); 422-style error when the key is
  // unknown or the value does not parse.
  Status Set(const std::string& key, const std::string& value);

  // Reads a TOML file: top-level keys and [server]/[embedding]/[index] tables (keys are flattened).
  Status LoadToml(const std::string& path);

  // Applies EXEMPLAR_<KEY> variables from `env` (e.g. EXEMPLAR_PORT, EXEMPLAR_DATA_DIR).
  Status LoadEnv(const std::map<std::string, std::string>& env);

  // The EXEMPLAR_* names in `env` that are neither a key's variable nor read by exemplar's own
  // scripts and tests (EXEMPLAR_CONFIG, EXEMPLAR_JOBS, ...), each with a hint: "EXEMPLAR_RATE_LIMIT
  // (did you mean EXEMPLAR_RATE_LIMIT_RPS?)". A mistyped variable would otherwise be ignored in
  // silence while an unknown file key is an error; the CLI warns about each.
  // The variables this configuration names as holding keys (embed_api_key_env, each LM
  // provider's api_key_env) are read, so they are not named.
  std::vector<std::string> UnknownEnvNames(const std::map<std::string, std::string>& env) const;

  // Reads what a platform runtime injects, after every other source (Databricks Apps):
  // DATABRICKS_APP_PORT → port, and host 0.0.0.0, unless those keys were given; PGHOST, PGPORT,
  // PGDATABASE, PGUSER, PGSSLMODE, PGAPPNAME → db (a postgresql:// URL) unless db was given;
  // DATABRICKS_HOST / CLIENT_ID / CLIENT_SECRET → the databricks_* fields.
  Status ApplyPlatformEnv(const std::map<std::string, std::string>& env);

  // Whether the databricks_* fields hold a complete service-principal credential.
  bool HasDatabricksServicePrincipal() const {
    return !databricks_host.empty() && !databricks_client_id.empty() && !databricks_client_secret.empty();
  }

  // The process environment as a map, for LoadEnv.
  static std::map<std::string, std::string> ProcessEnv();

  static std::vector<std::string> Keys();

  // Checks what single keys cannot: every LM provider has a base_url and a model.
  Status Validate() const;

  Status SetKeyed(const std::string& key, const std::string& value);

  // The effective cap on concurrent expensive requests (resolves 0).
  int ExpensiveLimit() const { return max_concurrent_expensive > 0 ? max_concurrent_expensive : std::max(1, threads / 2); }
};

// The items of a comma-separated config value, trimmed, empty ones dropped.
std::vector<std::string> SplitList(const std::string& csv);

}  // namespace exemplar
