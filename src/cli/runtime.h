// Runtime: the composition of store, embedder, indexes and services for one deployment. Built
// once per command from the resolved Config; the only place that wires the layers together.
#pragma once

#include <memory>

#include "api/readiness.h"
#include "api/services.h"
#include "common/config.h"
#include "common/credentials.h"
#include "common/memory.h"
#include "embed/embedder.h"
#include "service/examples/examples.h"
#include "service/search/search.h"
#include "service/search/search_index.h"
#include "storage/store.h"

namespace exemplar::cli {

// The store the config names: PostgreSQL for a postgres:// URL, else SQLite (`db` as a file path,
// or exemplar.db in the data dir). `databricks`: the service principal's OAuth token (see
// DatabricksCredentials), used for the PostgreSQL password when DbCredentials says so.
Result<std::unique_ptr<storage::Store>> OpenStore(const Config& c, std::shared_ptr<Credentials> databricks = nullptr);

// The SQLite file the config names: `db` as a path, else exemplar.db in the data dir.
// REQUIRES: `db` is not a PostgreSQL URL.
std::string SqlitePath(const Config& c);

// For commands that use a store without building it (export, token, backup): kFailedPrecondition
// when the SQLite database the config names does not exist, so a mistyped --db or --data-dir is
// refused instead of becoming an empty store no server reads. `may_create`: the database may still
// be created when its directory exists (token create on a data dir the operator made). A
// PostgreSQL store is not checked.
Status CheckStoreExists(const Config& c, bool may_create = false);

// The service principal's OAuth token (refreshing) when the config holds one, else null.
std::shared_ptr<Credentials> DatabricksCredentials(const Config& c);

// Where PostgreSQL passwords come from: db_token_command; else nothing when the URL or PGPASSWORD
// has a password; else, with a service principal, a Lakebase database credential
// (databricks_lakebase_instance) or the OAuth token itself; else nothing (libpq decides).
std::shared_ptr<Credentials> DbCredentials(const Config& c, std::shared_ptr<Credentials> databricks);

class Runtime {
 public:
  // Opens the store (creating the data dir), builds the embedder and loads the indexes.
  // Optimization workers start only when start_runs is set (serve, optimize).
  static Result<std::unique_ptr<Runtime>> Open(const Config& config, bool load_index = true,
                                               bool start_runs = false);
  // For `exemplar serve`, which listens before its indexes are loaded: opens everything as Open
  // does but loads no index and starts nothing; readiness() stays false (requests that need the
  // indexes are answered 503) until FinishLoading succeeds.
  static Result<std::unique_ptr<Runtime>> OpenLoading(const Config& config);
  // Loads the indexes, starts following the change log, a due re-embedding, the optimization
  // workers and the audit retention, then marks the runtime ready. kUnavailable when
  // CancelLoading was called meanwhile: the indexes are partial, never to be served or saved.
  Status FinishLoading();
  // Thread-safe: stops a FinishLoading in progress on another thread early (a stop signal).
  void CancelLoading() { index_->CancelLoad(); }
  // The store and token auth alone, for commands that never embed (export, token): the embedding
  // provider is not built, probed or contacted, so they work while it is down. Only config(),
  // store() and auth() may be used on it.
  static Result<std::unique_ptr<Runtime>> OpenStoreOnly(const Config& config);
  ~Runtime();

  const Config& config() const { return config_; }
  storage::Store& store() { return *store_; }
  embed::Embedder& embedder() { return *embedder_; }
  service::SearchIndex& index() { return *index_; }
  service::Examples& examples() { return *examples_; }
  service::Search& search() { return *search_; }
  service::Effectiveness& effectiveness() { return *effectiveness_; }
  service::Retrieval& retrieval() { return *retrieval_; }
  service::UsageRetention& usage_retention() { return *usage_retention_; }
  service::Lineage& lineage() { return *lineage_; }
  service::Templates& templates() { return *templates_; }
  service::DspyExport& dspy_export() { return *dspy_export_; }
  service::DspyImport& dspy_import() { return *dspy_import_; }
  service::Runs& runs() { return *runs_; }
  service::Attribution& attribution() { return *attribution_; }
  service::Auth& auth() { return *auth_; }
  api::Metrics& metrics() { return *metrics_; }
  service::Snapshots& snapshots() { return *snapshots_; }
  service::audit::AuditLog& audit() { return *audit_; }
  api::Services& services() { return *services_; }
  api::Readiness& readiness() { return *readiness_; }

