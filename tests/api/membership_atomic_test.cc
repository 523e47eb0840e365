// An example and its member_of edge are written in one transaction (review s22 ops P1-2): a
// create, batch, edit or bulk edit whose edge cannot be written leaves nothing behind, where an
// older build committed the example and then failed on the edge (a disk filling up between the two
// writes left examples that no template's attribution lists). The failure is real: a trigger on
// the server's own database refuses member_of edges (on PostgreSQL as "disk full", SQLSTATE 53100).
// A create retried after such a failure, and a restart, give a missing edge back. Runs on SQLite
// and, as the pg: variant, on PostgreSQL.
#include <gtest/gtest.h>

#include <set>

#include "storage/store.h"
#include "testing/db_sql.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

bool OnPostgres(const Config& c) { return storage::IsPostgresUrl(c.db); }

// Examples that name a template but have no open member_of edge to it.
const char* kExamplesWithoutMembership =
    "SELECT COUNT(*) FROM examples e WHERE e.databit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lineage_edges l "
    "WHERE l.source_type = 'example' AND l.source_id = e.id AND l.target_id = e.databit_id AND "
    "l.type = 'member_of' AND l.closed_at IS NULL)";

class MembershipAtomic : public ::testing::Test {
 protected:
  const Config& config() { return server_.config(); }

  // From now on every member_of edge write fails, as the disk that filled up made it fail.
  void RefuseMemberships() {
    if (OnPostgres(config())) {
      ExecSql(config(),
           "CREATE FUNCTION refuse_member_of() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
           "RAISE EXCEPTION 'injected: no space left for the edge' USING ERRCODE = 'disk_full'; END $$; "
           "CREATE TRIGGER refuse_member_of BEFORE INSERT ON lineage_edges FOR EACH ROW "
           "WHEN (NEW.type = 'member_of') EXECUTE FUNCTION refuse_member_of()");
    } else {
      ExecSql(config(),
           "CREATE TRIGGER refuse_member_of BEFORE INSERT ON lineage_edges WHEN NEW.type = 'member_of' "
           "BEGIN SELECT RAISE(ABORT, 'injected: no space left for the edge'); END");
    }
  }
  void AllowMemberships() {
    ExecSql(config(), OnPostgres(config()) ? "DROP TRIGGER refuse_member_of ON lineage_edges"
                                        : "DROP TRIGGER refuse_member_of");
  }
  // A write refused because its edge could not be written: 507 on PostgreSQL (disk full), a
  // refusal in any case, never a success.
  void ExpectRefused(const HttpResult& r) {
    EXPECT_GE(r.status, 400) << r.raw;
    if (OnPostgres(config())) {
      EXPECT_EQ(r.status, 507) << r.raw;
    }
  }

