// exemplar optimize: runs one optimization against the local store and shows a progress bar.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "common/field_loc.h"
#include "service/runs/runs.h"
#include "storage/audit_context.h"

namespace exemplar::cli {
namespace {

void DrawBar(int done, int total, double best) {
  constexpr int kWidth = 30;
  int filled = total > 0 ? std::min(kWidth, done * kWidth / total) : 0;
  std::cerr << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] " << done << "/"
            << total << "  best " << std::fixed << std::setprecision(3) << best << std::flush;
}

}  // namespace

int RunOptimize(const Config& config, const Json& body, bool json_output) {
  auto rt = Runtime::Open(config, true, true);
  if (!rt.ok()) {
    std::cerr << "error: " << rt.status().message() << "\n";
    return 1;
  }
  service::Runs& runs = (*rt)->runs();
  std::optional<storage::AuditScope> audit_scope(std::in_place, CliAuditEntry("optimize"));
  auto run = runs.Launch(body, std::nullopt);
  audit_scope.reset();  // the run's own progress is written by its worker, unaudited as in the API
  if (!run.ok()) {
    std::cerr << "error: " << run.status().ToString() << "\n";
    for (const auto& fe : run.status().field_errors()) {
      std::cerr << "  " << LocPartText(fe.loc.back()) << ": " << fe.msg << "\n";
    }
    return 2;
  }
  std::string id = run->id;
  int64_t cursor = 0;
  int done = 0, total = body.value("budget", Json::object()).value("max_trials", 32);
  if (Json launched = Json::parse(run->progress_json, nullptr, false); launched.is_object()) {
    total = launched.value("trials_planned", total);
  }
  double best = 0;
  for (;;) {
    bool finished = false;
    auto events = runs.events().Read(id, cursor, std::chrono::milliseconds(500), &finished);
    for (const auto& e : events) {
      cursor = e.id;
      if (e.type == "progress") {
        done = e.data.value("trials_done", done);
        // The optimizer's own count within the budget (1 for LabeledFewShot); trials_total is the
        // budget, a bound MIPROv2 (which reports no plan) counts to.
        total = e.data.value("trials_planned", e.data.value("trials_total", total));
        if (e.data.contains("best_score") && e.data["best_score"].is_number()) best = e.data["best_score"];
        if (!json_output) DrawBar(done, total, best);
      }
    }
    if (finished) break;
  }
  auto final_run = runs.Get(id);
  if (!json_output) std::cerr << "\n";
  if (!final_run.ok()) return 1;
  if (json_output) {
    auto results = runs.Results(id);
    Json out = service::RunToJson(*final_run, runs.replicas());
    if (results.ok()) out["results"] = *results;
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "run " << id << ": " << final_run->status;
    if (final_run->best_score) std::cout << ", best score " << *final_run->best_score;
    if (final_run->error) std::cout << " (" << *final_run->error << ")";
    std::cout << "\n";
  }
  return final_run->status == "completed" ? 0 : 1;
}

}  // namespace exemplar::cli
