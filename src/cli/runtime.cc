#include "cli/runtime.h"

#include <cstdlib>
#include <filesystem>
#include <spdlog/spdlog.h>
#include <pwd.h>
#include <unistd.h>

#include "cloud/databricks.h"
#include "common/db_locator.h"
#include "embed/cached_embedder.h"
#include "embed/hash_embedder.h"
#include "embed/local_embedder.h"
#include "embed/openai_embedder.h"

namespace exemplar::cli {

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::shared_ptr<Credentials> DatabricksCredentials(const Config& c) {
  if (!c.HasDatabricksServicePrincipal()) return nullptr;
  return cloud::OAuthCredentials({c.databricks_host, c.databricks_client_id, c.databricks_client_secret},
                                 int64_t{c.db_credential_refresh_s} * 1000);
}

namespace {
// A password in the URL's user info ("user:pw@") or as a password= parameter.
bool UrlHasPassword(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t at = url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme != std::string::npos && at != std::string::npos && (slash == std::string::npos || at < slash) &&
      url.substr(scheme + 3, at - scheme - 3).find(':') != std::string::npos) {
    return true;
  }
  const size_t q = url.find('?');
  return q != std::string::npos && (url.find("?password=", q) != std::string::npos ||
                                    url.find("&password=", q) != std::string::npos);
}
}  // namespace

std::shared_ptr<Credentials> DbCredentials(const Config& c, std::shared_ptr<Credentials> databricks) {
  if (!storage::IsPostgresUrl(c.db)) return nullptr;
  const int64_t ahead = int64_t{c.db_credential_refresh_s} * 1000;
  if (!c.db_token_command.empty()) {
    const std::string command = c.db_token_command;
    const int64_t ttl = int64_t{c.db_token_ttl_s} * 1000;
    // A command's token is reused for its ttl: refresh at half of it, at most `ahead` early.
    return std::make_shared<RefreshingCredentials>(
        "db_token_command", [command, ttl] { return RunTokenCommand(command, ttl); }, std::min(ahead, ttl / 2));
  }
  if (UrlHasPassword(c.db) || c.pg_password_in_env) return nullptr;
  if (!databricks) return nullptr;
  if (!c.databricks_lakebase_instance.empty()) {
    return cloud::LakebaseCredentials(databricks, c.databricks_host, c.databricks_lakebase_instance, ahead);
  }
  return databricks;  // Lakebase takes the workspace OAuth token as the password of its role
}

Result<std::unique_ptr<embed::Embedder>> MakeEmbedder(const Config& c, std::shared_ptr<Credentials> databricks) {
  if (c.embedder == "hash") {
    return std::unique_ptr<embed::Embedder>(
        std::make_unique<embed::HashEmbedder>(c.embed_dimensions > 0 ? c.embed_dimensions : 384));
  }
  if (c.embedder == "openai") {
    if (c.embed_base_url.empty() || c.embed_model.empty()) {
      return Status::InvalidArgument("embedder openai needs embed_base_url and embed_model");
    }
    embed::OpenAiEmbedderOptions o;
    o.base_url = c.embed_base_url;
    o.model = c.embed_model;
    if (c.embed_auth == "databricks") {
      if (!databricks) databricks = DatabricksCredentials(c);
      if (!databricks) {
        return Status::InvalidArgument("embed_auth databricks needs DATABRICKS_HOST, DATABRICKS_CLIENT_ID and "
                                       "DATABRICKS_CLIENT_SECRET");
      }
      o.bearer = databricks;
    } else if (const char* key = std::getenv(c.embed_api_key_env.c_str())) {
      o.api_key = key;
    }
    o.dimensions = c.embed_dimensions;
    o.batch_size = c.embed_batch_size;
    o.timeout_ms = c.embed_timeout_ms;
    o.max_retries = c.embed_retries;
    auto embedder = std::make_unique<embed::OpenAiEmbedder>(o);
    if (c.embed_dimensions == 0) {
      // The index needs the dimension up front: ask the provider once.
      Status st = embedder->Probe();
      if (!st.ok()) {
        return Status::Unavailable("embedding provider probe failed (" + st.message() +
                                   "); set embed_dimensions to start without it");
      }
    }
    return std::unique_ptr<embed::Embedder>(std::move(embedder));
  }
  if (c.embedder == "local") {
    EXEMPLAR_ASSIGN_OR_RETURN(std::string dir, LocalModelDir(c));
    EXEMPLAR_ASSIGN_OR_RETURN(auto embedder, embed::LocalEmbedder::Open(dir));
    return std::unique_ptr<embed::Embedder>(std::move(embedder));
  }
  return Status::InvalidArgument("unknown embedder '" + c.embedder + "' (hash | openai | local)");
}

