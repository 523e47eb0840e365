// Template (DataBit) rows.
#include "common/time.h"
#include "storage/columns.h"
#include "storage/dialect.h"
#include "storage/list_sql.h"
#include "storage/sqlite/row_mapping.h"
#include "storage/sqlite/sqlite_store.h"

namespace exemplar::storage {
namespace {

// Binds every template column but id, in kTemplateColumns order starting at `i`.
int BindTemplateBody(SQLite::Statement& q, int i, const Template& t) {
  q.bind(i++, t.name);
  BindOpt(q, i++, t.description);
  q.bind(i++, EncodeSchema(t.input_schema));
  q.bind(i++, EncodeSchema(t.output_schema));
  BindOpt(q, i++, t.prompt_template);
  BindOpt(q, i++, t.system_prompt);
  q.bind(i++, t.examples_json);
  q.bind(i++, t.base_model);
  q.bind(i++, t.temperature);
  q.bind(i++, static_cast<int64_t>(t.max_tokens));
  q.bind(i++, t.status);
  q.bind(i++, t.version);
  BindOpt(q, i++, t.parent_template_id);
  q.bind(i++, EncodeStringList(t.derived_from));
  BindOpt(q, i++, t.created_by);
  q.bind(i++, static_cast<int64_t>(t.created_at));
  q.bind(i++, static_cast<int64_t>(t.updated_at));
  return i;
}

}  // namespace

void InsertTemplateRow(Conn& c, const Template& t) {
  auto& q = c.Prepare(std::string("INSERT INTO templates(") + kTemplateColumns +
                      ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  q.bind(1, t.id);
  BindTemplateBody(q, 2, t);
  q.exec();
}

Status SqliteStore::InsertTemplate(const Template& t) {
  EXEMPLAR_RETURN_IF_ERROR(RefuseNul(t));
  return pool_->Write([&](Conn& c) {
    InsertTemplateRow(c, t);
    return Status::Ok();
  });
}

Result<bool> SqliteStore::InsertTemplateVersion(const Template& t, const std::vector<LineageEdge>& edges,
                                                const std::optional<std::string>& accepting_run_id, int64_t now) {
  EXEMPLAR_RETURN_IF_ERROR(RefuseNul(t));
  bool lost = false;
  Status st = pool_->Write([&](Conn& c) -> Status {
    if (accepting_run_id) {
      EXEMPLAR_ASSIGN_OR_RETURN(bool won, ClaimRunDecision(c, *accepting_run_id, "accepted", t.id, now));
      if (!won) {
        lost = true;  // rolled back, so the request's audit entry is not written for nothing done
        return Status::FailedPrecondition("the run's decision is taken");
      }
    }
    InsertTemplateRow(c, t);  // a taken (name, version) throws: the claim rolls back with it
    InsertEdgeRows(c, edges);
    return Status::Ok();
  });
  if (lost) return false;
  EXEMPLAR_RETURN_IF_ERROR(st);
  return true;
}

Result<Template> SqliteStore::GetTemplate(const std::string& id) {
  std::optional<Template> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(std::string("SELECT ") + kTemplateColumns + " FROM templates WHERE id = ?");
    q.bind(1, id);
    if (q.executeStep()) out = ReadTemplate(q);
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Template not found");
  return std::move(*out);
}

namespace {

// Why a guarded template write changed no row: gone, or changed by another writer.
Status TemplateUnchanged(Conn& c, const std::string& id) {
  auto& q = c.Prepare("SELECT 1 FROM templates WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return Status::NotFound("Template not found");
  return Status::FailedPrecondition(kTemplateChangedConcurrently);
}

}  // namespace

Status CheckTemplateFit(Conn& c, const Example& e, const TemplateFitCheck& fits, std::map<std::string, Template>& read) {
  if (!fits || !e.databit_id) return Status::Ok();
  auto it = read.find(*e.databit_id);
  if (it == read.end()) {
    auto& q = c.Prepare(std::string("SELECT ") + kTemplateColumns + " FROM templates WHERE id = ?");
    q.bind(1, *e.databit_id);
    if (!q.executeStep()) return Status::FailedPrecondition(kTemplateDeletedMeanwhile + *e.databit_id);
    it = read.emplace(*e.databit_id, ReadTemplate(q)).first;
  }
  return fits(e, it->second);
}

// The live examples naming any of the governed templates, each visited, then the verdict.
static Status CheckGoverned(Conn& c, const GovernedExamples& governed) {
  auto& q = c.Prepare(std::string("SELECT ") + kExampleColumns + " FROM examples WHERE databit_id = ? ORDER BY row_id");
  for (const auto& id : governed.template_ids) {
    q.reset();
    q.bind(1, id);
    while (q.executeStep()) governed.visit(ReadExample(q, false));
  }
  return governed.verdict();
}

Status SqliteStore::UpdateTemplate(const Template& t, int64_t if_updated_at, const std::vector<LineageEdge>& open,
                                   const std::vector<LineageEdge>& close, const GovernedExamples* governed) {
  EXEMPLAR_RETURN_IF_ERROR(RefuseNul(t));
  return pool_->Write([&](Conn& c) {
    auto& q = c.Prepare(
        "UPDATE templates SET name=?, description=?, input_schema=?, output_schema=?, "
        "prompt_template=?, system_prompt=?, examples=?, base_model=?, temperature=?, "
        "max_tokens=?, status=?, version=?, parent_template_id=?, derived_from=?, created_by=?, "
        "created_at=?, updated_at=? WHERE id=? AND updated_at=?");
    int i = BindTemplateBody(q, 1, t);
    q.bind(i++, t.id);
    q.bind(i, static_cast<int64_t>(if_updated_at));
    q.exec();
    if (c.db().getChanges() == 0) return TemplateUnchanged(c, t.id);
    if (governed) EXEMPLAR_RETURN_IF_ERROR(CheckGoverned(c, *governed));
    InsertEdgeRows(c, open);
    CloseEdgeRows(c, close, t.updated_at);
    return Status::Ok();
  });
}

Status SqliteStore::DeleteTemplate(const std::string& id, int64_t if_updated_at) {
  return pool_->Write([&](Conn& c) {
    auto& q = c.Prepare(
        "DELETE FROM templates WHERE id = ?1 AND updated_at = ?2 "
        "AND NOT EXISTS (SELECT 1 FROM examples WHERE databit_id = ?1) "
        "AND NOT EXISTS (SELECT 1 FROM templates AS child WHERE child.parent_template_id = ?1)");
    q.bind(1, id);
    q.bind(2, static_cast<int64_t>(if_updated_at));
    q.exec();
    if (c.db().getChanges() == 0) return TemplateUnchanged(c, id);
    auto& e = c.Prepare(
        "DELETE FROM lineage_edges WHERE (source_type = 'template' AND source_id = ?1) OR "
        "(target_type = 'template' AND target_id = ?1)");
    e.bind(1, id);
    e.exec();
    return Status::Ok();
  });
}

Result<KeyedPage<Template>> SqliteStore::ListTemplates(const TemplateListQuery& query) {
  KeyedList list{"templates", kTemplateColumns, "updated_at", {}, query.search};
  if (query.status) list.equals.push_back({"status", *query.status});
  Result<KeyedPage<Template>> page = Status::Internal("list not run");
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    std::function<Status(const SqlStatement&, std::vector<Template>*)> select =
        [&](const SqlStatement& st, std::vector<Template>* out) {
          auto& q = c.Prepare(st.sql);
          BindValues(q, st.values);
          while (q.executeStep()) out->push_back(ReadTemplate(q));
          return Status::Ok();
        };
    CountFn count = [&](const SqlStatement& st) -> Result<int64_t> {
      auto& q = c.Prepare(st.sql);
      BindValues(q, st.values);
      return q.executeStep() ? q.getColumn(0).getInt64() : 0;
    };
    page = ListKeyedWith<Template>(Dialect::kSqlite, list, query.offset, query.limit, query.after, select,
                                   count, [](const Template& t) { return KeyCursor{t.updated_at, t.id}; });
    return page.status();
  }));
  return page;
}

Result<std::vector<Template>> SqliteStore::ListTemplatesByName(const std::string& name) {
  std::vector<Template> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(std::string("SELECT ") + kTemplateColumns +
                        " FROM templates WHERE name = ? ORDER BY created_at, id");
    q.bind(1, name);
    while (q.executeStep()) out.push_back(ReadTemplate(q));
    return Status::Ok();
  }));
  return out;
}

}  // namespace exemplar::storage
