// The audit log (issue 19) over the whole route table: every route that writes is exercised once
// here and must append exactly one audit entry naming its route and actor. A write route added to
// the table without a case below fails the test, so no write path can go unaudited by accident.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <thread>

#include "api/routes.h"
#include "common/time.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

Json MakeTemplate(const std::string& name) {
  return {{"name", name},
          {"input_schema", {{{"name", "text"}, {"type", "string"}, {"description", "the text"}}}},
          {"output_schema", {{{"name", "label"}, {"type", "string"}}}},
          {"prompt_template", "Label the text."}};
}

class AuditApi : public ::testing::Test {
 protected:
  // Audit entries with this action (newest first).
  std::vector<Json> Entries(const std::string& action) {
    auto r = server_.Get("/api/v1/audit?limit=1000");
    EXPECT_EQ(r.status, 200) << r.raw;
    std::vector<Json> out;
    for (const auto& e : r.body["entries"]) {
      if (e["action"] == action) out.push_back(e);
    }
    return out;
  }
  std::string Example(const std::string& text, const std::string& databit = "") {
    Json body = MakeExample(text, "audit");
    if (!databit.empty()) body["databit_id"] = databit;
    auto r = server_.Post("/api/v1/examples", body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body["example_id"];
  }
  std::string Template(const std::string& name) {
    auto r = server_.Post("/api/v1/templates", MakeTemplate(name));
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body["id"];
  }
  Json FinishedRun(const std::string& template_id) {
    auto r = server_.Post("/api/v1/dspy-runs", {{"template_id", template_id},
                                                {"optimizer_type", "LabeledFewShot"},
                                                {"lm", {{"provider", "offline"}}},
                                                {"budget", {{"max_trials", 2}}}});
    EXPECT_EQ(r.status, 201) << r.raw;
    std::string id = r.body["run_id"];
    for (int i = 0; i < 600; ++i) {
      Json run = server_.Get("/api/v1/dspy-runs/" + id).body;
      if (run["status"] == "completed" || run["status"] == "failed") return run;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "run did not finish";
    return r.body;
  }
  TestServer server_;
};

TEST_F(AuditApi, EveryWriteRouteAppendsOneEntryInItsTransaction) {
  // Fixtures shared by the cases.
  std::string tmpl = Template("Audited");
  for (int i = 0; i < 4; ++i) Example("fixture " + std::to_string(i), tmpl);

  using Case = std::function<HttpResult()>;
  const std::map<std::string, Case> cases = {
      {"POST /api/v1/examples", [&] { return server_.Post("/api/v1/examples", MakeExample("created", "audit")); }},
      {"POST /api/v1/examples/batch",
       [&] { return server_.Post("/api/v1/examples/batch", {{"examples", {MakeExample("batched", "audit")}}}); }},
      {"POST /api/v1/examples/import",
       [&] { return server_.PostRaw("/api/v1/examples/import", DumpJson(MakeExample("imported", "audit")) + "\n",
                                    "application/x-ndjson"); }},
      {"POST /api/v1/examples/regenerate-embeddings",
       [&] { return server_.Post("/api/v1/examples/regenerate-embeddings", Json::object()); }},
      {"PUT /api/v1/examples/{id}",
       [&] { return server_.Put("/api/v1/examples/" + Example("to edit"), {{"explanation", "edited"}}); }},
      {"DELETE /api/v1/examples/{id}", [&] { return server_.Delete("/api/v1/examples/" + Example("to delete")); }},
      {"POST /api/v1/examples/bulk-update",
       [&] {
         return server_.Post("/api/v1/examples/bulk-update",
                             {{"ids", {Example("bulk edit a"), Example("bulk edit b")}}, {"set", {{"domain", "bulk"}}}});
       }},
      {"POST /api/v1/examples/bulk-delete",
       [&] {
         return server_.Post("/api/v1/examples/bulk-delete", {{"ids", {Example("bulk gone a"), Example("bulk gone b")}}});
       }},
      {"POST /api/v1/examples/{id}/restore",
       [&] {
         std::string id = Example("to restore");
         server_.Delete("/api/v1/examples/" + id);
         return server_.Post("/api/v1/examples/" + id + "/restore", Json::object());
       }},
      {"POST /api/v1/templates", [&] { return server_.Post("/api/v1/templates", MakeTemplate("Created")); }},
      {"PUT /api/v1/templates/{id}",
       [&] { return server_.Put("/api/v1/templates/" + Template("Edit me"), {{"description", "edited"}}); }},
      {"DELETE /api/v1/templates/{id}", [&] { return server_.Delete("/api/v1/templates/" + Template("Delete me")); }},
      {"POST /api/v1/templates/{id}/publish",
       [&] { return server_.Post("/api/v1/templates/" + Template("Publish me") + "/publish", Json::object()); }},
      {"POST /api/v1/templates/{id}/archive",
       [&] { return server_.Post("/api/v1/templates/" + Template("Archive me") + "/archive", Json::object()); }},
      {"POST /api/v1/templates/{id}/version",
       [&] { return server_.Post("/api/v1/templates/" + tmpl + "/version", Json::object()); }},
      {"POST /api/v1/templates/{id}/export-dspy",
       [&] { return server_.Post("/api/v1/templates/" + tmpl + "/export-dspy", {{"format", "python_module"}}); }},
      {"POST /api/v1/templates/{id}/import-dspy",
       [&] {
         auto state = server_.Post("/api/v1/templates/" + tmpl + "/export-dspy",
                                   {{"format", "program_state"}, {"example_source", "store"}});
         return server_.Post("/api/v1/templates/" + tmpl + "/import-dspy", Json::parse(state.body["content"].get<std::string>()));
       }},
      {"POST /api/v1/dspy-runs",
       [&] { return server_.Post("/api/v1/dspy-runs", {{"template_id", tmpl}, {"optimizer_type", "LabeledFewShot"},
                                                      {"lm", {{"provider", "offline"}}}, {"budget", {{"max_trials", 1}}}}); }},
      {"POST /api/v1/dspy-runs/{id}/cancel",
       [&] {
         auto r = server_.Post("/api/v1/dspy-runs", {{"template_id", tmpl}, {"optimizer_type", "BootstrapFewShotWithRandomSearch"},
                                                     {"lm", {{"provider", "offline"}}}, {"budget", {{"max_trials", 500}}}});
         return server_.Post("/api/v1/dspy-runs/" + r.body["run_id"].get<std::string>() + "/cancel", Json::object());
       }},
      {"POST /api/v1/dspy-runs/{id}/sync",
       [&] { return server_.Post("/api/v1/dspy-runs/" + FinishedRun(tmpl)["run_id"].get<std::string>() + "/sync", Json::object()); }},
      {"POST /api/v1/dspy-runs/{id}/accept",
       [&] { return server_.Post("/api/v1/dspy-runs/" + FinishedRun(tmpl)["run_id"].get<std::string>() + "/accept", Json::object()); }},
      {"POST /api/v1/dspy-runs/{id}/reject",
       [&] { return server_.Post("/api/v1/dspy-runs/" + FinishedRun(tmpl)["run_id"].get<std::string>() + "/reject", Json::object()); }},
      {"POST /api/v1/snapshots",
       [&] { return server_.Post("/api/v1/snapshots", {{"name", "audited"}, {"filter", {{"domain", "audit"}}}}); }},
  };

  auto routes = api::BuildRoutes(server_.runtime().services());
  int audited = 0;
  for (const auto& r : routes) {
    // A deprecated alias runs its target's handler and is audited as the target (openapi_test calls it).
    if (!r.alias_of.empty()) continue;
    const std::string key = r.method + " " + r.path;
    if (!api::IsAuditedRoute(r)) {
      // Only reads and usage evidence are left out.
      if (r.method != "GET" && r.path != "/api/v1/examples/search") {
        EXPECT_TRUE(key.find("retrieve") != std::string::npos || key.find("outcome") != std::string::npos ||
                    key.find("/track") != std::string::npos)
            << key << " changes data but is not audited";
      }
      continue;
    }
    auto it = cases.find(key);
    if (it == cases.end()) {
      ADD_FAILURE() << "write route " << key << " has no audit case in audit_api_test.cc";
      continue;
    }
    const size_t before = Entries(key).size();
    HttpResult res = it->second();
    EXPECT_LT(res.status, 300) << key << ": " << res.raw;
    auto after = Entries(key);
    // A launch without a snapshot freezes one: the snapshot has its own entry (entity snapshot).
    const size_t appended = key == "POST /api/v1/dspy-runs" ? 2 : 1;
    ASSERT_EQ(after.size(), before + appended) << key << " appended " << after.size() - before << " audit entries";
    EXPECT_EQ(after.front()["actor"], "local") << key;
    // One of the entities GET /audit?entity= takes (service::audit::Entities).
    const std::set<std::string> entities = {"example", "template", "run", "snapshot", "token"};
    EXPECT_EQ(entities.count(after.front()["entity"].get<std::string>()), 1u) << key << ": " << after.front();
    ++audited;
  }
  EXPECT_EQ(audited, static_cast<int>(cases.size())) << "a case names a route the table no longer has";

  // A failed write leaves no entry: nothing changed.
  const size_t before = Entries("PUT /api/v1/examples/{id}").size();
  EXPECT_EQ(server_.Put("/api/v1/examples/00000000-0000-4000-8000-000000000000", {{"explanation", "x"}}).status, 404);
  EXPECT_EQ(Entries("PUT /api/v1/examples/{id}").size(), before);
  // Reads are not audited; an example's entry names it.
  std::string id = Example("named");
  auto trail = server_.Get("/api/v1/audit?entity=example&entity_id=" + id);
  ASSERT_EQ(trail.body["entries"].size(), 1u) << trail.raw;
  EXPECT_EQ(trail.body["entries"][0]["entity_ids"][0], id);
}

// An unknown entity matched nothing and answered an empty page, read as "no changes". It is a
// 422 listing the entities; each listed one is taken.
TEST_F(AuditApi, UnknownEntityIsRefusedWithTheList) {
  Example("audited");
  for (const char* entity : {"bogus", "examples", "bogus:00000000-0000-4000-8000-000000000000"}) {
    auto r = server_.Get(std::string("/api/v1/audit?entity=") + entity);
    EXPECT_EQ(r.status, 422) << entity << " " << r.raw;
    EXPECT_EQ(r.body["detail"][0]["loc"], Json::array({"query", "entity"})) << r.raw;
    EXPECT_NE(r.raw.find("example, template, run, snapshot, token"), std::string::npos) << r.raw;
  }
  for (const char* entity : {"example", "template", "run", "snapshot", "token"}) {
    EXPECT_EQ(server_.Get(std::string("/api/v1/audit?entity=") + entity).status, 200) << entity;
  }
  EXPECT_EQ(server_.Get("/api/v1/audit?entity=example").body["entries"].size(), 1u);
}

// A bulk edit's dry run changes nothing, so it leaves no entry (s22 loops P2: it left one with an
// empty diff and no ids, the route's entry flushed as if something had changed). The real edit
// after it is audited as before, with its ids.
TEST_F(AuditApi, BulkDryRunsLeaveNoEntry) {
  const std::vector<std::string> ids = {Example("dry a"), Example("dry b")};
  for (const std::string route : {"bulk-update", "bulk-delete"}) {
    SCOPED_TRACE(route);
    const std::string action = "POST /api/v1/examples/" + route;
    Json body = {{"ids", ids}, {"dry_run", true}};
    if (route == "bulk-update") body["set"] = {{"domain", "dried"}};
    auto dry = server_.Post("/api/v1/examples/" + route, body);
    ASSERT_EQ(dry.status, 200) << dry.raw;
    EXPECT_EQ(dry.body["matched"], 2);
    EXPECT_EQ(dry.body["dry_run"], true);
    EXPECT_EQ(Entries(action).size(), 0u) << server_.Get("/api/v1/audit?limit=5").raw;
    body["dry_run"] = false;
    ASSERT_EQ(server_.Post("/api/v1/examples/" + route, body).status, 200);
    auto entries = Entries(action);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(std::set<std::string>(entries[0]["entity_ids"].begin(), entries[0]["entity_ids"].end()),
              std::set<std::string>(ids.begin(), ids.end()));
  }
}

// A write that changed nothing leaves no entry, as a dry run (review s24 loops2 P2-5): an import
// whose records are all stored already, one whose records were all refused, a bulk delete that
// matched none. An import that creates some names only those it created.
TEST_F(AuditApi, WritesThatChangeNothingLeaveNoEntry) {
  const std::string import_action = "POST /api/v1/examples/import";
  auto import = [&](const std::vector<Json>& records) {
    std::string body;
    for (const auto& r : records) body += DumpJson(r) + "\n";
    return server_.PostRaw("/api/v1/examples/import", body, "application/x-ndjson");
  };
  Json first = MakeExample("stored once", "audit"), second = MakeExample("stored twice", "audit");
  first["client_id"] = "audit-first";
  second["client_id"] = "audit-second";
  auto created = import({first, second});
  ASSERT_EQ(created.status, 201) << created.raw;
  ASSERT_EQ(Entries(import_action).size(), 1u);

  auto again = import({first, second});
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["existing_count"], 2);
  EXPECT_EQ(Entries(import_action).size(), 1u) << server_.Get("/api/v1/audit?limit=3").raw;

  Json unknown_key = MakeExample("refused", "audit");
  unknown_key["no_such_field"] = 1;
  auto refused = import({unknown_key});
  ASSERT_EQ(refused.status, 422) << refused.raw;
  EXPECT_EQ(Entries(import_action).size(), 1u) << server_.Get("/api/v1/audit?limit=3").raw;

  Json third = MakeExample("new among old", "audit");
  auto mixed = import({first, third});
  ASSERT_EQ(mixed.status, 201) << mixed.raw;
  ASSERT_EQ(mixed.body["created_ids"].size(), 1u);
  auto entries = Entries(import_action);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["entity_ids"], mixed.body["created_ids"]) << entries[0].dump();