 private:
  explicit Runtime(Config config) : config_(std::move(config)) {}
  // The data directory, credentials and store, which every runtime starts with.
  static Result<std::unique_ptr<Runtime>> OpenWithStore(const Config& config, bool needs_data_dir);
  // Open's wiring, with the indexes not loaded yet; `ready`: the readiness it starts with.
  static Result<std::unique_ptr<Runtime>> Assemble(const Config& config, bool ready);
  // Open's background work (see FinishLoading); `load_index` loads and follows the indexes.
  Status Start(bool load_index, bool start_runs);

  Config config_;
  std::shared_ptr<Credentials> databricks_;  // the service principal's OAuth token, or null
  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<embed::Embedder> embedder_;  // the configured one, behind the embedding cache
  std::unique_ptr<service::SearchIndex> index_;
  std::unique_ptr<service::Examples> examples_;
  std::unique_ptr<service::Search> search_;
  std::unique_ptr<service::Effectiveness> effectiveness_;
  std::unique_ptr<service::UsageRetention> usage_retention_;
  std::unique_ptr<service::Retrieval> retrieval_;
  std::unique_ptr<service::Lineage> lineage_;
  std::unique_ptr<service::Templates> templates_;
  std::unique_ptr<service::DspyExport> dspy_export_;
  std::unique_ptr<service::DspyImport> dspy_import_;
  std::unique_ptr<service::LmProviders> lm_providers_;
  std::unique_ptr<service::Runs> runs_;
  std::unique_ptr<service::Attribution> attribution_;
  std::unique_ptr<service::Auth> auth_;
  std::unique_ptr<api::Metrics> metrics_;
  std::unique_ptr<service::Snapshots> snapshots_;
  std::unique_ptr<service::audit::AuditLog> audit_;
  std::unique_ptr<api::Readiness> readiness_;
  std::unique_ptr<api::Services> services_;
  // Declared last, destroyed first: stops before anything else goes away.
  std::unique_ptr<MemoryReleaser> releaser_;  // memory_release_mb > 0 with loaded indexes
};

// Builds the configured embedder (hash | openai | local). kInvalidArgument for an unknown provider or a
// missing base URL.
Result<std::unique_ptr<embed::Embedder>> MakeEmbedder(const Config& config,
                                                      std::shared_ptr<Credentials> databricks = nullptr);

// The model directory of embedder local: model_dir, else models_dir/<model> — pulled from the
// Hugging Face Hub first when it is not there and model_auto_pull is set (HF_ENDPOINT, HF_TOKEN).
// kFailedPrecondition when it is not there and may not be pulled; the pull's errors otherwise.
Result<std::string> LocalModelDir(const Config& config);
// The embedder serving (and writing) uses: MakeEmbedder's behind an embedding cache of
// embed_cache_mb (none for the hash embedder, which is cheaper to compute than to look up).
Result<std::shared_ptr<embed::Embedder>> MakeCachedEmbedder(const Config& config,
                                                             std::shared_ptr<Credentials> databricks = nullptr);
// The embedder of vectors stored under `model`, when this process can build it without its
// config (the hash embedders, "hash-<dim>"); else null.
std::shared_ptr<embed::Embedder> EmbedderForModel(const std::string& model);

bool IsLoopback(const std::string& host);

// For a one-shot command that writes examples (import, seed, import-dspy --create-examples):
// kFailedPrecondition, naming the store's model and the flags that select it, when the store's
// vectors are of another model than the configured embedder's. The command would store vectors of
// its own model, which the serving index (the store's model) leaves out until a re-embedding; a
// search never mixes the two. Only `serve` switches a store's model (re-embedding every example).
// A store without vectors accepts any embedder. REQUIRES: opened with its index loaded.
Status CheckStoreEmbedder(Runtime& rt);

// The audit entry of a CLI command that writes (storage/audit_context.h): the actor is
// "cli:<login>", the action "exemplar <command>"; the services it calls name the entity and ids.
AuditRecord CliAuditEntry(const std::string& command);

}  // namespace exemplar::cli
