#include "service/effectiveness/effectiveness.h"

#include <algorithm>
#include <map>

#include "common/time.h"
#include "service/effectiveness/beta.h"
#include "service/examples/example_json.h"
#include "service/search/usage_retention.h"

namespace exemplar::service {
namespace {

constexpr double kTrendDelta = 0.05;  // success-rate change that counts as a trend, not noise
constexpr int64_t kTrendWindow = 30 * kMillisPerDay;

std::optional<double> Rate(double s, double f) {
  if (s + f <= 0) return std::nullopt;
  return s / (s + f);
}

Json Opt(const std::optional<double>& d) { return d ? Json(*d) : Json(nullptr); }
Json Opt(const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); }

Json RankingItem(const Example& e) {
  auto rate = Rate(e.success_count, e.failure_count);
  return {{"example_id", e.id},
          {"domain", e.domain},
          {"function_name", e.function_name ? Json(*e.function_name) : Json(nullptr)},
          {"explanation", e.explanation ? Json(*e.explanation) : Json(nullptr)},
          {"input_preview", e.input_json.substr(0, 160)},
          {"effectiveness_score", Opt(e.effectiveness_score())},
          {"usage_count", e.usage_count},
          {"success_count", e.success_count},
          {"failure_count", e.failure_count},
          {"success_rate", Opt(rate)}};
}

}  // namespace

std::pair<double, double> OutcomeEvidence(const std::string& outcome) {
  if (outcome == "success") return {1.0, 0.0};
  if (outcome == "failure") return {0.0, 1.0};
  if (outcome == "partial") return {0.5, 0.5};
  return {0.0, 0.0};
}

Status Effectiveness::Record(const std::vector<UsageEvent>& events) {
  std::vector<std::string> ids;
  for (const auto& e : events) ids.push_back(e.example_id);
  EXEMPLAR_RETURN_IF_ERROR(Commit([&] { return store_.RecordUsage(events); }, ids));
  if (retention_) retention_->NoteUsageEvents(static_cast<int64_t>(events.size()));
  return Status::Ok();
}

Status Effectiveness::Commit(const std::function<Status()>& write, const std::vector<std::string>& example_ids) {
  auto lock = index_.LockWrites();
  EXEMPLAR_RETURN_IF_ERROR(write());
  std::vector<std::string> ids = example_ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (const auto& id : ids) {
    auto e = store_.GetExample(id);
    if (e.ok()) index_.catalog().SetEvidence(e->row_id, e->success_count, e->failure_count);
  }
  return Status::Ok();
}

Status Effectiveness::Track(const std::string& example_id, const UsageEvent& event) {
  EXEMPLAR_RETURN_IF_ERROR(store_.GetExample(example_id).status());
  UsageEvent e = event;
  e.example_id = example_id;
  e.kind = "tracked";
  auto [s, f] = OutcomeEvidence(e.outcome.value_or(""));
  e.success_delta = s;
  e.failure_delta = f;
  return Record({e});
}

Result<EffectivenessStats> Effectiveness::Stats(const std::string& example_id, int64_t now) {
  if (now == 0) now = NowMillis();
  EXEMPLAR_ASSIGN_OR_RETURN(Example e, store_.GetExample(example_id));
  EffectivenessStats s;
  s.example_id = e.id;
  s.total_uses = e.usage_count;
  s.success_count = e.success_count;
  s.failure_count = e.failure_count;
  s.success_rate = Rate(e.success_count, e.failure_count);
  s.effectiveness_score = e.effectiveness_score();
  s.interval_low = BetaQuantile(0.05, e.success_count + 1, e.failure_count + 1);
  s.interval_high = BetaQuantile(0.95, e.success_count + 1, e.failure_count + 1);
  s.last_used_at = e.last_used_at;
  EXEMPLAR_ASSIGN_OR_RETURN(auto recent, store_.ExampleUsage(e.id, now - kTrendWindow, now + 1));
  EXEMPLAR_ASSIGN_OR_RETURN(auto prior, store_.ExampleUsage(e.id, now - 2 * kTrendWindow, now - kTrendWindow));
  s.recent_success_rate = Rate(recent.successes, recent.failures);
  s.prior_success_rate = Rate(prior.successes, prior.failures);
  if (s.recent_success_rate && s.prior_success_rate) {
    double d = *s.recent_success_rate - *s.prior_success_rate;
    s.trend = d > kTrendDelta ? "improving" : (d < -kTrendDelta ? "declining" : "stable");
  }
  return s;
}

Json StatsToJson(const EffectivenessStats& s) {
  return {{"example_id", s.example_id},
          {"total_uses", s.total_uses},
          {"success_count", s.success_count},
          {"failure_count", s.failure_count},
          {"success_rate", Opt(s.success_rate)},
          {"effectiveness_score", Opt(s.effectiveness_score)},
          {"interval", {{"level", 0.9}, {"low", s.interval_low}, {"high", s.interval_high}}},
          {"effectiveness_trend", s.trend ? Json(*s.trend) : Json(nullptr)},
          {"recent_success_rate", Opt(s.recent_success_rate)},
          {"prior_success_rate", Opt(s.prior_success_rate)},
          {"last_used_at", s.last_used_at ? Json(FormatRfc3339(*s.last_used_at)) : Json(nullptr)}};
}

Json UsageEventToJson(const UsageEvent& e) {
  return {{"id", e.id},
          {"kind", e.kind},
          {"outcome", Opt(e.outcome)},
          {"success_delta", e.success_delta},
          {"failure_delta", e.failure_delta},
          {"confidence", Opt(e.confidence)},
          {"context", Opt(e.context)},
          {"model_id", Opt(e.model_id)},
          {"run_id", Opt(e.run_id)},
          {"retrieval_id", Opt(e.retrieval_id)},
          {"actor", Opt(e.actor)},
          {"created_at", FormatRfc3339(e.created_at)}};
}