  auto none = server_.Post("/api/v1/examples/bulk-delete", {{"filter", {{"domain", "no-such-domain"}}}});
  ASSERT_EQ(none.status, 200) << none.raw;
  EXPECT_EQ(none.body["matched"], 0);
  EXPECT_EQ(Entries("POST /api/v1/examples/bulk-delete").size(), 0u) << server_.Get("/api/v1/audit?limit=3").raw;
  auto none_set = server_.Post("/api/v1/examples/bulk-update",
                               {{"filter", {{"domain", "no-such-domain"}}}, {"set", {{"domain", "elsewhere"}}}});
  ASSERT_EQ(none_set.status, 200) << none_set.raw;
  EXPECT_EQ(Entries("POST /api/v1/examples/bulk-update").size(), 0u) << server_.Get("/api/v1/audit?limit=3").raw;
}

TEST(AuditRetention, OldEntriesArePurgedAndRetentionIsConfigurable) {
  Config c;
  c.audit_retention_days = 30;
  TestServer server(c);
  auto& store = server.runtime().store();
  AuditRecord old_entry;
  old_entry.at = NowMillis() - int64_t{31} * kMillisPerDay;
  old_entry.actor = "someone";
  old_entry.action = "POST /api/v1/examples";
  old_entry.entity = "example";
  ASSERT_TRUE(store.AppendAudit({old_entry}).ok());
  ASSERT_EQ(server.Post("/api/v1/examples", MakeExample("fresh")).status, 201);
  EXPECT_EQ(server.Get("/api/v1/audit").body["entries"].size(), 2u);
  auto purged = server.runtime().audit().PurgeExpired();
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  auto left = server.Get("/api/v1/audit").body;
  ASSERT_EQ(left["entries"].size(), 1u);
  EXPECT_EQ(left["entries"][0]["actor"], "local");
  EXPECT_EQ(left["retention_days"], 30);
}

}  // namespace
}  // namespace exemplar::testing
