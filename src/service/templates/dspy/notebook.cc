#include "service/templates/dspy/notebook.h"

#include "service/templates/dspy/example_data.h"

namespace exemplar::dspy {
namespace {

// nbformat's multiline string: a list of lines, each keeping its "\n" except the last.
OrderedJson SourceLines(const std::string& text) {
  std::string body = text;
  while (!body.empty() && body.back() == '\n') body.pop_back();
  OrderedJson lines = OrderedJson::array();
  size_t start = 0;
  while (start < body.size()) {
    size_t nl = body.find('\n', start);
    size_t end = nl == std::string::npos ? body.size() : nl + 1;
    lines.push_back(body.substr(start, end - start));
    start = end;
  }
  return lines;
}

OrderedJson MarkdownCell(const std::string& id, const std::string& text) {
  OrderedJson cell = OrderedJson::object();
  cell["cell_type"] = "markdown";
  cell["id"] = id;
  cell["metadata"] = OrderedJson::object();
  cell["source"] = SourceLines(text);
  return cell;
}

OrderedJson CodeCell(const std::string& id, const std::string& code) {
  OrderedJson cell = OrderedJson::object();
  cell["cell_type"] = "code";
  cell["execution_count"] = nullptr;
  cell["id"] = id;
  cell["metadata"] = OrderedJson::object();
  cell["outputs"] = OrderedJson::array();
  cell["source"] = SourceLines(code);
  return cell;
}

// Backslash-escapes markdown punctuation so template text renders literally.
std::string MarkdownText(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\`*_[]<>#|").find(c) != std::string_view::npos) out += '\\';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

}  // namespace

std::string RenderNotebook(const ExportContext& ctx, const PythonSections& s) {
  const SignatureSpec& spec = ctx.spec;
  std::string intro = "# DSPy program for " + MarkdownText(spec.template_name) + "\n\n";
  intro += "Exported by Exemplar from template " + MarkdownText(spec.template_id) + " (version " +
           MarkdownText(spec.template_version) + ").\n\n";
  intro += "Signature `" + spec.class_name + "` (`" + spec.SignatureString() + "`)" +
           " run with `dspy." + std::string(ModuleName(ctx.options.module)) + "`; " +
           std::to_string(ctx.rows.size()) + " examples; metric `" +
           std::string(MetricName(ctx.options.metric)) + "`.\n\n";
  intro += "Run the cells in order. They need `pip install \"dspy>=3.0\"` and credentials for the "
           "LM configured in the first cell.";

  OrderedJson cells = OrderedJson::array();
  cells.push_back(MarkdownCell("intro", intro));
  cells.push_back(CodeCell("setup", s.header + "\n" + s.imports + "\n" + s.lm_setup));
  cells.push_back(CodeCell("signature", s.signature));
  cells.push_back(CodeCell("program", s.program));
  cells.push_back(CodeCell("data", s.data));
  cells.push_back(CodeCell("metric", s.metric));
  cells.push_back(CodeCell(ctx.options.include_optimizer ? "optimize" : "evaluate", s.run));

  OrderedJson nb = OrderedJson::object();
  nb["cells"] = cells;
  nb["metadata"]["kernelspec"] = {{"display_name", "Python 3"}, {"language", "python"}, {"name", "python3"}};
  nb["metadata"]["language_info"] = {{"name", "python"}};
  nb["nbformat"] = 4;
  nb["nbformat_minor"] = 5;
  return nb.dump(1, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

}  // namespace exemplar::dspy
