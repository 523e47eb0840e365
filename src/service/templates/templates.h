// Templates (DataBits): lifecycle draft → published → archived, immutable once published,
// versions with parent links and bumped semver, derived_from links checked for cycles.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "service/examples/examples.h"
#include "service/lineage/lineage.h"
#include "service/lineage/provenance.h"
#include "service/lineage/purged_content.h"
#include "storage/store.h"

namespace exemplar::service {

// What deleting a template does to the examples that name it (DELETE /templates/{id}?cascade=).
enum class TemplateCascade { kNone, kDetach, kDelete };

class Templates {
 public:
  Templates(storage::Store& store, Lineage& lineage)
      : store_(store), lineage_(lineage), provenance_(store), purged_(store) {}

  Result<Template> Create(const Json& body, const std::optional<std::string>& user);
  Result<Template> Get(const std::string& id);
  // One page, newest update first (offset or keyset cursor, storage::TemplateListQuery).
  Result<storage::KeyedPage<Template>> List(const storage::TemplateListQuery& query);
  // kFailedPrecondition (409) when published or archived. `if_match` holds the updated_at values
  // (milliseconds: the ETag GET /templates/{id} sends) an If-Match header names, empty for no
  // check: when the template's updated_at is none of them, before or at the write (the write is
  // guarded by the updated_at it checked), nothing is written and the answer is
  // kPreconditionFailed (412), so an edit of an older read cannot undo a newer save.
  Result<Template> Update(const std::string& id, const Json& body, const std::vector<int64_t>& if_match = {});
  // kFailedPrecondition (409) when published, or when examples still name it and `cascade` is
  // kNone. kDetach clears their databit_id (a versioned bulk update), kDelete deletes them (the
  // bulk delete); the template is deleted after its examples.
  Status Delete(const std::string& id, TemplateCascade cascade, Examples& examples);
  Result<Template> Publish(const std::string& id);
  Result<Template> Archive(const std::string& id);
  // A new draft copied from `id` with parent_template_id = id and the next free minor version.
  Result<Template> NewVersion(const std::string& id, const std::optional<std::string>& user);
  // Every version sharing the template's name, oldest first.
  Result<std::vector<Template>> Versions(const std::string& id);
  // Stores a template produced elsewhere (e.g. imported from DSPy) as a new draft version of
  // `parent` with the next free minor version, in one transaction with its lineage: version_of,
  // derived_from, the inline examples' demo_of, and `edges` (those naming no template end at the
  // new version). `audit_ids` join the version's audit entry (the examples an import created for it).
  Result<Template> CreateVersionFrom(const Template& parent, Template next, const std::vector<LineageEdge>& edges,
                                     const std::vector<std::string>& audit_ids = {});
  // The same for an optimization run's result: the run's "accepted" decision is claimed in that
  // transaction, so exactly one version is stored, or none, whatever crashes or races. nullopt
  // when the run already has a decision or is not completed (nothing stored).
  // Stores a template exported from another store (TemplateFromExportJson) with its id, status,
  // version, parent and derived_from kept, in one transaction with its lineage edges (version_of,
  // derived_from, and demo_of for the inline examples this store holds); timestamps start now.
  // false, nothing written, when the store already holds the id with the same content (its status
  // may have moved on since). kAlreadyExists when the id holds other content, or another template
  // has the name and version; kFailedPrecondition when its parent or a derived_from source is not
  // in this store (restore those first). `program_node`, when given, is the DSPy program the
  // version was made from in the other store (OwnProgramNode there): stored as that program's
  // `imported_as` edge, so the version still exports as the program (its module, its demo set
  // even when empty, its instructions literal). (template_restore.cc)
  Result<bool> Restore(Template t, const std::optional<std::string>& program_node = std::nullopt);
  // Links a template's inline examples to the stored examples they name (demo_of edges), e.g. a
  // restored template's once its examples have been imported after it.
  Status LinkInlineExamples(const std::string& id);
  Result<std::optional<Template>> AcceptRunAsVersion(const Template& parent, Template next,
                                                     const std::vector<LineageEdge>& edges, const std::string& run_id) {
    return StoreVersion(parent, std::move(next), edges, run_id);
  }

 private:
  Result<std::string> NewTemplateId(const Json& body);
  Status CheckDerivedFrom(const Template& t, const std::vector<std::string>& previous);
  Result<std::string> NextVersion(const Template& t);
  Result<std::optional<Template>> StoreVersion(const Template& parent, Template next, const std::vector<LineageEdge>& edges,
                                               const std::optional<std::string>& accepting_run_id,
                                               const std::vector<std::string>& audit_ids = {});

  storage::Store& store_;
  Lineage& lineage_;
  Provenance provenance_;  // inline-example (demo_of) and derived_from edges of every version
  // Every write of a template scrubs inline examples of purged examples first: a body (or a
  // copy) read before a purge must not bring the erased content back.
  PurgedContent purged_;
  // Held by an edit that changes derived_from, from its cycle check to its commit: two edits
  // naming each other (A from B, B from A) at once would each pass the check before the other's
  // edge exists. In-process only; replicas sharing a store can still race (as DSPy imports do).
  std::mutex derived_from_mu_;
};

// "1.2.3" → "1.3.0"; non-semver strings get ".1" appended.
std::string BumpMinor(const std::string& version);

}  // namespace exemplar::service
