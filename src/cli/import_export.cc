// exemplar import FILE / exemplar export: examples to and from JSONL, JSON and CSV files.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "common/field_loc.h"
#include "service/examples/example_io.h"
#include "service/examples/example_json.h"
#include "storage/audit_context.h"

namespace exemplar::cli {

std::string FieldErrorsText(const Validation& v) {
  std::string text;
  for (const auto& e : v.errors()) {
    std::string field;
    for (const auto& part : e.loc) field += (field.empty() ? "" : ".") + LocPartText(part);
    text += (text.empty() ? "" : "; ") + (field.empty() ? e.msg : field + ": " + e.msg);
  }
  return text;
}

namespace {

// A warning of the record it concerns, for stderr: "near_duplicate: input resembles … (similarity 1)".
std::string WarningText(const service::QualityWarning& w) {
  std::string text = w.type + ": " + w.message;
  if (w.similarity) {
    std::ostringstream sim;
    sim << std::round(*w.similarity * 10000) / 10000;
    text += " (similarity " + sim.str() + ")";
  }
  return text;
}

}  // namespace

int RunImport(const Config& config, const ImportOptions& options) {
  const std::string& file = options.file;
  std::string fmt = options.format;  // jsonl, json or csv (cli.cc checks --format)
  if (fmt.empty()) {
    std::string ext = std::filesystem::path(file).extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    fmt = ext == ".csv" ? "csv" : ext == ".json" ? "json" : "jsonl";
  }
  service::ExampleFormat format = fmt == "csv"    ? service::ExampleFormat::kCsv
                                  : fmt == "json" ? service::ExampleFormat::kJsonArray
                                                  : service::ExampleFormat::kJsonl;
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto parsed = service::ParseImport(ss.str(), format, 1000000);
  if (!parsed.ok()) {
    std::cerr << "error: " << parsed.status().message() << "\n";
    return 1;
  }
  auto rt = Runtime::Open(config);
  if (!rt.ok()) {
    std::cerr << "error: " << rt.status().message() << "\n";
    return 1;
  }
  // Every record of the file (numbered from 0, in file order) is an item or a refusal.
  const size_t total = parsed->total;
  std::vector<service::BatchItemError> invalid;  // by record number
  for (auto& [i, msg] : parsed->errors) invalid.push_back({i, msg});
  std::vector<std::pair<size_t, Example>> items;  // (record number, example), in file order
  for (size_t i = 0; i < parsed->records.size(); ++i) {
    Validation v;
    Example e = service::ExampleFromCreateJson(parsed->records[i], v, {});
    if (!v.ok()) {
      invalid.push_back({parsed->record_index[i], FieldErrorsText(v)});
    } else {
      items.emplace_back(parsed->record_index[i], std::move(e));
    }
  }
  std::sort(invalid.begin(), invalid.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  // The server's quality policies, as --on-duplicate / --on-secret left them (cli.cc).
  service::WriteOptions write_options = service::DefaultWriteOptions(config);
  write_options.loc = {};  // a refusal names the field alone ("at databit_id"), as record errors do
  int64_t created = 0, existing = 0;
  std::vector<service::BatchItemError> refused;
  std::vector<service::BatchItemWarning> warnings;
  // One transaction per chunk of records. Each chunk passes its refused records along, so the
  // positions the batch reports are record numbers less the chunk's first.
  constexpr size_t kChunk = 1000;
  size_t next_item = 0, next_invalid = 0;
  for (size_t lo = 0; lo < total; lo += kChunk) {
    const size_t hi = std::min(total, lo + kChunk);
    std::vector<Example> chunk;
    for (; next_item < items.size() && items[next_item].first < hi; ++next_item) {
      chunk.push_back(std::move(items[next_item].second));
    }
    std::vector<service::BatchItemError> chunk_invalid;
    for (; next_invalid < invalid.size() && invalid[next_invalid].index < hi; ++next_invalid) {
      chunk_invalid.push_back({invalid[next_invalid].index - lo, invalid[next_invalid].error});
    }
    storage::AuditScope audit_scope(CliAuditEntry("import"));  // one entry per chunk's transaction
    auto r = (*rt)->examples().Batch(std::move(chunk), std::move(chunk_invalid), false, write_options);
    if (!r.ok()) {
      std::cerr << "error: " << r.status().message() << "\n";
      return 1;
    }
    created += r->created_count;
    existing += r->existing_count;
    for (auto& e : r->errors) {
      e.index += lo;
      refused.push_back(std::move(e));
    }
    for (auto& w : r->warnings) {
      w.index += lo;
      warnings.push_back(std::move(w));
    }
  }
  std::stable_sort(refused.begin(), refused.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  std::stable_sort(warnings.begin(), warnings.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  for (const auto& e : refused) std::cerr << "record " << e.index << ": " << e.error << "\n";
  for (const auto& w : warnings) std::cerr << "record " << w.index << ": warning: " << WarningText(w.warning) << "\n";
  Status st = (*rt)->index().SaveSnapshot();
  if (!st.ok()) std::cerr << "warning: snapshot: " << st.message() << "\n";
  std::cout << "imported " << created << " examples (" << existing << " already present, " << refused.size()
            << " failed, " << warnings.size() << " warnings)\n";
  return refused.empty() ? 0 : 1;
}

int RunExport(const Config& config, const std::string& format, const std::string& out_file) {
  auto rt = Runtime::OpenStoreOnly(config);
  if (!rt.ok()) {
    std::cerr << "error: " << rt.status().message() << "\n";
    return 1;
  }
  std::ofstream file;
  if (!out_file.empty()) {
    file.open(out_file, std::ios::binary | std::ios::trunc);
    if (!file.is_open()) {
      std::cerr << "error: cannot write " << out_file << ": " << std::strerror(errno) << "\n";
      return 1;
    }
  }
  const std::string where = out_file.empty() ? "stdout" : out_file;
  std::ostream& out = out_file.empty() ? std::cout : file;
  if (format == "csv") out << service::CsvHeader();
  int64_t count = 0;
  Status st = (*rt)->store().ScanExamples(false, [&](Example&& e) {
    if (!out) return;  // the write failed: the error below says so; writing on is pointless
    out << (format == "csv" ? service::ExampleToCsvRow(e) : service::ExampleToJsonl(e));
    ++count;
  });
  if (!st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 1;
  }
  // Buffered bytes reach the file (or a full disk, a closed pipe) only now.
  out.flush();
  if (!out_file.empty()) file.close();  // `out` is `file`: a failed close fails it
  if (!out) {
    std::cerr << "error: writing the export to " << where << " failed (disk full?); it is incomplete\n";
    return 1;
  }
  if (!out_file.empty()) std::cerr << "exported " << count << " examples to " << out_file << "\n";
  return 0;
}

}  // namespace exemplar::cli
