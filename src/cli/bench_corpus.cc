#include "cli/bench_corpus.h"

namespace exemplar::cli {
namespace {

const std::vector<std::string> kDetectors = {
    "NaI scintillator", "CsI array", "LaBr3 crystal", "HPGe spectrometer", "CZT module",
    "PIPS alpha detector", "Geiger-Muller tube", "He-3 neutron tube", "PVT plastic panel",
    "BGO crystal", "silicon drift detector", "proportional counter"};
const std::vector<std::string> kSymptoms = {
    "gain drift", "count rate spikes", "bias voltage ripple", "dark current rise", "peak broadening",
    "dead time increase", "microphonic noise", "light output loss", "leakage current growth",
    "baseline wander", "temperature excursion", "fan bearing noise", "cooling failure",
    "humidity ingress", "connector corrosion", "crystal crack", "window puncture",
    "solder void", "delamination", "pulse pileup"};
const std::vector<std::string> kComponents = {
    "photomultiplier", "preamplifier", "high voltage supply", "cryocooler", "shaping amplifier",
    "housing seal", "optical coupling", "entrance window", "readout board", "fan assembly"};
const std::vector<std::string> kFiller = {
    "observed", "during", "after", "shift", "inspection", "reported", "operator", "logged",
    "since", "maintenance", "the", "unit", "site", "week", "trend", "steady", "intermittent",
    "severe", "minor", "field"};
const std::vector<std::string> kActions = {"release", "rework", "replace_component", "quarantine",
                                           "clean_and_retest", "scrap"};

template <typename T>
const T& Pick(const std::vector<T>& v, std::mt19937_64& rng) {
  return v[rng() % v.size()];
}

}  // namespace

BenchCorpus::BenchCorpus(uint64_t seed) : rng_(seed) {}

std::string BenchCorpus::Sentence(int topic, std::mt19937_64& rng) {
  // A topic fixes detector, symptom and component; words around them vary.
  const std::string& det = kDetectors[topic % kDetectors.size()];
  const std::string& sym = kSymptoms[(topic / kDetectors.size()) % kSymptoms.size()];
  const std::string& comp = kComponents[(topic * 7) % kComponents.size()];
  std::string s = det + " " + Pick(kFiller, rng) + " " + sym + " " + Pick(kFiller, rng) + " " + comp;
  int extra = 2 + static_cast<int>(rng() % 5);
  for (int i = 0; i < extra; ++i) s += " " + Pick(kFiller, rng);
  s += " reading " + std::to_string(rng() % 1000) + " serial " + std::to_string(rng() % 100000);
  return s;
}

Json BenchCorpus::Example(int64_t i) {
  std::mt19937_64 rng(static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ULL + 1);
  int topics = static_cast<int>(kDetectors.size() * kSymptoms.size());
  int topic = static_cast<int>(rng() % topics);
  return {{"input", {{"text", Sentence(topic, rng)}, {"site", "site-" + std::to_string(rng() % 50)}}},
          {"expected_output", {{"action", Pick(kActions, rng)}, {"topic", topic}}},
          {"domain", topic % 2 ? "defect_detection" : "predictive_maintenance"},
          {"function_name", "fn_" + std::to_string(i % kFunctions)},
          {"difficulty", i % 3 == 0 ? "easy" : (i % 3 == 1 ? "medium" : "hard")},
          {"client_id", "bench-" + std::to_string(i)}};
}

std::string BenchCorpus::Query() {
  int topics = static_cast<int>(kDetectors.size() * kSymptoms.size());
  int topic = static_cast<int>(rng_() % topics);
  const std::string& det = kDetectors[topic % kDetectors.size()];
  const std::string& sym = kSymptoms[(topic / kDetectors.size()) % kSymptoms.size()];
  return sym + " on " + det + " " + Pick(kFiller, rng_);
}

}  // namespace exemplar::cli
