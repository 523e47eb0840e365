// Column lists and row ↔ record mapping shared by the SQLite statements.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <vector>

#include "storage/columns.h"
#include "storage/dialect.h"
#include "storage/records.h"

namespace exemplar::storage {

// Reads an Example from columns [0, N) as listed in kExampleColumns; when with_embedding the
// embedding blob is the next column.
Example ReadExample(SQLite::Statement& q, bool with_embedding);

Template ReadTemplate(SQLite::Statement& q);

// Binding helpers: optional values bind NULL when empty.
void BindOpt(SQLite::Statement& q, int i, const std::optional<std::string>& v);
void BindOpt(SQLite::Statement& q, int i, const std::optional<double>& v);
void BindOpt(SQLite::Statement& q, int i, const std::optional<int64_t>& v);
// Binds parameters 1..n.
void BindValues(SQLite::Statement& q, const std::vector<SqlValue>& values);
std::optional<std::string> OptString(const SQLite::Column& c);
std::optional<double> OptDouble(const SQLite::Column& c);
std::optional<int64_t> OptInt(const SQLite::Column& c);

}  // namespace exemplar::storage
