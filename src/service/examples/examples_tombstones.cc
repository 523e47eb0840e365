// Deleting, restoring and purging examples (issue 19): a delete is a tombstone that keeps history
// and lineage; a purge erases the content (and the copies other records hold), keeping hashes.
#include "service/audit/audit.h"
#include "service/examples/examples.h"
#include "service/lineage/purged_content.h"

namespace exemplar::service {

Status Examples::Delete(const std::string& id, const std::optional<std::string>& user) {
  EXEMPLAR_ASSIGN_OR_RETURN(Example current, store_.GetExample(id));
  audit::Describe("example", {id}, {{"deleted", true}, {"version", current.version}});
  auto lock = index_.LockWrites();
  EXEMPLAR_RETURN_IF_ERROR(store_.TombstoneExample(
      id, audit::ContentHash(current.input_json, current.expected_output_json, current.explanation), user));
  index_.Remove(current.row_id);
  return Status::Ok();
}

Status Examples::Discard(const std::vector<Example>& created) {
  if (created.empty()) return Status::Ok();
  std::vector<std::string> ids;
  for (const Example& e : created) ids.push_back(e.id);
  auto lock = index_.LockWrites();
  EXEMPLAR_RETURN_IF_ERROR(store_.DeleteExamples(ids));
  for (const Example& e : created) index_.Remove(e.row_id);
  return Status::Ok();
}

Result<Example> Examples::Restore(const std::string& id) {
  // An example whose template was deleted since (?cascade=delete) would come back naming nothing:
  // every later edit of it would then fail on a databit_id its user never sent.
  auto deleted = store_.GetExampleIncludingDeleted(id);
  if (deleted.ok() && deleted->deleted_at && deleted->databit_id) {
    auto t = store_.GetTemplate(*deleted->databit_id);
    if (t.status().IsNotFound()) {
      return Status::FailedPrecondition("its template " + *deleted->databit_id +
                                        " was deleted after it; an example cannot name a missing template");
    }
    EXEMPLAR_RETURN_IF_ERROR(t.status());
  }
  audit::Describe("example", {id}, {{"restored", true}});
  auto lock = index_.LockWrites();
  // A schema edit checks live examples only: one made while this was deleted may refuse it. It
  // stays deleted then (restored, it could not be saved, nor its export imported back), checked
  // in the restore's transaction against the schema as it is there (storage::TemplateFitCheck).
  auto fits = [&](const Example& e, const Template& t) -> Status {
    Validation v;
    CheckAgainstSchema(e.input_json, t.input_schema, "input", {}, v, nullptr);
    CheckAgainstSchema(e.expected_output_json, t.output_schema, "expected_output", {}, v, nullptr);
    if (v.ok()) return Status::Ok();
    const FieldError& fe = v.errors().front();
    std::string where;
    for (const auto& part : fe.loc) where += (where.empty() ? "" : ".") + part;
    return Status::FailedPrecondition("example " + id + " does not fit its template's schema as edited since it was "
                                      "deleted (" + where + ": " + fe.msg + "); make that field optional (required: "
                                      "false) or add it back, restore the example and edit it, then change the schema "
                                      "again");
  };
  EXEMPLAR_ASSIGN_OR_RETURN(Example restored, store_.RestoreExample(id, fits));
  index_.Apply(restored);
  restored.embedding.clear();
  return restored;
}

Status Examples::Purge(const std::string& id, const std::optional<std::string>& user) {
  EXEMPLAR_ASSIGN_OR_RETURN(Example current, store_.GetExampleIncludingDeleted(id));
  EXEMPLAR_ASSIGN_OR_RETURN(auto versions, store_.ListExampleVersions(id));
  std::vector<storage::PurgedVersionHashes> version_hashes;
  for (const auto& v : versions) {
    Json w = Json::parse(v.snapshot_json, nullptr, false);
    if (!w.is_object() || w.value("purged", false)) continue;
    auto text = [&](const char* k) { return w.contains(k) ? DumpJson(w[k]) : std::string("{}"); };
    std::optional<std::string> explanation;
    if (w.contains("explanation") && w["explanation"].is_string()) explanation = w["explanation"].get<std::string>();
    version_hashes.push_back({v.version, audit::ContentHash(text("input"), text("expected_output"), explanation),
                              audit::ContentHash(text("input"), text("expected_output"), std::nullopt)});
  }
  // History holds the versions before the current one; the current content's hashes are kept as
  // a version too (its io_hash is what a copy without the explanation is recognised by).
  if (!current.purged_at) {
    version_hashes.push_back({current.version,
                              audit::ContentHash(current.input_json, current.expected_output_json, current.explanation),
                              audit::ContentHash(current.input_json, current.expected_output_json, std::nullopt)});
  }
  const std::string hash = current.purged_at && current.content_hash
                               ? *current.content_hash
                               : audit::ContentHash(current.input_json, current.expected_output_json, current.explanation);
  audit::Describe("example", {id}, {{"purged", true}, {"content_hash", hash}});
  // The copies other records hold (inline examples of template versions, published ones too:
  // erasure wins over immutability; demos of run results) are scrubbed in the same transaction.
  std::optional<Json> input;
  if (!current.purged_at) input = Json::parse(current.input_json, nullptr, false);
  auto lock = index_.LockWrites();
  EXEMPLAR_RETURN_IF_ERROR(store_.PurgeExample(id, hash, version_hashes, user, PurgeRewritesFor(id, std::move(input))));
  if (!current.deleted_at) index_.Remove(current.row_id);
  return Status::Ok();
}

Result<std::vector<ExampleVersion>> Examples::Versions(const std::string& id) {
  EXEMPLAR_RETURN_IF_ERROR(store_.GetExampleIncludingDeleted(id).status());
  return store_.ListExampleVersions(id);
}

}  // namespace exemplar::service
