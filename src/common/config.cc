#include "common/config.h"

#include "common/address_pattern.h"
#include "common/config_parse.h"
#include "common/credentials.h"
#include "common/db_locator.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>
#include <vector>
#include <toml++/toml.h>


namespace exemplar {

namespace config_parse {

Status ParseInt(const std::string& key, const std::string& v, int64_t lo, int64_t hi, int64_t* out) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi) {
    return Status::InvalidArgument("config " + key + ": expected an integer in [" +
                                   std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + v + "'");
  }
  *out = n;
  return Status::Ok();
}

}  // namespace config_parse

namespace {

using config_parse::ParseInt;

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status ParseBool(const std::string& key, const std::string& v, bool* out) {
  if (v == "1" || v == "true" || v == "yes" || v == "on") *out = true;
  else if (v == "0" || v == "false" || v == "no" || v == "off") *out = false;
  else return Status::InvalidArgument("config " + key + ": expected true/false, got '" + v + "'");
  return Status::Ok();
}

using Setter = std::function<Status(Config&, const std::string& key, const std::string&)>;

Setter Str(std::string Config::*field) {
  return [field](Config& c, const std::string&, const std::string& v) {
    c.*field = v;
    return Status::Ok();
  };
}
Setter Int(int Config::*field, int64_t lo, int64_t hi) {
  return [=](Config& c, const std::string& k, const std::string& v) {
    int64_t n;
    EXEMPLAR_RETURN_IF_ERROR(ParseInt(k, v, lo, hi, &n));
    c.*field = static_cast<int>(n);
    return Status::Ok();
  };
}

Setter Real(double Config::*field) {
  return [field](Config& c, const std::string& k, const std::string& v) {
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || d < 0 || d != d) {
      return Status::InvalidArgument("config " + k + ": expected a non-negative number, got '" + v + "'");
    }
    c.*field = d;
    return Status::Ok();
  };
}

// A comma-separated list whose every item `check` accepts (an empty string when it does, else
// why not); the error names the key and the item.
Setter CheckedList(std::string Config::*field, std::function<std::string(const std::string&)> check) {
  return [field, check](Config& c, const std::string& k, const std::string& v) {
    for (const auto& item : SplitList(v)) {
      if (std::string why = check(item); !why.empty()) return Status::InvalidArgument("config " + k + ": " + why);
    }
    c.*field = v;
    return Status::Ok();
  };
}

std::string CheckAddressPattern(const std::string& item) {
  std::string why;
  return ParseAddressPattern(item, &why) ? "" : why + "; expected IP addresses, CIDR networks or *";
}

// A host name as a Host header carries it (without the port), `.suffix` for its subdomains, or *.
std::string CheckAllowedHost(const std::string& item) {
  if (item == "*") return "";
  const std::string name = item.front() == '.' ? item.substr(1) : item;
  const bool ok = !name.empty() && name.size() <= 253 && name.front() != '.' && name.back() != '.' &&
                  name.find("..") == std::string::npos &&
                  std::all_of(name.begin(), name.end(), [](char ch) {
                    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.';
                  });
  if (ok) return "";
  return "'" + item + "' is not a host name (letters, digits, '-' and '.'; no port, no scheme; '.example.com' for "
         "its subdomains, or *)";
}

// An origin as browsers send it: http(s)://host[:port] in lower case (a browser lowers the host),
// no path, or *. Patterns (`https://*.example.org`) are not origins: they never match.
std::string CheckOrigin(const std::string& item) {
  if (item == "*") return "";
  const std::string why = "'" + item + "' is not an origin (http://host[:port] or https://host[:port] in lower case, "
                          "as a browser's Origin header has it: no path, no trailing '/', no wildcard), or *";
  const size_t scheme_end = item.find("://");
  if (scheme_end == std::string::npos) return why;
  const std::string scheme = item.substr(0, scheme_end);
  std::string host = item.substr(scheme_end + 3);
  if (scheme != "http" && scheme != "https") return why;
  // The port: digits after the last ':' outside an [IPv6] literal, 1-65535.
  const size_t colon = host.rfind(':');
  if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
    const std::string port = host.substr(colon + 1);
    int64_t n = 0;
    if (!config_parse::ParseInt("port", port, 1, 65535, &n).ok()) return why;
    host = host.substr(0, colon);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return "";  // an IPv6 literal
  const bool ok = !host.empty() && host.front() != '.' && host.back() != '.' &&
                  std::all_of(host.begin(), host.end(), [](char ch) {
                    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
                  });
  return ok ? "" : why;
}

