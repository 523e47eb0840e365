#include "service/quality/near_duplicates.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "service/quality/content_hash.h"
#include "service/quality/input_match.h"

namespace exemplar::service {
namespace {

constexpr size_t kParallelScanMin = 4096;  // fewer examples: one thread (starting more costs more)
constexpr size_t kReadChunk = 512;         // inputs read per store call (a report may read most rows)

// The inputs of `rows` tokenised for the field check, read from the store in chunks (each
// chunk's examples are dropped once tokenised). A row deleted meanwhile is absent.
Result<std::unordered_map<int64_t, InputTokens>> ReadInputTokens(storage::Store& store,
                                                                 const std::vector<int64_t>& rows, FieldPool* pool) {
  std::unordered_map<int64_t, InputTokens> out;
  for (size_t at = 0; at < rows.size(); at += kReadChunk) {
    std::vector<int64_t> chunk(rows.begin() + at, rows.begin() + std::min(rows.size(), at + kReadChunk));
    EXEMPLAR_ASSIGN_OR_RETURN(auto examples, store.GetExamplesByRowIds(chunk));
    for (const auto& x : examples) out.emplace(x.row_id, TokenizeInput(x.input_json, pool));
  }
  return out;
}

}  // namespace

Result<std::vector<QualityWarning>> FindNearDuplicates(const SearchIndex& index, storage::Store& store,
                                                       const Example& e, double threshold, size_t limit,
                                                       const ExampleFingerprint* fp) {
  const Catalog& catalog = index.catalog();
  const uint32_t scope = catalog.ScopeOf(e);
  std::vector<QualityWarning> out;
  if (scope == 0) return out;  // nothing stored in this template/domain yet
  const uint64_t output = fp ? fp->output.normalized : Fingerprint(e.expected_output_json).normalized;
  const uint64_t input = fp ? fp->input.normalized : Fingerprint(e.input_json).normalized;
  std::unordered_map<int64_t, double> similar;  // row → similarity
  for (const auto& row : catalog.SameInput(e, input)) similar[row.row_id] = 1.0;
  const auto vectors = index.vectors();
  // Only a vector of the serving space compares (a write embedded just before a re-embedding
  // switched is checked by identical inputs only). Twice `limit` neighbours: some may fail the
  // field check (another year of the same question) and should not crowd out a true duplicate.
  std::vector<std::pair<int64_t, double>> candidates;  // close vectors of other inputs: to check
  if (!e.embedding.empty() && static_cast<int>(e.embedding.size()) == vectors->options().dim) {
    for (const auto& hit : vectors->Search(e.embedding, 2 * limit + 1)) {
      if (hit.score < threshold) continue;
      auto row = catalog.Row(static_cast<int64_t>(hit.label));
      if (!row || row->scope != scope || row->row_id == e.row_id) continue;
      const double sim = std::min(1.0, static_cast<double>(hit.score));
      if (row->input_hash == input) {
        similar[row->row_id] = 1.0;
      } else {
        candidates.emplace_back(row->row_id, sim);
      }
    }
  }
  if (!candidates.empty()) {
    std::vector<int64_t> rows;
    for (const auto& c : candidates) rows.push_back(c.first);
    EXEMPLAR_ASSIGN_OR_RETURN(auto stored, ReadInputTokens(store, rows, nullptr));
    const InputTokens mine = TokenizeInput(e.input_json);
    for (const auto& [row_id, sim] : candidates) {
      auto it = stored.find(row_id);
      if (it != stored.end() && InputsMatch(mine, it->second)) similar[row_id] = sim;
    }
  }
  std::vector<std::pair<int64_t, double>> ranked(similar.begin(), similar.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  for (const auto& [row_id, sim] : ranked) {
    if (out.size() >= limit) break;
    auto id = catalog.IdOf(row_id);
    auto row = catalog.Row(row_id);
    if (!id || !row || *id == e.id) continue;
    QualityWarning w;
    w.type = row->output_hash == output ? "near_duplicate" : "conflict";
    w.example_id = *id;
    w.similarity = sim;
    w.message = w.type == "conflict"
                    ? "input resembles example " + *id + " whose expected output differs"
                    : "input resembles example " + *id + " with the same expected output";
    out.push_back(std::move(w));
  }
  return out;
}

Result<DuplicateReport> FindDuplicateClusters(const SearchIndex& index, storage::Store& store, double threshold,
                                              size_t neighbours) {
  const auto start = std::chrono::steady_clock::now();
  DuplicateReport report;
  std::vector<CatalogRow> rows = index.catalog().Rows();
  report.examples_scanned = static_cast<int64_t>(rows.size());
  std::unordered_map<int64_t, size_t> pos;
  pos.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) pos[rows[i].row_id] = i;
  std::vector<size_t> parent(rows.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::vector<double> weakest(rows.size(), 1.0);
  auto find = [&](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  auto join = [&](size_t a, size_t b, double sim) {
    size_t ra = find(a), rb = find(b);
    double w = std::min({weakest[ra], weakest[rb], sim});
    if (ra != rb) parent[std::max(ra, rb)] = std::min(ra, rb);
    weakest[find(a)] = w;
  };
  // Identical inputs in one scope: one hash lookup each.
  std::unordered_map<uint64_t, size_t> first;  // (input hash ^ scope) → row position
  for (size_t i = 0; i < rows.size(); ++i) {
    uint64_t key = rows[i].input_hash ^ (static_cast<uint64_t>(rows[i].scope) * 0x9E3779B97F4A7C15ull);
    auto [it, inserted] = first.emplace(key, i);
    if (!inserted && rows[it->second].scope == rows[i].scope && rows[it->second].input_hash == rows[i].input_hash) {
      join(it->second, i, 1.0);
    }
  }
  // Near inputs: k nearest neighbours of each vector (of one space, held across the loop). The
  // searches run on every core over contiguous slices of the rows; the pairs they find are joined
  // afterwards in row order, so the report is the one a single thread would make.
  const auto vectors = index.vectors();
  struct Pair {
    size_t a, b;
    double sim;
  };
  auto scan = [&](size_t begin, size_t end, std::vector<Pair>* pairs) {
    std::vector<float> v;
    for (size_t i = begin; i < end; ++i) {
      if (!vectors->GetVector(static_cast<uint64_t>(rows[i].row_id), &v)) continue;
      for (const auto& hit : vectors->Search(v, neighbours + 1)) {
        if (hit.score < threshold) break;  // hits are best first
        auto p = pos.find(static_cast<int64_t>(hit.label));
        if (p == pos.end() || p->second == i || rows[p->second].scope != rows[i].scope) continue;
        pairs->push_back({i, p->second, std::min(1.0, static_cast<double>(hit.score))});
      }
    }
  };
  const size_t threads =
      rows.size() < kParallelScanMin ? 1 : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 16);
  std::vector<std::vector<Pair>> pairs(threads);
  const size_t slice = (rows.size() + threads - 1) / threads;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) {
    pool.emplace_back(scan, std::min(rows.size(), t * slice), std::min(rows.size(), (t + 1) * slice), &pairs[t]);
  }
  scan(0, std::min(rows.size(), slice), &pairs[0]);
  for (auto& th : pool) th.join();
  // Pairs of different inputs join only when the inputs match field by field: read (once each)
  // the inputs of the rows such pairs name. Identical fields share tokens through one pool.
  std::vector<int64_t> to_read;
  {
    std::unordered_set<int64_t> named;
    for (const auto& slice_pairs : pairs) {
      for (const Pair& p : slice_pairs) {
        if (rows[p.a].input_hash == rows[p.b].input_hash) continue;
        for (size_t x : {p.a, p.b}) {
          if (named.insert(rows[x].row_id).second) to_read.push_back(rows[x].row_id);
        }
      }
    }
  }
  std::sort(to_read.begin(), to_read.end());
  FieldPool field_pool;
  EXEMPLAR_ASSIGN_OR_RETURN(auto inputs, ReadInputTokens(store, to_read, &field_pool));
  auto same_content = [&](const Pair& p) {
    if (rows[p.a].input_hash == rows[p.b].input_hash) return true;
    auto a = inputs.find(rows[p.a].row_id), b = inputs.find(rows[p.b].row_id);
    return a != inputs.end() && b != inputs.end() && InputsMatch(a->second, b->second);
  };
  for (const auto& slice_pairs : pairs) {
    for (const Pair& p : slice_pairs) {
      if (same_content(p)) join(p.a, p.b, p.sim);
    }
  }
  std::unordered_map<size_t, DuplicateCluster> by_root;
  std::unordered_map<size_t, std::unordered_set<uint64_t>> outputs;
  for (size_t i = 0; i < rows.size(); ++i) {
    size_t r = find(i);
    by_root[r].rows.push_back(rows[i].row_id);
    outputs[r].insert(rows[i].output_hash);
  }
  for (auto& [root, cluster] : by_root) {
    if (cluster.rows.size() < 2) continue;
    std::sort(cluster.rows.begin(), cluster.rows.end());
    cluster.min_similarity = weakest[root];
    cluster.distinct_outputs = outputs[root].size();
    report.clusters.push_back(std::move(cluster));
  }
  std::sort(report.clusters.begin(), report.clusters.end(), [](const DuplicateCluster& a, const DuplicateCluster& b) {
    return a.rows.size() != b.rows.size() ? a.rows.size() > b.rows.size() : a.rows.front() < b.rows.front();
  });
  report.took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace exemplar::service
