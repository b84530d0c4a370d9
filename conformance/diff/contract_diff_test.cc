#include "diff/contract_diff.h"

#include <boost/test/unit_test.hpp>
#include <yaml-cpp/yaml.h>

#include "core/lifecycle.h"
#include "testing/test_support.h"

// Each case takes a real spec of spec/ (the HL Connector's or a profile's),
// makes one change of one kind to a copy of its text, and checks that the
// diff finds it and classifies it as contract_diff.h decides.

namespace conformance {
namespace {

ContractTexts Real(const std::string& folder) {
  const std::string dir = std::string(CONFORMANCE_SOURCE_DIR) + "/" + folder + "/";
  return {folder, ReadTestFile(dir + "openapi.yaml"), ReadTestFile(dir + "lifecycle.yaml"),
          ReadTestFile(dir + "rules.yaml"), ReadTestFile(dir + "errors.yaml")};
}

// `text` with its one occurrence of `from` replaced by `to`; the test stops
// when the real file no longer holds `from` exactly once.
std::string Edited(const std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, "the spec no longer holds: " << from);
  BOOST_REQUIRE_MESSAGE(text.find(from, at + 1) == std::string::npos, "the spec holds twice: " << from);
  return text.substr(0, at) + to + text.substr(at + from.size());
}

// `text` with the first occurrence of `from` replaced by `to`.
std::string FirstReplaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, "the spec no longer holds: " << from);
  return text.replace(at, from.size(), to);
}

// The one change of `kind` at `where` (exactly); fails the test otherwise.
ContractChange Only(const std::vector<ContractChange>& changes, const std::string& kind, const std::string& where) {
  std::vector<ContractChange> found;
  for (const auto& c : changes)
    if (c.kind == kind && c.where == where) found.push_back(c);
  BOOST_REQUIRE_MESSAGE(found.size() == 1, "expected one " << kind << " at " << where << ", got " << found.size()
                                                           << " in:\n" << DiffText(changes));
  return found[0];
}

void ExpectBreaks(const ContractChange& c, bool clients, bool implementations) {
  BOOST_TEST(c.breaks_clients == clients, c.where << ": " << c.what);
  BOOST_TEST(c.breaks_implementations == implementations, c.where << ": " << c.what);
  BOOST_TEST(!c.reason.empty());
}

// True when `changes` holds a change of `kind` with these flags.
bool Has(const std::vector<ContractChange>& changes, const std::string& kind, bool clients, bool implementations) {
  for (const auto& c : changes)
    if (c.kind == kind && c.breaks_clients == clients && c.breaks_implementations == implementations) return true;
  return false;
}

// `text` parsed, changed by `edit`, and written back as YAML.
template <typename Edit>
std::string YamlEdited(const std::string& text, Edit edit) {
  YAML::Node root = YAML::Load(text);
  edit(root);
  return YAML::Dump(root) + "\n";
}

BOOST_AUTO_TEST_SUITE(ContractDiffTest)

BOOST_AUTO_TEST_CASE(EverySpecAgainstItselfHasNoChange) {
  for (const char* folder : {"spec", "spec/tabs", "spec/imaging-catalog", "spec/sheetmusicdirect"}) {
    const auto spec = Real(folder);
    BOOST_TEST(DiffContracts(spec, spec).empty(), folder << ":\n" << DiffText(DiffContracts(spec, spec)));
    BOOST_TEST(DiffContracts(spec, spec, {true}).empty(), folder << " with --strict-reference");
  }
  BOOST_TEST(DiffText({}) == "no change\n");
}

