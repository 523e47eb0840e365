// exemplar import FILE / exemplar export: examples to and from JSONL, JSON and CSV files, with
// the templates they name in a file of their own (--templates, template_file.h).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "cli/template_file.h"
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

namespace {

// Why an --atomic import stored nothing: each refused record by number ("record 2: not a field of
// the template's input schema at input.bogus_field"), or the one refusal the batch stopped at.
void ReportAtomicRefusal(const Status& st, size_t restored_templates) {
  for (const auto& fe : st.field_errors()) {
    std::string field;
    for (size_t i = 1; i < fe.loc.size(); ++i) field += (field.empty() ? "" : ".") + LocPartText(fe.loc[i]);
    std::cerr << "record " << (fe.loc.empty() ? "?" : LocPartText(fe.loc.front())) << ": " << fe.msg
              << (field.empty() ? "" : " at " + field) << "\n";
  }
  std::string message = st.message();
  if (message.rfind("item ", 0) == 0) message.replace(0, 4, "record");  // "item 3: …" of a duplicate
  std::cerr << "error: " << (st.field_errors().empty() ? message : std::to_string(st.field_errors().size()) + " refused")
            << "; no example was imported (--atomic)";
  if (restored_templates > 0) std::cerr << "; the " << restored_templates << " restored templates stay";
  std::cerr << "\n";
}

// The templates that records were refused for naming (their databit_id is not in the store).
std::set<std::string> MissingTemplates(const std::vector<service::BatchItemError>& refused,
                                       const std::vector<std::optional<std::string>>& databit_of) {
  std::set<std::string> out;
  for (const auto& e : refused) {
    const bool at_databit = !e.loc.empty() && e.loc.back() == "databit_id";
    if (at_databit && e.type == "value_error.not_found" && e.index < databit_of.size() && databit_of[e.index]) {
      out.insert(*databit_of[e.index]);
    }
  }
  return out;
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
  if (Status st = CheckStoreEmbedder(**rt); !st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 1;
  }
  // Every record of the file (numbered from 0, in file order) is an item or a refusal.
  const size_t total = parsed->total;
  std::vector<service::BatchItemError> invalid;  // by record number
  for (auto& e : parsed->errors) invalid.push_back(std::move(e));
  std::vector<std::pair<size_t, Example>> items;  // (record number, example), in file order
  std::vector<std::optional<std::string>> databit_of(total);
  for (size_t i = 0; i < parsed->records.size(); ++i) {
    Validation v;
    Example e = service::ExampleFromCreateJson(parsed->records[i], v, {});
    if (!v.ok()) {
      invalid.push_back({parsed->record_index[i], FieldErrorsText(v)});
    } else {
      databit_of[parsed->record_index[i]] = e.databit_id;
      items.emplace_back(parsed->record_index[i], std::move(e));
    }
  }
  std::sort(invalid.begin(), invalid.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  // --atomic: every record or none. Invalid records are all named before anything is written
  // (templates included); a refusal by the quality policies or the store rolls the one
  // transaction back (templates restored by --templates stay: they are complete on their own).
  if (options.atomic && !invalid.empty()) {
    for (const auto& e : invalid) std::cerr << "record " << e.index << ": " << e.error << "\n";
    std::cerr << "error: " << invalid.size() << " of " << total << " records are invalid; nothing was imported (--atomic)\n";
    return 1;
  }
  // The templates the examples name come first, so that the examples find them.
  std::vector<std::string> restored_templates;
  if (!options.templates_file.empty()) {
    auto restored = RestoreTemplatesFile(**rt, options.templates_file);
    if (!restored.ok()) {
      std::cerr << "error: " << restored.status().message() << " (no example was imported)\n";
      return 1;
    }
    restored_templates = restored->restored_ids;
    std::cout << "restored " << restored_templates.size() << " templates (" << restored->present
              << " already present)\n";
  }
  // The server's quality policies, as --on-duplicate / --on-secret left them (cli.cc).
  service::WriteOptions write_options = service::DefaultWriteOptions(config);
  write_options.loc = {};  // a refusal names the field alone ("at databit_id"), as record errors do
  // An --atomic import is one batch, and a refusal ends it: its errors then name the record by its
  // position in the batch, which is its record number.
  write_options.indexed = options.atomic;
  int64_t created = 0, existing = 0;
  std::vector<service::BatchItemError> refused;
  std::vector<service::BatchItemWarning> warnings;
  // One transaction per chunk of records. Each chunk passes its refused records along, so the
  // positions the batch reports are record numbers less the chunk's first.
  const size_t chunk_size = options.atomic ? std::max<size_t>(total, 1) : 1000;
  size_t next_item = 0, next_invalid = 0;
  for (size_t lo = 0; lo < total; lo += chunk_size) {
    const size_t hi = std::min(total, lo + chunk_size);
    std::vector<Example> chunk;
    for (; next_item < items.size() && items[next_item].first < hi; ++next_item) {
      chunk.push_back(std::move(items[next_item].second));
    }
    std::vector<service::BatchItemError> chunk_invalid;
    for (; next_invalid < invalid.size() && invalid[next_invalid].index < hi; ++next_invalid) {
      chunk_invalid.push_back({invalid[next_invalid].index - lo, invalid[next_invalid].error});
    }
    storage::AuditScope audit_scope(CliAuditEntry("import"));  // one entry per chunk's transaction
    auto r = (*rt)->examples().Batch(std::move(chunk), std::move(chunk_invalid), options.atomic, write_options);
    if (!r.ok()) {
      if (options.atomic) {
        ReportAtomicRefusal(r.status(), restored_templates.size());
      } else {
        std::cerr << "error: " << r.status().message() << "\n";
      }
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
  // Inline examples of restored templates name examples imported only now.
  for (const auto& id : restored_templates) {
    Status st = (*rt)->templates().LinkInlineExamples(id);
    if (!st.ok()) std::cerr << "warning: template " << id << ": linking its inline examples: " << st.message() << "\n";
  }
  std::stable_sort(refused.begin(), refused.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  std::stable_sort(warnings.begin(), warnings.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  for (const auto& e : refused) std::cerr << "record " << e.index << ": " << e.error << "\n";
  for (const auto& w : warnings) std::cerr << "record " << w.index << ": warning: " << WarningText(w.warning) << "\n";
  const auto missing = MissingTemplates(refused, databit_of);
  if (!missing.empty()) {
    std::string names;
    for (const auto& id : missing) names += (names.empty() ? "" : ", ") + id;
    std::cerr << "error: records name " << missing.size() << " template(s) this store does not have (" << names
              << (options.templates_file.empty()
                      ? "). If the file is an export of another store, write that store's templates with "
                        "`exemplar export --templates TEMPLATES.jsonl` there, then import both here with "
                        "`exemplar import FILE --templates TEMPLATES.jsonl`\n"
                      : "), nor does " + options.templates_file + "\n");
  }
  Status st = (*rt)->index().SaveSnapshot();
  if (!st.ok()) std::cerr << "warning: snapshot: " << st.message() << "\n";
  std::cout << "imported " << created << " examples (" << existing << " already present, " << refused.size()
            << " failed, " << warnings.size() << " warnings)\n";
  return refused.empty() ? 0 : 1;
}

int RunExport(const Config& config, const std::string& format, const std::string& out_file,
              const std::string& templates_file) {
  if (Status st = CheckStoreExists(config); !st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 2;
  }
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
  if (!templates_file.empty()) {
    int64_t templates = 0;
    st = WriteTemplatesFile((*rt)->store(), templates_file, &templates);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      return 1;
    }
    std::cerr << "exported " << templates << " templates to " << templates_file << "\n";
  }
  return 0;
}

}  // namespace exemplar::cli