Result<std::shared_ptr<embed::Embedder>> MakeCachedEmbedder(const Config& c, std::shared_ptr<Credentials> databricks) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto embedder, MakeEmbedder(c, std::move(databricks)));
  std::shared_ptr<embed::Embedder> shared = std::move(embedder);
  if (c.embedder == "hash" || c.embed_cache_mb <= 0) return shared;
  return std::shared_ptr<embed::Embedder>(
      std::make_shared<embed::CachedEmbedder>(shared, static_cast<size_t>(c.embed_cache_mb) << 20));
}

std::shared_ptr<embed::Embedder> EmbedderForModel(const std::string& model) {
  if (model.rfind("hash-", 0) != 0) return nullptr;
  const std::string digits = model.substr(5);
  if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos) return nullptr;
  const int dim = std::stoi(digits);
  if (dim <= 0) return nullptr;
  return std::make_shared<embed::HashEmbedder>(dim);
}

namespace {
// The flags that make a command embed with `model`, as far as the model's name tells them.
std::string FlagsFor(const std::string& model) {
  if (EmbedderForModel(model)) {
    const std::string dim = model.substr(5);
    return "--embedder hash" + (dim == "384" ? std::string() : " --embed-dimensions " + dim);
  }
  if (model.rfind("local:", 0) == 0) {
    return "--embedder local --model-dir DIR (DIR: the model's directory, named " + model.substr(6) + ")";
  }
  return "--embedder openai --embed-base-url URL --embed-model " + model;
}
}  // namespace

Status CheckStoreEmbedder(Runtime& rt) {
  const std::string stored = rt.index().Space()->model;  // the model most stored vectors have
  const std::string wanted = rt.index().configured()->model();
  if (stored == wanted) return Status::Ok();
  const auto models = rt.index().StoredModels();
  const size_t count = models.count(stored) ? models.at(stored) : 0;
  return Status::FailedPrecondition(
      "the store's vectors are of embedding model '" + stored + "' (" + std::to_string(count) +
      " examples) but this command would embed with '" + wanted +
      "'; a search never mixes the two, so nothing was written. Run it with the store's embedder (" +
      FlagsFor(stored) + "), or switch the store to '" + wanted + "' first: start `exemplar serve` with that " +
      "embedder, which re-embeds every example in the background (README, \"Re-embedding\"), then run this " +
      "command with it");
}

std::string SqlitePath(const Config& c) {
  return c.db.empty() ? (std::filesystem::path(c.data_dir) / "exemplar.db").string() : c.db;
}

Status CheckStoreExists(const Config& c, bool may_create) {
  if (storage::IsPostgresUrl(c.db)) return Status::Ok();
  const std::string path = SqlitePath(c);
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return Status::Ok();
  const std::string how = "; `exemplar seed` or `exemplar serve` creates a store";
  if (!may_create) return Status::FailedPrecondition("no database at " + path + " (give --data-dir or --db)" + how);
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (std::filesystem::is_directory(dir, ec)) return Status::Ok();
  return Status::FailedPrecondition("no database at " + path + " and no directory " + dir.string() +
                                    " to create it in (give --data-dir or --db of a store)" + how);
}