// The same kinds of change, made the same way to every API's real spec.
BOOST_AUTO_TEST_CASE(EveryApisSpecWithOneChangeOfEachKindIsClassified) {
  for (const char* folder : {"spec", "spec/tabs", "spec/imaging-catalog", "spec/sheetmusicdirect"}) {
    BOOST_TEST_CONTEXT(folder) {
      const auto old_spec = Real(folder);
      const auto diff = [&](auto change) {
        auto new_spec = old_spec;
        change(new_spec);
        return DiffContracts(old_spec, new_spec);
      };
      // An operation's path renamed: one removed, one added.
      auto renamed = diff([](ContractTexts& c) {
        c.openapi = YamlEdited(c.openapi, [](YAML::Node& root) {
          YAML::Node paths = root["paths"];
          const std::string first = paths.begin()->first.Scalar();
          paths[first + "/renamed"] = YAML::Clone(paths[first]);
          paths.remove(first);
        });
      });
      BOOST_TEST(Has(renamed, "operation-removed", true, false));
      BOOST_TEST(Has(renamed, "operation-added", false, true));
      // A status added to, and one removed from, the first operation.
      const auto first_op = [](YAML::Node root) {
        YAML::Node item = root["paths"].begin()->second;
        for (const char* m : {"get", "post", "put", "delete", "patch"})
          if (item[m]) return item[m];
        return YAML::Node();
      };
      auto status_added = diff([&](ContractTexts& c) {
        c.openapi = YamlEdited(c.openapi, [&](YAML::Node& root) {
          first_op(root)["responses"]["418"] = YAML::Load("{description: a teapot}");
        });
      });
      BOOST_TEST(Has(status_added, "response-added", true, false));
      auto status_removed = diff([&](ContractTexts& c) {
        c.openapi = YamlEdited(c.openapi, [&](YAML::Node& root) {
          YAML::Node responses = first_op(root)["responses"];
          responses.remove(responses.begin()->first.Scalar());
        });
      });
      BOOST_TEST(Has(status_removed, "response-removed", false, true));
      // An error code added to the first list of codes.
      auto code_added = diff([](ContractTexts& c) {
        c.openapi = FirstReplaced(c.openapi, " x-error-codes: [", " x-error-codes: [DIFF_CODE_23, ");
      });
      BOOST_TEST(Has(code_added, "error-code-added", true, false));
      // The lifecycle: a terminal state and a transition into it added, the
      // first transition removed, the first terminal state made non-terminal,
      // an entry added.
      const auto lifecycle = purchase::Lifecycle::Parse(old_spec.lifecycle, folder);
      auto state_added = diff([&](ContractTexts& c) {
        c.lifecycle = YamlEdited(c.lifecycle, [&](YAML::Node& root) {
          root["states"]["diff_added"] = YAML::Load("{terminal: true}");
          root["transitions"].push_back(YAML::Load("{from: " + lifecycle.initial_state() + ", to: diff_added, cause: diff}"));
        });
      });
      BOOST_TEST(Has(state_added, "state-added", true, false));
      BOOST_TEST(Has(state_added, "transition-added", true, false));
      auto transition_removed = diff([](ContractTexts& c) {
        c.lifecycle = YamlEdited(c.lifecycle, [](YAML::Node& root) { root["transitions"].remove(0); });
      });
      BOOST_TEST(Has(transition_removed, "transition-removed", true, true));
      auto non_terminal = diff([](ContractTexts& c) {
        c.lifecycle = FirstReplaced(c.lifecycle, "terminal: true", "terminal: false");
      });
      BOOST_TEST(Has(non_terminal, "state-made-non-terminal", true, false));
      auto entry_added = diff([&](ContractTexts& c) {
        c.lifecycle = YamlEdited(c.lifecycle, [&](YAML::Node& root) {
          YAML::Node entries(YAML::NodeType::Sequence);
          if (root["entry"].IsMap())
            entries.push_back(YAML::Clone(root["entry"]));
          else
            entries = YAML::Clone(root["entry"]);
          for (const auto& state : lifecycle.states())
            if (!lifecycle.IsEntryState(state)) {
              entries.push_back(YAML::Load("{to: " + state + ", cause: diff_entry}"));
              break;
            }
          root["entry"] = entries;
        });
      });
      BOOST_TEST(Has(entry_added, "entry-added", true, false));
      // The ledger: the first rule removed, reworded; a rule added.
      auto rule_removed = diff([](ContractTexts& c) {
        c.rules = YamlEdited(c.rules, [](YAML::Node& root) { root["rules"].remove(0); });
      });
      BOOST_TEST(Has(rule_removed, "rule-removed", true, false));
      auto rule_reworded = diff([](ContractTexts& c) {
        c.rules = YamlEdited(c.rules, [](YAML::Node& root) {
          root["rules"][0]["text"] = root["rules"][0]["text"].Scalar() + " Unless it rains.";
        });
      });
      BOOST_TEST(Has(rule_reworded, "rule-reworded", true, true));
      auto rule_added = diff([](ContractTexts& c) {
        c.rules = YamlEdited(c.rules, [](YAML::Node& root) {
          root["rules"].push_back(YAML::Load("{id: DIFF-001, source: issue 23, text: A new sentence.}"));
        });
      });
      BOOST_TEST(Has(rule_added, "rule-added", false, true));
    }
  }
}

