// Provenance through the API (issue 19): lineage of hand-built versions with example versions,
// membership that opens and closes, tombstones (delete keeps lineage and history, restore, purge
// keeps a hash and the audit record), frozen snapshots (byte-identical exports, diff), runs that
// train on a snapshot.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

Json MakeTemplate(const std::string& name, Json extra = Json::object()) {
  Json t = {{"name", name},
            {"input_schema", {{{"name", "text"}, {"type", "string"}, {"description", "the text"}}}},
            {"output_schema", {{{"name", "label"}, {"type", "string"}}}},
            {"prompt_template", "Label the text."}};
  t.update(extra);
  return t;
}

class ProvenanceApi : public ::testing::Test {
 protected:
  std::string CreateExample(const std::string& text, Json extra = Json::object()) {
    Json body = MakeExample(text, "provenance");
    body.update(extra);
    auto r = server_.Post("/api/v1/examples", body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("example_id", "");
  }
  std::string CreateTemplate(const std::string& name, Json extra = Json::object()) {
    auto r = server_.Post("/api/v1/templates", MakeTemplate(name, extra));
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("id", "");
  }
  // The attribution item of `example_id`, or null.
  Json TraceItem(const std::string& template_id, const std::string& example_id) {
    auto r = server_.Get("/api/v1/templates/" + template_id + "/attribution");
    EXPECT_EQ(r.status, 200) << r.raw;
    for (const auto& e : r.body["examples"]) {
      if (e["example_id"] == example_id) return e;
    }
    return nullptr;
  }
  Json Node(const Json& graph, const std::string& key) {
    for (const auto& n : graph["nodes"]) {
      if (n["key"] == key) return n;
    }
    return nullptr;
  }
  TestServer server_;
};

TEST_F(ProvenanceApi, HandBuiltVersionTracesItsInlineExamplesWithVersions) {
  std::string base = CreateTemplate("Base");
  std::string member = CreateExample("member of base", {{"databit_id", base}});
  std::string edited = CreateExample("edited twice");
  ASSERT_EQ(server_.Put("/api/v1/examples/" + edited, {{"explanation", "v2"}}).status, 200);
  // Hand-built: one inline example names its stored example, the other only repeats the input of
  // an example of the template it derives from.
  Json inline_examples = {
      {{"example_id", edited}, {"input", {{"text", "edited twice"}}}, {"output", {{"label", "ok"}}}},
      {{"input", {{"text", "member of base"}}}, {"output", {{"label", "ok"}}}},
      {{"input", {{"text", "never stored"}}}, {"output", {{"label", "ok"}}}}};
  std::string hand = CreateTemplate("Hand", {{"examples", inline_examples}, {"derived_from", {base}}});

  Json by_id = TraceItem(hand, edited);
  ASSERT_FALSE(by_id.is_null());
  EXPECT_EQ(by_id["relation"], "demo_of");
  EXPECT_EQ(by_id["version"], 2);
  Json by_input = TraceItem(hand, member);
  ASSERT_FALSE(by_input.is_null());
  EXPECT_EQ(by_input["version"], 1);
  auto trace = server_.Get("/api/v1/templates/" + hand + "/attribution").body;
  ASSERT_EQ(trace["inline_examples"].size(), 3u);
  EXPECT_EQ(trace["inline_examples"][0]["example_id"], edited);
  EXPECT_EQ(trace["inline_examples"][0]["version"], 2);
  EXPECT_EQ(trace["inline_examples"][1]["example_id"], member);
  EXPECT_EQ(trace["inline_examples"][2]["stored"], false);
  // The seed-like base template traces to its member through databit_id membership.
  EXPECT_EQ(TraceItem(base, member)["relation"], "member_of");

  // A version derived by hand keeps tracing to the same data.
  auto v2 = server_.Post("/api/v1/templates/" + hand + "/version", Json::object());
  ASSERT_EQ(v2.status, 201);
  std::string hand2 = v2.body["id"];
  EXPECT_FALSE(TraceItem(hand2, edited).is_null());
  EXPECT_FALSE(TraceItem(hand2, member).is_null());

  // An example's lineage shows the hand-built versions it feeds.
  auto lineage = server_.Get("/api/v1/examples/" + edited + "/lineage");
  ASSERT_EQ(lineage.status, 200);
  EXPECT_FALSE(Node(lineage.body, "template:" + hand).is_null());
  EXPECT_FALSE(Node(lineage.body, "template:" + hand2).is_null());

  // Dropping the inline example closes its edge: the draft reaches it only through its parent now.
  ASSERT_EQ(server_.Put("/api/v1/templates/" + hand2, {{"examples", Json::array({inline_examples[1]})}}).status, 200);
  auto hand2_graph = server_.Get("/api/v1/templates/" + hand2 + "/lineage?direction=upstream").body;
  bool demo_closed = false;
  for (const auto& e : hand2_graph["edges"]) {
    if (e["source_id"] == edited && e["target_id"] == hand2) demo_closed = e["type"] == "demo_of" && !e["closed_at"].is_null();
  }
  EXPECT_TRUE(demo_closed) << hand2_graph.dump();
  Json via_parent = TraceItem(hand2, edited);
  ASSERT_FALSE(via_parent.is_null());
  EXPECT_EQ(via_parent["path"][1]["id"], hand) << via_parent.dump();
  auto hand2_trace = server_.Get("/api/v1/templates/" + hand2 + "/attribution").body;
  ASSERT_EQ(hand2_trace["inline_examples"].size(), 1u);
  EXPECT_EQ(hand2_trace["inline_examples"][0]["example_id"], member);
  EXPECT_EQ(TraceItem(hand, edited)["relation"], "demo_of");  // the parent is unchanged

  // Membership moves with databit_id: closed for the old template, open for the new one.
  std::string other = CreateTemplate("Other");
  ASSERT_EQ(server_.Put("/api/v1/examples/" + member, {{"databit_id", other}}).status, 200);
  EXPECT_EQ(TraceItem(other, member)["relation"], "member_of");
  EXPECT_EQ(TraceItem(other, member)["version"], 2);
  Json old_member = TraceItem(base, member);
  EXPECT_TRUE(old_member.is_null()) << old_member.dump();
  auto base_graph = server_.Get("/api/v1/templates/" + base + "/lineage?direction=upstream").body;
  bool closed_seen = false;
  for (const auto& e : base_graph["edges"]) {
    if (e["source_id"] == member && e["type"] == "member_of") closed_seen = !e["closed_at"].is_null();
  }
  EXPECT_TRUE(closed_seen) << base_graph.dump();
}

TEST_F(ProvenanceApi, DeleteHidesButKeepsLineageAndHistoryRestoreBringsBack) {
  std::string id = CreateExample("tombstoned text about drift");
  ASSERT_EQ(server_.Put("/api/v1/examples/" + id, {{"explanation", "second"}}).status, 200);
  std::string t = CreateTemplate("Uses it", {{"examples", {{{"example_id", id}, {"input", {{"text", "x"}}}, {"output", {{"label", "ok"}}}}}}});
  auto search = [&] {
    auto r = server_.Post("/api/v1/examples/search", {{"query_text", "tombstoned drift"}, {"mode", "keyword"}});
    EXPECT_EQ(r.status, 200);
    return r.body["results"].size();
  };
  EXPECT_EQ(search(), 1u);

  ASSERT_EQ(server_.Delete("/api/v1/examples/" + id).status, 204);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + id).status, 404);
  EXPECT_EQ(server_.Get("/api/v1/examples?domain=provenance").body["total"], 0);
  EXPECT_EQ(search(), 0u);
  auto retrieved = server_.Post("/api/v1/examples/retrieve", {{"query", "tombstoned drift"}, {"k", 5}});
  ASSERT_EQ(retrieved.status, 200);
  EXPECT_EQ(retrieved.body["examples"].size(), 0u);
  EXPECT_EQ(server_.Delete("/api/v1/examples/" + id).status, 404);  // already deleted

  auto kept = server_.Get("/api/v1/examples/" + id + "?include_deleted=true");
  ASSERT_EQ(kept.status, 200);
  EXPECT_EQ(kept.body["deleted"], true);
  EXPECT_EQ(kept.body["input"]["text"], "tombstoned text about drift");
  auto history = server_.Get("/api/v1/examples/" + id + "/versions");
  ASSERT_EQ(history.status, 200);
  EXPECT_EQ(history.body["versions"].size(), 1u);
  auto lineage = server_.Get("/api/v1/templates/" + t + "/lineage?direction=upstream").body;
  Json node = Node(lineage, "example:" + id);
  ASSERT_FALSE(node.is_null()) << lineage.dump();
  EXPECT_EQ(node["attributes"]["deleted"], true);
  EXPECT_EQ(node["attributes"]["input"]["text"], "tombstoned text about drift");
  EXPECT_EQ(server_.Get("/api/v1/examples/" + id + "/lineage").status, 200);

  // Restore: back in lists and search, same content and version; survives a restart.
  auto restored = server_.Post("/api/v1/examples/" + id + "/restore", Json::object());
  ASSERT_EQ(restored.status, 200) << restored.raw;
  EXPECT_EQ(restored.body["version"], 2);
  EXPECT_EQ(server_.Post("/api/v1/examples/" + id + "/restore", Json::object()).status, 404);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + id).status, 200);
  EXPECT_EQ(search(), 1u);
  server_.Restart();
  EXPECT_EQ(search(), 1u);
  EXPECT_EQ(server_.Get("/api/v1/examples?domain=provenance").body["total"], 1);
  EXPECT_EQ(server_.Post("/api/v1/examples/" + id + "/restore", {{"bogus", 1}}).status, 422);
}

