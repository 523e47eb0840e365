#include "common/provider_text.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <string_view>
#include <vector>

#include "common/json_util.h"

namespace exemplar {
namespace {

constexpr size_t kMaxMessage = 300;  // enough to show a provider's error, short in logs and records

struct Rule {
  std::regex pattern;
  const char* replacement;
};

// Runs before the host and address scans, so a URL or a secret is replaced whole.
const std::vector<Rule>& Rules() {
  static const std::vector<Rule> kRules = [] {
    const auto icase = std::regex::ECMAScript | std::regex::icase;
    // The value of a secret-named field, quoted or up to the next space or separator; an
    // Authorization value with its scheme ("Basic dXNlcjpw").
    const std::string value = R"((?:(?:basic|bearer|digest|token)\s+)?(?:"[^"]*"|'[^']*'|[^\s"',;&)\]}]+))";
    return std::vector<Rule>{
        {std::regex(R"([a-z][a-z0-9+.-]*://[^\s"'<>]+)", icase), "<url>"},
        // name=value for a name that ends in a secret word as a whole part of it (api_key,
        // client_secret, access_token; not max_tokens or monkey).
        {std::regex(R"(\b((?:[a-z0-9]+[-_])*(?:password|passwd|pwd|secret|token|apikey|key|authorization|auth|credentials?|cookie|signature|session[-_]?id))(["']?\s*=\s*))" + value, icase),
         "$1$2<secret>"},
        // name: value (headers, YAML, JSON) only for names that cannot be prose: compound ones
        // (X-Api-Key, api_key) and the unambiguous words. "invalid key: messages" keeps its word.
        {std::regex(R"(\b((?:[a-z0-9]+[-_])+(?:password|passwd|secret|token|apikey|key|auth|credentials?|cookie|signature|session[-_]?id)|password|passwd|secret|authorization|cookie|credentials)(["']?\s*:\s*))" + value, icase),
         "$1$2<secret>"},
        {std::regex(R"(bearer\s+[^\s"']+)", icase), "Bearer <secret>"},
        // A compound secret name and its value after a space ("aws_secret_access_key wJalr…"):
        // a value of 12+ key characters holding a digit, so "api_key invalid" keeps its word.
        {std::regex(R"(\b((?:[a-z0-9]+[-_])+(?:password|passwd|secret|token|apikey|key|credentials?)\s+)(?=[A-Za-z0-9+/=_-]*\d)[A-Za-z0-9+/=_-]{12,})", icase),
         "$1<secret>"},
        // AWS access key ids: a four-letter kind and 16 capitals or digits (20 in all, below the
        // key-like length).
        {std::regex(R"(\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b)"), "<secret>"},
        // Key-like: a known prefix, or a long run of letters, digits, '-' and '_' with a digit.
        {std::regex(R"(\b(?:sk|pk|rk|ak|key|tok|token|api|dapi|ghp|xox[a-z])[-_][A-Za-z0-9_-]{6,})", icase), "<secret>"},
    };
  }();
  return kRules;
}

// Run after the IPv6 scan, which must see an embedded IPv4 part ("::ffff:10.0.0.1") whole.
const std::vector<Rule>& AddressRules() {
  static const std::vector<Rule> kRules = {
      {std::regex(R"(\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b)"), "<address>"},
      {std::regex(R"(\blocalhost(?::\d+)?\b)", std::regex::ECMAScript | std::regex::icase), "<host>"},
  };
  return kRules;
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsKeyChar(char c) { return IsWordChar(c) || c == '-'; }

// Copies `text`, handing each maximal run of characters that `in_run` accepts to
// `replace(start, end, out)`, which appends what stands for text[start, end) to `out` and returns
// where the scan resumes (`end`, or beyond it when it took what follows, such as a port).
template <class InRun, class Replace>
std::string ScanRuns(std::string_view text, InRun in_run, Replace replace) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (!in_run(text[i])) {
      out += text[i++];
      continue;
    }
    size_t end = i;
    while (end < text.size() && in_run(text[end])) ++end;
    i = replace(i, end, out);
  }
  return out;
}

// Replaces key-like runs: 24 or more letters, digits, '-' and '_' with a piece of at least 16
// between separators that holds a digit (a key, a token, a hash, a JWT part). Model and
// deployment ids are long too but built of short words ("claude-3-5-sonnet-20241022",
// "anthropic.claude-3-sonnet-20240229-v1:0"), so they keep their meaning.
std::string ScrubKeyLike(std::string_view text) {
  return ScanRuns(text, IsKeyChar, [&](size_t i, size_t end, std::string& out) {
    bool key_like = false;
    for (size_t p = i; p < end && !key_like;) {
      size_t q = p;
      bool digit = false;
      while (q < end && text[q] != '-' && text[q] != '_') digit |= std::isdigit(static_cast<unsigned char>(text[q++])) != 0;
      key_like = end - i >= 24 && q - p >= 16 && digit;
      p = q + 1;
    }
    out += key_like ? std::string_view("<secret>") : text.substr(i, end - i);
    return end;
  });
}

bool IsBase64Char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '='; }

// Replaces base64 secrets that '/' or '+' split into short pieces (an AWS secret access key,
// "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"): a run of 30 or more base64 characters holding a
// '/' or '+', a digit, a capital and a small letter. Paths and routes of words
// ("v1/chat/completions", "models/llama3/70b") have no capitals or are short; URLs are gone by now.
std::string ScrubBase64(std::string_view text) {
  return ScanRuns(text, IsBase64Char, [&](size_t i, size_t end, std::string& out) {
    const std::string_view run = text.substr(i, end - i);
    auto has = [&](auto pred) { return std::any_of(run.begin(), run.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); }); };
    const bool secret = run.size() >= 30 && run.find_first_of("+/") != std::string_view::npos &&
                        has([](unsigned char c) { return std::isdigit(c); }) &&
                        has([](unsigned char c) { return std::isupper(c); }) &&
                        has([](unsigned char c) { return std::islower(c); });
    out += secret ? std::string_view("<secret>") : run;
    return end;
  });
}

