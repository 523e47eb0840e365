// Near-duplicates are decided field by field (service/quality/input_match.h), against a real
// server: 300 text-to-SQL examples that share one long table schema and differ only in a year,
// country or number are distinct questions — no duplicate or conflict is reported and no write is
// refused — while true duplicates planted among them (exact, case, spacing, a typo in the long
// schema, a relabelled copy) are still found by the per-write check and by both reports.
#include <gtest/gtest.h>

#include <set>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

// A schema long enough to dominate a whole-input vector (~1,700 characters).
const std::string kSchema =
    "CREATE TABLE employees (employee_id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL, "
    "email TEXT UNIQUE, phone_number TEXT, hire_year INTEGER NOT NULL, job_title TEXT, salary REAL, "
    "commission_pct REAL, manager_id INTEGER REFERENCES employees(employee_id), department_id INTEGER "
    "REFERENCES departments(department_id), country TEXT, birth_year INTEGER); "
    "CREATE TABLE departments (department_id INTEGER PRIMARY KEY, department_name TEXT NOT NULL, "
    "location_id INTEGER REFERENCES locations(location_id), budget REAL, head_count INTEGER); "
    "CREATE TABLE locations (location_id INTEGER PRIMARY KEY, street_address TEXT, postal_code TEXT, city TEXT "
    "NOT NULL, state_province TEXT, country TEXT NOT NULL); "
    "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, customer_name TEXT NOT NULL, contact_email TEXT, "
    "country TEXT, signup_year INTEGER, loyalty_tier TEXT); "
    "CREATE TABLE products (product_id INTEGER PRIMARY KEY, product_name TEXT NOT NULL, category TEXT, "
    "unit_price REAL, stock_quantity INTEGER, supplier TEXT); "
    "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(customer_id), "
    "order_year INTEGER, order_total REAL, status TEXT, shipped_country TEXT); "
    "CREATE TABLE order_items (order_id INTEGER REFERENCES orders(order_id), product_id INTEGER REFERENCES "
    "products(product_id), quantity INTEGER, discount REAL, PRIMARY KEY (order_id, product_id));";

Json Sql(const std::string& question, const std::string& sql, const std::string& schema = kSchema) {
  return {{"input", {{"question", question}, {"schema", schema}}}, {"expected_output", {{"sql", sql}}},
          {"domain", "text_to_sql"}};
}

std::string Fill(std::string pattern, const std::string& value) {
  return pattern.replace(pattern.find("{}"), 2, value);
}

// 300 examples: nine question families, each asked with many values (never the year 2009).
std::vector<Json> SqlExamples() {
  const std::vector<std::string> countries = {
      "France", "Germany", "Spain", "Italy", "Japan", "Brazil", "Canada", "Mexico", "India", "China", "Kenya",
      "Chile", "Peru", "Norway", "Sweden", "Poland", "Greece", "Egypt", "Ghana", "Nepal", "Chad", "Cuba",
      "Fiji", "Iran", "Iraq", "Laos", "Mali", "Oman", "Togo", "Yemen", "Austria", "Belgium", "Denmark", "Finland"};
  std::vector<std::string> years, numbers, ages;
  for (int y = 1990; y <= 2024; ++y) {
    if (y != 2009) years.push_back(std::to_string(y));
  }
  for (int n = 1; n <= 40; ++n) numbers.push_back(std::to_string(n * 250));
  for (int a = 20; a <= 60; ++a) ages.push_back(std::to_string(a));
  struct Family {
    const char* question;
    const char* sql;
    const std::vector<std::string>* values;
  };
  const std::vector<Family> families = {
      {"Who was hired after {}?", "SELECT first_name, last_name FROM employees WHERE hire_year > {}", &years},
      {"How many employees work in {}?", "SELECT COUNT(*) FROM employees WHERE country = '{}'", &countries},
      {"List the orders with a total above {} dollars.", "SELECT order_id FROM orders WHERE order_total > {}",
       &numbers},
      {"Which employees earn more than {} a year?", "SELECT first_name FROM employees WHERE salary > {}", &numbers},
      {"How many customers signed up in {}?", "SELECT COUNT(*) FROM customers WHERE signup_year = {}", &years},
      {"Which products are shipped to {}?",
       "SELECT DISTINCT product_name FROM products JOIN order_items USING (product_id) JOIN orders USING "
       "(order_id) WHERE shipped_country = '{}'",
       &countries},
      {"Find the employees older than {}.", "SELECT first_name FROM employees WHERE 2025 - birth_year > {}", &ages},
      {"Name the products that cost less than {} euros.", "SELECT product_name FROM products WHERE unit_price < {}",
       &numbers},
      {"What was the order total in {}?", "SELECT SUM(order_total) FROM orders WHERE order_year = {}", &years},
  };
  std::vector<Json> out;
  for (size_t i = 0; out.size() < 300; ++i) {
    const Family& f = families[i % families.size()];
    const std::string& value = (*f.values)[(i / families.size()) % f.values->size()];
    out.push_back(Sql(Fill(f.question, value), Fill(f.sql, value)));
  }
  return out;
}

std::set<std::set<std::string>> Clusters(const Json& report) {
  std::set<std::set<std::string>> out;
  for (const auto& cl : report["clusters"]) {
    std::set<std::string> ids;
    for (const auto& e : cl["examples"]) ids.insert(e["example_id"]);
    out.insert(ids);
  }
  return out;
}