// The trash: deleted examples, most recently deleted first, pageable, each restorable from it.
TEST_F(ProvenanceApi, DeletedExamplesAreListedNewestFirstUntilRestored) {
  std::vector<std::string> ids;
  for (const char* text : {"first to go", "second to go", "third to go", "stays"}) ids.push_back(CreateExample(text));
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(server_.Delete("/api/v1/examples/" + ids[i]).status, 204);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // distinct deletion times
  }
  auto trash = server_.Get("/api/v1/examples/deleted");
  ASSERT_EQ(trash.status, 200) << trash.raw;
  EXPECT_EQ(trash.body["total"], 3);
  ASSERT_EQ(trash.body["examples"].size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const Json& e = trash.body["examples"][i];
    EXPECT_EQ(e["example_id"], ids[2 - i]) << i;
    EXPECT_EQ(e["deleted"], true);
    EXPECT_FALSE(e["deleted_at"].is_null());
    EXPECT_EQ(e["purged"], false);
  }
  EXPECT_EQ(trash.body["examples"][0]["input"]["text"], "third to go");
  auto second_page = server_.Get("/api/v1/examples/deleted?page=2&page_size=2");
  ASSERT_EQ(second_page.body["examples"].size(), 1u);
  EXPECT_EQ(second_page.body["examples"][0]["example_id"], ids[0]);
  EXPECT_EQ(server_.Get("/api/v1/examples/deleted?page_size=0").status, 422);
  EXPECT_EQ(server_.Get("/api/v1/snapshots?cursor=zzz").status, 422);  // paged by number: no cursor
  ASSERT_EQ(server_.Post("/api/v1/examples/" + ids[1] + "/restore", Json::object()).status, 200);
  trash = server_.Get("/api/v1/examples/deleted");
  EXPECT_EQ(trash.body["total"], 2);
  for (const auto& e : trash.body["examples"]) EXPECT_NE(e["example_id"], ids[1]);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + ids[3]).status, 200);  // the {id} route is unchanged
}

