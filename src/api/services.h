// The services the HTTP handlers call, wired in main.cc. Handlers hold references only.
#pragma once

#include "api/metrics.h"
#include "api/readiness.h"
#include "common/config.h"
#include "service/lineage/attribution.h"
#include "service/auth/auth.h"
#include "service/templates/dspy_export.h"
#include "service/templates/dspy_import.h"
#include "service/effectiveness/effectiveness.h"
#include "service/examples/examples.h"
#include "service/audit/audit.h"
#include "service/lineage/lineage.h"
#include "service/lineage/snapshots.h"
#include "service/search/retrieval.h"
#include "service/search/usage_retention.h"
#include "service/runs/runs.h"
#include "service/templates/templates.h"
#include "service/search/search.h"
#include "service/search/search_index.h"
#include "storage/store.h"

namespace exemplar::api {

struct Services {
  const Config& config;
  storage::Store& store;
  service::SearchIndex& index;
  service::Examples& examples;
  service::Search& search;
  service::Effectiveness& effectiveness;
  service::Retrieval& retrieval;
  service::Lineage& lineage;
  service::Templates& templates;
  service::DspyExport& dspy_export;
  service::DspyImport& dspy_import;
  service::Runs& runs;
  service::Attribution& attribution;
  service::Auth& auth;
  Metrics& metrics;
  service::Snapshots& snapshots;
  service::audit::AuditLog& audit;
  service::UsageRetention& usage_retention;
  const Readiness& readiness;  // false while `serve` loads the indexes
};

}  // namespace exemplar::api
