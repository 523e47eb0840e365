#include "service/templates/templates.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "common/ids.h"
#include "common/time.h"
#include "service/audit/audit.h"
#include "service/quality/content_rules.h"
#include "service/templates/template_family.h"
#include "service/templates/template_json.h"

namespace exemplar::service {

std::string BumpMinor(const std::string& version) {
  int major = 0, minor = 0, patch = 0;
  char extra = 0;
  if (std::sscanf(version.c_str(), "%d.%d.%d%c", &major, &minor, &patch, &extra) == 3 && major >= 0 &&
      minor >= 0 && patch >= 0) {
    return std::to_string(major) + "." + std::to_string(minor + 1) + ".0";
  }
  return version + ".1";
}

// The updated_at a write stores: now, and always after the value read, so a guarded write
// (Store::UpdateTemplate) made in the same millisecond as the previous one still changes it.
namespace {
int64_t NextUpdatedAt(int64_t read_at) { return std::max(NowMillis(), read_at + 1); }
}  // namespace

// Every source must exist, and no edge the edit adds may close a cycle. The edges are only checked
// here: Update stores them with the template row, so an edit that loses its write adds none.
Status Templates::CheckDerivedFrom(const Template& t, const std::vector<std::string>& previous) {
  std::vector<LineageEdge> added;
  for (const auto& src : t.derived_from) {
    if (src == t.id) return Status::FailedPrecondition("a template cannot be derived from itself");
    auto source = store_.GetTemplate(src);
    if (source.status().IsNotFound()) {
      return Status::Invalid({{{"body", "derived_from"}, "template " + src + " does not exist", "value_error.not_found"}});
    }
    EXEMPLAR_RETURN_IF_ERROR(source.status());
    if (std::find(previous.begin(), previous.end(), src) == previous.end()) {
      added.push_back({"template", src, "template", t.id, "derived_from"});
    }
  }
  return lineage_.CheckEdges(added);
}

// A new template's id: the server's, or one the client chose (a template moved from another
// store through the API, whose examples name it by id) when no template of this store has or had
// it: a deleted template's runs and audit entries still name its id, and would name a stranger.
Result<std::string> Templates::NewTemplateId(const Json& body) {
  const auto chosen = body.find("id");
  if (chosen == body.end() || chosen->is_null()) return NewUuid();
  const std::string id = NormalizeUuid(chosen->get<std::string>());  // ApplyTemplateJson checked it
  auto existing = store_.GetTemplate(id);
  if (existing.ok()) {
    return Status::AlreadyExists("a template with id " + id + " already exists (leave `id` out to create a new one)");
  }
  if (!existing.status().IsNotFound()) return existing.status();
  EXEMPLAR_ASSIGN_OR_RETURN(auto runs, store_.ListRuns(id, std::nullopt, 0, 1));
  storage::AuditQuery audit;
  audit.entity = "template";
  audit.entity_id = id;
  audit.limit = 1;
  EXEMPLAR_ASSIGN_OR_RETURN(auto history, store_.ListAudit(audit));
  if (runs.second > 0 || !history.empty()) {
    return Status::AlreadyExists("template id " + id + " belonged to a template deleted since (its runs or audit "
                                 "entries name it); choose another id or leave it to the server");
  }
  return id;
}

Result<Template> Templates::Create(const Json& body, const std::optional<std::string>& user) {
  Template t;
  Validation v;
  ApplyTemplateJson(body, &t, v, true);
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  EXEMPLAR_RETURN_IF_ERROR(purged_.ScrubTemplate(t));
  EXEMPLAR_ASSIGN_OR_RETURN(t.id, NewTemplateId(body));
  t.created_by = user;
  t.created_at = t.updated_at = NowMillis();
  for (const auto& src : t.derived_from) {
    auto s = store_.GetTemplate(src);
    if (!s.ok()) return Status::Invalid({{{"body", "derived_from"}, "template " + src + " does not exist", "value_error.not_found"}});
  }
  audit::Describe("template", {t.id}, {{"name", t.name}, {"version", t.version}});
  Status st = store_.InsertTemplate(t);
  if (st.code() == Code::kAlreadyExists) {
    return Status::AlreadyExists("a template named '" + t.name + "' with version " + t.version + " already exists");
  }
  EXEMPLAR_RETURN_IF_ERROR(st);
  // A new template has no downstream, so its derived_from edges cannot close a cycle.
  std::vector<LineageEdge> edges;
  for (const auto& src : t.derived_from) edges.push_back({"template", src, "template", t.id, "derived_from"});
  EXEMPLAR_RETURN_IF_ERROR(lineage_.AddEdges(edges));
  EXEMPLAR_RETURN_IF_ERROR(provenance_.SyncTemplate(t));
  return t;
}

Result<Template> Templates::Get(const std::string& id) { return store_.GetTemplate(id); }

Result<storage::KeyedPage<Template>> Templates::List(const storage::TemplateListQuery& query) {
  return store_.ListTemplates(query);
}

static bool SameFields(const std::vector<SchemaField>& a, const std::vector<SchemaField>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const SchemaField& x, const SchemaField& y) {
    return x.name == y.name && x.type == y.type && x.required == y.required && x.description == y.description;
  });
}