TEST(QualityFields, QuestionsThatDifferInAParameterAreNotDuplicates) {
  TestServer server;
  const std::vector<Json> examples = SqlExamples();
  // Written in batches of 100 under reject: each item is checked against the stored ones through
  // the vector index, and none is refused.
  std::vector<std::string> ids;
  for (size_t at = 0; at < examples.size(); at += 100) {
    Json items(std::vector<Json>(examples.begin() + at, examples.begin() + at + 100));
    auto r = server.Post("/api/v1/examples/batch", {{"examples", items}, {"on_duplicate", "reject"}});
    ASSERT_EQ(r.status, 201) << r.raw.substr(0, 400);
    EXPECT_TRUE(r.body["warnings"].empty()) << r.body["warnings"].dump().substr(0, 400);
    for (const auto& id : r.body["created_ids"]) ids.push_back(id);
  }
  ASSERT_EQ(ids.size(), 300u);

  auto conflicts = server.Get("/api/v1/quality/conflicts");
  ASSERT_EQ(conflicts.status, 200) << conflicts.raw.substr(0, 300);
  EXPECT_EQ(conflicts.body["total_clusters"], 0) << conflicts.raw.substr(0, 600);
  auto dups = server.Get("/api/v1/quality/duplicates");
  ASSERT_EQ(dups.status, 200);
  EXPECT_EQ(dups.body["total_clusters"], 0) << dups.raw.substr(0, 600);
  EXPECT_EQ(dups.body["examples_scanned"], 300);

  // The reviewer's write: another year of a stored question is a new question.
  auto year = server.Post("/api/v1/examples?on_duplicate=reject",
                          Sql("Who was hired after 2009?",
                              "SELECT first_name, last_name FROM employees WHERE hire_year > 2009"));
  ASSERT_EQ(year.status, 201) << year.raw.substr(0, 300);
  EXPECT_TRUE(year.body["warnings"].empty()) << year.raw.substr(0, 300);
}

TEST(QualityFields, TrueDuplicatesAmongParameterVariantsAreStillFound) {
  TestServer server;
  const std::vector<Json> examples = SqlExamples();
  auto r = server.Post("/api/v1/examples/batch", {{"examples", examples}, {"on_duplicate", "allow"}});
  ASSERT_EQ(r.status, 201) << r.raw.substr(0, 300);
  std::vector<std::string> ids = r.body["created_ids"];
  ASSERT_EQ(ids.size(), 300u);
  auto id_of = [&](const std::string& question) {
    for (size_t i = 0; i < examples.size(); ++i) {
      if (examples[i]["input"]["question"] == question) return ids[i];
    }
    ADD_FAILURE() << "no example asks " << question;
    return std::string();
  };
  const std::string x = id_of("Who was hired after 2017?");
  const std::string y = id_of("How many employees work in France?");
  const std::string x_sql = "SELECT first_name, last_name FROM employees WHERE hire_year > 2017";

  // Each planted copy of x is a near-duplicate of x (and of the copies before it).
  std::string typo_schema = kSchema;
  typo_schema.replace(typo_schema.find("salary REAL"), 6, "salray");
  const std::vector<std::pair<std::string, Json>> copies = {
      {"exact", Sql("Who was hired after 2017?", x_sql)},
      {"case", Sql("WHO WAS HIRED AFTER 2017?", x_sql)},
      {"spacing", Sql("  Who was   hired\tafter 2017 ? ", x_sql)},
      {"typo in the long schema", Sql("Who was hired after 2017?", x_sql, typo_schema)},
  };
  std::set<std::string> x_cluster = {x};
  for (const auto& [what, body] : copies) {
    auto c = server.Post("/api/v1/examples", body);
    ASSERT_EQ(c.status, 201) << what << ": " << c.raw.substr(0, 300);
    std::set<std::string> resembled;
    for (const auto& w : c.body["warnings"]) {
      EXPECT_EQ(w["type"], "near_duplicate") << what << ": " << w;
      resembled.insert(w["example_id"]);
    }
    EXPECT_EQ(resembled, x_cluster) << what << ": " << c.raw.substr(0, 600);
    x_cluster.insert(c.body["example_id"].get<std::string>());
  }
  // A relabelled copy of y: a conflict.
  auto relabelled = server.Post("/api/v1/examples", Sql("How many employees work in France?",
                                                        "SELECT COUNT(employee_id) FROM employees"));
  ASSERT_EQ(relabelled.status, 201);
  ASSERT_EQ(relabelled.body["warnings"].size(), 1u) << relabelled.raw.substr(0, 400);
  EXPECT_EQ(relabelled.body["warnings"][0]["type"], "conflict");
  EXPECT_EQ(relabelled.body["warnings"][0]["example_id"], y);
  // reject refuses a copy (the spaced one, found through the vector index and the field check).
  auto refused = server.Post("/api/v1/examples?on_duplicate=reject", copies[2].second);
  EXPECT_EQ(refused.status, 409) << refused.raw.substr(0, 300);
  auto refused_typo = server.Post("/api/v1/examples?on_duplicate=reject", copies[3].second);
  EXPECT_EQ(refused_typo.status, 409) << refused_typo.raw.substr(0, 300);

  // The reports list exactly the planted clusters; only y's is a conflict.
  const std::set<std::string> y_cluster = {y, relabelled.body["example_id"].get<std::string>()};
  auto dups = server.Get("/api/v1/quality/duplicates");
  ASSERT_EQ(dups.status, 200);
  EXPECT_EQ(Clusters(dups.body), (std::set<std::set<std::string>>{x_cluster, y_cluster})) << dups.raw.substr(0, 600);
  auto conflicts = server.Get("/api/v1/quality/conflicts");
  ASSERT_EQ(conflicts.status, 200);
  EXPECT_EQ(Clusters(conflicts.body), (std::set<std::set<std::string>>{y_cluster}));
  EXPECT_EQ(conflicts.body["clusters"][0]["distinct_outputs"], 2);
}

}  // namespace
}  // namespace exemplar::testing
