// Which `db` values the config accepts (config key db, flag --db).
#pragma once

#include <string>

#include "common/status.h"

namespace exemplar {

// A `db` value is "" (SQLite in data_dir), a SQLite file path, or a postgres:// / postgresql://
// URL. Anything else that names a scheme ("postgress://", "mysql://") or reads like a libpq
// keyword string ("host=… dbname=…") is kInvalidArgument naming the accepted forms, where it
// would otherwise become a SQLite file of that name.
Status CheckDbLocator(const std::string& db);

}  // namespace exemplar