// A schema edit must keep the examples it governs (its line's) valid: the content rules check every example
// write against the schema of the template it names, so an example the new schema refuses could
// no longer be written again, and the store's own export would not import back. The examples are
// checked with those rules (CheckAgainstSchema), so any edit they still pass (a new optional
// field, a description, a field no example holds) goes through. The store runs the check in the
// edit's transaction (storage::GovernedExamples): an example written meanwhile is either seen
// here or checked, in its own transaction, against the edited schema.
namespace {

class FitTally {
 public:
  explicit FitTally(const Template& edited) : edited_(edited) {}

  // Idempotent per example: a transaction the store retries visits them again.
  void Visit(const Example& e) {
    Validation v;
    CheckAgainstSchema(e.input_json, edited_.input_schema, "input", {}, v, nullptr);
    CheckAgainstSchema(e.expected_output_json, edited_.output_schema, "expected_output", {}, v, nullptr);
    if (v.ok() || !misfits_.insert(e.id).second) return;
    if (e.databit_id && *e.databit_id != edited_.id) earlier_.insert(*e.databit_id);
    constexpr size_t kNamed = 5;  // ids the refusal names
    if (named_.size() < kNamed) named_.push_back(e.id);
    if (first_problem_.empty()) {
      const FieldError& fe = v.errors().front();
      std::string where;
      for (const auto& part : fe.loc) where += (where.empty() ? "" : ".") + part;
      first_problem_ = e.id + ": " + where + " " + fe.msg;
    }
  }

  // kFailedPrecondition naming how many examples (and a few ids) would not fit.
  Status Verdict() {
    if (misfits_.empty()) return Status::Ok();
    refused_ = true;
    std::string ids;
    for (const auto& id : named_) ids += (ids.empty() ? "" : ", ") + id;
    return Status::FailedPrecondition(
        std::to_string(misfits_.size()) + " stored example(s) of this template would not fit the new schema (" + ids +
        (misfits_.size() > named_.size() ? ", ..." : "") + "; e.g. " + first_problem_ +
        "), so they could not be saved or imported again. To add a required field: add it as optional "
        "(required: false), fill it in those examples, then make it required; to remove or retype a field, "
        "edit those examples first" + EarlierVersions());
  }
  bool refused() const { return refused_; }

 private:
  // Examples of an earlier version hold only the fields of its schema: editing them cannot fit
  // them to this one's, moving them can.
  std::string EarlierVersions() const {
    if (earlier_.empty()) return "";
    std::string ids;
    for (const auto& id : earlier_) ids += (ids.empty() ? "" : ", ") + id;
    return ". Some name an earlier version of this template (" + ids +
           "): they are this version's data too (its exports and runs read them) but can hold only that "
           "version's fields; move them to this version (databit_id), or leave this field optional";
  }