Result<std::unique_ptr<storage::Store>> OpenStore(const Config& c, std::shared_ptr<Credentials> databricks) {
  EXEMPLAR_RETURN_IF_ERROR(CheckDbLocator(c.db));  // a Config built in code skips the setter's check
  if (storage::IsPostgresUrl(c.db)) {
    if (!databricks) databricks = DatabricksCredentials(c);
    auto credentials = DbCredentials(c, databricks);
    if (credentials) spdlog::info("postgres: passwords from {}", credentials->name());
    return storage::OpenPostgresStore(c.db, c.db_connections, credentials, int64_t{c.db_credential_refresh_s} * 1000);
  }
  const std::string path = SqlitePath(c);
  storage::SqliteCacheSizes cache;
  cache.writer_kib = c.sqlite_cache_mb << 10;
  cache.reader_kib = c.sqlite_reader_cache_mb << 10;
  return storage::OpenSqliteStore(path, 4, cache);
}

namespace {
// The name this replica claims runs under: configured, else host:port (stable across restarts).
std::string ReplicaId(const Config& c, const storage::Store& store) {
  if (!c.replica_id.empty()) return c.replica_id;
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  if (c.port == 0) return std::string(host) + ":" + store.origin();  // any free port: not stable
  return std::string(host) + ":" + std::to_string(c.port);
}

service::AuthOptions AuthOptionsOf(const Config& config) {
  service::AuthOptions ao;
  ao.required = config.auth == "required" || (config.auth == "auto" && !IsLoopback(config.host));
  ao.trusted_proxy = config.trusted_proxy;
  ao.proxy_addresses.clear();
  for (const auto& a : SplitList(config.trusted_proxy_addresses)) ao.proxy_addresses.push_back(a);
  auto role_of = [](const std::string& r) { return service::ParseRole(r).value_or(service::Role::kNone); };
  ao.proxy_default_role = role_of(config.proxy_default_role);
  for (const auto& [who, role] : config.proxy_roles) ao.proxy_roles[who] = role_of(role);
  ao.rate_per_second = config.rate_limit_rps;
  ao.burst = config.rate_limit_burst;
  return ao;
}
}  // namespace

// The data dir holds the SQLite file by default and the index files; a command that only opens a
// store given elsewhere (`token list --db postgres://…`) leaves no empty ./data/exemplar behind.
Result<std::unique_ptr<Runtime>> Runtime::OpenWithStore(const Config& config, bool needs_data_dir) {
  std::unique_ptr<Runtime> rt(new Runtime(config));
  std::error_code ec;
  if (needs_data_dir || config.db.empty()) std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Status::Unavailable("cannot create data dir " + config.data_dir + ": " + ec.message());
  rt->databricks_ = DatabricksCredentials(config);
  EXEMPLAR_ASSIGN_OR_RETURN(rt->store_, OpenStore(config, rt->databricks_));
  return rt;
}

Result<std::unique_ptr<Runtime>> Runtime::OpenStoreOnly(const Config& config) {
  EXEMPLAR_ASSIGN_OR_RETURN(std::unique_ptr<Runtime> rt, OpenWithStore(config, /*needs_data_dir=*/false));
  rt->auth_ = std::make_unique<service::Auth>(*rt->store_, AuthOptionsOf(config));
  return rt;
}

Runtime::~Runtime() {
  if (audit_) audit_->StopRetention();
  if (usage_retention_) usage_retention_->Stop();
  if (index_) index_->StopFollowing();
  if (runs_) runs_->Stop();
}

Result<std::unique_ptr<Runtime>> Runtime::Open(const Config& config, bool load_index, bool start_runs) {
  EXEMPLAR_ASSIGN_OR_RETURN(std::unique_ptr<Runtime> rt, Assemble(config, /*ready=*/true));
  EXEMPLAR_RETURN_IF_ERROR(rt->Start(load_index, start_runs));
  return rt;
}