BOOST_AUTO_TEST_CASE(ALedgerThatAppearsIsOneSafeChange) {
  auto old_spec = Real("spec/tabs");
  old_spec.rules.clear();
  const auto changes = DiffContracts(old_spec, Real("spec/tabs"));
  BOOST_REQUIRE(changes.size() == 1u);
  ExpectBreaks(Only(changes, "rule-ledger-added", "rules.yaml"), false, false);
}

// ---- operations and responses ----

BOOST_AUTO_TEST_CASE(ARemovedOperationBreaksClientsAndAnAddedOneImplementations) {
  const auto old_spec = Real("spec/imaging-catalog");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(old_spec.openapi, "  /api/catalog/v2/purchases/{purchase_id}/products:",
                            "  /api/catalog/v2/purchases/{purchase_id}/items:");
  const auto changes = DiffContracts(old_spec, new_spec);
  ExpectBreaks(Only(changes, "operation-removed", "GET /api/catalog/v2/purchases/{purchase_id}/products"), true, false);
  ExpectBreaks(Only(changes, "operation-added", "GET /api/catalog/v2/purchases/{purchase_id}/items"), false, true);
}

BOOST_AUTO_TEST_CASE(ARenamedPathParameterIsNoChange) {
  // Clients send a value in that place of the path whatever its name.
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(Edited(old_spec.openapi, "  /v1/purchases/{purchase_id}:", "  /v1/purchases/{id}:"),
                            "      name: purchase_id\n", "      name: id\n");
  BOOST_TEST(DiffContracts(old_spec, new_spec).empty(), DiffText(DiffContracts(old_spec, new_spec)));
}

BOOST_AUTO_TEST_CASE(AnAddedStatusBreaksClients) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(old_spec.openapi, "        '404':\n          description: No purchase with this id",
                            "        '409':\n          $ref: '#/components/responses/RateLimited'\n"
                            "        '404':\n          description: No purchase with this id");
  const auto changes = DiffContracts(old_spec, new_spec);
  BOOST_TEST(changes.size() == 1u, DiffText(changes));
  ExpectBreaks(Only(changes, "response-added", "GET /v1/purchases/{purchase_id} 409"), true, false);
}

BOOST_AUTO_TEST_CASE(ARemovedStatusBreaksImplementations) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(old_spec.openapi,
                            "        '404':\n          $ref: '#/components/responses/TabNotFound'\n"
                            "        '405':\n          $ref: '#/components/responses/MethodNotAllowed'\n        '413'",
                            "        '405':\n          $ref: '#/components/responses/MethodNotAllowed'\n        '413'");
  const auto changes = DiffContracts(old_spec, new_spec);
  BOOST_TEST(changes.size() == 1u, DiffText(changes));
  ExpectBreaks(Only(changes, "response-removed", "GET /v1/tabs/{tab_id} 404"), false, true);
}

BOOST_AUTO_TEST_CASE(AnAddedErrorCodeBreaksClientsAndARemovedOneImplementations) {
  const auto old_spec = Real("spec/tabs");
  auto added = old_spec, removed = old_spec;
  const std::string codes = "x-error-codes: [PAYMENT_IN_PROGRESS, NOTHING_TO_PAY]";
  added.openapi = Edited(old_spec.openapi, codes, "x-error-codes: [PAYMENT_IN_PROGRESS, NOTHING_TO_PAY, TAB_CLOSED]");
  removed.openapi = Edited(old_spec.openapi, codes, "x-error-codes: [PAYMENT_IN_PROGRESS]");
  ExpectBreaks(Only(DiffContracts(old_spec, added), "error-code-added", "POST /v1/tabs/{tab_id}/payment 409"), true,
               false);
  ExpectBreaks(Only(DiffContracts(old_spec, removed), "error-code-removed", "POST /v1/tabs/{tab_id}/payment 409"),
               false, true);
}

