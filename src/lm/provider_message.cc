#include "lm/provider_message.h"

#include <regex>

#include "common/json_util.h"

namespace exemplar::lm {
namespace {

constexpr size_t kMaxMessage = 300;  // enough to show a provider's error, short in logs and records

struct Rule {
  std::regex pattern;
  const char* replacement;
};

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> kRules = [] {
    const auto icase = std::regex::ECMAScript | std::regex::icase;
    return std::vector<Rule>{
        {std::regex(R"([a-z][a-z0-9+.-]*://[^\s"'<>]+)", icase), "<url>"},
        {std::regex(R"(bearer\s+[^\s"']+)", icase), "Bearer <secret>"},
        // Key-like: a known prefix, or a long run of letters, digits, '-' and '_' with a digit.
        {std::regex(R"(\b(?:sk|pk|rk|ak|key|tok|token|api|dapi|ghp|xox[a-z])[-_][A-Za-z0-9_-]{6,})", icase), "<secret>"},
        {std::regex(R"(\b(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{24,}\b)"), "<secret>"},
        {std::regex(R"(\[[0-9a-f:.]*:[0-9a-f:.]*\](?::\d+)?)", icase), "<address>"},
        {std::regex(R"(\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b)"), "<address>"},
        {std::regex(R"(\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}\b)", icase), "<address>"},
        {std::regex(R"(\b(?:[a-z0-9-]+\.)+[a-z]{2,}:\d+\b)", icase), "<host>"},
        {std::regex(R"(\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|ai|internal|local|lan|corp|cloud|dev|svc|cluster)\b)", icase), "<host>"},
        {std::regex(R"(\blocalhost(?::\d+)?\b)", icase), "<host>"},
    };
  }();
  return kRules;
}

}  // namespace

std::string ScrubProviderText(const std::string& text) {
  std::string out = text.substr(0, 4 * kMaxMessage);  // bounded regex work on huge bodies
  for (const auto& rule : Rules()) out = std::regex_replace(out, rule.pattern, rule.replacement);
  if (out.size() > kMaxMessage) out = out.substr(0, kMaxMessage) + "…";
  return out;
}

std::string ProviderMessage(const std::string& body) {
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
  return ScrubProviderText(message);
}

}  // namespace exemplar::lm
