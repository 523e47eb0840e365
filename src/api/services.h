// The services the HTTP handlers call, wired in main.cc. Handlers hold references only.
#pragma once

#include "api/metrics.h"
#include "common/config.h"
#include "service/attribution.h"
#include "service/auth.h"
#include "service/dspy_export.h"
#include "service/effectiveness.h"
#include "service/examples.h"
#include "service/lineage.h"
#include "service/retrieval.h"
#include "service/runs.h"
#include "service/templates.h"
#include "service/search.h"
#include "service/search_index.h"
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
  service::Runs& runs;
  service::Attribution& attribution;
  service::Auth& auth;
  Metrics& metrics;
};

}  // namespace exemplar::api
