// Lm: one chat-completion call to a language model. Implementations: OpenAiChatLm (any
// OpenAI-compatible /chat/completions endpoint), CachedLm (a bounded cache in front of another
// Lm) and OfflineLm (a deterministic stand-in for demos and tests, not a model).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace exemplar::lm {

struct ChatMessage {
  std::string role;  // system | user | assistant
  std::string content;
};

struct LmRequest {
  std::vector<ChatMessage> messages;
  std::string model;  // empty = the implementation's configured model
  double temperature = 0;
  int max_tokens = 1024;
  int n = 1;  // completions wanted; the reply carries all of them in `choices`
  // A rollout id: part of the cache key (so a new value gets a fresh sample, like DSPy's
  // `rollout_id`); not sent to providers unless OpenAiChatOptions::send_seed is set.
  std::optional<uint64_t> seed;
  // Polled before and during the call; returning true aborts it promptly with kUnavailable
  // ("cancelled"). Not part of the cache key.
  std::function<bool()> cancelled;
};

struct LmResponse {
  std::string text;                  // the first completion
  std::vector<std::string> choices;  // all completions; choices[0] == text
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  bool cached = false;  // served by a CachedLm without calling the model
};

// The message of the Status returned when LmRequest::cancelled stopped a call.
inline constexpr const char* kCancelledMessage = "cancelled";

class Lm {
 public:
  virtual ~Lm() = default;

  // One completion for `request`. Implementations are thread-safe.
  // Errors: kInvalidArgument when the provider rejects the request (non-retryable 4xx, message
  // from the provider), kUnavailable when it is unreachable, keeps failing, times out or the call
  // was cancelled, kInternal for a reply that cannot be understood.
  virtual Result<LmResponse> Complete(const LmRequest& request) = 0;

  // A stable description for logs and cache keys, e.g. "openai:gpt-4o-mini" or "offline".
  virtual std::string name() const = 0;
};

}  // namespace exemplar::lm
