// Throughput of the local embedder on a MiniLM-L6-sized BERT (vocab 30,522, hidden 384, 6 layers,
// 12 heads, intermediate 1,536, max_seq_length 256) with random weights, which it writes itself in
// the sentence-transformers format into a temp dir (or --model-dir DIR for a real model). --size base
// writes a BERT-base-sized one instead (hidden 768, 12 layers, intermediate 3,072).
//
//   ./build/bench/local_embed_bench [--threads 2] [--batch 32] [--words 30] [--seconds 10] [--size minilm|base]
//
// Texts are ~N-word English sentences whose words are all in the vocabulary (so a word is about
// one token, as with real text and a real vocabulary). Prints embeddings per second for batches
// on 1 and `threads` threads, and single-text latency.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "embed/local_embedder.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr int kVocab = 30522, kHeads = 12, kPositions = 512;
// --size minilm: MiniLM-L6 (all-MiniLM-L6-v2's shapes); --size base: BERT-base, whose shapes
// all-mpnet-base-v2 shares (MPNet adds a relative position bias per layer, a small cost).
struct Shape {
  const char* name;
  int hidden, layers, inter;
};
constexpr Shape kMiniLm{"MiniLM-L6", 384, 6, 1536}, kBase{"BERT-base", 768, 12, 3072};
Shape g_shape = kMiniLm;

const std::vector<std::string> kWords = {
    "the", "detector", "bias", "voltage", "drift", "shows", "after", "cooling", "and", "before", "a", "spectrum",
    "peak", "shifts", "to", "lower", "energy", "when", "temperature", "rises", "in", "cryostat", "noise", "increases",
    "with", "leakage", "current", "from", "preamplifier", "output", "signal", "baseline", "is", "unstable", "during",
    "calibration", "run", "resolution", "degrades", "at", "high", "count", "rate", "pulse", "pileup", "causes",
    "distortion", "of", "gamma", "line", "we", "observed", "that", "crystal", "was", "warm", "for", "two", "hours",
    "operator", "reset", "power", "supply", "then", "measured", "again", "fault", "appears", "only", "on", "channel",
    "three", "cable", "connector", "may", "be", "loose", "replace", "it", "check", "grounding", "shielding",
    "vacuum", "pressure", "stable", "but", "microphonic", "appear", "pump", "vibrates", "near", "dewar", "nitrogen",
    "level", "low", "fill", "schedule", "missed", "yesterday", "morning"};

void WriteJson(const fs::path& p, const Json& j) { std::ofstream(p) << j.dump(2); }

// A BERT vocabulary laid out like bert-base-uncased: [PAD], [unusedN], [UNK]=100, [CLS], [SEP], [MASK].
std::vector<std::string> Vocabulary() {
  std::vector<std::string> v = {"[PAD]"};
  for (int i = 0; i < 99; ++i) v.push_back("[unused" + std::to_string(i) + "]");
  for (const char* s : {"[UNK]", "[CLS]", "[SEP]", "[MASK]"}) v.push_back(s);
  for (char c = 33; c < 127; ++c) v.push_back(std::string(1, c));
  for (char c = 'a'; c <= 'z'; ++c) v.push_back(std::string("##") + c);
  for (const auto& w : kWords) v.push_back(w);
  for (int i = 99; static_cast<int>(v.size()) < kVocab; ++i) v.push_back("[unused" + std::to_string(i) + "]");
  return v;
}

void WriteModel(const fs::path& dir) {
  fs::create_directories(dir / "1_Pooling");
  WriteJson(dir / "config.json", {{"model_type", "bert"}, {"hidden_size", g_shape.hidden}, {"num_hidden_layers", g_shape.layers},
                                  {"num_attention_heads", kHeads}, {"intermediate_size", g_shape.inter},
                                  {"hidden_act", "gelu"}, {"max_position_embeddings", kPositions},
                                  {"type_vocab_size", 2}, {"vocab_size", kVocab}, {"layer_norm_eps", 1e-12}});
  std::ofstream vocab(dir / "vocab.txt");
  for (const auto& t : Vocabulary()) vocab << t << "\n";
  WriteJson(dir / "sentence_bert_config.json", {{"max_seq_length", 256}, {"do_lower_case", false}});
  WriteJson(dir / "tokenizer_config.json", {{"do_lower_case", true}, {"model_max_length", 512}});
  WriteJson(dir / "modules.json",
            Json::array({{{"idx", 0}, {"name", "0"}, {"path", ""}, {"type", "sentence_transformers.models.Transformer"}},
                         {{"idx", 1}, {"name", "1"}, {"path", "1_Pooling"}, {"type", "sentence_transformers.models.Pooling"}},
                         {{"idx", 2}, {"name", "2"}, {"path", "2_Normalize"}, {"type", "sentence_transformers.models.Normalize"}}}));
  WriteJson(dir / "1_Pooling" / "config.json", {{"word_embedding_dimension", g_shape.hidden}, {"pooling_mode_mean_tokens", true}});

  std::vector<std::pair<std::string, std::vector<int64_t>>> tensors = {
      {"embeddings.word_embeddings.weight", {kVocab, g_shape.hidden}},
      {"embeddings.position_embeddings.weight", {kPositions, g_shape.hidden}},
      {"embeddings.token_type_embeddings.weight", {2, g_shape.hidden}},
      {"embeddings.LayerNorm.weight", {g_shape.hidden}},
      {"embeddings.LayerNorm.bias", {g_shape.hidden}}};
  for (int l = 0; l < g_shape.layers; ++l) {
    std::string p = "encoder.layer." + std::to_string(l) + ".";
    for (const char* m : {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"}) {
      tensors.push_back({p + m + ".weight", {g_shape.hidden, g_shape.hidden}});
      tensors.push_back({p + m + ".bias", {g_shape.hidden}});
    }
    tensors.push_back({p + "intermediate.dense.weight", {g_shape.inter, g_shape.hidden}});
    tensors.push_back({p + "intermediate.dense.bias", {g_shape.inter}});
    tensors.push_back({p + "output.dense.weight", {g_shape.hidden, g_shape.inter}});
    tensors.push_back({p + "output.dense.bias", {g_shape.hidden}});
    for (const char* n : {"attention.output.LayerNorm", "output.LayerNorm"}) {
      tensors.push_back({p + n + ".weight", {g_shape.hidden}});
      tensors.push_back({p + n + ".bias", {g_shape.hidden}});
    }
  }
  Json header = {{"__metadata__", {{"format", "pt"}}}};
  uint64_t offset = 0;
  for (const auto& [name, shape] : tensors) {
    uint64_t n = 1;
    for (int64_t d : shape) n *= static_cast<uint64_t>(d);
    header[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {offset, offset + 4 * n}}};
    offset += 4 * n;
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::ofstream out(dir / "model.safetensors", std::ios::binary);
  uint64_t len = h.size();
  out.write(reinterpret_cast<const char*>(&len), 8);  // little-endian host
  out << h;
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 0.02f);  // BERT's initializer_range
  for (const auto& [name, shape] : tensors) {
    uint64_t n = 1;
    for (int64_t d : shape) n *= static_cast<uint64_t>(d);
    bool gamma = name.find("LayerNorm.weight") != std::string::npos;
    std::vector<float> data(n);
    for (float& x : data) x = gamma ? 1.0f : normal(rng);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(4 * n));
  }
}