BOOST_AUTO_TEST_CASE(AListOfErrorCodesDroppedBreaksClientsSinceAnyCodeMayCome) {
  // The runner judges codes only where a response lists them: no list, any code.
  const auto old_spec = Real("spec/tabs");
  auto dropped = old_spec;
  dropped.openapi = Edited(old_spec.openapi, "          x-error-codes: [PAYMENT_IN_PROGRESS]\n", "");
  const auto changes = DiffContracts(old_spec, dropped);
  BOOST_TEST(changes.size() == 1u, DiffText(changes));
  ExpectBreaks(Only(changes, "error-codes-unlisted", "POST /v1/purchases 409"), true, false);
  ExpectBreaks(Only(DiffContracts(dropped, old_spec), "error-codes-listed", "POST /v1/purchases 409"), false, true);
}

BOOST_AUTO_TEST_CASE(AChangeToASharedComponentIsReportedOnceWithItsUses) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(old_spec.openapi, "      x-error-codes: [RATE_LIMITED]\n",
                            "      x-error-codes: [RATE_LIMITED, QUOTA_EXCEEDED]\n");
  const auto changes = DiffContracts(old_spec, new_spec);
  BOOST_REQUIRE(changes.size() == 1u);
  BOOST_TEST(changes[0].kind == "error-code-added");
  BOOST_TEST(changes[0].component == "#/components/responses/RateLimited");
  BOOST_TEST(changes[0].uses == 2);  // GET /v1/purchases/{purchase_id} and GET /v1/tabs/{tab_id}
  BOOST_TEST(DiffText(changes).find("used in 2 places") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(AReplyHeaderMadeOptionalBreaksClients) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(old_spec.openapi,
                            "      required: true\n      schema:\n        type: string\n"
                            "        pattern: '^(https?://[^/?#]+)?(/[^?#]*)?/v1/purchases/",
                            "      required: false\n      schema:\n        type: string\n"
                            "        pattern: '^(https?://[^/?#]+)?(/[^?#]*)?/v1/purchases/");
  ExpectBreaks(Only(DiffContracts(old_spec, new_spec), "header-made-optional", "POST /v1/purchases 201 header Location"),
               true, false);
}

// ---- requests ----

BOOST_AUTO_TEST_CASE(ARequestMemberMadeRequiredBreaksClientsAndMadeOptionalImplementations) {
  const auto old_spec = Real("spec/tabs");
  const std::string required = "required: [offering_id, summary, price, sales_model, payment_model]";
  auto tighter = old_spec, looser = old_spec;
  tighter.openapi = Edited(old_spec.openapi, required,
                           "required: [offering_id, summary, price, sales_model, payment_model, content_key]");
  looser.openapi = Edited(old_spec.openapi, required, "required: [offering_id, price, sales_model, payment_model]");
  ExpectBreaks(Only(DiffContracts(old_spec, tighter), "member-made-required", "POST /v1/purchases request body /content_key"),
               true, false);
  ExpectBreaks(Only(DiffContracts(old_spec, looser), "member-made-optional", "POST /v1/purchases request body /summary"),
               false, true);
}

BOOST_AUTO_TEST_CASE(ARequestParameterMadeRequiredBreaksClientsAndMadeOptionalImplementations) {
  const auto old_spec = Real("spec/sheetmusicdirect");
  auto tighter = old_spec, looser = old_spec;
  tighter.openapi = Edited(old_spec.openapi, "name: licenseString\n      in: query\n      required: false",
                           "name: licenseString\n      in: query\n      required: true");
  looser.openapi = Edited(old_spec.openapi, "name: retailerOrderId\n      in: query\n      required: true",
                          "name: retailerOrderId\n      in: query\n      required: false");
  const auto tighter_changes = DiffContracts(old_spec, tighter);
  BOOST_REQUIRE(!tighter_changes.empty());
  for (const auto& c : tighter_changes) {
    BOOST_TEST(c.kind == "parameter-made-required");
    BOOST_TEST(c.where.find(" query licenseString") != std::string::npos);
    ExpectBreaks(c, true, false);
  }
  const auto looser_changes = DiffContracts(old_spec, looser);
  BOOST_REQUIRE(!looser_changes.empty());
  for (const auto& c : looser_changes) {
    BOOST_TEST(c.kind == "parameter-made-optional");
    ExpectBreaks(c, false, true);
  }
}

