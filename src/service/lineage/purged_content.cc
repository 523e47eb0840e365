#include "service/lineage/purged_content.h"

#include "service/lineage/example_matcher.h"

namespace exemplar::service {
namespace {

// An inline example reduced to its marker: the id, and what says where it came from.
Json PurgedInline(const std::string& example_id, const Json& item) {
  Json out = {{"example_id", example_id}, {"purged", true}};
  for (const char* key : {"example_version", "source", "augmented"}) {
    if (item.contains(key)) out[key] = item[key];
  }
  return out;
}

// The item's example_id when it names one.
std::optional<std::string> NamedId(const Json& item) {
  if (!item.is_object() || !item.contains("example_id") || !item["example_id"].is_string()) return std::nullopt;
  return item["example_id"].get<std::string>();
}

bool Named(const Json& item, const std::set<std::string>& ids) {
  auto id = NamedId(item);
  return id && ids.count(*id) && !IsPurgedCopy(item);
}

}  // namespace

bool IsPurgedCopy(const Json& item) {
  return item.is_object() && item.contains("purged") && item["purged"] == true;
}

size_t ScrubInlineExamples(Json& examples, const std::set<std::string>& ids) {
  if (!examples.is_array()) return 0;
  size_t n = 0;
  for (Json& item : examples) {
    if (!Named(item, ids)) continue;
    item = PurgedInline(*NamedId(item), item);
    ++n;
  }
  return n;
}

size_t ScrubInlineCopies(Json& examples, const std::string& example_id, const Json& input) {
  if (!examples.is_array()) return 0;
  size_t n = 0;
  for (Json& item : examples) {
    if (!item.is_object() || item.contains("example_id") || !item.contains("input")) continue;
    if (!SameInputs(item["input"], input, /*normalized=*/true)) continue;
    item = PurgedInline(example_id, item);
    ++n;
  }
  return n;
}

size_t ScrubProgramDemos(Json& program, const std::set<std::string>& ids) {
  if (!program.is_object() || !program.contains("demos") || !program["demos"].is_array()) return 0;
  size_t n = 0;
  for (Json& demo : program["demos"]) {
    if (!Named(demo, ids)) continue;
    demo = {{"example_id", *NamedId(demo)}, {"augmented", demo.value("augmented", false)}, {"purged", true}};
    ++n;
  }
  return n;
}

storage::PurgeRewrites PurgeRewritesFor(const std::string& example_id, std::optional<Json> input) {
  storage::PurgeRewrites r;
  r.template_examples = [example_id, input = std::move(input)](const std::string& text,
                                                               bool linked) -> std::optional<std::string> {
    Json examples = Json::parse(text, nullptr, false);
    size_t n = ScrubInlineExamples(examples, {example_id});
    if (linked && input) n += ScrubInlineCopies(examples, example_id, *input);
    if (n == 0) return std::nullopt;
    return DumpJson(examples);
  };
  r.run_program = [example_id](const std::string& text) -> std::optional<std::string> {
    Json program = Json::parse(text, nullptr, false);
    if (ScrubProgramDemos(program, {example_id}) == 0) return std::nullopt;
    return DumpJson(program);
  };
  return r;
}

Result<std::set<std::string>> PurgedContent::PurgedAmong(const Json& items) {
  std::set<std::string> seen, purged;
  if (!items.is_array()) return purged;
  for (const Json& item : items) {
    auto id = NamedId(item);
    if (!id || IsPurgedCopy(item) || !seen.insert(*id).second) continue;
    auto e = store_.GetExampleIncludingDeleted(*id);
    if (e.status().IsNotFound()) continue;
    EXEMPLAR_RETURN_IF_ERROR(e.status());
    if (e->purged_at) purged.insert(*id);
  }
  return purged;
}

Status PurgedContent::ScrubTemplate(Template& t) {
  Json examples = Json::parse(t.examples_json, nullptr, false);
  EXEMPLAR_ASSIGN_OR_RETURN(auto purged, PurgedAmong(examples));
  if (!purged.empty() && ScrubInlineExamples(examples, purged) > 0) t.examples_json = DumpJson(examples);
  return Status::Ok();
}

Status PurgedContent::ScrubProgram(Json& program) {
  if (!program.is_object()) return Status::Ok();
  EXEMPLAR_ASSIGN_OR_RETURN(auto purged, PurgedAmong(program.value("demos", Json::array())));
  if (!purged.empty()) ScrubProgramDemos(program, purged);
  return Status::Ok();
}

Result<std::map<std::string, std::string>> PurgedContent::PurgedHashes() {
  std::map<std::string, std::string> out;
  constexpr int64_t kPage = 500;
  for (int64_t offset = 0;; offset += kPage) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_.ListDeletedExamples(offset, kPage));
    for (const Example& e : page.first) {
      if (!e.purged_at) continue;
      if (e.content_hash) out.emplace(*e.content_hash, e.id);
      // A purged version's snapshot is {"example_id", "version", "purged": true, "content_hash"}.
      EXEMPLAR_ASSIGN_OR_RETURN(auto versions, store_.ListExampleVersions(e.id));
      for (const auto& v : versions) {
        const Json w = Json::parse(v.snapshot_json, nullptr, false);
        for (const char* key : {"content_hash", "io_hash"}) {
          if (w.is_object() && w.contains(key) && w[key].is_string()) out.emplace(w[key].get<std::string>(), e.id);
        }
      }
    }
    if (static_cast<int64_t>(page.first.size()) < kPage) break;
  }
  return out;
}

}  // namespace exemplar::service
