#include "common/config.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <toml++/toml.h>

extern char** environ;

namespace exemplar {
namespace {

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

const std::map<std::string, Setter>& Setters() {
  static const std::map<std::string, Setter> setters = {
      {"host", Str(&Config::host)},
      {"port", Int(&Config::port, 0, 65535)},
      {"data_dir", Str(&Config::data_dir)},
      {"db", Str(&Config::db)},
      {"db_connections", Int(&Config::db_connections, 1, 256)},
      {"replica_id", Str(&Config::replica_id)},
      {"follow_interval_ms", Int(&Config::follow_interval_ms, 10, 600000)},
      {"web_dir", Str(&Config::web_dir)},
      {"max_body_bytes",
       [](Config& c, const std::string& k, const std::string& v) {
         return ParseInt(k, v, 1024, int64_t{1} << 32, &c.max_body_bytes);
       }},
      {"threads", Int(&Config::threads, 4, 1024)},
      {"run_workers", Int(&Config::run_workers, 1, 64)},
      {"run_lease_s", Int(&Config::run_lease_s, 1, 3600)},
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
      {"rate_limit_burst", Real(&Config::rate_limit_burst)},
      {"cors_origins", Str(&Config::cors_origins)},
      {"max_concurrent_expensive", Int(&Config::max_concurrent_expensive, 0, 1024)},
      {"read_timeout_s", Int(&Config::read_timeout_s, 1, 3600)},
      {"write_timeout_s", Int(&Config::write_timeout_s, 1, 3600)},
      {"log_level", Str(&Config::log_level)},
      {"insecure",
       [](Config& c, const std::string& k, const std::string& v) { return ParseBool(k, v, &c.insecure); }},
      {"embedder", Str(&Config::embedder)},
      {"model_dir", Str(&Config::model_dir)},
      {"embed_base_url", Str(&Config::embed_base_url)},
      {"embed_model", Str(&Config::embed_model)},
      {"embed_api_key_env", Str(&Config::embed_api_key_env)},
      {"embed_dimensions", Int(&Config::embed_dimensions, 0, 8192)},
      {"embed_batch_size", Int(&Config::embed_batch_size, 1, 2048)},
      {"embed_timeout_ms", Int(&Config::embed_timeout_ms, 100, 600000)},
      {"embed_retries", Int(&Config::embed_retries, 0, 20)},
      {"hnsw_m", Int(&Config::hnsw_m, 4, 128)},
      {"hnsw_ef_construction", Int(&Config::hnsw_ef_construction, 8, 4096)},
      {"hnsw_ef_search", Int(&Config::hnsw_ef_search, 8, 4096)},
  };
  return setters;
}

}  // namespace

Status Config::Set(const std::string& key, const std::string& value) {
  auto it = Setters().find(key);
  if (it == Setters().end()) return Status::InvalidArgument("unknown config key '" + key + "'");
  return it->second(*this, key, value);
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
  std::function<void(const toml::table&)> walk = [&](const toml::table& t) {
    for (const auto& [k, node] : t) {
      if (!st.ok()) return;
      std::string key(k.str());
      if (node.is_table()) {
        walk(*node.as_table());
      } else if (auto s = node.value<std::string>(); s && node.is_string()) {
        st = Set(key, *s);
      } else if (node.is_integer()) {
        st = Set(key, std::to_string(*node.value<int64_t>()));
      } else if (node.is_boolean()) {
        st = Set(key, *node.value<bool>() ? "true" : "false");
      } else {
        st = Status::InvalidArgument("config " + key + ": unsupported value type");
      }
    }
  };
  walk(tbl);
  return st;
}

Status Config::LoadEnv(const std::map<std::string, std::string>& env) {
  for (const auto& key : Keys()) {
    std::string name = "EXEMPLAR_";
    for (char c : key) name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    auto it = env.find(name);
    if (it != env.end()) EXEMPLAR_RETURN_IF_ERROR(Set(key, it->second));
  }
  return Status::Ok();
}

std::map<std::string, std::string> Config::ProcessEnv() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

}  // namespace exemplar