BOOST_AUTO_TEST_CASE(ARequestBodyMadeOptionalBreaksImplementations) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(old_spec.openapi,
                            "      requestBody:\n        required: true\n        content:\n          application/json:\n"
                            "            schema:\n              $ref: '#/components/schemas/PurchaseRequest'",
                            "      requestBody:\n        required: false\n        content:\n          application/json:\n"
                            "            schema:\n              $ref: '#/components/schemas/PurchaseRequest'");
  ExpectBreaks(Only(DiffContracts(old_spec, new_spec), "request-body-made-optional", "POST /v1/purchases request body"),
               false, true);
}

BOOST_AUTO_TEST_CASE(ARequestEnumNarrowedBreaksClientsAndWidenedImplementations) {
  const auto old_spec = Real("spec/tabs");
  const std::string request_enum = "enum: [pay_now, pay_later]\n        valid_timedelta:";
  auto narrowed = old_spec, widened = old_spec;
  narrowed.openapi = Edited(old_spec.openapi, request_enum, "enum: [pay_now]\n        valid_timedelta:");
  widened.openapi =
      Edited(old_spec.openapi, request_enum, "enum: [pay_now, pay_later, pay_by_invoice]\n        valid_timedelta:");
  const std::string where = "POST /v1/purchases request body /payment_model";
  ExpectBreaks(Only(DiffContracts(old_spec, narrowed), "enum-narrowed", where), true, false);
  ExpectBreaks(Only(DiffContracts(old_spec, widened), "enum-widened", where), false, true);
}

// ---- replies ----

BOOST_AUTO_TEST_CASE(AReplyEnumWidenedBreaksClientsAndNarrowedImplementations) {
  const auto old_spec = Real("spec/tabs");
  auto widened = old_spec, narrowed = old_spec;
  widened.openapi = Edited(old_spec.openapi, "enum: [pending, completed, abandoned]",
                           "enum: [pending, completed, abandoned, refunded]");
  narrowed.openapi = Edited(old_spec.openapi, "enum: [open, payment_required, payment_processing]",
                            "enum: [open, payment_processing]");
  const auto w = Only(DiffContracts(old_spec, widened), "enum-widened", "POST /v1/purchases 201 body /status");
  ExpectBreaks(w, true, false);
  BOOST_TEST(w.component == "#/components/schemas/PurchaseStatus");
  ExpectBreaks(Only(DiffContracts(old_spec, narrowed), "enum-narrowed", "GET /v1/tabs/{tab_id} 200 body /tab_status"),
               false, true);
}

BOOST_AUTO_TEST_CASE(AComponentInRequestsAndRepliesIsJudgedOnEachSide) {
  // SalesModel is what a client sends (PurchaseRequest) and what it reads
  // (Purchase): a value added must be accepted by implementations and may
  // surprise clients.
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(old_spec.openapi, "enum: [contribution, single_purchase, time_pass, subscription]",
                            "enum: [contribution, single_purchase, time_pass, subscription, bundle]");
  const auto changes = DiffContracts(old_spec, new_spec);
  ExpectBreaks(Only(changes, "enum-widened", "POST /v1/purchases request body /sales_model"), false, true);
  ExpectBreaks(Only(changes, "enum-widened", "POST /v1/purchases 201 body /sales_model"), true, false);
}

BOOST_AUTO_TEST_CASE(ARemovedReplyMemberBreaksClientsAndAnAddedOneIsSafe) {
  const auto old_spec = Real("spec/tabs");
  auto removed = old_spec, added = old_spec;
  removed.openapi = Edited(Edited(old_spec.openapi, "recurring_details, status, tab_id]", "recurring_details, status]"),
                           "        tab_id:\n          $ref: '#/components/schemas/Id'\n    Payment:", "    Payment:");
  added.openapi = Edited(old_spec.openapi, "        tab_id:\n          $ref: '#/components/schemas/Id'\n    Payment:",
                         "        tab_id:\n          $ref: '#/components/schemas/Id'\n        receipt_url:\n"
                         "          type: string\n    Payment:");
  const auto r = DiffContracts(old_spec, removed);
  BOOST_TEST(r.size() == 1u, DiffText(r));
  ExpectBreaks(Only(r, "member-removed", "POST /v1/purchases 201 body /tab_id"), true, false);
  ExpectBreaks(Only(DiffContracts(old_spec, added), "member-added", "POST /v1/purchases 201 body /receipt_url"), false,
               false);
}

