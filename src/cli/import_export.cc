// exemplar import FILE / exemplar export: examples to and from JSONL, JSON and CSV files.
#include <algorithm>
#include <cctype>
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

int RunImport(const Config& config, const std::string& file, const std::string& format_name) {
  std::string fmt = format_name;  // jsonl, json or csv (cli.cc checks --format)
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
  if (Status st = CheckStoreEmbedder(**rt); !st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 1;
  }
  std::vector<service::BatchItemError> invalid;
  for (auto& [i, msg] : parsed->errors) invalid.push_back({i, msg});
  std::vector<Example> items;
  std::vector<size_t> item_record;  // items[i] is record item_record[i] of the file
  for (size_t i = 0; i < parsed->records.size(); ++i) {
    Validation v;
    Example e = service::ExampleFromCreateJson(parsed->records[i], v, {});
    if (!v.ok()) {
      invalid.push_back({parsed->record_index[i], FieldErrorsText(v)});
    } else {
      items.push_back(std::move(e));
      item_record.push_back(parsed->record_index[i]);
    }
  }
  int64_t created = 0, existing = 0;
  constexpr size_t kChunk = 1000;  // one transaction per chunk
  for (size_t start = 0; start < items.size(); start += kChunk) {
    std::vector<Example> chunk(std::make_move_iterator(items.begin() + start),
                               std::make_move_iterator(items.begin() + std::min(items.size(), start + kChunk)));
    storage::AuditScope audit_scope(CliAuditEntry("import"));  // one entry per chunk's transaction
    auto r = (*rt)->examples().Batch(std::move(chunk), {}, false);
    if (!r.ok()) {
      std::cerr << "error: " << r.status().message() << "\n";
      return 1;
    }
    created += r->created_count;
    existing += r->existing_count;
    // A batch error's index counts the chunk's items, which skip the records refused above.
    for (auto& e : r->errors) invalid.push_back({item_record[start + e.index], e.error});
  }
  std::stable_sort(invalid.begin(), invalid.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  for (const auto& e : invalid) std::cerr << "record " << e.index << ": " << e.error << "\n";
  Status st = (*rt)->index().SaveSnapshot();
  if (!st.ok()) std::cerr << "warning: snapshot: " << st.message() << "\n";
  std::cout << "imported " << created << " examples (" << existing << " already present, "
            << invalid.size() << " failed)\n";
  return invalid.empty() ? 0 : 1;
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