Result<Json> Effectiveness::Dashboard(const DashboardQuery& q) {
  int64_t now = q.now ? q.now : NowMillis();
  // The period is whole UTC days ending today: period_days points in the daily series.
  int64_t today = now - now % kMillisPerDay;
  int64_t from = today - (q.period_days - 1) * kMillisPerDay;
  int64_t to = today + kMillisPerDay;

  struct Group {
    int64_t examples = 0;
    double eff_sum = 0;
    int64_t eff_n = 0;
  };
  std::map<std::string, Group> by_domain, by_function;
  std::vector<Example> scored;
  // Used in the period: retrieved, tracked or credited with an outcome then (last_used_at, which
  // exactly those events move). An optimization sync adds evidence but is not a use: an example
  // only a run measured is stale. So examples_with_usage + stale_examples_count = total_examples.
  int64_t total_examples = 0, used = 0, stale = 0;
  double eff_sum = 0;
  int64_t eff_n = 0;
  EXEMPLAR_RETURN_IF_ERROR(store_.ScanExamples(false, [&](Example&& e) {
    if (q.domain && e.domain != *q.domain) return;
    if (q.function_name && e.function_name != q.function_name) return;
    ++total_examples;
    auto eff = e.effectiveness_score();
    Group& d = by_domain[e.domain];
    Group& f = by_function[e.function_name.value_or("")];
    ++d.examples;
    ++f.examples;
    if (eff) {
      eff_sum += *eff;
      ++eff_n;
      d.eff_sum += *eff;
      ++d.eff_n;
      f.eff_sum += *eff;
      ++f.eff_n;
    }
    if (e.last_used_at && *e.last_used_at >= from) ++used;
    else ++stale;
    if (eff) scored.push_back(std::move(e));
  }));

  EXEMPLAR_ASSIGN_OR_RETURN(auto per_example, store_.AggregateUsage("example", from, to, q.domain, q.function_name));
  EXEMPLAR_ASSIGN_OR_RETURN(auto per_domain, store_.AggregateUsage("domain", from, to, q.domain, q.function_name));
  EXEMPLAR_ASSIGN_OR_RETURN(auto per_function, store_.AggregateUsage("function", from, to, q.domain, q.function_name));
  EXEMPLAR_ASSIGN_OR_RETURN(auto per_day, store_.AggregateUsage("day", from, to, q.domain, q.function_name));

  int64_t uses = 0;
  double successes = 0, failures = 0;
  for (const auto& a : per_example) {
    uses += a.uses;
    successes += a.successes;
    failures += a.failures;
  }
  auto breakdown = [&](const std::vector<storage::UsageAggregate>& aggs, std::map<std::string, Group>& groups,
                       const char* key) {
    std::map<std::string, const storage::UsageAggregate*> usage;
    for (const auto& a : aggs) usage[a.key] = &a;
    Json out = Json::array();
    for (const auto& [name, g] : groups) {
      const storage::UsageAggregate* a = usage.count(name) ? usage[name] : nullptr;
      out.push_back({{key, name.empty() ? Json(nullptr) : Json(name)},
                     {"example_count", g.examples},
                     {"total_uses", a ? a->uses : 0},
                     {"successes", a ? a->successes : 0.0},
                     {"failures", a ? a->failures : 0.0},
                     {"success_rate", a ? Opt(Rate(a->successes, a->failures)) : Json(nullptr)},
                     {"avg_effectiveness", g.eff_n ? Json(g.eff_sum / g.eff_n) : Json(nullptr)}});
    }
    return out;
  };
  std::map<std::string, const storage::UsageAggregate*> days;
  for (const auto& a : per_day) days[a.key] = &a;
  Json daily = Json::array();
  for (int64_t d = from; d < to; d += kMillisPerDay) {
    std::string date = FormatDate(d);
    auto it = days.find(date);
    daily.push_back({{"date", date},
                     {"uses", it == days.end() ? 0 : it->second->uses},
                     {"successes", it == days.end() ? 0.0 : it->second->successes},
                     {"failures", it == days.end() ? 0.0 : it->second->failures}});
  }
  auto by_score = [](const Example& a, const Example& b) {
    double ea = *a.effectiveness_score(), eb = *b.effectiveness_score();
    return ea != eb ? ea > eb : a.id < b.id;
  };
  std::sort(scored.begin(), scored.end(), by_score);
  Json top = Json::array(), bottom = Json::array();
  constexpr size_t kRanked = 10;
  for (size_t i = 0; i < scored.size() && i < kRanked; ++i) top.push_back(RankingItem(scored[i]));
  for (size_t i = 0; i < scored.size() && i < kRanked; ++i) {
    bottom.push_back(RankingItem(scored[scored.size() - 1 - i]));
  }
  return Json{{"period_days", q.period_days},
              {"period_start", FormatDate(from)},
              {"period_end", FormatDate(today)},
              {"total_examples", total_examples},
              {"examples_with_usage", used},
              {"total_uses", uses},
              {"total_successes", successes},
              {"total_failures", failures},
              {"overall_success_rate", Opt(Rate(successes, failures))},
              {"avg_effectiveness_score", eff_n ? Json(eff_sum / eff_n) : Json(nullptr)},
              {"domain_breakdown", breakdown(per_domain, by_domain, "domain")},
              {"function_breakdown", breakdown(per_function, by_function, "function_name")},
              {"daily_usage", daily},
              {"top_examples", top},
              {"bottom_examples", bottom},
              {"stale_examples_count", stale}};
}

}  // namespace exemplar::service