BOOST_AUTO_TEST_CASE(AReplyMemberMadeOptionalBreaksClients) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(old_spec.openapi, "recurring_details, status, tab_id]", "recurring_details, tab_id]");
  ExpectBreaks(Only(DiffContracts(old_spec, new_spec), "member-made-optional", "POST /v1/purchases 201 body /status"),
               true, false);
}

BOOST_AUTO_TEST_CASE(ATypeChangeBreaksBoth) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(old_spec.openapi, "      type: integer\n      minimum: 0\n",
                            "      type: number\n      minimum: 0\n");
  const auto changes = DiffContracts(old_spec, new_spec);
  BOOST_REQUIRE(!changes.empty());
  for (const auto& c : changes) {
    BOOST_TEST(c.kind == "type-changed");
    BOOST_TEST(c.component == "#/components/schemas/Amount");
    ExpectBreaks(c, true, true);
  }
}

BOOST_AUTO_TEST_CASE(TheReferenceLayerIsComparedOnlyWithStrictReference) {
  const auto old_spec = Real("spec");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(old_spec.openapi, "x-reference: {enum: [Bearer]}", "x-reference: {enum: [Bearer, bearer]}");
  BOOST_TEST(DiffContracts(old_spec, new_spec).empty());
  const auto strict = DiffContracts(old_spec, new_spec, {true});
  BOOST_REQUIRE(!strict.empty());
  BOOST_TEST(strict[0].kind == "enum-widened");
  BOOST_TEST(strict[0].where.find("header WWW-Authenticate") != std::string::npos, strict[0].where);
  ExpectBreaks(strict[0], true, false);
}

// ---- the lifecycle ----

BOOST_AUTO_TEST_CASE(AnAddedStateAndTransitionBreakClients) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.lifecycle = Edited(Edited(old_spec.lifecycle, "\n# Two ways in,",
                                     "  expired:\n    terminal: true\n\n# Two ways in,"),
                              "\ntransitions:\n", "\ntransitions:\n  - from: pending\n    to: expired\n    cause: timed_out\n");
  const auto changes = DiffContracts(old_spec, new_spec);
  BOOST_TEST(changes.size() == 2u, DiffText(changes));
  const auto state = Only(changes, "state-added", "lifecycle");
  ExpectBreaks(state, true, false);
  BOOST_TEST(state.reason.find("never stops") != std::string::npos, state.reason);
  ExpectBreaks(Only(changes, "transition-added", "lifecycle"), true, false);
}

BOOST_AUTO_TEST_CASE(ARemovedTransitionBreaksClients) {
  const auto old_spec = Real("spec");
  auto new_spec = old_spec;
  new_spec.lifecycle = Edited(old_spec.lifecycle,
                              "  - from: FAILED\n    to: CANCELED\n    cause: vendor_cancel\n"
                              "    description: DELETE /purchase/cancel after a failure.\n",
                              "");
  const auto c = Only(DiffContracts(old_spec, new_spec), "transition-removed", "lifecycle");
  ExpectBreaks(c, true, true);
  BOOST_TEST(c.what == "transition 'FAILED' -> 'CANCELED' removed");
}

BOOST_AUTO_TEST_CASE(ARemovedStateBreaksBoth) {
  const auto old_spec = Real("spec/imaging-catalog");
  auto new_spec = old_spec;
  const std::string failed_state = old_spec.lifecycle.substr(old_spec.lifecycle.find("  failed:\n"),
                                                             old_spec.lifecycle.find("\nentry:") -
                                                                 old_spec.lifecycle.find("  failed:\n"));
  const size_t t = old_spec.lifecycle.find("  - from: active\n    to: failed\n");
  const std::string failed_transition = old_spec.lifecycle.substr(t, old_spec.lifecycle.find("\nobserve:") - t);
  new_spec.lifecycle = Edited(Edited(old_spec.lifecycle, failed_state, ""), failed_transition, "");
  const auto changes = DiffContracts(old_spec, new_spec);
  ExpectBreaks(Only(changes, "state-removed", "lifecycle"), true, true);
  ExpectBreaks(Only(changes, "transition-removed", "lifecycle"), true, true);
}