const std::map<std::string, Setter>& Setters() {
  static const std::map<std::string, Setter> setters = {
      {"host", Str(&Config::host)},
      {"port", Int(&Config::port, 0, 65535)},
      {"data_dir", Str(&Config::data_dir)},
      {"db",
       [](Config& c, const std::string&, const std::string& v) {
         EXEMPLAR_RETURN_IF_ERROR(CheckDbLocator(v));
         c.db = v;
         return Status::Ok();
       }},
      {"db_connections", Int(&Config::db_connections, 1, 256)},
      {"sqlite_cache_mb", Int(&Config::sqlite_cache_mb, 1, 1 << 16)},
      {"sqlite_reader_cache_mb", Int(&Config::sqlite_reader_cache_mb, 1, 1 << 16)},
      {"memory_release_mb", Int(&Config::memory_release_mb, 0, 1 << 20)},
      {"malloc_arenas", Int(&Config::malloc_arenas, 0, 1024)},
      {"db_token_command", Str(&Config::db_token_command)},
      {"db_token_ttl_s", Int(&Config::db_token_ttl_s, 0, 86400)},
      {"db_credential_refresh_s", Int(&Config::db_credential_refresh_s, 0, 3600)},
      {"databricks_lakebase_instance", Str(&Config::databricks_lakebase_instance)},
      {"replica_id", Str(&Config::replica_id)},
      {"follow_interval_ms", Int(&Config::follow_interval_ms, 10, 600000)},
      {"web_dir", Str(&Config::web_dir)},
      {"max_body_bytes",
       [](Config& c, const std::string& k, const std::string& v) {
         return ParseInt(k, v, 1024, int64_t{1} << 32, &c.max_body_bytes);
       }},
      {"max_buffered_body_bytes",
       [](Config& c, const std::string& k, const std::string& v) {
         return ParseInt(k, v, 1024, int64_t{1} << 40, &c.max_buffered_body_bytes);
       }},
      {"threads", Int(&Config::threads, 4, 1024)},
      {"io_threads", Int(&Config::io_threads, 0, 64)},
      {"max_connections", Int(&Config::max_connections, 1, 1000000)},
      {"max_connections_per_ip", Int(&Config::max_connections_per_ip, 0, 1000000)},
      {"request_timeout_s", Int(&Config::request_timeout_s, 1, 3600)},
      // The thread-per-connection server's silence timeout; the request deadline replaces it.
      {"read_timeout_s", Int(&Config::request_timeout_s, 1, 3600)},
      {"keep_alive_timeout_s", Int(&Config::keep_alive_timeout_s, 1, 3600)},
      {"listen_backlog", Int(&Config::listen_backlog, 16, 65535)},
      {"max_event_streams", Int(&Config::max_event_streams, 1, 1000000)},
      {"run_workers", Int(&Config::run_workers, 1, 64)},
      {"max_runs_per_caller", Int(&Config::max_runs_per_caller, 0, 1000000)},
      {"on_duplicate",
       [](Config& c, const std::string& k, const std::string& v) {
         if (v != "allow" && v != "warn" && v != "reject")
           return Status::InvalidArgument("config on_duplicate: expected allow, warn or reject");
         c.on_duplicate = v;
         return Status::Ok();
       }},
      {"reject_secrets",
       [](Config& c, const std::string& k, const std::string& v) { return ParseBool(k, v, &c.reject_secrets); }},
      {"run_lease_s", Int(&Config::run_lease_s, 1, 3600)},
      {"audit_retention_days", Int(&Config::audit_retention_days, 0, 36500)},
      {"usage_retention_days", Int(&Config::usage_retention_days, 0, 36500)},
      {"max_retrievals_kept", Int(&Config::max_retrievals_kept, 0, 2'000'000'000)},
      {"max_usage_events_kept", Int(&Config::max_usage_events_kept, 0, 2'000'000'000)},
      {"auth",
       [](Config& c, const std::string& k, const std::string& v) {
         if (v != "auto" && v != "required" && v != "off")
           return Status::InvalidArgument("config auth: expected auto, required or off");
         c.auth = v;
         return Status::Ok();
       }},
      {"trusted_proxy",
       [](Config& c, const std::string& k, const std::string& v) { return ParseBool(k, v, &c.trusted_proxy); }},
      {"rate_limit_rps", Real(&Config::rate_limit_rps)},
      {"rate_limit_burst",
       [](Config& c, const std::string& k, const std::string& v) {
         EXEMPLAR_RETURN_IF_ERROR(Real(&Config::rate_limit_burst)(c, k, v));
         if (c.rate_limit_burst > 0 && c.rate_limit_burst < 1) {
           return Status::InvalidArgument("config " + k + ": expected 0 (twice the rate) or at least 1 (a request "
                                          "takes one whole token), got '" + v + "'");
         }
         return Status::Ok();
       }},
      {"cors_origins", CheckedList(&Config::cors_origins, CheckOrigin)},
      {"trusted_proxy_addresses", CheckedList(&Config::trusted_proxy_addresses, CheckAddressPattern)},
      {"proxy_default_role",
       [](Config& c, const std::string& k, const std::string& v) {
         if (v != "none" && v != "read" && v != "agent" && v != "write" && v != "admin")
           return Status::InvalidArgument("config proxy_default_role: expected none, read, agent, write or admin");
         c.proxy_default_role = v;
         return Status::Ok();
       }},
      {"allowed_hosts", CheckedList(&Config::allowed_hosts, CheckAllowedHost)},
      {"allow_caller_lm_endpoints",
       [](Config& c, const std::string& k, const std::string& v) { return ParseBool(k, v, &c.allow_caller_lm_endpoints); }},
      {"lm_allow_private_networks",
       [](Config& c, const std::string& k, const std::string& v) { return ParseBool(k, v, &c.lm_allow_private_networks); }},
      {"max_concurrent_expensive", Int(&Config::max_concurrent_expensive, 0, 1024)},
      {"write_timeout_s", Int(&Config::write_timeout_s, 1, 3600)},
      {"log_level",
       [](Config& c, const std::string&, const std::string& v) {
         // spdlog reads any other word as "off": a typo would silence the log.
         for (const char* level : {"trace", "debug", "info", "warn", "warning", "error", "critical", "off"}) {
           if (v == level) {
             c.log_level = v;
             return Status::Ok();
           }
         }
         return Status::InvalidArgument("config log_level: expected trace, debug, info, warn, error, critical or "
                                        "off, got '" + v + "'");
       }},
      {"insecure",
       [](Config& c, const std::string& k, const std::string& v) { return ParseBool(k, v, &c.insecure); }},
      {"embedder", Str(&Config::embedder)},
      {"model_dir", Str(&Config::model_dir)},
      {"model", Str(&Config::model)},
      {"models_dir", Str(&Config::models_dir)},
      {"model_auto_pull",
       [](Config& c, const std::string& k, const std::string& v) { return ParseBool(k, v, &c.model_auto_pull); }},
      {"embed_base_url", Str(&Config::embed_base_url)},
      {"embed_model", Str(&Config::embed_model)},
      {"embed_api_key_env", Str(&Config::embed_api_key_env)},
      {"embed_auth",
       [](Config& c, const std::string& k, const std::string& v) {
         if (v != "api_key" && v != "databricks")
           return Status::InvalidArgument("config embed_auth: expected api_key or databricks");
         c.embed_auth = v;
         return Status::Ok();
       }},
      {"embed_dimensions", Int(&Config::embed_dimensions, 0, 8192)},
      {"embed_batch_size", Int(&Config::embed_batch_size, 1, 2048)},
      {"embed_timeout_ms", Int(&Config::embed_timeout_ms, 100, 600000)},
      {"embed_retries", Int(&Config::embed_retries, 0, 20)},
      {"embed_cache_mb", Int(&Config::embed_cache_mb, 0, 1 << 20)},
      {"hnsw_m", Int(&Config::hnsw_m, 4, 128)},
      {"hnsw_ef_construction", Int(&Config::hnsw_ef_construction, 8, 4096)},
      {"hnsw_ef_search", Int(&Config::hnsw_ef_search, 8, 4096)},
      {"vector_storage",
       [](Config& c, const std::string& k, const std::string& v) {
         if (v != "f32" && v != "f16" && v != "int8")
           return Status::InvalidArgument("config vector_storage: expected f32, f16 or int8");
         c.vector_storage = v;
         return Status::Ok();
       }},
  };
  return setters;
}

}  // namespace

Status CheckDbLocator(const std::string& db) {
  const char* kForms = "expected a SQLite file path, or postgres://USER@HOST:PORT/DB (postgresql:// too)";
  const size_t scheme = db.find("://");
  if (scheme != std::string::npos) {
    const std::string name = db.substr(0, scheme);  // libpq takes these two, lower case
    if (name == "postgres" || name == "postgresql") return Status::Ok();
    return Status::InvalidArgument("config db: unknown scheme '" + db.substr(0, scheme) + "://'; " + kForms);
  }
  size_t start = db.find_first_not_of(" \t");
  if (start == std::string::npos) return Status::Ok();
  for (const char* keyword : {"host=", "hostaddr=", "dbname=", "user=", "port=", "service="}) {
    if (db.compare(start, std::strlen(keyword), keyword) == 0) {
      return Status::InvalidArgument("config db: '" + std::string(keyword) +
                                     "…' is a libpq keyword string, not accepted; " + kForms);
    }
  }
  return Status::Ok();
}

std::vector<std::string> SplitList(const std::string& csv) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    if (comma == std::string::npos) comma = csv.size();
    std::string item = csv.substr(start, comma - start);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.erase(item.begin());
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

// "lm_providers.NAME.FIELD" and "proxy_roles.EMAIL": the keyed tables of the TOML file.
Status Config::SetKeyed(const std::string& key, const std::string& value) {
  if (key.rfind("proxy_roles.", 0) == 0) {
    const std::string who = key.substr(12);
    if (who.empty()) return Status::InvalidArgument("config proxy_roles: empty email");
    if (value != "none" && value != "read" && value != "agent" && value != "write" && value != "admin")
      return Status::InvalidArgument("config " + key + ": expected none, read, agent, write or admin");
    proxy_roles[ToLower(who)] = value;
    return Status::Ok();
  }
  const size_t dot = key.find('.', 13);
  const std::string name = key.substr(13, dot == std::string::npos ? std::string::npos : dot - 13);
  if (dot == std::string::npos || name.empty())
    return Status::InvalidArgument("config " + key + ": expected lm_providers.NAME.FIELD");
  if (name == "offline") return Status::InvalidArgument("config lm_providers.offline: the name is built in");
  for (char ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_')
      return Status::InvalidArgument("config lm_providers." + name + ": names use letters, digits, - and _");
  }
  const std::string field = key.substr(dot + 1);
  LmProviderConfig& p = lm_providers[name];
  if (field == "base_url") {
    if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0)
      return Status::InvalidArgument("config " + key + ": expected an http(s) URL");
    p.base_url = value;
  } else if (field == "model") {
    p.model = value;
  } else if (field == "api_key_env") {
    p.api_key_env = value;
  } else if (field == "auth") {
    if (value != "api_key" && value != "databricks")
      return Status::InvalidArgument("config " + key + ": expected api_key or databricks");
    p.auth = value;
  } else if (field == "kind") {
    if (value != "openai") return Status::InvalidArgument("config " + key + ": expected openai");
    p.kind = value;
  } else if (field == "allowed_models") {
    p.allowed_models = SplitList(value);
  } else if (field == "timeout_ms") {
    EXEMPLAR_RETURN_IF_ERROR(ParseInt(key, value, 100, 600000, &p.timeout_ms));
  } else if (field == "max_retries") {
    int64_t n;
    EXEMPLAR_RETURN_IF_ERROR(ParseInt(key, value, 0, 20, &n));
    p.max_retries = static_cast<int>(n);
  } else {
    return Status::InvalidArgument("config " + key + ": unknown field (base_url, model, api_key_env, "
                                   "allowed_models, timeout_ms, max_retries, kind, auth)");
  }
  return Status::Ok();
}

Status Config::Validate() const {
  const char* kNoPrincipal = ": auth databricks needs DATABRICKS_HOST, DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET";
  if (embed_auth == "databricks" && !HasDatabricksServicePrincipal())
    return Status::InvalidArgument(std::string("config embed_auth") + kNoPrincipal);
  if (!databricks_lakebase_instance.empty() && !HasDatabricksServicePrincipal())
    return Status::InvalidArgument(std::string("config databricks_lakebase_instance") + kNoPrincipal);
  for (const auto& [name, p] : lm_providers) {
    if (p.auth == "databricks" && !HasDatabricksServicePrincipal())
      return Status::InvalidArgument("config lm_providers." + name + kNoPrincipal);
    if (p.base_url.empty()) return Status::InvalidArgument("config lm_providers." + name + ": base_url is required");
    if (p.model.empty() && p.allowed_models.empty())
      return Status::InvalidArgument("config lm_providers." + name + ": model is required");
  }
  return Status::Ok();
}

Status Config::Set(const std::string& key, const std::string& value) {
  if (key.rfind("lm_providers.", 0) == 0 || key.rfind("proxy_roles.", 0) == 0) return SetKeyed(key, value);
  auto it = Setters().find(key);
  if (it == Setters().end()) return Status::InvalidArgument("unknown config key '" + key + "'");
  EXEMPLAR_RETURN_IF_ERROR(it->second(*this, key, value));
  explicit_keys.insert(key == "read_timeout_s" ? "request_timeout_s" : key);
  return Status::Ok();
}

std::vector<std::string> Config::Keys() {
  std::vector<std::string> keys;
  for (const auto& [k, _] : Setters()) keys.push_back(k);
  return keys;
}

Status Config::LoadToml(const std::string& path) {
  toml::table tbl;
  try {
    tbl = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument("config file " + path + ": " + std::string(e.description()));
  }
  Status st;
  // Tables flatten ([server] port = 1 → "port"), except the keyed tables lm_providers and
  // proxy_roles, whose keys keep their path ("lm_providers.NAME.FIELD").
  std::function<void(const toml::table&, const std::string&)> walk = [&](const toml::table& t,
                                                                         const std::string& prefix) {
    for (const auto& [k, node] : t) {
      if (!st.ok()) return;
      std::string key = prefix + std::string(k.str());
      if (node.is_table()) {
        const bool keyed = !prefix.empty() || key == "lm_providers" || key == "proxy_roles";
        walk(*node.as_table(), keyed ? key + "." : "");
      } else if (node.is_array() && !prefix.empty()) {
        std::string joined;
        for (const auto& item : *node.as_array()) {
          if (!item.is_string()) {
            st = Status::InvalidArgument("config " + key + ": expected a list of strings");
            return;
          }
          if (!joined.empty()) joined += ",";
          joined += *item.value<std::string>();
        }
        st = Set(key, joined);
      } else if (auto s = node.value<std::string>(); s && node.is_string()) {
        st = Set(key, *s);
      } else if (node.is_integer()) {
        st = Set(key, std::to_string(*node.value<int64_t>()));
      } else if (node.is_floating_point()) {
        // Written with a decimal point, so an integer key refuses 2.0 as it refuses 2.5.
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", *node.value<double>());
        std::string text = buf;
        if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // n: inf, nan
        st = Set(key, text);
      } else if (node.is_boolean()) {
        st = Set(key, *node.value<bool>() ? "true" : "false");
      } else {
        st = Status::InvalidArgument("config " + key + ": unsupported value type");
      }
    }
  };
  walk(tbl, "");
  return st;
}

}  // namespace exemplar