Result<std::unique_ptr<Runtime>> Runtime::OpenLoading(const Config& config) {
  return Assemble(config, /*ready=*/false);
}

Status Runtime::FinishLoading() {
  EXEMPLAR_RETURN_IF_ERROR(Start(/*load_index=*/true, /*start_runs=*/true));
  readiness_->MarkReady();
  return Status::Ok();
}

Status Runtime::Start(bool load_index, bool start_runs) {
  if (load_index) {
    EXEMPLAR_RETURN_IF_ERROR(index_->Load());
    index_->StartFollowing(std::chrono::milliseconds(config_.follow_interval_ms));
    // Bulk work (a load from rows, imports, batch ingest, rebuilds) leaves its temporaries free
    // but resident in malloc's arenas; the releaser gives them back once it ends (common/memory.h).
    if (config_.memory_release_mb > 0) {
      MemoryReleaser::Options mo;
      mo.min_growth = static_cast<size_t>(config_.memory_release_mb) << 20;
      mo.on_release = [](size_t released, double ms) {
        spdlog::info("memory: returned {:.1f} MB of freed heap to the OS after bulk work ({:.1f} ms)",
                     static_cast<double>(released) / (1 << 20), ms);
      };
      releaser_ = std::make_unique<MemoryReleaser>(std::move(mo));
    }
  }
  // A server whose stored vectors are not all the configured model's re-embeds them in the
  // background while the stored ones keep serving (one-shot commands leave them as they are).
  if (load_index && start_runs) examples_->StartReembeddingIfDue();
  // Runs read examples through the indexes: they start only once these are loaded.
  if (start_runs) EXEMPLAR_RETURN_IF_ERROR(runs_->Start());
  if (start_runs) audit_->StartRetention(std::chrono::hours(24));
  if (start_runs) usage_retention_->Start(std::chrono::hours(24));
  return Status::Ok();
}