BOOST_AUTO_TEST_CASE(ATerminalStateMadeNonTerminalBreaksClients) {
  const auto old_spec = Real("spec");
  auto new_spec = old_spec;
  new_spec.lifecycle = Edited(old_spec.lifecycle, "  CANCELED:\n    terminal: true", "  CANCELED:\n    terminal: false");
  const auto c = Only(DiffContracts(old_spec, new_spec), "state-made-non-terminal", "lifecycle");
  ExpectBreaks(c, true, false);
}

BOOST_AUTO_TEST_CASE(AStateMadeTerminalBreaksBoth) {
  const auto old_spec = Real("spec");
  auto new_spec = old_spec;
  new_spec.lifecycle = Edited(Edited(old_spec.lifecycle, "  FAILED:\n    terminal: false", "  FAILED:\n    terminal: true"),
                              "  - from: FAILED\n    to: CANCELED\n    cause: vendor_cancel\n"
                              "    description: DELETE /purchase/cancel after a failure.\n",
                              "");
  const auto changes = DiffContracts(old_spec, new_spec);
  ExpectBreaks(Only(changes, "state-made-terminal", "lifecycle"), true, true);
}

BOOST_AUTO_TEST_CASE(AnEntryAddedBreaksClientsAndOneRemovedImplementations) {
  const auto hl = Real("spec");
  auto added = hl;
  added.lifecycle = Edited(hl.lifecycle, "entry:\n  to: PROCESSING\n  cause: register\n",
                           "entry:\n  - to: PROCESSING\n    cause: register\n  - to: COMPLETED\n    cause: instant\n");
  ExpectBreaks(Only(DiffContracts(hl, added), "entry-added", "lifecycle"), true, false);
  const auto tabs = Real("spec/tabs");
  auto removed = tabs;
  removed.lifecycle = Edited(tabs.lifecycle, "  - to: completed\n    cause: purchase_on_tab\n", "");
  ExpectBreaks(Only(DiffContracts(tabs, removed), "entry-removed", "lifecycle"), false, true);
}

BOOST_AUTO_TEST_CASE(ARenamedCauseIsSafeUnlessStrictReference) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.lifecycle = Edited(old_spec.lifecycle, "cause: superseded", "cause: replaced");
  ExpectBreaks(Only(DiffContracts(old_spec, new_spec), "cause-changed", "lifecycle"), false, false);
  ExpectBreaks(Only(DiffContracts(old_spec, new_spec, {true}), "cause-changed", "lifecycle"), true, true);
}

BOOST_AUTO_TEST_CASE(AnIdempotentRequestNoLongerAcceptedBreaksClients) {
  const auto old_spec = Real("spec");
  auto new_spec = old_spec;
  new_spec.lifecycle =
      Edited(old_spec.lifecycle, "idempotent:\n  - state: CANCELED\n    cause: vendor_cancel", "idempotent: []");
  ExpectBreaks(Only(DiffContracts(old_spec, new_spec), "idempotent-removed", "lifecycle"), true, false);
}

BOOST_AUTO_TEST_CASE(AStateSpelledByAnotherCodeBreaksBoth) {
  const auto old_spec = Real("spec/sheetmusicdirect");
  auto new_spec = old_spec;
  new_spec.lifecycle = Edited(old_spec.lifecycle, "    code: 8\n", "    code: 16\n");
  ExpectBreaks(Only(DiffContracts(old_spec, new_spec), "state-code-changed", "lifecycle"), true, true);
}

// ---- the error catalogue and the rule ledger ----

BOOST_AUTO_TEST_CASE(AnErrorCodeAnsweredWithAnotherStatusBreaksBoth) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.errors = Edited(old_spec.errors, "  PURCHASE_NOT_FOUND:\n    status: 404", "  PURCHASE_NOT_FOUND:\n    status: 410");
  ExpectBreaks(Only(DiffContracts(old_spec, new_spec), "catalogue-status-changed", "errors.yaml PURCHASE_NOT_FOUND"),
               true, true);
}

