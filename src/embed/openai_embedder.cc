#include "embed/openai_embedder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/retry.h"
#include "common/time.h"
#include "common/provider_text.h"
#include "embed/http_client.h"

namespace exemplar::embed {
namespace {

using nlohmann::json;

Status Malformed(const std::string& why) { return Status::Internal("malformed provider reply: " + why); }

RetryPolicy PolicyOf(const OpenAiEmbedderOptions& o) {
  return RetryPolicy{std::max(0, o.max_retries), o.initial_backoff_ms, o.max_backoff_ms, o.max_retry_after_ms};
}

}  // namespace

OpenAiEmbedder::OpenAiEmbedder(OpenAiEmbedderOptions options)
    : options_(std::move(options)),
      http_(std::make_unique<HttpClient>()),
      backoff_(std::make_unique<Backoff>(PolicyOf(options_))) {
  url_ = options_.base_url;
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  url_ += "/embeddings";
  options_.batch_size = std::max(1, options_.batch_size);
  options_.max_retries = std::max(0, options_.max_retries);
  options_.timeout_ms = std::max(1, options_.timeout_ms);
}

OpenAiEmbedder::~OpenAiEmbedder() = default;

int OpenAiEmbedder::dim() const { return options_.dimensions > 0 ? options_.dimensions : learned_dim_.load(); }

Status OpenAiEmbedder::Probe() {
  auto r = Embed("dimension probe");
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<float>> OpenAiEmbedder::Embed(std::string_view text) {
  std::vector<std::string> one{std::string(text)};
  return std::move(EmbedBatch(one)[0]);
}

std::vector<Result<std::vector<float>>> OpenAiEmbedder::EmbedBatch(const std::vector<std::string>& texts) {
  std::vector<Result<std::vector<float>>> out(texts.size(), Result<std::vector<float>>(Status::Internal("not embedded")));
  const auto batch = static_cast<size_t>(options_.batch_size);
  for (size_t begin = 0; begin < texts.size(); begin += batch) {
    Resolve(texts, begin, std::min(texts.size(), begin + batch), &out);
  }
  return out;
}

void OpenAiEmbedder::Resolve(const std::vector<std::string>& texts, size_t begin, size_t end,
                             std::vector<Result<std::vector<float>>>* out) {
  auto r = Request(texts, begin, end);
  if (r.ok()) {
    for (size_t i = begin; i < end; ++i) (*out)[i] = std::move(r.value()[i - begin]);
  } else if (r.status().code() == Code::kInvalidArgument && end - begin > 1) {
    Bisect(texts, begin, end, out);
  } else {
    for (size_t i = begin; i < end; ++i) (*out)[i] = r.status();
  }
}

void OpenAiEmbedder::Bisect(const std::vector<std::string>& texts, size_t begin, size_t end,
                            std::vector<Result<std::vector<float>>>* out) {
  const size_t mid = begin + (end - begin) / 2;
  auto left = Request(texts, begin, mid);
  auto right = Request(texts, mid, end);
  auto rejected = [](const auto& r) { return !r.ok() && r.status().code() == Code::kInvalidArgument; };
  const bool stop = rejected(left) && rejected(right);
  auto settle = [&](auto& r, size_t b, size_t e) {
    if (r.ok()) {
      for (size_t i = b; i < e; ++i) (*out)[i] = std::move(r.value()[i - b]);
    } else if (!stop && rejected(r) && e - b > 1) {
      Bisect(texts, b, e, out);
    } else {
      for (size_t i = b; i < e; ++i) (*out)[i] = r.status();
    }
  };
  settle(left, begin, mid);
  settle(right, mid, end);
}

Result<std::vector<std::vector<float>>> OpenAiEmbedder::Request(const std::vector<std::string>& texts,
                                                                 size_t begin, size_t end) {
  json body = {{"model", options_.model},
               {"input", json::array()}};
  for (size_t i = begin; i < end; ++i) body["input"].push_back(texts[i]);
  if (options_.dimensions > 0) body["dimensions"] = options_.dimensions;
  const std::string payload = body.dump(-1, ' ', false, json::error_handler_t::replace);
  std::optional<Result<std::vector<std::vector<float>>>> result;
  Status last;
  bool refreshed = false, refresh_now = false;  // a refused bearer is fetched anew once per request
  std::string sent;
  const auto end_state = RetryLoop(*backoff_, [&](int) -> AttemptVerdict {
    std::vector<std::string> headers = {"Content-Type: application/json", "Accept: application/json"};
    if (options_.bearer) {
      auto token = refresh_now ? options_.bearer->Refresh(sent) : options_.bearer->Get();
      refresh_now = false;
      if (!token.ok()) {
        last = token.status();
        return {true};
      }
      sent = token->secret;
      headers.push_back("Authorization: Bearer " + sent);
    } else if (!options_.api_key.empty()) {
      sent = options_.api_key;
      headers.push_back("Authorization: Bearer " + sent);
    }
    auto reply = http_->Post(url_, headers, payload, options_.timeout_ms);
    if (reply.ok() && reply->status == 401 && options_.bearer && !refreshed) {
      refreshed = refresh_now = true;  // the token expired or was revoked early: once more with a new one
      last = Status::Unavailable("embedding provider refused the token (401)");
      return {true, 0};
    }
    if (!reply.ok()) {
      last = reply.status();
      return {true};
    }
    if (reply->status >= 200 && reply->status < 300) {
      try {
        result = ParseReply(reply->body, end - begin);
      } catch (const std::exception& e) {  // defensive: ParseReply checks types before reading
        result = Malformed(e.what());
      }
    } else if (RetryableHttpStatus(reply->status)) {
      last = Status::Unavailable("embedding provider returned " + std::to_string(reply->status) + ": " +
                                 ProviderMessage(reply->body, sent));
      return {true, RetryAfterMs("", reply->retry_after, NowMillis() / 1000)};
    } else if (reply->status == 401 || reply->status == 403 || reply->status == 404) {
      result = Status::Unavailable("embedding provider refused the request (" + std::to_string(reply->status) +
                                   ", check embed_base_url, embed_model and the API key): " +
                                   ProviderMessage(reply->body, sent));
    } else {
      result = Status::InvalidArgument("embedding provider rejected the input (" +
                                       std::to_string(reply->status) + "): " + ProviderMessage(reply->body, sent));
    }
    return {false};
  });
  if (end_state == RetryEnd::kDone) return std::move(*result);
  const int attempts = 1 + options_.max_retries;
  return Status::Unavailable("embedding provider unavailable after " + std::to_string(attempts) +
                             " attempt(s): " + last.message());
}

Result<std::vector<std::vector<float>>> OpenAiEmbedder::ParseReply(const std::string& body, size_t count) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return Malformed("not JSON: " + ScrubProviderText(body, options_.api_key));
  const auto data = j.is_object() ? j.find("data") : j.end();
  if (data == j.end() || !data->is_array()) return Malformed("no \"data\" array");
  if (data->size() != count) {
    return Malformed(std::to_string(data->size()) + " embeddings for " + std::to_string(count) + " inputs");
  }
  int batch_dim = dim();  // 0 until known: then the first embedding sets it
  std::vector<std::vector<float>> vectors(count);
  for (size_t pos = 0; pos < count; ++pos) {
    const json& item = (*data)[pos];
    if (!item.is_object()) return Malformed("data[" + std::to_string(pos) + "] is not an object");
    size_t index = pos;
    if (auto it = item.find("index"); it != item.end()) {
      if (!it->is_number_unsigned() || it->get<uint64_t>() >= count) {
        return Malformed("data[" + std::to_string(pos) + "].index is not an input position");
      }
      index = static_cast<size_t>(it->get<uint64_t>());
    }
    if (!vectors[index].empty()) return Malformed("index " + std::to_string(index) + " appears twice");
    auto emb = item.find("embedding");
    if (emb == item.end() || !emb->is_array() || emb->empty()) {
      return Malformed("data[" + std::to_string(pos) + "].embedding is not a non-empty array of floats");
    }
    std::vector<float>& v = vectors[index];
    v.reserve(emb->size());
    double sq = 0;
    for (const json& x : *emb) {
      if (!x.is_number()) return Malformed("embedding holds a non-number");
      const double d = x.get<double>();
      if (!std::isfinite(d)) return Malformed("embedding holds a non-finite number");
      v.push_back(static_cast<float>(d));
      sq += d * d;
    }
    const int got = static_cast<int>(v.size());
    if (batch_dim == 0) batch_dim = got;
    if (got != batch_dim) {
      return Malformed("embedding has " + std::to_string(got) + " dimensions, expected " + std::to_string(batch_dim));
    }
    if (sq <= 0) return Malformed("zero vector");
    const auto inv = static_cast<float>(1.0 / std::sqrt(sq));
    for (float& x : v) x *= inv;
  }
  int none = 0;
  learned_dim_.compare_exchange_strong(none, static_cast<int>(vectors[0].size()));
  return vectors;
}

}  // namespace exemplar::embed
