#include "explore/emit.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/clock.h"

namespace conformance::explore {
namespace {

std::string Quote(const std::string& s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return buffer.GetString();
}

std::string Role(const std::string& role) { return role.empty() ? Quote("no-such-asset") : Quote("${" + role + "}"); }

std::string Seconds(int64_t millis) {
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(millis / 1000),
                static_cast<long long>(millis % 1000));
  return text;
}

std::string Var(const char* kind, int handle) { return std::string(kind) + "_" + std::to_string(handle); }

}  // namespace

std::string EmitScenario(const SequenceRun& run, const EmitInfo& info) {
  std::ostringstream out;
  out << "# Written by `conformance explore`; replay it with `conformance run` against the same target.\n";
  out << "description: " << Quote(info.description) << "\n";
  out << "tags: [explore";
  for (const auto& t : info.tags) out << ", " << t;
  out << "]\n\nsteps:\n  - control: reset\n";
  for (size_t i = 0; i < run.steps.size(); ++i) {
    const StepRecord& step = run.steps[i];
    if (step.skipped) continue;
    const Command& c = step.command;
    const bool failing = run.mismatch && run.mismatch->step == i;
    const HttpResponse& ref = step.reference;
    rapidjson::Document rd;
    rd.Parse(ref.body.c_str());
    std::string error_code;
    if (!rd.HasParseError() && rd.IsObject() && rd.HasMember("error") && rd["error"].IsObject() &&
        rd["error"].HasMember("code") && rd["error"]["code"].IsString())
      error_code = rd["error"]["code"].GetString();
    auto order_ref = [&](int handle) { return handle < 0 ? Quote("no-such-order") : Quote("${" + Var("order", handle) + "}"); };
    std::ostringstream s;
    if (failing && !info.rules.empty()) {
      // The replay names the rules the difference breaks, as every check does.
      s << "  # rule: ";
      for (size_t r = 0; r < info.rules.size(); ++r) s << (r ? ", " : "") << info.rules[r];
      s << "\n";
    }
    s << "  - name: " << Quote(Describe(c)) << "\n";
    const char* auth = c.vendor == 1 ? "    auth: vendor_b\n" : "";
    std::string capture;
    bool control = false;
    switch (c.kind) {
      case CommandKind::kValidate:
        s << "    request: POST /purchase/validate-purchase-before-payment\n" << auth;
        s << "    body: {asset_id: " << Role(c.asset_role) << ", quantity: " << c.quantity;
        if (!c.drop_field) s << ", customer_ip: " << Role(c.ip_role);
        s << "}\n";
        if (ref.status == 200) capture = Var("token", c.id) + ": /token";
        break;
      case CommandKind::kRegister:
        s << "    request: POST /purchase/register\n" << auth << "    body: {";
        if (!c.drop_field)
          s << "token: " << (c.token < 0 ? Quote("no-such-token") : Quote("${" + Var("token", c.token) + "}")) << ", ";
        s << "asset_id: " << Role(c.asset_role) << ", quantity: " << c.quantity
          << ", vendor_order_id: " << Quote("vo-" + std::to_string(c.vendor_order)) << "}\n";
        if (ref.status == 201) capture = Var("order", c.id) + ": /order_id";
        break;
      case CommandKind::kInfo:
      case CommandKind::kDownloadUrl:
      case CommandKind::kViewUrl:
      case CommandKind::kCancel:
      case CommandKind::kNoAuth: {
        const char* line = c.kind == CommandKind::kDownloadUrl ? "GET /purchase/download-url"
                           : c.kind == CommandKind::kViewUrl   ? "GET /purchase/view-url"
                           : c.kind == CommandKind::kCancel    ? "DELETE /purchase/cancel"
                                                               : "GET /purchase/info";
        s << "    request: " << line << "\n" << (c.kind == CommandKind::kNoAuth ? "    auth: none\n" : auth);
        s << "    query: {order_id: " << order_ref(c.order);
        if (c.item != ItemChoice::kNone) {
          const std::string id = c.order < 0 ? "no-such-order" : "${" + Var("order", c.order) + "}";
          s << ", item_id: " << Quote(id + (c.item == ItemChoice::kOwn ? "-1" : "-9"));
        }
        s << "}\n";
        if ((c.kind == CommandKind::kDownloadUrl || c.kind == CommandKind::kViewUrl) && ref.status == 200)
          capture = Var("url", c.id) + ": /url";
        break;
      }
      case CommandKind::kHistory:
        s << "    request: " << Quote("GET /_control/orders/" +
                                      (c.order < 0 ? std::string("no-such-order") : "${" + Var("order", c.order) + "}") +
                                      "/history")
          << "\n";
        break;
      case CommandKind::kFetchUrl:
        s << "    request: " << Quote("GET ${" + Var("url", c.url) + "}" + (c.tamper ? "0" : "")) << "\n    auth: none\n";
        break;
      case CommandKind::kAdvance:
        s << "    control: {advance: " << Seconds(c.millis) << "}\n";
        control = true;
        break;
      case CommandKind::kSetClock:
        s << "    control: {set_clock: " << Quote(purchase::FormatRfc3339(c.millis)) << "}\n";
        control = true;
        break;
      case CommandKind::kReset:
        s << "    control: reset\n";
        control = true;
        break;
      case CommandKind::kAddFault: {
        const FaultSpec& f = c.fault;
        s << "    control:\n      add_fault: {match: {";
        bool first = true;
        if (!f.match_path.empty()) s << "path: " << Quote(f.match_path), first = false;
        if (!f.match_asset.empty()) s << (first ? "" : ", ") << "asset_id: " << Role(f.match_asset);
        s << "}, effect: {";
        std::vector<std::string> effect;
        if (f.status) effect.push_back("status: " + std::to_string(f.status));
        if (f.retry_after >= 0) effect.push_back("retry_after: " + std::to_string(f.retry_after));
        if (!f.fulfillment.empty()) effect.push_back("fulfillment: " + f.fulfillment);
        if (f.delay_seconds >= 0)
          effect.push_back("fulfillment_delay_seconds: " + Seconds(std::llround(f.delay_seconds * 1000)));
        if (f.cancel_after_seconds) effect.push_back("cancel_after_seconds: " + std::to_string(f.cancel_after_seconds));
        for (size_t e = 0; e < effect.size(); ++e) s << (e ? ", " : "") << effect[e];
        s << "}";
        if (f.times) s << ", times: " << f.times;
        s << "}\n";
        control = true;
        if (ref.status == 201) capture = Var("fault", c.id) + ": /id";
        break;
      }
      case CommandKind::kDeleteFault:
        s << "    control: {delete_fault: " << Quote("${" + Var("fault", c.fault_handle) + "}") << "}\n";
        control = true;
        break;
      case CommandKind::kListFaults:
        s << "    request: GET /_control/faults\n";
        break;
      case CommandKind::kWrongMethod:
        s << "    request: " << c.method << " " << c.path << "\n";
        break;
    }
    (void)control;
    s << "    expect:\n      status: " << ref.status << "\n";
    if (!error_code.empty()) s << "      error: " << error_code << "\n";
    if (failing) {
      const Mismatch& m = *run.mismatch;
      if (!m.header.empty()) {
        const std::string* value = FindHeader(ref.headers, m.header);
        s << "      headers: {" << m.header << ": " << (value ? Quote(*value) : std::string("{exists: true}")) << "}\n";
      } else if (!m.pointer.empty() && m.pointer != "/error/code") {
        s << "      body:\n        " << m.pointer << ": ";
        if (m.pointer == "/error/order_id") {
          // The handle the reference named, as the variable it was captured into.
          const std::string prefix = "order of ";
          s << Quote(m.expected.rfind(prefix, 0) == 0 ? "${order_" + m.expected.substr(prefix.size()) + "}" : m.expected);
        } else if (m.expected == "present") {
          s << "{exists: true}";
        } else if (m.expected == "absent") {
          s << "{absent: true}";
        } else if (m.pointer == "/history" || m.pointer == "/faults") {
          s << "{length: " << m.expected.substr(0, m.expected.find(' ')) << "}";
        } else if (m.expected == "<absent>") {
          s << "{absent: true}";
        } else if (m.pointer == "/items/0/item_id") {
          s << Quote("${" + Var("order", c.order) + "}-1");
        } else {
          rapidjson::Document value;
          value.Parse(m.expected.c_str());
          // A JSON scalar reads the same as a YAML flow value; anything else
          // (a rule about ids, which no matcher can say) is left to the spec.
          if (!value.HasParseError() && !value.IsObject() && !value.IsArray()) s << m.expected;
          else s << "{exists: true}";
        }
        s << "\n";
      }
    }
    if (!capture.empty()) s << "    capture: {" << capture << "}\n";
    out << s.str();
  }
  return out.str();
}

}  // namespace conformance::explore
