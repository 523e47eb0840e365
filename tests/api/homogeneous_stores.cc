#include "api/homogeneous_stores.h"

namespace exemplar::testing {
namespace {

const std::vector<std::string> kOffTopic = {
    "?!.,;:--\"()",
    "...",
    "???",
    "qwzx vbnm plok",
    "42 1337 9001",
    "sourdough bread starter recipe",
    "vitamin D deficiency symptoms",
    "hiking trails near Zermatt",
    "baroque counterpoint Bach fugues",
    "integral x squared dx",
    "Mongolia capital city",
};
const std::vector<std::string> kOffTopicSentences = {
    "what is the capital of Mongolia",
    "the mitochondria is the powerhouse of the cell",
    "who won the 1966 world cup final",
    "how many moons does Jupiter have",
    "translate good morning into Japanese",
    "Jupiter moons",
};

}  // namespace

HomogeneousStore SentimentStore() {
  const std::vector<std::string> products = {
      "wireless earbuds", "blender",        "running shoes", "coffee maker",  "office chair",
      "phone case",       "electric toothbrush", "backpack", "air fryer",     "desk lamp",
      "yoga mat",         "bluetooth speaker", "winter jacket", "vacuum cleaner", "smartwatch",
      "kettle",           "gaming mouse",   "mattress",      "water bottle",  "hair dryer",
      "laptop stand",     "board game",     "cookware set",  "umbrella"};
  const std::vector<std::string> openers = {"Bought this {p} for my sister.", "Ordered the {p} last month.",
                                            "My second {p} from this brand.", "Used the {p} daily since spring.",
                                            "Got the {p} on sale.", "Replaced my old {p} with this one."};
  const std::vector<std::string> good = {
      "The battery lasts all week.", "The sound is crisp and clear.", "It arrived two days early.",
      "Setup took five minutes.", "The stitching feels solid.", "Customer support replaced a part for free.",
      "It is quiet even on the highest setting.", "The price was fair for the quality.",
      "It still works perfectly after six months.", "The colour matches the photos exactly."};
  const std::vector<std::string> bad = {
      "The battery died after two days.", "The sound crackles at high volume.", "Delivery was three weeks late.",
      "The instructions were missing.", "The zipper broke on the first trip.", "Support never answered my emails.",
      "It is louder than a jet engine.", "Way overpriced for cheap plastic.", "It stopped working after a month.",
      "The colour looks nothing like the pictures."};
  const std::vector<std::string> good_end = {"Would buy again.", "Highly recommend.", "Five stars from me.", "Great value."};
  const std::vector<std::string> bad_end = {"Returning it.", "Do not buy.", "Asked for a refund.", "One star."};
  HomogeneousStore s;
  s.name = "sentiment";
  s.examples = Json::array();
  for (int i = 0; i < 240; ++i) {
    const bool positive = (i / 3) % 2 == 0;
    std::string opener = openers[(i / 24) % openers.size()];
    opener.replace(opener.find("{p}"), 3, products[i % products.size()]);
    const auto& phrases = positive ? good : bad;
    const auto& ends = positive ? good_end : bad_end;
    const std::string text = opener + " " + phrases[(i + i / 24) % phrases.size()] + " " + ends[(i / 7) % ends.size()];
    s.examples.push_back({{"input", {{"review", text}}},
                          {"expected_output", {{"sentiment", positive ? "positive" : "negative"}}},
                          {"domain", "reviews"}});
  }
  s.legit = {"battery died quickly",
             "late delivery complaint",
             "earbuds sound quality",
             "broken zipper on a backpack",
             "refund for a coffee maker",
             "air fryer great value",
             "support did not reply to emails",
             "colour different from the photos",
             "noisy vacuum cleaner",
             "instructions missing from the box",
             "These running shoes stopped working after a month, I want my money back.",
             "Lovely quiet blender, it arrived early and works perfectly.",
             "The smartwatch battery lasts for days, would recommend.",
             "cheap plastic kettle",
             "is the office chair solid"};
  s.off_topic = kOffTopic;
  s.off_topic_sentences = kOffTopicSentences;
  return s;
}

HomogeneousStore TicketStore() {
  const std::vector<std::pair<std::string, std::string>> issues = {
      {"I cannot log in after resetting my password", "account"},
      {"the invoice for March charged us twice", "billing"},
      {"exporting contacts to CSV times out", "bug"},
      {"the mobile app crashes when I open a deal", "bug"},
      {"how do I add a new user to our workspace", "how-to"},
      {"email sync with Outlook stopped yesterday", "integration"},
      {"our API key returns 401 unauthorized", "integration"},
      {"the dashboard shows the wrong currency", "bug"},
      {"please cancel our subscription at the end of the month", "billing"},
      {"two-factor codes never arrive by SMS", "account"},
      {"importing leads from a spreadsheet skips rows", "bug"},
      {"reports take minutes to load", "performance"},
      {"calendar invites are sent in the wrong time zone", "bug"},
      {"we were charged after downgrading our plan", "billing"},
      {"search does not find contacts by phone number", "bug"},
      {"custom fields disappeared after the update", "bug"},
      {"the webhook stopped firing for new deals", "integration"},
      {"single sign-on with Okta fails", "account"},
      {"I need a copy of last year's receipts", "billing"},
      {"pipeline stages cannot be reordered", "how-to"}};
  const std::vector<std::string> prefixes = {"Hi team,", "Urgent:", "Hello,", "Since this morning",
                                             "Our sales team reports that", "Quick question:"};
  const std::vector<std::string> suffixes = {"Thanks.", "Please help asap."};
  const std::vector<std::string> channels = {"email", "chat", "phone"};
  HomogeneousStore s;
  s.name = "tickets";
  s.examples = Json::array();
  for (int i = 0; i < 240; ++i) {
    const auto& [issue, category] = issues[i % issues.size()];
    const std::string text = prefixes[(i / 20) % prefixes.size()] + " " + issue + ". " + suffixes[(i / 120) % 2];
    s.examples.push_back({{"input", {{"product", "Acme CRM"}, {"channel", channels[i % 3]}, {"ticket", text}}},
                          {"expected_output", {{"category", category}, {"priority", i % 4 == 0 ? "high" : "normal"}}},
                          {"domain", "support"}});
  }
  s.legit = {"password reset login problem",
             "double charged on invoice",
             "csv export timeout",
             "app crash opening a deal",
             "add a user to the workspace",
             "outlook sync broken",
             "401 error with api key",
             "wrong currency on dashboard",
             "cancel subscription",
             "sms two factor code not received",
             "spreadsheet import missing rows",
             "slow reports",
             "calendar invite time zone wrong",
             "billed after downgrade",
             "can't find a contact by phone",
             "custom fields missing",
             "webhooks not firing",
             "okta sso login failing",
             "receipts from last year",
             "reorder pipeline stages",
             "Hello, after the latest update our custom fields are gone and the CSV export never finishes."};
  s.off_topic = kOffTopic;
  s.off_topic_sentences = kOffTopicSentences;
  return s;
}

}  // namespace exemplar::testing