std::vector<std::string> Texts(int count, int words) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> pick(0, kWords.size() - 1);
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    std::string t;
    for (int w = 0; w < words; ++w) {
      t += (w ? " " : "") + kWords[pick(rng)];
      if (w % 12 == 11) t += ",";
    }
    texts.push_back(t + ".");
  }
  return texts;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Embeddings per second over batches of `batch` texts, cycling through `texts` for `seconds`;
// also prints the CPU seconds used per wall second (how many cores were really busy).
double Throughput(exemplar::embed::Embedder& e, const std::vector<std::string>& texts, int batch, double seconds) {
  std::vector<std::string> b(texts.begin(), texts.begin() + batch);
  (void)e.EmbedBatch(b);  // warm-up
  size_t done = 0, next = 0;
  auto start = std::chrono::steady_clock::now();
  const double cpu0 = ProcessCpuSeconds();
  while (Seconds(start) < seconds) {
    for (int i = 0; i < batch; ++i) b[static_cast<size_t>(i)] = texts[next++ % texts.size()];
    auto out = e.EmbedBatch(b);
    done += out.size();
  }
  const double wall = Seconds(start);
  std::printf("  (%.2f CPU s per wall s) ", (ProcessCpuSeconds() - cpu0) / wall);
  return static_cast<double>(done) / wall;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, batch = 32, words = 30;
  double seconds = 10;
  std::string model_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--batch") batch = std::atoi(argv[i + 1]);
    else if (a == "--words") words = std::atoi(argv[i + 1]);
    else if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (a == "--model-dir") model_dir = argv[i + 1];
    else if (a == "--size") g_shape = std::string(argv[i + 1]) == "base" ? kBase : kMiniLm;
  }
  fs::path tmp;
  if (model_dir.empty()) {
    tmp = fs::temp_directory_path() / ("local_embed_bench_" + std::to_string(::getpid())) /
          (std::string(g_shape.name) + "-random");
    auto t0 = std::chrono::steady_clock::now();
    WriteModel(tmp);
    std::printf("wrote a %s-sized random model in %.1f s\n", g_shape.name, Seconds(t0));
    model_dir = tmp.string();
  }
  auto t0 = std::chrono::steady_clock::now();
  auto single = exemplar::embed::LocalEmbedder::Open(model_dir, 1);
  auto multi = exemplar::embed::LocalEmbedder::Open(model_dir, threads);
  if (!single.ok() || !multi.ok()) {
    std::fprintf(stderr, "error: %s\n", (single.ok() ? multi.status() : single.status()).message().c_str());
    return 1;
  }
  std::printf("loaded %s (dim %d) twice in %.2f s\n", (*multi)->model().c_str(), (*multi)->dim(), Seconds(t0));

  std::vector<std::string> texts = Texts(std::max(256, batch), words);
  std::printf("texts: %d words each, batch %d\n", words, batch);
  double one = Throughput(**single, texts, batch, seconds);
  std::printf("1 thread:   %.1f embeddings/s\n", one);
  double many = Throughput(**multi, texts, batch, seconds);
  std::printf("%d threads:  %.1f embeddings/s (%.2fx)\n", threads, many, many / one);

  auto start = std::chrono::steady_clock::now();
  int n = 0;
  for (; Seconds(start) < seconds / 2 || n < 10; ++n) (void)(*multi)->Embed(texts[static_cast<size_t>(n) % texts.size()]);
  std::printf("single text (Embed): %.2f ms\n", 1000 * Seconds(start) / n);
  if (!tmp.empty()) fs::remove_all(tmp.parent_path());
  return 0;
}