  std::string CreateTemplate(const std::string& name) {
    auto r = server_.Post("/api/v1/templates",
                          {{"name", name},
                           {"input_schema", {{{"name", "text"}, {"type", "string"}, {"description", "the text"}}}},
                           {"output_schema", {{{"name", "label"}, {"type", "string"}}}},
                           {"prompt_template", "Label the text."}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("id", "");
  }
  Json Member(const std::string& text, const std::string& template_id) {
    Json body = MakeExample(text, "membership");
    body["databit_id"] = template_id;
    body["client_id"] = "client-" + text;
    return body;
  }
  // The templates the example's open member_of edges point to.
  std::set<std::string> OpenMemberships(const std::string& example_id) {
    auto r = server_.Get("/api/v1/examples/" + example_id + "/lineage");
    EXPECT_EQ(r.status, 200) << r.raw;
    std::set<std::string> out;
    for (const auto& e : r.body["edges"]) {
      if (e["source_id"] == example_id && e["type"] == "member_of" && e["closed_at"].is_null()) {
        out.insert(e["target_id"].get<std::string>());
      }
    }
    return out;
  }
  // Whether the template's attribution lists the example as a member.
  bool Attributed(const std::string& template_id, const std::string& example_id) {
    auto r = server_.Get("/api/v1/templates/" + template_id + "/attribution");
    EXPECT_EQ(r.status, 200) << r.raw;
    for (const auto& e : r.body["examples"]) {
      if (e["example_id"] == example_id) return e["relation"] == "member_of";
    }
    return false;
  }
  int64_t MembersListed(const std::string& template_id) {
    return server_.Get("/api/v1/examples/databit/" + template_id).body.value("total", int64_t{-1});
  }

  TestServer server_;
};

TEST_F(MembershipAtomic, CreateWhoseEdgeFailsStoresNothingAndItsRetryStoresBoth) {
  const std::string t = CreateTemplate("Members");
  RefuseMemberships();
  ExpectRefused(server_.Post("/api/v1/examples", Member("single create", t)));
  ExpectRefused(server_.Post("/api/v1/examples/batch",
                             {{"examples", {Member("atomic batch a", t), Member("atomic batch b", t)}}}));
  // A non-atomic batch stores item by item after the batch failed: each item fails alone.
  auto partial = server_.Post("/api/v1/examples/batch", {{"examples", {Member("partial batch a", t), Member("partial batch b", t)}},
                                                         {"atomic", false}});
  EXPECT_EQ(partial.body.value("created_count", int64_t{-1}), 0) << partial.raw;

  EXPECT_EQ(CountSql(config(), "SELECT COUNT(*) FROM examples"), 0);
  EXPECT_EQ(MembersListed(t), 0);
  auto found = server_.Post("/api/v1/examples/search", {{"query_text", "single create"}, {"mode", "keyword"}});
  ASSERT_EQ(found.status, 200) << found.raw;
  EXPECT_TRUE(found.body["results"].empty()) << found.raw;

  // Space again: the same request stores the example and its edge.
  AllowMemberships();
  auto retried = server_.Post("/api/v1/examples", Member("single create", t));
  ASSERT_EQ(retried.status, 201) << retried.raw;
  const std::string id = retried.body["example_id"];
  EXPECT_EQ(OpenMemberships(id), std::set<std::string>{t});
  EXPECT_TRUE(Attributed(t, id));
  EXPECT_EQ(CountSql(config(), kExamplesWithoutMembership), 0);
}

TEST_F(MembershipAtomic, EditWhoseEdgeFailsChangesNothing) {
  const std::string from = CreateTemplate("From");
  const std::string to = CreateTemplate("To");
  auto created = server_.Post("/api/v1/examples", Member("moving example", from));
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["example_id"];

  RefuseMemberships();
  ExpectRefused(server_.Put("/api/v1/examples/" + id, {{"databit_id", to}}));
  ExpectRefused(server_.Post("/api/v1/examples/bulk-update", {{"ids", {id}}, {"set", {{"databit_id", to}}}}));
  auto stored = server_.Get("/api/v1/examples/" + id);
  ASSERT_EQ(stored.status, 200) << stored.raw;
  EXPECT_EQ(stored.body["databit_id"], from);
  EXPECT_EQ(stored.body["version"], 1);
  // The edge to the template it stayed in is still open.
  EXPECT_EQ(OpenMemberships(id), std::set<std::string>{from});
  EXPECT_TRUE(Attributed(from, id));

  AllowMemberships();
  ASSERT_EQ(server_.Put("/api/v1/examples/" + id, {{"databit_id", to}}).status, 200);
  EXPECT_EQ(OpenMemberships(id), std::set<std::string>{to});
  EXPECT_EQ(CountSql(config(), kExamplesWithoutMembership), 0);
}

TEST_F(MembershipAtomic, RetryAndRestartGiveAMissingEdgeBack) {
  const std::string t = CreateTemplate("Repaired");
  auto a = server_.Post("/api/v1/examples", Member("retried after the failure", t));
  auto b = server_.Post("/api/v1/examples", Member("never retried", t));
  ASSERT_EQ(a.status, 201) << a.raw;
  ASSERT_EQ(b.status, 201) << b.raw;
  const std::string a_id = a.body["example_id"], b_id = b.body["example_id"];
  // What an older build left when the second write failed: the examples without their edges.
  ExecSql(config(), "DELETE FROM lineage_edges WHERE type = 'member_of'");
  ASSERT_EQ(CountSql(config(), kExamplesWithoutMembership), 2);

  // The writer retries the create that was answered 507: the answer names the stored example and
  // its edge is back.
  auto retried = server_.Post("/api/v1/examples", Member("retried after the failure", t));
  ASSERT_LT(retried.status, 300) << retried.raw;
  EXPECT_EQ(retried.body["example_id"], a_id);
  EXPECT_EQ(OpenMemberships(a_id), std::set<std::string>{t});
  EXPECT_TRUE(Attributed(t, a_id));
  EXPECT_TRUE(OpenMemberships(b_id).empty());

  // A start gives every remaining one back.
  server_.Restart();
  EXPECT_EQ(OpenMemberships(b_id), std::set<std::string>{t});
  EXPECT_TRUE(Attributed(t, b_id));
  EXPECT_EQ(CountSql(config(), kExamplesWithoutMembership), 0);
}

}  // namespace
}  // namespace exemplar::testing
