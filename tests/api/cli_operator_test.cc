// The command line as an operator meets it, run as a real process: stdout holds only a command's
// output (logs go to stderr), bad flags and config values are refused clearly, failures are reported.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>

#include "common/ids.h"
#include "common/json_util.h"
#include "storage/store.h"
#include "testing/cli_fixture.h"
#include "testing/shell.h"

namespace exemplar {
namespace {

using testing::CliRun;

class CliOperator : public testing::CliTest {
 protected:
  // A command that does not end (a serve that should have refused to start) is stopped after 60 s.
  CliRun Exec(const std::string& args, const std::string& env = "") { return CliTest::Exec(args, env, 60); }
  std::string Seed() { return "seed --seed-dir " + std::string(EXEMPLAR_SEED_DIR) + D(); }
};

// A search whose vector snapshot no longer fits (hnsw_m changed) logs a warning while it rebuilds:
// the warning goes to stderr and stdout stays one JSON document; export's stdout stays JSONL.
TEST_F(CliOperator, LogsGoToStderrAndStdoutIsOnlyTheData) {
  ASSERT_EQ(Exec(Seed()).code, 0);
  CliRun search = Exec("search \"bias voltage drift\" --json -k 3" + D(), "EXEMPLAR_HNSW_M=32");
  ASSERT_EQ(search.code, 0) << search.err;
  EXPECT_NE(search.err.find("vector snapshot not usable"), std::string::npos) << search.err;
  Json parsed = Json::parse(search.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << search.out;
  EXPECT_EQ(parsed["results"].size(), 3u);

  CliRun exported = Exec("export" + D(), "EXEMPLAR_LOG_LEVEL=debug");
  ASSERT_EQ(exported.code, 0) << exported.err;
  size_t lines = 0;
  for (size_t pos = 0; pos < exported.out.size(); ++lines) {
    const size_t end = exported.out.find('\n', pos);
    Json j = Json::parse(exported.out.substr(pos, end - pos), nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("input")) << exported.out.substr(pos, end - pos);
    pos = end + 1;
  }
  EXPECT_GE(lines, 40u);
}

// Records refused locally (bad field, bad JSON) and records refused by the store (a client_id that
// names other content) are all reported by their position in the file, with the field at fault.
TEST_F(CliOperator, ImportNamesTheRecordAndFieldOfEachFailure) {
  const std::string first = Write("first.jsonl", R"({"input":{"q":"first"},"expected_output":{"a":1},"client_id":"k1"})" "\n");
  ASSERT_EQ(Exec("import " + first + D()).code, 0);
  const std::string mixed = Write("mixed.jsonl",
                                  R"({"input":{"q":"x"},"expected_output":{"a":1},"domain":""})" "\n"
                                  "{not json\n"
                                  R"({"input":{"q":"fresh"},"expected_output":{"a":2}})" "\n"
                                  R"({"input":{"q":"changed"},"expected_output":{"a":3},"client_id":"k1"})" "\n");
  CliRun r = Exec("import " + mixed + D());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("imported 1 examples (0 already present, 3 failed, 0 warnings)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("record 0: domain: must not be empty"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("record 1: line 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("record 3: client_id 'k1' already names"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("record 2:"), std::string::npos) << r.err;  // the good one
}

// A --db that names a scheme other than PostgreSQL's (a typo, another database) or reads like a
// libpq keyword string is refused before anything is created; it used to become a SQLite file.
TEST_F(CliOperator, DbOfAnotherSchemeIsRefusedAndCreatesNothing) {
  for (const std::string db : {"postgress://u@127.0.0.1:1/x", "mysql://x", "'host=127.0.0.1 dbname=x'"}) {
    CliRun r = Exec("token list --db " + db + D());
    EXPECT_EQ(r.code, 2) << db;
    EXPECT_NE(r.err.find("postgres://"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("SQLite file path"), std::string::npos) << r.err;
  }
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) entries += e.path().filename() != "stderr.txt";
  EXPECT_EQ(entries, 0u);  // no data dir, no file named after the URL
}

// optimize's endpoint flags declare a named provider; with the default (offline) LM they used to be
// ignored while the offline LM ran.
TEST_F(CliOperator, OptimizeEndpointFlagsNeedANamedProviderAndAModel) {
  CliRun offline = Exec("optimize --template t --lm-base-url http://127.0.0.1:9/v1 --lm-model m" + D());
  EXPECT_EQ(offline.code, 2);
  EXPECT_NE(offline.err.find("need --lm NAME"), std::string::npos) << offline.err;
  CliRun no_model = Exec("optimize --template t --lm fake --lm-base-url http://127.0.0.1:9/v1" + D());
  EXPECT_EQ(no_model.code, 2);
  EXPECT_NE(no_model.err.find("--lm-model"), std::string::npos) << no_model.err;
  CliRun key_only = Exec("optimize --template t --lm fake --lm-api-key-env K" + D());
  EXPECT_EQ(key_only.code, 2);
  EXPECT_NE(key_only.err.find("--lm-api-key-env goes with --lm-base-url"), std::string::npos) << key_only.err;
  CliRun bad_url = Exec("optimize --template t --lm fake --lm-base-url ftp://x --lm-model m" + D());
  EXPECT_EQ(bad_url.code, 2);
  EXPECT_NE(bad_url.err.find("http(s) URL"), std::string::npos) << bad_url.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data"));  // refused before the store opens
}

// An export that cannot be written says so and fails: an unopenable file, a full disk.
TEST_F(CliOperator, ExportWriteFailuresAreReported) {
  ASSERT_EQ(Exec(Seed()).code, 0);
  CliRun missing = Exec("export -o " + (dir_ / "no" / "such" / "x.jsonl").string() + D());
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("cannot write"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos) << missing.err;
  CliRun full = Exec("export" + D() + " >/dev/full");
  EXPECT_EQ(full.code, 1);
  EXPECT_NE(full.err.find("failed"), std::string::npos) << full.err;
  CliRun ok = Exec("export --format csv -o " + (dir_ / "all.csv").string() + D());
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_GT(std::filesystem::file_size(dir_ / "all.csv"), 1000u);
}

// A log_level spdlog does not know used to turn logging off silently.
TEST_F(CliOperator, UnknownLogLevelIsAStartupError) {
  CliRun r = Exec("token list" + D(), "EXEMPLAR_LOG_LEVEL=bogus");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("log_level"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("trace, debug, info, warn, error, critical or off"), std::string::npos) << r.err;
  ASSERT_EQ(Exec("token create --role read" + D(), "EXEMPLAR_LOG_LEVEL=warn").code, 2);  // no data dir yet
  std::filesystem::create_directories(dir_ / "data");
  EXPECT_EQ(Exec("token create --role read" + D(), "EXEMPLAR_LOG_LEVEL=warn").code, 0);
  EXPECT_EQ(Exec("token list" + D(), "EXEMPLAR_LOG_LEVEL=warn").code, 0);
}

// --format is one of jsonl, json, csv in any case (another value used to be read as JSONL), and
// the extension decides in any case too (E1.JSON used to be read as JSONL).
TEST_F(CliOperator, ImportFormatIsCheckedAndExtensionsMatchInAnyCase) {
  const std::string json = Write("E1.JSON", R"([{"input":{"q":"upper"},"expected_output":{"a":1}}])");
  CliRun upper = Exec("import " + json + D());
  EXPECT_EQ(upper.code, 0) << upper.err;
  EXPECT_NE(upper.out.find("imported 1 examples"), std::string::npos) << upper.out << upper.err;
  const std::string csv = Write("rows.txt", "input,expected_output\r\n\"{\"\"q\"\": \"\"csv\"\"}\",\"{\"\"a\"\": 2}\"\r\n");
  CliRun named = Exec("import --format CSV " + csv + D());
  EXPECT_EQ(named.code, 0) << named.err;
  EXPECT_NE(named.out.find("imported 1 examples"), std::string::npos) << named.out << named.err;
  CliRun xml = Exec("import --format xml " + csv + D());
  EXPECT_NE(xml.code, 0);
  EXPECT_NE(xml.err.find("--format"), std::string::npos) << xml.err;
  EXPECT_EQ(xml.out.find("imported"), std::string::npos) << xml.out;
  EXPECT_EQ(Exec("export --format CSV" + D()).code, 0);
}

// export and token never embed: they work while the embedding provider is down (a closed port),
// where they used to fail on its probe. Search, which embeds, still reports the provider.
TEST_F(CliOperator, StoreOnlyCommandsDoNotContactTheEmbedder) {
  ASSERT_EQ(Exec(Seed()).code, 0);
  int port = 0;
  {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    close(fd);  // nothing listens there now
  }
  const std::string down = " --embedder openai --embed-base-url http://127.0.0.1:" + std::to_string(port) +
                           "/v1 --embed-model m";
  const std::string env = "EXEMPLAR_EMBED_RETRIES=0";
  CliRun exported = Exec("export" + down + D(), env);
  EXPECT_EQ(exported.code, 0) << exported.err;
  EXPECT_GE(std::count(exported.out.begin(), exported.out.end(), '\n'), 40);
  CliRun created = Exec("token create --role read --name ci" + down + D(), env);
  EXPECT_EQ(created.code, 0) << created.err;
  CliRun listed = Exec("token list" + down + D(), env);
  EXPECT_EQ(listed.code, 0) << listed.err;
  EXPECT_NE(listed.out.find(" read  ci "), std::string::npos) << listed.out;
  CliRun search = Exec("search drift" + down + D(), env);
  EXPECT_EQ(search.code, 1);
  EXPECT_NE(search.err.find("embedding provider"), std::string::npos) << search.err;
}

// seed away from the source tree: the error says to pass --seed-dir, and no database is created.
TEST_F(CliOperator, SeedWithoutSeedFilesSaysSeedDirAndCreatesNothing) {
  CliRun r = Exec("seed --seed-dir " + (dir_ / "nowhere").string() + D());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("examples.jsonl"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--seed-dir"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data"));
}

// serve with an explicit --web-dir that does not exist stops at once (the UI would 404); the
// listen URL of an IPv6 host is bracketed.
TEST_F(CliOperator, ServeChecksWebDirAndBracketsIpv6) {
  CliRun missing = Exec("serve --port 0 --web-dir " + (dir_ / "nowhere").string() + D());
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("not a directory"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data"));

  const std::string log = (dir_ / "serve.log").string();
  int code = 0;
  const std::string pid = testing::Shell("cd " + dir_.string() + " && " + testing::CliBinary() + " serve --host ::1 --port 0" + D() +
                                             " >/dev/null 2>" + log + " & echo $!",
                                         &code);
  std::string text;
  for (int i = 0; i < 300 && text.find("listening on") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream f(log);
    text.assign(std::istreambuf_iterator<char>(f), {});
  }
  ::kill(std::stoi(pid), SIGTERM);
  EXPECT_NE(text.find("listening on http://[::1]:"), std::string::npos) << text;
  for (int i = 0; i < 200 && ::kill(std::stoi(pid), 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

// Without $USER (cron, containers) the audit actor is the uid's login, never "cli:unknown".
TEST_F(CliOperator, AuditActorWithoutUserIsTheLoginOfTheUid) {
  const std::string file = Write("one.jsonl", R"({"input":{"q":"who"},"expected_output":{"a":1}})" "\n");
  ASSERT_EQ(Exec("import " + file + D(), "-u USER").code, 0);
  const passwd* pw = getpwuid(getuid());
  const std::string expected = "cli:" + (pw && pw->pw_name ? std::string(pw->pw_name) : "uid:" + std::to_string(getuid()));
  auto store = storage::OpenSqliteStore((dir_ / "data" / "exemplar.db").string());
  ASSERT_TRUE(store.ok()) << store.status().message();
  storage::AuditQuery q;
  auto entries = (*store)->ListAudit(q);
  ASSERT_TRUE(entries.ok());
  ASSERT_FALSE(entries->empty());
  for (const auto& e : *entries) EXPECT_EQ(e.actor, expected);
}

// An empty explanation and a missing one survive CSV export and import apart: export writes "" as
// a quoted empty cell and null as an empty one (both were an empty cell, read back as null).
TEST_F(CliOperator, CsvRoundTripKeepsEmptyStringAndNullApart) {
  const std::string file = Write("two.jsonl",
                                 R"({"input":{"q":"empty"},"expected_output":{"a":1},"explanation":"","client_id":"e"})" "\n"
                                 R"({"input":{"q":"none"},"expected_output":{"a":2},"client_id":"n"})" "\n");
  ASSERT_EQ(Exec("import " + file + D()).code, 0);
  const std::string csv = (dir_ / "out.csv").string();
  ASSERT_EQ(Exec("export --format csv -o " + csv + D()).code, 0);
  const std::string other = " --data-dir " + (dir_ / "other").string();
  CliRun imported = Exec("import " + csv + other);
  ASSERT_EQ(imported.code, 0) << imported.err;
  CliRun back = Exec("export" + other);
  ASSERT_EQ(back.code, 0);
  std::map<std::string, Json> by_client;
  for (size_t pos = 0; pos < back.out.size();) {
    const size_t end = back.out.find('\n', pos);
    Json j = Json::parse(back.out.substr(pos, end - pos));
    by_client[j["client_id"].get<std::string>()] = j;
    pos = end + 1;
  }
  ASSERT_EQ(by_client.size(), 2u);
  EXPECT_EQ(by_client["e"]["explanation"], "");
  EXPECT_TRUE(by_client["n"]["explanation"].is_null()) << by_client["n"].dump();
}

// CSV injection: `export --format csv` writes a text a spreadsheet would run (= + - @ TAB) after an
// apostrophe, and one that starts with an apostrophe after another; `import` takes exactly one
// off, so the strings come back as they were.
TEST_F(CliOperator, CsvExportWritesFormulasAsTextAndImportGivesThemBack) {
  const std::map<std::string, Json> sent = {
      {"f1", {{"explanation", "=HYPERLINK(\"http://evil.example\",\"x\")"}, {"function_name", "@SUM(1,1)"}, {"domain", "-5"}}},
      {"+cmd", {{"explanation", "'"}, {"function_name", "'="}, {"domain", "\tx"}, {"attribution_notes", "'=1+1"}}},
  };
  std::string jsonl;
  for (const auto& [client, fields] : sent) {
    Json j = fields;
    j["client_id"] = client;
    j["input"] = {{"q", client}};
    j["expected_output"] = {{"a", 1}};
    jsonl += j.dump() + "\n";
  }
  ASSERT_EQ(Exec("import " + Write("formulas.jsonl", jsonl) + D()).code, 0);
  CliRun csv = Exec("export --format csv" + D());
  ASSERT_EQ(csv.code, 0) << csv.err;
  for (const char* cell : {"\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"", "\"'@SUM(1,1)\"", ",'-5,", ",'+cmd,",
                           ",'',", ",''=,", ",'\tx,", ",''=1+1,"}) {
    EXPECT_NE(csv.out.find(cell), std::string::npos) << cell << " not in\n" << csv.out;
  }
  for (const char* raw : {",=", ",@", ",-5", ",+cmd"}) EXPECT_EQ(csv.out.find(raw), std::string::npos) << raw;

  const std::string other = " --data-dir " + (dir_ / "other").string();
  CliRun imported = Exec("import " + Write("formulas.csv", csv.out) + other);
  ASSERT_EQ(imported.code, 0) << imported.err;
  CliRun back = Exec("export" + other);
  ASSERT_EQ(back.code, 0);
  size_t seen = 0;
  for (size_t pos = 0; pos < back.out.size();) {
    const size_t end = back.out.find('\n', pos);
    Json j = Json::parse(back.out.substr(pos, end - pos));
    pos = end + 1;
    const std::string client = j["client_id"];
    ASSERT_EQ(sent.count(client), 1u) << client;
    ++seen;
    for (const auto& [key, value] : sent.at(client).items()) EXPECT_EQ(j[key], value) << client << " " << key;
  }
  EXPECT_EQ(seen, sent.size());
}

// `exemplar backup`: a consistent copy of the store, owner-only, never over another file; put in
// an empty data dir it is the same store (its index rebuilt). A PostgreSQL store is pg_dump's.
TEST_F(CliOperator, BackupCopiesTheStoreAndTheCopyRestores) {
  ASSERT_EQ(Exec(Seed()).code, 0);
  const std::string copy = (dir_ / "backup.db").string();
  CliRun backup = Exec("backup " + copy + D());
  ASSERT_EQ(backup.code, 0) << backup.err;
  EXPECT_NE(backup.out.find("to restore"), std::string::npos) << backup.out;
  EXPECT_EQ(std::filesystem::status(copy).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_FALSE(std::filesystem::exists(copy + ".partial"));
  CliRun again = Exec("backup " + copy + D());
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("never overwrites"), std::string::npos) << again.err;

  std::filesystem::create_directories(dir_ / "restored");
  std::filesystem::copy_file(copy, dir_ / "restored" / "exemplar.db");
  CliRun original = Exec("export" + D());
  CliRun restored = Exec("export" + D("restored"));
  ASSERT_EQ(restored.code, 0) << restored.err;
  EXPECT_EQ(restored.out, original.out);
  CliRun found = Exec("search \"bias voltage drift\" --json -k 3" + D("restored"));
  ASSERT_EQ(found.code, 0) << found.err;
  EXPECT_EQ(Json::parse(found.out)["results"].size(), 3u);

  CliRun pg = Exec("backup " + (dir_ / "pg.db").string() + " --db postgres://u@127.0.0.1:1/x");
  EXPECT_EQ(pg.code, 2);
  EXPECT_NE(pg.err.find("pg_dump"), std::string::npos) << pg.err;
  CliRun nowhere = Exec("backup " + (dir_ / "missing" / "b.db").string() + D());
  EXPECT_EQ(nowhere.code, 2);
  EXPECT_NE(nowhere.err.find("no directory"), std::string::npos) << nowhere.err;
  CliRun none = Exec("backup " + (dir_ / "none.db").string() + D("empty"));
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("no database"), std::string::npos) << none.err;
}

// A command that only opens a store given by --db created an empty ./data/exemplar in the
// working directory.
TEST_F(CliOperator, AStoreGivenByDbLeavesNoDataDirBehind) {
  CliRun created = Exec("token create --role read --db " + (dir_ / "elsewhere.db").string());
  ASSERT_EQ(created.code, 0) << created.err;
  CliRun listed = Exec("token list --db " + (dir_ / "elsewhere.db").string());
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "elsewhere.db"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data")) << "an empty ./data/exemplar was created";
  // A mistyped variable was ignored in silence; it is named, with the one meant.
  CliRun typo = Exec("token list --db " + (dir_ / "elsewhere.db").string(), "EXEMPLAR_AUTH_MODE=required");
  ASSERT_EQ(typo.code, 0) << typo.err;
  EXPECT_NE(typo.err.find("warning: EXEMPLAR_AUTH_MODE (did you mean EXEMPLAR_AUTH?) is not a variable exemplar reads"),
            std::string::npos)
      << typo.err;
}

// export and token on a --db or --data-dir where no database is (a typo) used to create the
// directory and an empty store and exit 0: an empty export, a token no server reads. They refuse,
// as backup does; token create may start a database in a directory that exists.
TEST_F(CliOperator, StoreCommandsRefuseAStoreThatIsNotThere) {
  const auto refused = [&](const std::string& args, const std::filesystem::path& absent) {
    CliRun r = Exec(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find("error: no database at "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("`exemplar seed` or `exemplar serve` creates a store"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_FALSE(std::filesystem::exists(absent)) << args;
  };
  refused("export --db " + (dir_ / "nodir" / "x.db").string(), dir_ / "nodir");
  refused("export --db " + (dir_ / "x.db").string(), dir_ / "x.db");
  refused("export" + D("typo"), dir_ / "typo");
  refused("token create --role admin --db " + (dir_ / "typo2" / "t.db").string(), dir_ / "typo2");
  refused("token create --role admin" + D("typo3"), dir_ / "typo3");
  refused("token list" + D("typo4"), dir_ / "typo4");
  refused("token revoke abc --db " + (dir_ / "t.db").string(), dir_ / "t.db");
  CliRun create = Exec("token create --role admin --db " + (dir_ / "typo2" / "t.db").string());
  EXPECT_NE(create.err.find("no directory " + (dir_ / "typo2").string()), std::string::npos) << create.err;

  // In a directory that exists, token create starts the store; then the others find it.
  std::filesystem::create_directories(dir_ / "made");
  CliRun made = Exec("token create --role admin --name first" + D("made"));
  ASSERT_EQ(made.code, 0) << made.err;
  EXPECT_NE(Exec("token list" + D("made")).out.find(" admin  first "), std::string::npos);
  EXPECT_EQ(Exec("export" + D("made")).code, 0);
}

// An unknown command or option where a command belongs used to exit 106 with "A subcommand is
// required"; it is named, with the commands there are, and exits 2 as other misuse does.
TEST_F(CliOperator, UnknownCommandsAreNamed) {
  CliRun frob = Exec("frob");
  EXPECT_EQ(frob.code, 2);
  EXPECT_NE(frob.err.find("error: exemplar: unknown command \"frob\"; the commands are serve, seed,"), std::string::npos)
      << frob.err;
  EXPECT_NE(frob.err.find("Run `exemplar --help` for usage."), std::string::npos) << frob.err;
  CliRun token = Exec("token frob");
  EXPECT_EQ(token.code, 2);
  EXPECT_NE(token.err.find("error: exemplar token: unknown command \"frob\"; the commands are create, list, revoke"),
            std::string::npos)
      << token.err;
  CliRun bogus = Exec("--bogus");
  EXPECT_EQ(bogus.code, 2);
  EXPECT_NE(bogus.err.find("error: exemplar: unknown option --bogus; a command comes first: serve,"), std::string::npos)
      << bogus.err;
  CliRun none = Exec("token");
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("exemplar token needs a command: create, list, revoke"), std::string::npos) << none.err;
  CliRun serve = Exec("serve --bogus");
  EXPECT_EQ(serve.code, 2);
  EXPECT_NE(serve.err.find("--bogus"), std::string::npos) << serve.err;
  EXPECT_EQ(Exec("token create --role boss" + D()).code, 2);
  EXPECT_EQ(Exec("--help").code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data"));
}

// --expires-in's error stated a looser rule than the one checked (0d, 1000000d and 30D fit it).
// It is checked before the store is opened, so the refusal creates no database.
TEST_F(CliOperator, ExpiresInStatesTheRuleItChecks) {
  const std::string db = " --db " + (dir_ / "t.db").string();
  for (const char* bad : {"0d", "1000000d", "30D", "d", "1.5h"}) {
    CliRun r = Exec(std::string("token create --role read --expires-in ") + bad + db);
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_NE(r.err.find("--expires-in must be 1 to 6 digits (not 0) and a lower-case unit s, m, h or d"),
              std::string::npos)
        << bad << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "t.db")) << bad;
  }
  CliRun ok = Exec("token create --role read --expires-in 999999d" + db);
  EXPECT_EQ(ok.code, 0) << ok.err;
}

}  // namespace
}  // namespace exemplar