  const Template& edited_;
  std::set<std::string> misfits_;
  std::set<std::string> earlier_;  // templates other than the edited one that misfits name
  std::vector<std::string> named_;
  std::string first_problem_;
  bool refused_ = false;
};

}  // namespace

// Optimistic concurrency: the If-Match of an edit names the updated_at of the template it was
// made on; a later save (another tab's, a publish) would otherwise be overwritten unseen.
static Status CheckEditedTemplate(int64_t updated_at, const std::vector<int64_t>& if_match) {
  if (if_match.empty() || std::find(if_match.begin(), if_match.end(), updated_at) != if_match.end()) {
    return Status::Ok();
  }
  return Status::PreconditionFailed("the template was saved again at " + FormatRfc3339(updated_at) + " (ETag \"" +
                                    std::to_string(updated_at) +
                                    "\"); If-Match names an earlier save: GET it again and re-apply the edit");
}

Result<Template> Templates::Update(const std::string& id, const Json& body, const std::vector<int64_t>& if_match) {
  EXEMPLAR_ASSIGN_OR_RETURN(Template t, store_.GetTemplate(id));
  EXEMPLAR_RETURN_IF_ERROR(CheckEditedTemplate(t.updated_at, if_match));
  if (t.status != "draft") {
    return Status::FailedPrecondition("Cannot update a " + t.status + " template. Create a new version instead.");
  }
  std::vector<std::string> previous = t.derived_from;
  const Json before = TemplateToJson(t);
  const std::pair<std::vector<SchemaField>, std::vector<SchemaField>> before_fields{t.input_schema, t.output_schema};
  Validation v;
  ApplyTemplateJson(body, &t, v, false);
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  EXEMPLAR_RETURN_IF_ERROR(purged_.ScrubTemplate(t));
  audit::Describe("template", {id}, audit::Diff(before, TemplateToJson(t), {"updated_at"}));
  std::unique_lock<std::mutex> edges_lock(derived_from_mu_, std::defer_lock);
  if (t.derived_from != previous) edges_lock.lock();
  EXEMPLAR_RETURN_IF_ERROR(CheckDerivedFrom(t, previous));
  const int64_t read_at = t.updated_at;
  t.updated_at = NextUpdatedAt(read_at);
  // The derived_from edges change in the write's transaction: every listed source's edge is open
  // (reopened when it had been dropped), and a source the edit drops has its edge closed, not
  // erased. Lineage records what fed what: the template was derived from it until now, and the
  // graph keeps showing that, greyed. The guard (updated_at still read_at) makes `previous` what
  // the row holds at commit, so concurrent edits cannot close each other's edges.
  std::vector<LineageEdge> open, close;
  for (const auto& src : t.derived_from) {
    open.push_back({"template", src, "template", id, "derived_from", t.updated_at});
  }
  for (const auto& src : previous) {
    if (std::find(t.derived_from.begin(), t.derived_from.end(), src) == t.derived_from.end()) {
      close.push_back({"template", src, "template", id, "derived_from"});
    }
  }
  // A schema edit checks the examples it governs in its transaction (FitTally).
  std::optional<FitTally> tally;
  std::optional<storage::GovernedExamples> governed;
  if (!SameFields(t.input_schema, before_fields.first) || !SameFields(t.output_schema, before_fields.second)) {
    // A version's data is its line's examples (template_family.h: they name the root when
    // written), which its exports and runs read: those are the examples its schema governs.
    EXEMPLAR_ASSIGN_OR_RETURN(auto line, TemplateLineIds(store_, t));
    tally.emplace(t);
    governed = storage::GovernedExamples{std::move(line), [&](const Example& e) { tally->Visit(e); },
                                         [&] { return tally->Verdict(); }};
  }
  Status st = store_.UpdateTemplate(t, read_at, open, close, governed ? &*governed : nullptr);
  if (tally && tally->refused()) return st;
  if (st.code() == Code::kAlreadyExists) {
    return Status::AlreadyExists("a template named '" + t.name + "' with version " + t.version + " already exists");
  }
  // The row moved on between the check above and the write: If-Match no longer names it.
  if (st.code() == Code::kFailedPrecondition && !if_match.empty()) {
    return Status::PreconditionFailed("the template was saved again while this edit was applied; If-Match names an "
                                      "earlier save: GET it again and re-apply the edit");
  }
  EXEMPLAR_RETURN_IF_ERROR(st);
  EXEMPLAR_RETURN_IF_ERROR(provenance_.SyncTemplate(t, /*derived_from=*/false));
  return t;
}