// A deleted example keeps its id and client id: a create naming either is refused (restoring the
// deleted one would collide); a purge frees the client id, which it erases, but never the id.
TEST_F(ProvenanceApi, ADeletedExamplesIdsAreNotTakenByNewExamples) {
  const std::string x = "5d1c6f0e-8a3b-4c2d-9e7f-1a2b3c4d5e6f";
  Json first = MakeExample("deleted but restorable", "provenance");
  first["example_id"] = x;
  first["client_id"] = "cid-deleted";
  ASSERT_EQ(server_.Post("/api/v1/examples", first).status, 201);
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + x).status, 204);

  Json reuse_id = MakeExample("an unrelated example", "provenance");
  reuse_id["example_id"] = x;
  auto refused = server_.Post("/api/v1/examples", reuse_id);
  EXPECT_EQ(refused.status, 409) << refused.raw;
  EXPECT_NE(refused.raw.find("deleted example"), std::string::npos) << refused.raw;
  EXPECT_NE(refused.raw.find("/restore"), std::string::npos) << refused.raw;
  EXPECT_EQ(server_.Post("/api/v1/examples", first).status, 409);  // the same content too: restore it
  Json reuse_client_id = MakeExample("another unrelated example", "provenance");
  reuse_client_id["client_id"] = "cid-deleted";
  auto by_client_id = server_.Post("/api/v1/examples", reuse_client_id);
  EXPECT_EQ(by_client_id.status, 409) << by_client_id.raw;
  EXPECT_NE(by_client_id.raw.find(x), std::string::npos) << by_client_id.raw;
  auto batch = server_.Post("/api/v1/examples/batch", {{"examples", {reuse_id, MakeExample("fine", "provenance")}},
                                                       {"atomic", false}});
  EXPECT_EQ(batch.status, 201) << batch.raw;
  EXPECT_EQ(batch.body["created_count"], 1);
  EXPECT_EQ(batch.body["errors"][0]["index"], 0);
  auto imported = server_.PostRaw("/api/v1/examples/import", reuse_id.dump() + "\n", "application/x-ndjson");
  EXPECT_EQ(imported.status, 422) << imported.raw;
  // Nothing took its place: it restores with its own content and lineage.
  auto restored = server_.Post("/api/v1/examples/" + x + "/restore", Json::object());
  ASSERT_EQ(restored.status, 200) << restored.raw;
  EXPECT_EQ(restored.body["input"]["text"], "deleted but restorable");

  // A purge erases the client id, tags and function name with the content; the id stays taken.
  Json personal = MakeExample("personal", "provenance");
  personal["client_id"] = "crm-jane.roe@example.com";
  personal["capability_tags"] = {"customer-jane-roe"};
  personal["function_name"] = "reply_to_jane_roe";
  auto created = server_.Post("/api/v1/examples", personal);
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string y = created.body["example_id"];
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + y + "?purge=true").status, 204);
  auto purged = server_.Get("/api/v1/examples/" + y + "?include_deleted=true");
  ASSERT_EQ(purged.status, 200);
  EXPECT_TRUE(purged.body["client_id"].is_null()) << purged.raw;
  EXPECT_EQ(purged.body["capability_tags"], Json::array());
  EXPECT_TRUE(purged.body["function_name"].is_null());
  EXPECT_EQ(server_.Get("/api/v1/examples/deleted").raw.find("jane"), std::string::npos);
  Json reuse_purged = MakeExample("new content", "provenance");
  reuse_purged["example_id"] = y;
  auto purged_id = server_.Post("/api/v1/examples", reuse_purged);
  EXPECT_EQ(purged_id.status, 409) << purged_id.raw;
  EXPECT_NE(purged_id.raw.find("purged example"), std::string::npos) << purged_id.raw;
  EXPECT_EQ(server_.Post("/api/v1/examples", personal).status, 201);  // its client id is free again
}