BOOST_AUTO_TEST_CASE(AnAddedMustRuleBreaksImplementations) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.rules += "  - id: TABS-NEW-001\n    source: spec/tabs/README.md\n    text: A refund is answered in a day.\n";
  ExpectBreaks(Only(DiffContracts(old_spec, new_spec), "rule-added", "rule TABS-NEW-001"), false, true);
}

BOOST_AUTO_TEST_CASE(ARemovedMustRuleBreaksClients) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.rules = Edited(old_spec.rules,
                          "  - id: TABS-ERRORS-002\n    source: spec/tabs/errors.yaml\n    text: >-\n"
                          "      Injected by a fault rule with status 429.\n",
                          "");
  ExpectBreaks(Only(DiffContracts(old_spec, new_spec), "rule-removed", "rule TABS-ERRORS-002"), true, false);
}

BOOST_AUTO_TEST_CASE(ARewordedMustRuleBreaksBothAndReflowingItChangesNothing) {
  const auto old_spec = Real("spec/tabs");
  auto reworded = old_spec, reflowed = old_spec;
  reworded.rules = Edited(old_spec.rules, "Injected by a fault rule with status 500\n",
                          "Injected by a fault rule with status 500 or 502\n");
  reflowed.rules = Edited(old_spec.rules, "Injected by a fault rule with status 500\n",
                          "Injected by a fault rule\n      with status 500\n");
  ExpectBreaks(Only(DiffContracts(old_spec, reworded), "rule-reworded", "rule TABS-ERRORS-003"), true, true);
  BOOST_TEST(DiffContracts(old_spec, reflowed).empty());
}

// ---- reports and errors ----

BOOST_AUTO_TEST_CASE(TheTextReportListsBreakingChangesFirstThenCounts) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.openapi = Edited(old_spec.openapi, "        tab_id:\n          $ref: '#/components/schemas/Id'\n    Payment:",
                            "        tab_id:\n          $ref: '#/components/schemas/Id'\n        receipt_url:\n"
                            "          type: string\n    Payment:");
  new_spec.lifecycle = Edited(old_spec.lifecycle, "  - to: completed\n    cause: purchase_on_tab\n", "");
  const std::string text = DiffText(DiffContracts(old_spec, new_spec));
  BOOST_TEST(text.find("BREAKS IMPLEMENTATIONS  lifecycle: entry into 'completed' removed — ") == 0u, text);
  BOOST_TEST(text.find("\nSAFE                    POST /v1/purchases 201 body /receipt_url: optional member added") !=
                 std::string::npos,
             text);
  BOOST_TEST(text.find("2 changes: 0 break clients, 1 breaks implementations, 1 safe\n") != std::string::npos, text);
  const std::string json = DiffJson(DiffContracts(old_spec, new_spec));
  BOOST_TEST(json.find("\"kind\": \"entry-removed\"") != std::string::npos, json);
  BOOST_TEST(json.find("\"breaks_implementations\": 1") != std::string::npos, json);
}

BOOST_AUTO_TEST_CASE(AYamlErrorNamesTheFileLineAndColumn) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.name = "new";
  new_spec.lifecycle = "states:\n  pending: [\n";
  try {
    DiffContracts(old_spec, new_spec);
    BOOST_FAIL("no SpecError");
  } catch (const purchase::SpecError& e) {
    BOOST_TEST(std::string(e.what()).rfind("new/lifecycle.yaml:", 0) == 0u, e.what());
    BOOST_TEST(std::string(e.what()).find(": error: ") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(ARefThatPointsNowhereIsAnErrorAtItsLine) {
  const auto old_spec = Real("spec/tabs");
  auto new_spec = old_spec;
  new_spec.name = "new";
  new_spec.openapi = Edited(old_spec.openapi, "  PurchaseStatus:\n", "  PurchaseState:\n");
  try {
    DiffContracts(old_spec, new_spec);
    BOOST_FAIL("no SpecError");
  } catch (const purchase::SpecError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.rfind("new/openapi.yaml:", 0) == 0u, what);
    BOOST_TEST(what.find("new/openapi.yaml:1:1:") == std::string::npos, what);
    BOOST_TEST(what.find("'#/components/schemas/PurchaseStatus' points nowhere") != std::string::npos, what);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
