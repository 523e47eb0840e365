// Template (DataBit) rows.
#include "common/time.h"
#include "storage/columns.h"
#include "storage/dialect.h"
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

Status SqliteStore::InsertTemplate(const Template& t) {
  EXEMPLAR_RETURN_IF_ERROR(RefuseNul(t));
  return pool_->Write([&](Conn& c) {
    auto& q = c.Prepare(std::string("INSERT INTO templates(") + kTemplateColumns +
                        ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    q.bind(1, t.id);
    BindTemplateBody(q, 2, t);
    q.exec();
    return Status::Ok();
  });
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

Status SqliteStore::UpdateTemplate(const Template& t) {
  EXEMPLAR_RETURN_IF_ERROR(RefuseNul(t));
  return pool_->Write([&](Conn& c) {
    auto& q = c.Prepare(
        "UPDATE templates SET name=?, description=?, input_schema=?, output_schema=?, "
        "prompt_template=?, system_prompt=?, examples=?, base_model=?, temperature=?, "
        "max_tokens=?, status=?, version=?, parent_template_id=?, derived_from=?, created_by=?, "
        "created_at=?, updated_at=? WHERE id=?");
    int i = BindTemplateBody(q, 1, t);
    q.bind(i, t.id);
    q.exec();
    if (c.db().getChanges() == 0) return Status::NotFound("Template not found");
    return Status::Ok();
  });
}

Status SqliteStore::DeleteTemplate(const std::string& id) {
  return pool_->Write([&](Conn& c) {
    auto& q = c.Prepare("DELETE FROM templates WHERE id = ?");
    q.bind(1, id);
    q.exec();
    if (c.db().getChanges() == 0) return Status::NotFound("Template not found");
    auto& e = c.Prepare(
        "DELETE FROM lineage_edges WHERE (source_type = 'template' AND source_id = ?1) OR "
        "(target_type = 'template' AND target_id = ?1)");
    e.bind(1, id);
    e.exec();
    return Status::Ok();
  });
}

Result<std::pair<std::vector<Template>, int64_t>> SqliteStore::ListTemplates(
    const std::optional<std::string>& status, const std::optional<std::string>& search,
    int64_t offset, int64_t limit) {
  const Dialect d = Dialect::kSqlite;
  std::string where = " WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR " +
                      ContainsIgnoreCase(d, "name", "?2") + " OR " +
                      ContainsIgnoreCase(d, "COALESCE(description, '')", "?2") + ")";
  std::vector<Template> items;
  int64_t total = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& n = c.Prepare("SELECT COUNT(*) FROM templates" + where);
    BindOpt(n, 1, status);
    BindOpt(n, 2, search);
    if (n.executeStep()) total = n.getColumn(0).getInt64();
    auto& q = c.Prepare(std::string("SELECT ") + kTemplateColumns + " FROM templates" + where +
                        " ORDER BY updated_at DESC, id LIMIT ?3 OFFSET ?4");
    BindOpt(q, 1, status);
    BindOpt(q, 2, search);
    q.bind(3, static_cast<int64_t>(limit));
    q.bind(4, static_cast<int64_t>(offset));
    while (q.executeStep()) items.push_back(ReadTemplate(q));
    return Status::Ok();
  }));
  return std::make_pair(std::move(items), total);
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