TEST_F(ProvenanceApi, PurgeErasesContentKeepsHashAndAuditAndNeedsAdmin) {
  Config c;
  c.host = "0.0.0.0";  // tokens required
  TestServer server(c);
  auto& auth = server.runtime().auth();
  std::string writer = auth.CreateToken(service::Role::kWrite, "writer")->second;
  std::string admin = auth.CreateToken(service::Role::kAdmin, "legal")->second;
  httplib::Headers as_writer = {{"Authorization", "Bearer " + writer}};
  httplib::Headers as_admin = {{"Authorization", "Bearer " + admin}};
  auto created = server.Send("POST", "/api/v1/examples", MakeExample("personal data of Jane Roe"), as_writer);
  ASSERT_EQ(created.status, 201);
  std::string id = created.body["example_id"];
  ASSERT_EQ(server.Send("PUT", "/api/v1/examples/" + id, {{"explanation", "Jane's note"}}, as_writer).status, 200);

  // Every spelling the handler would take as a purge needs admin (a writer once purged with "1").
  for (const char* spelling : {"true", "1", "maybe", ""}) {
    EXPECT_EQ(server.Send("DELETE", "/api/v1/examples/" + id + "?purge=" + spelling, nullptr, as_writer).status, 403)
        << spelling;
  }
  EXPECT_EQ(server.Send("GET", "/api/v1/examples/" + id, nullptr, as_writer).body["explanation"], "Jane's note");
  EXPECT_EQ(server.Send("DELETE", "/api/v1/examples/" + id + "?purge=maybe", nullptr, as_admin).status, 422);
  ASSERT_EQ(server.Send("DELETE", "/api/v1/examples/" + id, nullptr, as_writer).status, 204);
  ASSERT_EQ(server.Send("DELETE", "/api/v1/examples/" + id + "?purge=true", nullptr, as_admin).status, 204);

  auto gone = server.Send("GET", "/api/v1/examples/" + id + "?include_deleted=true", nullptr, as_admin);
  ASSERT_EQ(gone.status, 200);
  EXPECT_EQ(gone.body["purged"], true);
  EXPECT_EQ(gone.body["input"], Json::object());
  EXPECT_TRUE(gone.body["explanation"].is_null());
  EXPECT_EQ(gone.body["content_hash"].get<std::string>().size(), 64u);
  auto history = server.Send("GET", "/api/v1/examples/" + id + "/versions", nullptr, as_admin);
  // Version 1 from history and the current version 2: hashes only, with and without the explanation.
  ASSERT_EQ(history.body["versions"].size(), 2u) << history.raw;
  for (const auto& v : history.body["versions"]) {
    EXPECT_EQ(v["snapshot"]["purged"], true);
    EXPECT_EQ(v["snapshot"].dump().find("Jane"), std::string::npos);
    EXPECT_EQ(v["snapshot"]["content_hash"].get<std::string>().size(), 64u);
    EXPECT_EQ(v["snapshot"]["io_hash"].get<std::string>().size(), 64u);
  }
  EXPECT_EQ(history.body["versions"][0]["snapshot"]["content_hash"], gone.body["content_hash"]);
  EXPECT_NE(history.body["versions"][0]["snapshot"]["io_hash"], gone.body["content_hash"]);  // it had an explanation
  EXPECT_EQ(server.Send("POST", "/api/v1/examples/" + id + "/restore", Json::object(), as_admin).status, 409);

  // The audit trail survives: who did what, and no content in it.
  EXPECT_EQ(server.Send("GET", "/api/v1/audit", nullptr, as_writer).status, 403);
  auto trail = server.Send("GET", "/api/v1/audit?entity=example:" + id, nullptr, as_admin);
  ASSERT_EQ(trail.status, 200) << trail.raw;
  std::vector<std::string> actions, actors;
  for (const auto& e : trail.body["entries"]) {
    actions.push_back(e["action"]);
    actors.push_back(e["actor"]);
  }
  ASSERT_EQ(actions.size(), 4u) << trail.raw;
  EXPECT_EQ(actions[0], "DELETE /api/v1/examples/{id}");  // newest first: the purge
  EXPECT_EQ(trail.body["entries"][0]["diff"]["purged"], true);
  EXPECT_EQ(actors[0], "legal");
  EXPECT_EQ(actions[2], "PUT /api/v1/examples/{id}");
  EXPECT_TRUE(trail.body["entries"][2]["diff"].contains("explanation")) << trail.raw;
  EXPECT_EQ(actions[3], "POST /api/v1/examples");
  EXPECT_EQ(actors[3], "writer");
  EXPECT_EQ(trail.raw.find("Jane"), std::string::npos) << "audit entries must not hold content";
  auto by_actor = server.Send("GET", "/api/v1/audit?actor=legal", nullptr, as_admin);
  EXPECT_EQ(by_actor.body["entries"].size(), 1u);
  EXPECT_EQ(server.Send("GET", "/api/v1/audit?since=yesterday", nullptr, as_admin).status, 422);
  EXPECT_EQ(server.Send("GET", "/api/v1/audit?since=2999-01-01T00:00:00Z", nullptr, as_admin).body["entries"].size(), 0u);
}