Status Templates::Delete(const std::string& id, TemplateCascade cascade, Examples& examples) {
  EXEMPLAR_ASSIGN_OR_RETURN(Template t, store_.GetTemplate(id));
  if (t.status == "published") {
    return Status::FailedPrecondition("Cannot delete a published template. Archive it instead.");
  }
  // Later versions trace to this one (version_of); deleting it would leave them pointing at nothing.
  EXEMPLAR_ASSIGN_OR_RETURN(auto family, store_.ListTemplatesByName(t.name));
  const auto children = std::count_if(family.begin(), family.end(), [&](const Template& v) {
    return v.parent_template_id == id;
  });
  if (children > 0) {
    return Status::FailedPrecondition("template " + id + " has " + std::to_string(children) +
                                      " later version(s) made from it; delete those first (their lineage traces "
                                      "to this one), or archive it");
  }
  audit::Describe("template", {id}, {{"deleted", true}, {"name", t.name}, {"version", t.version}});
  storage::ExampleFilter f;
  f.databit_id = id;
  std::vector<std::string> ids;
  constexpr int64_t kPage = 500;
  for (int64_t offset = 0;; offset += kPage) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_.ListExamples(f, storage::ExampleSortKey::kCreatedAt, false, offset, kPage));
    for (const auto& e : page.examples) ids.push_back(e.id);
    if (static_cast<int64_t>(page.examples.size()) < kPage) break;
  }
  if (!ids.empty()) {
    if (cascade == TemplateCascade::kNone) {
      return Status::FailedPrecondition("template " + id + " still has " + std::to_string(ids.size()) +
                                        " examples; delete with ?cascade=detach to keep them without a template, "
                                        "or ?cascade=delete to delete them too");
    }
    constexpr int64_t kNoCap = INT64_MAX;
    if (cascade == TemplateCascade::kDetach) {
      BulkSet set;
      set.databit_id = std::optional<std::string>();
      EXEMPLAR_RETURN_IF_ERROR(examples.BulkUpdate(ids, set, false, kNoCap).status());
    } else {
      EXEMPLAR_RETURN_IF_ERROR(examples.BulkDelete(ids, false, kNoCap).status());
    }
  }
  // A cascade's own bulk update or delete does not change the template, so its updated_at still
  // tells whether anything else did.
  return store_.DeleteTemplate(id, t.updated_at);
}

Result<Template> Templates::Publish(const std::string& id) {
  EXEMPLAR_ASSIGN_OR_RETURN(Template t, store_.GetTemplate(id));
  if (t.status == "published") return Status::FailedPrecondition("Template is already published");
  // The lifecycle runs one way, draft → published → archived: an archived version stays retired.
  if (t.status == "archived") {
    return Status::FailedPrecondition("Template is archived; make a new version (POST /templates/" + id +
                                      "/version) to publish its content again");
  }
  audit::Describe("template", {id}, {{"status", {{"from", t.status}, {"to", "published"}}}});
  t.status = "published";
  const int64_t read_at = t.updated_at;
  t.updated_at = NextUpdatedAt(read_at);
  EXEMPLAR_RETURN_IF_ERROR(purged_.ScrubTemplate(t));
  EXEMPLAR_RETURN_IF_ERROR(store_.UpdateTemplate(t, read_at));
  return t;
}

