#include "service/templates/dspy/example_data.h"

#include <map>

namespace exemplar::dspy {
namespace {

// The payload as an object; `ok` false when it is not a JSON object.
Json ParseObject(const std::string& text, bool* ok) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  *ok = j.is_object();
  return *ok ? j : Json::object();
}

std::vector<std::string> OutputNames(const SignatureSpec& spec,
                                     const std::vector<std::string>& extra_outputs) {
  std::vector<std::string> names = extra_outputs;
  for (const SignatureField& f : spec.outputs) names.push_back(f.name);
  return names;
}

}  // namespace

std::vector<ExampleRow> BuildRows(const SignatureSpec& spec, const std::vector<Example>& examples,
                                  const std::vector<std::string>& extra_outputs) {
  std::vector<std::string> outputs = OutputNames(spec, extra_outputs);
  std::vector<ExampleRow> rows;
  rows.reserve(examples.size());
  for (const Example& ex : examples) {
    bool ok = false;
    Json in = ParseObject(ex.input_json, &ok);
    Json out = ParseObject(ex.expected_output_json, &ok);
    ExampleRow row;
    row.example_id = ex.id;
    for (const SignatureField& f : spec.inputs) {
      auto it = in.find(f.name);
      if (it != in.end()) row.inputs.emplace_back(f.name, *it);
    }
    for (const std::string& name : outputs) {
      auto it = out.find(name);
      if (it != out.end()) row.outputs.emplace_back(name, *it);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Finding> CheckExamples(const SignatureSpec& spec, const std::vector<Example>& examples,
                                   const std::vector<std::string>& extra_outputs) {
  struct Tally {
    size_t count = 0;
    std::string first_id;
  };
  std::map<std::string, Tally> missing;                       // field -> examples lacking it
  std::map<std::pair<std::string, std::string>, Tally> extra;  // (payload, key) -> examples
  std::map<std::string, Tally> invalid;                       // payload -> examples
  std::vector<Finding> findings;
  std::vector<std::string> outputs = OutputNames(spec, extra_outputs);
  auto tally = [](Tally& t, const std::string& id) {
    if (t.count++ == 0) t.first_id = id;
  };

  for (const Example& ex : examples) {
    bool in_ok = false, out_ok = false;
    Json in = ParseObject(ex.input_json, &in_ok);
    Json out = ParseObject(ex.expected_output_json, &out_ok);
    if (!in_ok) tally(invalid["input"], ex.id);
    if (!out_ok) tally(invalid["expected_output"], ex.id);
    for (const SignatureField& f : spec.inputs) {
      if (!in.contains(f.name)) tally(missing[f.name], ex.id);
    }
    for (const SignatureField& f : spec.outputs) {
      if (!out.contains(f.name)) tally(missing[f.name], ex.id);
    }
    for (auto it = in.begin(); it != in.end(); ++it) {
      bool known = false;
      for (const SignatureField& f : spec.inputs) known |= f.name == it.key();
      if (!known) tally(extra[{"input", it.key()}], ex.id);
    }
    for (auto it = out.begin(); it != out.end(); ++it) {
      bool known = false;
      for (const std::string& name : outputs) known |= name == it.key();
      if (!known) tally(extra[{"expected_output", it.key()}], ex.id);
    }
  }

  std::string total = std::to_string(examples.size());
  for (const auto& [where, t] : invalid) {
    findings.push_back(Warning("example_invalid_payload", std::nullopt,
                               std::to_string(t.count) + " of " + total + " examples have an " +
                                   where + " that is not a JSON object; treated as empty (first: " +
                                   t.first_id + ")"));
  }
  auto in_order = [&](const std::vector<SignatureField>& fields) {
    for (const SignatureField& f : fields) {
      auto it = missing.find(f.name);
      if (it == missing.end()) continue;
      findings.push_back(Warning("example_missing_field", f.name,
                                 std::to_string(it->second.count) + " of " + total +
                                     " examples have no value for field " + DumpJson(f.name) +
                                     "; it is omitted from them (first: " + it->second.first_id + ")"));
      missing.erase(it);  // a duplicated field name is reported once
    }
  };
  in_order(spec.inputs);
  in_order(spec.outputs);
  for (const auto& [where, t] : extra) {
    findings.push_back(Warning("example_extra_key", where.second,
                               std::to_string(t.count) + " of " + total + " examples have " +
                                   where.first + " key " + DumpJson(where.second) +
                                   ", which is not a signature " +
                                   (where.first == "input" ? "input" : "output") +
                                   " field; it is not exported (first: " + t.first_id + ")"));
  }
  return findings;
}

OrderedJson RowToJson(const ExampleRow& row, bool with_marker) {
  OrderedJson out = OrderedJson::object();
  if (with_marker && row.augmented) out["augmented"] = true;
  for (const auto& [name, value] : row.inputs) out[name] = ToOrdered(value);
  for (const auto& [name, value] : row.outputs) out[name] = ToOrdered(value);
  return out;
}

OrderedJson ToOrdered(const Json& value) {
  if (value.is_object()) {
    OrderedJson out = OrderedJson::object();
    for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = ToOrdered(it.value());
    return out;
  }
  if (value.is_array()) {
    OrderedJson out = OrderedJson::array();
    for (const Json& item : value) out.push_back(ToOrdered(item));
    return out;
  }
  switch (value.type()) {
    case Json::value_t::boolean: return value.get<bool>();
    case Json::value_t::number_integer: return value.get<int64_t>();
    case Json::value_t::number_unsigned: return value.get<uint64_t>();
    case Json::value_t::number_float: return value.get<double>();
    case Json::value_t::string: return value.get_ref<const std::string&>();
    default: return nullptr;
  }
}

}  // namespace exemplar::dspy