TEST_F(ProvenanceApi, SnapshotsAreFrozenExportIdenticallyAndDiff) {
  std::string a = CreateExample("alpha", {{"domain", "snap"}});
  std::string b = CreateExample("beta", {{"domain", "snap"}, {"input", {{"text", "beta"}, {"n", 3}}}});
  std::string c = CreateExample("gamma", {{"domain", "snap"}});
  auto first = server_.Post("/api/v1/snapshots", {{"name", "snap v1"}, {"filter", {{"domain", "snap"}}}});
  ASSERT_EQ(first.status, 201) << first.raw;
  std::string s1 = first.body["snapshot_id"];
  EXPECT_EQ(first.body["item_count"], 3);
  EXPECT_EQ(first.body["items"].size(), 3u);
  // Every list filter freezes, content filters included (the UI offers them; they were 422s).
  auto by_input = server_.Post("/api/v1/snapshots", {{"name", "only beta"}, {"filter", {{"domain", "snap"}, {"input.text", "beta"}}}});
  ASSERT_EQ(by_input.status, 201) << by_input.raw;
  ASSERT_EQ(by_input.body["item_count"], 1);
  EXPECT_EQ(by_input.body["items"][0]["example_id"], b);
  EXPECT_EQ(server_.Post("/api/v1/snapshots", {{"name", "no pii"}, {"filter", {{"domain", "snap"}, {"pii", "any"}}}}).body["item_count"], 0);

  auto export_of = [&](const std::string& id, const std::string& format) {
    auto r = server_.Get("/api/v1/snapshots/" + id + "/export?format=" + format);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.raw;
  };
  const std::string jsonl = export_of(s1, "jsonl"), hf = export_of(s1, "hf_jsonl"), info = export_of(s1, "hf_info");
  EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 3);
  EXPECT_NE(jsonl.find("\"alpha\""), std::string::npos);
  Json info_json = Json::parse(info);
  EXPECT_EQ(info_json["splits"]["train"]["num_examples"], 3);
  EXPECT_EQ(info_json["splits"]["train"]["num_bytes"], static_cast<int64_t>(hf.size()));
  EXPECT_EQ(info_json["features"]["input"]["n"]["dtype"], "int64");
  EXPECT_EQ(info_json["features"]["input"]["text"]["dtype"], "string");

  // Change the data: edit one, delete one, add one. The first snapshot does not move.
  ASSERT_EQ(server_.Put("/api/v1/examples/" + b, {{"input", {{"text", "beta edited"}, {"n", 4}}}}).status, 200);
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + c).status, 204);
  std::string d = CreateExample("delta", {{"domain", "snap"}});
  EXPECT_EQ(export_of(s1, "jsonl"), jsonl);
  EXPECT_EQ(export_of(s1, "hf_jsonl"), hf);
  EXPECT_EQ(export_of(s1, "hf_info"), info);
  EXPECT_EQ(jsonl.find("beta edited"), std::string::npos);

  auto second = server_.Post("/api/v1/snapshots", {{"name", "snap v2"}, {"filter", {{"domain", "snap"}}}});
  ASSERT_EQ(second.status, 201);
  std::string s2 = second.body["snapshot_id"];
  auto diff = server_.Get("/api/v1/snapshots/" + s1 + "/diff/" + s2);
  ASSERT_EQ(diff.status, 200) << diff.raw;
  ASSERT_EQ(diff.body["added"].size(), 1u);
  EXPECT_EQ(diff.body["added"][0]["example_id"], d);
  ASSERT_EQ(diff.body["removed"].size(), 1u);
  EXPECT_EQ(diff.body["removed"][0]["example_id"], c);
  ASSERT_EQ(diff.body["changed"].size(), 1u);
  EXPECT_EQ(diff.body["changed"][0]["example_id"], b);
  EXPECT_EQ(diff.body["changed"][0]["from_version"], 1);
  EXPECT_EQ(diff.body["changed"][0]["to_version"], 2);
  EXPECT_EQ(diff.body["changed"][0]["content_changed"], true);
  EXPECT_EQ(diff.body["unchanged_count"], 1);
  (void)a;

  // Explicit ids, listing, restart: still byte-identical.
  auto by_ids = server_.Post("/api/v1/snapshots", {{"name", "picked"}, {"example_ids", {a, d}}});
  ASSERT_EQ(by_ids.status, 201);
  EXPECT_EQ(by_ids.body["item_count"], 2);
  EXPECT_EQ(server_.Get("/api/v1/snapshots").body["total"], 5);
  // A selection by ids is listed by its count (up to 100,000 ids made a page of hundreds of MB);
  // the snapshot itself keeps the ids.
  const Json listed = server_.Get("/api/v1/snapshots?page_size=100").body["snapshots"];
  const auto chosen = std::find_if(listed.begin(), listed.end(), [&](const Json& s) { return s["snapshot_id"] == by_ids.body["snapshot_id"]; });
  ASSERT_NE(chosen, listed.end()) << listed.dump();
  EXPECT_EQ((*chosen)["selection"]["example_id_count"], 2) << chosen->dump();
  EXPECT_FALSE((*chosen)["selection"].contains("example_ids")) << chosen->dump();
  EXPECT_EQ(server_.Get("/api/v1/snapshots/" + by_ids.body["snapshot_id"].get<std::string>()).body["selection"]["example_ids"].size(), 2u);
  server_.Restart();
  EXPECT_EQ(export_of(s1, "jsonl"), jsonl);
  EXPECT_EQ(export_of(s1, "hf_info"), info);

  // Bad input: 4xx, nothing stored.
  EXPECT_EQ(server_.Post("/api/v1/snapshots", {{"filter", {{"domain", "snap"}}}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/snapshots", {{"name", "x"}, {"filtre", {}}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/snapshots", {{"name", "x"}, {"filter", {{"domian", "snap"}}}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/snapshots", {{"name", "x"}, {"example_ids", {"00000000-0000-4000-8000-000000000000"}}}).status, 422);
  EXPECT_EQ(server_.Get("/api/v1/snapshots/" + s1 + "/export?format=parquet").status, 422);
  EXPECT_EQ(server_.Get("/api/v1/snapshots/00000000-0000-4000-8000-000000000000").status, 404);
  EXPECT_EQ(server_.Get("/api/v1/snapshots").body["total"], 5);
}

// A snapshot keeps its filter and every list of snapshots echoes it: 1,000 content filters of
// 100 values each (6.6 MB) were stored, and a page of them took GBs to answer. At most 100
// content filters and 64 KiB of filter JSON; beyond either, a 422 naming body.filter, nothing stored.
TEST_F(ProvenanceApi, ASnapshotsFilterIsCapped) {
  CreateExample("alpha", {{"domain", "snap"}});
  const int64_t before = server_.Get("/api/v1/snapshots").body["total"].get<int64_t>();
  Json hundred = {{"domain", "snap"}};
  for (int i = 0; i < 100; ++i) hundred["input.f" + std::to_string(i)] = "x";
  auto at_cap = server_.Post("/api/v1/snapshots", {{"name", "hundred filters"}, {"filter", hundred}});
  EXPECT_EQ(at_cap.status, 201) << at_cap.raw.substr(0, 300);
  Json too_many = hundred;
  too_many["output.extra"] = "y";
  auto many = server_.Post("/api/v1/snapshots", {{"name", "too many"}, {"filter", too_many}});
  ASSERT_EQ(many.status, 422) << many.raw.substr(0, 300);
  EXPECT_EQ(many.body["detail"][0]["loc"], Json::array({"body", "filter"}));
  EXPECT_NE(many.raw.find("content filters"), std::string::npos) << many.raw.substr(0, 300);
  Json values = Json::array();
  for (int i = 0; i < 100; ++i) values.push_back(std::string(400, 'a' + i % 26) + std::to_string(i));
  auto big = server_.Post("/api/v1/snapshots", {{"name", "big"},
                                                {"filter", {{"input.a", {{"in", values}}}, {"input.b", {{"in", values}}}}}});
  ASSERT_EQ(big.status, 422) << big.raw.substr(0, 300);
  EXPECT_EQ(big.body["detail"][0]["loc"], Json::array({"body", "filter"}));
  EXPECT_NE(big.raw.find("65536"), std::string::npos) << big.raw.substr(0, 300);
  EXPECT_EQ(server_.Get("/api/v1/snapshots").body["total"].get<int64_t>(), before + 1);  // only the one at the cap
}

TEST_F(ProvenanceApi, RunsTrainOnASnapshotAndLineagePointsToExactVersions) {
  std::string t = CreateTemplate("Runner");
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(CreateExample("run text " + std::to_string(i), {{"databit_id", t}}));
  ASSERT_EQ(server_.Put("/api/v1/examples/" + ids[0], {{"explanation", "edited before the run"}}).status, 200);
  Json body = {{"template_id", t}, {"optimizer_type", "LabeledFewShot"}, {"lm", {{"provider", "offline"}}},
               {"budget", {{"max_trials", 2}}}, {"data", {{"seed", 1}}}};
  auto run = server_.Post("/api/v1/dspy-runs", body);
  ASSERT_EQ(run.status, 201) << run.raw;
  std::string run_id = run.body["run_id"];
  std::string snap = run.body["config"]["data"]["snapshot_id"];
  ASSERT_FALSE(snap.empty());
  auto frozen = server_.Get("/api/v1/snapshots/" + snap);
  ASSERT_EQ(frozen.status, 200);
  EXPECT_EQ(frozen.body["item_count"], 6);
  EXPECT_EQ(frozen.body["template_id"], t);

  auto lineage = server_.Get("/api/v1/examples/" + ids[0] + "/lineage").body;
  bool used = false;
  for (const auto& e : lineage["edges"]) {
    if (e["type"] == "used_in" && e["target_id"] == run_id) used = e["example_version"] == 2;
  }
  EXPECT_TRUE(used) << lineage.dump();
  auto run_graph = server_.Get("/api/v1/templates/" + t + "/lineage?direction=downstream").body;
  EXPECT_FALSE(Node(run_graph, "run:" + run_id).is_null());

  // Launching on an existing snapshot uses exactly it; an unknown one is a 422.
  body["data"] = {{"snapshot_id", snap}, {"seed", 2}};
  auto again = server_.Post("/api/v1/dspy-runs", body);
  ASSERT_EQ(again.status, 201) << again.raw;
  EXPECT_EQ(again.body["config"]["data"]["snapshot_id"], snap);
  body["data"] = {{"snapshot_id", "00000000-0000-4000-8000-000000000000"}};
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs", body).status, 422);
}

}  // namespace
}  // namespace exemplar::testing