Result<Template> Templates::Archive(const std::string& id) {
  EXEMPLAR_ASSIGN_OR_RETURN(Template t, store_.GetTemplate(id));
  if (t.status == "archived") return Status::FailedPrecondition("Template is already archived");
  audit::Describe("template", {id}, {{"status", {{"from", t.status}, {"to", "archived"}}}});
  t.status = "archived";
  const int64_t read_at = t.updated_at;
  t.updated_at = NextUpdatedAt(read_at);
  EXEMPLAR_RETURN_IF_ERROR(purged_.ScrubTemplate(t));
  EXEMPLAR_RETURN_IF_ERROR(store_.UpdateTemplate(t, read_at));
  return t;
}

Result<std::string> Templates::NextVersion(const Template& t) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto siblings, store_.ListTemplatesByName(t.name));
  std::string next = BumpMinor(t.version);
  for (int guard = 0; guard < 10000; ++guard) {
    bool taken = std::any_of(siblings.begin(), siblings.end(), [&](const Template& s) { return s.version == next; });
    if (!taken) return next;
    next = BumpMinor(next);
  }
  return Status::Internal("no free version for " + t.name);
}

Result<std::optional<Template>> Templates::StoreVersion(const Template& parent, Template next,
                                                        const std::vector<LineageEdge>& edges,
                                                        const std::optional<std::string>& accepting_run_id,
                                                        const std::vector<std::string>& audit_ids) {
  next.id = NewUuid();
  next.name = parent.name;
  next.status = "draft";
  next.parent_template_id = parent.id;
  next.created_at = next.updated_at = NowMillis();
  EXEMPLAR_RETURN_IF_ERROR(purged_.ScrubTemplate(next));
  // Every edge ends at the new version, which has no edges of its own yet: none closes a cycle.
  std::vector<LineageEdge> all = {{"template", parent.id, "template", next.id, "version_of"}};
  for (const auto& src : next.derived_from) all.push_back({"template", src, "template", next.id, "derived_from"});
  for (auto e : edges) {
    if (e.target_type == "template" && e.target_id.empty()) e.target_id = next.id;
    all.push_back(e);
  }
  // Inline examples the caller did not link (a hand-made copy of the parent's) get demo_of too.
  EXEMPLAR_ASSIGN_OR_RETURN(auto inline_edges, provenance_.InlineExampleEdges(next));
  all.insert(all.end(), inline_edges.begin(), inline_edges.end());
  for (auto& e : all) e.created_at = next.created_at;
  // Two writers may pick the same next version; the database's (name, version) key refuses the
  // second, which takes the one after.
  constexpr int kAttempts = 8;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    EXEMPLAR_ASSIGN_OR_RETURN(next.version, NextVersion(parent));
    if (attempt == 0) {
      audit::Describe("template", {parent.id, next.id}, {{"new_version", next.version}, {"parent", parent.id}});
      audit::Describe("template", audit_ids);
    }
    else audit::Describe("template", {}, {{"new_version", next.version}});  // the version it got in the end
    auto stored = store_.InsertTemplateVersion(next, all, accepting_run_id, next.created_at);
    if (!stored.ok() && stored.status().code() == Code::kAlreadyExists) continue;
    EXEMPLAR_RETURN_IF_ERROR(stored.status());
    if (!*stored) return std::optional<Template>();
    return std::optional<Template>(std::move(next));
  }
  return Status::Unavailable("template " + parent.name + " is getting new versions faster than this one can be stored; retry");
}

Result<Template> Templates::CreateVersionFrom(const Template& parent, Template next,
                                              const std::vector<LineageEdge>& edges,
                                              const std::vector<std::string>& audit_ids) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto stored, StoreVersion(parent, std::move(next), edges, std::nullopt, audit_ids));
  return std::move(*stored);  // without a run to claim, a version is always stored
}

Result<Template> Templates::NewVersion(const std::string& id, const std::optional<std::string>& user) {
  EXEMPLAR_ASSIGN_OR_RETURN(Template parent, store_.GetTemplate(id));
  Template next = parent;
  next.created_by = user;
  return CreateVersionFrom(parent, next, {});
}

Result<std::vector<Template>> Templates::Versions(const std::string& id) {
  EXEMPLAR_ASSIGN_OR_RETURN(Template t, store_.GetTemplate(id));
  return store_.ListTemplatesByName(t.name);
}

}  // namespace exemplar::service