bool IsHexOrColon(char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }
bool IsNameChar(char c) { return IsWordChar(c) || c == '-' || c == '.'; }

// Length of ":<digits>" at text[i], else 0.
size_t PortAt(std::string_view text, size_t i) {
  if (i >= text.size() || text[i] != ':') return 0;
  size_t j = i + 1;
  while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
  return j > i + 1 ? j - i : 0;
}

bool IsIpv6(const std::string& s) {
  in6_addr unused{};
  return std::count(s.begin(), s.end(), ':') >= 2 && inet_pton(AF_INET6, s.c_str(), &unused) == 1;
}

// Replaces IPv6 addresses in every spelling: full, compressed ("fd00::1", "::1"), with an
// embedded IPv4 part, a zone ("fe80::1%eth0") or in brackets with a port ("[2001:db8::1]:443").
// A candidate is a run of hex digits, ':' and '.' not glued to a word before it (so "std::string"
// stays); its longest prefix that inet_pton accepts is the address (so "fd00::1: refused" loses
// only the address, and times such as "12:30:45", which it refuses, stay).
std::string ScrubIpv6(std::string_view text) {
  return ScanRuns(text, IsHexOrColon, [&](size_t i, size_t end, std::string& out) {
    size_t start = i;
    if (i > 0 && IsWordChar(text[i - 1])) {
      // "host:fd00::1" names the address after a label; "std::string" is no address.
      start = text[i] == ':' && i + 1 < end && text[i + 1] != ':' ? i + 1 : end;
    }
    size_t stop = end;
    while (stop > start && !(IsIpv6(std::string(text.substr(start, stop - start))) &&
                             (stop == text.size() || !std::isxdigit(static_cast<unsigned char>(text[stop]))))) {
      --stop;
    }
    const std::string_view candidate = text.substr(start, stop - start);
    const bool has_digit = std::any_of(candidate.begin(), candidate.end(),
                                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
    if (stop == start || !has_digit) {
      out.append(text.substr(i, end - i));  // "::" alone is no one's address
      return end;
    }
    out.append(text.substr(i, start - i));
    if (stop < text.size() && text[stop] == '%') {  // zone id: %eth0, or %25eth0 inside a URL
      ++stop;
      while (stop < text.size() && (IsWordChar(text[stop]) || text[stop] == '-' || text[stop] == '.')) ++stop;
    }
    if (!out.empty() && out.back() == '[' && stop < text.size() && text[stop] == ']') {
      out.pop_back();
      ++stop;
      stop += PortAt(text, stop);
    }
    out += "<address>";
    return stop;
  });
}

// Final labels that are file types rather than top-level domains (none is delegated), so "failed
// to read config.json" keeps its file name. Extensions that are also TLDs (.py, .md, .zip) are
// not here: those names are replaced.
const std::set<std::string>& FileExtensions() {
  static const std::set<std::string> kExtensions = {
      "json", "jsonl", "yaml", "yml", "toml", "txt", "csv", "tsv", "html", "htm", "js", "jsx", "ts", "tsx",
      "cpp", "hpp", "cc", "log", "cfg", "ini", "conf", "lock", "tmp", "bak", "exe", "dll", "xml", "sql",
      "parquet", "safetensors", "gguf", "ggml", "onnx", "pkl", "pth", "ckpt", "proto"};
  return kExtensions;
}

// Whether a dotted name is a host name: two or more non-empty labels, the last alphabetic and at
// least two letters long (any TLD, internal ones such as .corp or .internal included), or an IDN
// "xn--" label. Left alone: numbers and versions ("3.5", "v1.2.3": the last label has digits),
// abbreviations ("e.g": one letter), model names ("gpt-4o-mini": no dot; "gemini-1.5-pro": the
// last label has a digit), file names with a non-TLD type ("config.json"), and code names with a
// camelCase label ("openai.RateLimitError") — hosts are not written in camelCase.
bool IsHostName(std::string_view name) {
  std::vector<std::string_view> labels;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    labels.push_back(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels.size() < 2) return false;
  for (std::string_view label : labels) {
    if (label.empty()) return false;
    for (size_t k = 1; k < label.size(); ++k) {
      if (std::islower(static_cast<unsigned char>(label[k - 1])) && std::isupper(static_cast<unsigned char>(label[k]))) {
        return false;
      }
    }
  }
  std::string last(labels.back());
  for (char& c : last) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (last.rfind("xn--", 0) == 0 && last.size() > 4) return true;
  if (last.size() < 2 || FileExtensions().count(last)) return false;
  return std::all_of(last.begin(), last.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// Whether text[a, b) is one label with a port after it ("gpu-node-7:8443", "vllm:8000": container
// and cluster-internal names have no dot). The label starts with a letter and is not a word that
// prose puts before a number ("code:429", "line:12"); the port is 2–5 digits up to 65535 and ends
// the name ("llama3.1:8b", "12:30:45" stay).
bool IsLabelWithPort(std::string_view text, size_t a, size_t b, size_t end) {
  static const std::set<std::string> kProse = {"code", "status", "error", "line", "col", "column", "limit", "retry",
                                               "after", "index", "step", "page", "attempt", "http", "https", "port",
                                               "tokens", "max", "min", "size", "count", "id", "v", "timeout", "wait", "seconds"};
  const std::string_view label = text.substr(a, b - a);
  if (b != end || label.find('.') != std::string_view::npos || !std::isalpha(static_cast<unsigned char>(label[0]))) {
    return false;
  }
  const size_t port = PortAt(text, b);
  if (port < 3 || port > 6 || std::stoul(std::string(text.substr(b + 1, port - 1))) > 65535) return false;
  const size_t after = b + port;
  if (after < text.size() && IsNameChar(text[after])) return false;
  if (after + 1 < text.size() && text[after] == ':' && IsNameChar(text[after + 1])) return false;  // "a:12:30"
  std::string lower(label);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return kProse.count(lower) == 0;
}

// Replaces dotted host names, and single labels with a port, (with their port) by <host>.
std::string ScrubHosts(std::string_view text) {
  return ScanRuns(text, IsNameChar, [&](size_t i, size_t end, std::string& out) {
    // Dots and hyphens around a name are punctuation ("see api.corp.example.", "...").
    size_t a = i, b = end;
    while (a < b && (text[a] == '.' || text[a] == '-')) ++a;
    while (b > a && (text[b - 1] == '.' || text[b - 1] == '-')) --b;
    if (a < b && (IsHostName(text.substr(a, b - a)) || IsLabelWithPort(text, a, b, end))) {
      out.append(text.substr(i, a - i));
      out += "<host>";
      const size_t port = b == end ? PortAt(text, b) : 0;
      out.append(text.substr(b + port, end - b));
      return end + port;
    }
    out.append(text.substr(i, end - i));
    return end;
  });
}

// The longest prefix of `s` of at most `max` bytes that does not end inside a UTF-8 character.
std::string_view Utf8Prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // s[n] continues a character
  return s.substr(0, n);
}

}  // namespace

std::string ScrubProviderText(const std::string& raw, std::string_view secret) {
  std::string text = raw;
  if (secret.size() >= 4) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 8)) {
      text.replace(at, secret.size(), "<secret>");
    }
  }
  // Bounded regex work on huge bodies; cut at a space, so no name is cut to something that no
  // longer looks like one ("gpu7.corp.e").
  std::string_view window = Utf8Prefix(text, 4 * kMaxMessage);
  if (window.size() < text.size() && window.find_last_of(" \t\r\n") != std::string_view::npos) {
    window = window.substr(0, window.find_last_of(" \t\r\n"));
  }
  std::string out(window);
  for (const auto& rule : Rules()) out = std::regex_replace(out, rule.pattern, rule.replacement);
  out = ScrubKeyLike(out);
  out = ScrubBase64(out);
  out = ScrubIpv6(out);
  for (const auto& rule : AddressRules()) out = std::regex_replace(out, rule.pattern, rule.replacement);
  out = ScrubHosts(out);
  if (out.size() > kMaxMessage) out = std::string(Utf8Prefix(out, kMaxMessage)) + "…";
  return out;
}

std::string ProviderMessage(const std::string& body, std::string_view secret) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string message;
  if (j.is_object()) {
    auto err = j.find("error");
    if (err != j.end() && err->is_string()) {
      message = err->get<std::string>();
    } else if (err != j.end() && err->is_object() && err->contains("message") && (*err)["message"].is_string()) {
      message = (*err)["message"].get<std::string>();
    } else if (j.contains("message") && j["message"].is_string()) {
      message = j["message"].get<std::string>();
    } else if (j.contains("detail") && j["detail"].is_string()) {
      message = j["detail"].get<std::string>();
    }
  }
  if (message.empty()) message = body.empty() ? "(empty body)" : body;
  return ScrubProviderText(message, secret);
}

}  // namespace exemplar