Result<std::unique_ptr<Runtime>> Runtime::Assemble(const Config& config, bool ready) {
  // Before the store, the index and the server start their threads (common/memory.h).
  LimitMallocArenas(config.malloc_arenas);
  EXEMPLAR_ASSIGN_OR_RETURN(std::unique_ptr<Runtime> rt, OpenWithStore(config, /*needs_data_dir=*/true));
  // Lineage edges for data written before provenance existed (migration 006), once.
  EXEMPLAR_RETURN_IF_ERROR(service::Provenance(*rt->store_).Backfill());
  // The member_of edge of examples an older build stored without one (a create whose second write
  // failed, review s22): given back on every start. A failure (a full disk) waits for the next.
  if (auto repaired = rt->store_->AddMissingMemberships(); !repaired.ok()) {
    spdlog::warn("lineage: could not add missing member_of edges: {}", repaired.status().message());
  } else if (*repaired > 0) {
    spdlog::info("lineage: added the missing member_of edge of {} examples", *repaired);
  }
  EXEMPLAR_ASSIGN_OR_RETURN(rt->embedder_, MakeCachedEmbedder(config, rt->databricks_));
  index::VectorIndexOptions vo;
  vo.dim = rt->embedder_->dim();
  vo.m = config.hnsw_m;
  vo.ef_construction = config.hnsw_ef_construction;
  vo.ef_search = config.hnsw_ef_search;
  vo.storage = index::ParseVectorStorage(config.vector_storage).value_or(index::VectorStorage::kInt8);
  vo.vector_file_dir = config.data_dir;  // f16 / int8: the f32 vector file (unlinked) lives here
  std::string snapshot = (std::filesystem::path(config.data_dir) / "vectors.hnsw").string();
  rt->index_ = std::make_unique<service::SearchIndex>(*rt->store_, vo, snapshot, rt->embedder_, EmbedderForModel);
  rt->readiness_ = ready ? std::make_unique<api::Readiness>() : std::make_unique<api::Readiness>(*rt->index_);
  rt->examples_ = std::make_unique<service::Examples>(*rt->store_, *rt->embedder_, *rt->index_);
  rt->search_ = std::make_unique<service::Search>(*rt->store_, *rt->index_);
  // Usage evidence is pruned on the audit log's schedule, and as retrievals and usage events pile up
  // (max_retrievals_kept, max_usage_events_kept).
  rt->usage_retention_ = std::make_unique<service::UsageRetention>(
      *rt->store_, service::UsageRetentionOptions{config.usage_retention_days, config.max_retrievals_kept,
                                                  config.max_usage_events_kept});
  rt->effectiveness_ =
      std::make_unique<service::Effectiveness>(*rt->store_, *rt->index_, rt->usage_retention_.get());
  rt->retrieval_ = std::make_unique<service::Retrieval>(*rt->store_, *rt->search_, *rt->effectiveness_,
                                                        rt->usage_retention_.get());
  rt->lineage_ = std::make_unique<service::Lineage>(*rt->store_);
  rt->templates_ = std::make_unique<service::Templates>(*rt->store_, *rt->lineage_);
  rt->dspy_export_ = std::make_unique<service::DspyExport>(*rt->store_, *rt->search_);
  rt->dspy_import_ = std::make_unique<service::DspyImport>(*rt->store_, *rt->templates_, *rt->examples_);
  service::RunsOptions ro;
  ro.workers = config.run_workers;
  ro.max_per_caller = config.max_runs_per_caller;
  ro.owner = ReplicaId(config, *rt->store_);
  ro.shared = storage::IsPostgresUrl(config.db);
  rt->lm_providers_ = std::make_unique<service::LmProviders>(rt->config_, rt->databricks_);
  ro.providers = rt->lm_providers_.get();
  ro.lease_ms = int64_t{config.run_lease_s} * 1000;
  rt->runs_ = std::make_unique<service::Runs>(*rt->store_, *rt->templates_, *rt->lineage_,
                                              *rt->effectiveness_, *rt->dspy_export_, ro);
  rt->attribution_ = std::make_unique<service::Attribution>(*rt->store_, *rt->lineage_);
  rt->auth_ = std::make_unique<service::Auth>(*rt->store_, AuthOptionsOf(config));
  rt->metrics_ = std::make_unique<api::Metrics>();
  rt->snapshots_ = std::make_unique<service::Snapshots>(*rt->store_);
  rt->audit_ = std::make_unique<service::audit::AuditLog>(*rt->store_, config.audit_retention_days);
  rt->services_ = std::make_unique<api::Services>(
      api::Services{rt->config_, *rt->store_, *rt->index_, *rt->examples_, *rt->search_,
                    *rt->effectiveness_, *rt->retrieval_, *rt->lineage_, *rt->templates_,
                    *rt->dspy_export_, *rt->dspy_import_, *rt->runs_, *rt->attribution_, *rt->auth_,
                    *rt->metrics_, *rt->snapshots_, *rt->audit_, *rt->usage_retention_, *rt->readiness_});
  return rt;
}

AuditRecord CliAuditEntry(const std::string& command) {
  AuditRecord entry;
  // $USER, else the login of the process's uid (cron, containers and systemd units often leave
  // USER unset), else the uid itself: never a name that says nothing.
  std::string login;
  if (const char* user = std::getenv("USER"); user && *user) login = user;
  if (login.empty()) {
    struct passwd pw {};
    struct passwd* found = nullptr;
    char buf[1024];
    if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &found) == 0 && found && found->pw_name && *found->pw_name) {
      login = found->pw_name;
    }
  }
  if (login.empty()) login = "uid:" + std::to_string(getuid());
  entry.actor = "cli:" + login;
  entry.action = "exemplar " + command;
  return entry;
}

}  // namespace exemplar::cli
