// The optimizer implementations behind Optimize() (internal). Each returns OK when it ran to
// completion; on a stop it returns session.StoppedStatus() with `out` holding the best so far.
#pragma once

#include <vector>

#include "optimize/session.h"
#include "service/templates/dspy/optimizer_config.h"

namespace exemplar::optimize {

Status RunLabeledFewShot(Session& s, const dspy::OptimizerConfig& c, const std::vector<DataPoint>& train,
                         const std::vector<DataPoint>& val, RunnerResult* out);
Status RunBootstrapFewShot(Session& s, const dspy::OptimizerConfig& c, const std::vector<DataPoint>& train,
                           const std::vector<DataPoint>& val, RunnerResult* out);
Status RunRandomSearch(Session& s, const dspy::OptimizerConfig& c, const std::vector<DataPoint>& train,
                       const std::vector<DataPoint>& val, RunnerResult* out);
Status RunMipro(Session& s, const dspy::OptimizerConfig& c, const std::vector<DataPoint>& train,
                const std::vector<DataPoint>& val, RunnerResult* out);
Status RunKnnFewShot(Session& s, const dspy::OptimizerConfig& c, const std::vector<DataPoint>& train,
                     const std::vector<DataPoint>& val, RunnerResult* out);

// Records a full evaluation of `program` as a trial and makes it the best when its score is
// strictly higher than the best so far. Returns the evaluation's error (e.g. stopped).
Status EvaluateCandidate(Session& s, const std::string& candidate, const Program& program,
                         const std::vector<DataPoint>& val, RunnerResult* out, Json extra_metrics = {});

}  // namespace exemplar::optimize
