#include "explore/executor.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "check/header_list.h"
#include "check/lifecycle_tracker.h"
#include "core/clock.h"
#include "core/lifecycle.h"

namespace conformance::explore {

const char* const kOpenChoices =
    "The oracle never compares what the contract leaves open (spec/README.md, \"Two layers\"):\n"
    "- ids, tokens, fault rule ids and URLs: opaque; the k-th one of the target stands for the k-th of the\n"
    "  reference, and the target must keep that one to one between resets;\n"
    "- error messages and failure reasons: free text (only present or absent is compared);\n"
    "- members a reply carries beyond the spec's: allowed;\n"
    "- the realm and parameters of WWW-Authenticate: only the Bearer scheme is the contract;\n"
    "- unknown request members: an implementation may refuse or ignore them, so none is ever sent;\n"
    "- asset bytes and content: the target's own catalog; only the status of a fetch is compared;\n"
    "- asset_id in replies: the target's own value for the role, so it is not compared.";

namespace {

using rapidjson::Document;
using rapidjson::Value;

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

std::string Json(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return buffer.GetString();
}

// The value at `pointer` as JSON text, or "<absent>".
std::string At(const Document& doc, const char* pointer) {
  if (doc.HasParseError()) return "<absent>";
  const Value* v = rapidjson::Pointer(pointer).Get(doc);
  return v ? Json(*v) : "<absent>";
}

std::string StringAt(const Document& doc, const char* pointer) {
  if (doc.HasParseError()) return "";
  const Value* v = rapidjson::Pointer(pointer).Get(doc);
  return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}

std::string Seconds(int64_t millis) {
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(millis / 1000),
                static_cast<long long>(millis % 1000));
  return text;
}

std::string RoleValue(const Side& side, const std::string& role) {
  if (role.empty()) return "no-such-asset";
  auto it = side.roles.find(role);
  return it == side.roles.end() ? role : it->second;
}

// Writes a JSON object from (name, already-JSON value) pairs.
std::string Object(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out = "{";
  for (const auto& [name, value] : members) {
    if (out.size() > 1) out += ",";
    out += "\"" + name + "\":" + value;
  }
  return out + "}";
}

std::string Quoted(const std::string& s) {
  Value v(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return Json(v);
}

const std::string* Header(const HttpResponse& r, std::string_view name) { return FindHeader(r.headers, name); }

std::string PathBelow(std::string_view url, const std::string& base_url) {
  auto path_of = [](std::string_view u) {
    const size_t scheme = u.find("://");
    const size_t start = scheme == std::string_view::npos ? 0 : u.find('/', scheme + 3);
    if (start == std::string_view::npos) return std::string_view("/");
    return u.substr(start, u.find_first_of("?#", start) - start);
  };
  std::string_view path = path_of(url), base = path_of(base_url);
  if (base == "/") base = {};
  if (!base.empty() && path.substr(0, base.size()) == base) path.remove_prefix(base.size());
  return path.empty() ? "/" : std::string(path);
}

}  // namespace

std::optional<HttpRequest> BuildRequest(const Command& c, const Side& side, const Handles& h) {
  HttpRequest r;
  r.headers.emplace_back("Accept", "application/json");
  const std::string& vendor_token = c.vendor == 0 ? side.token_a : side.token_b;
  auto vendor_auth = [&] { r.headers.emplace_back("Authorization", "Bearer " + vendor_token); };
  auto control_auth = [&] {
    if (!side.control_token.empty()) r.headers.emplace_back("Authorization", "Bearer " + side.control_token);
  };
  auto body = [&](std::string json) {
    r.body = std::move(json);
    r.has_body = true;
    r.headers.emplace_back("Content-Type", "application/json");
  };
  auto find = [](const std::map<int, std::string>& m, int handle) -> std::optional<std::string> {
    auto it = m.find(handle);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
  auto order_id = [&]() -> std::optional<std::string> {
    if (c.order < 0) return std::string("no-such-order");
    return find(h.orders, c.order);
  };
  switch (c.kind) {
    case CommandKind::kValidate: {
      std::vector<std::pair<std::string, std::string>> m = {{"asset_id", Quoted(RoleValue(side, c.asset_role))},
                                                            {"quantity", std::to_string(c.quantity)}};
      if (!c.drop_field) m.emplace_back("customer_ip", Quoted(RoleValue(side, c.ip_role)));
      r.method = "POST";
      r.url = side.base_url + "/purchase/validate-purchase-before-payment";
      vendor_auth();
      body(Object(m));
      return r;
    }
    case CommandKind::kRegister: {
      std::string token = "no-such-token";
      if (c.token >= 0) {
        auto t = find(h.tokens, c.token);
        if (!t) return std::nullopt;
        token = *t;
      }
      std::vector<std::pair<std::string, std::string>> m;
      if (!c.drop_field) m.emplace_back("token", Quoted(token));
      m.emplace_back("asset_id", Quoted(RoleValue(side, c.asset_role)));
      m.emplace_back("quantity", std::to_string(c.quantity));
      m.emplace_back("vendor_order_id", Quoted("vo-" + std::to_string(c.vendor_order)));
      r.method = "POST";
      r.url = side.base_url + "/purchase/register";
      vendor_auth();
      body(Object(m));
      return r;
    }
    case CommandKind::kInfo:
    case CommandKind::kDownloadUrl:
    case CommandKind::kViewUrl:
    case CommandKind::kCancel: {
      auto id = order_id();
      if (!id) return std::nullopt;
      const char* path = c.kind == CommandKind::kInfo          ? "/purchase/info"
                         : c.kind == CommandKind::kDownloadUrl ? "/purchase/download-url"
                         : c.kind == CommandKind::kViewUrl     ? "/purchase/view-url"
                                                               : "/purchase/cancel";
      r.method = c.kind == CommandKind::kCancel ? "DELETE" : "GET";
      r.url = side.base_url + path + "?order_id=" + PercentEncode(*id);
      if (c.item == ItemChoice::kOwn) r.url += "&item_id=" + PercentEncode(*id + "-1");
      if (c.item == ItemChoice::kBogus) r.url += "&item_id=" + PercentEncode(*id + "-9");
      vendor_auth();
      return r;
    }
    case CommandKind::kNoAuth: {
      auto id = order_id();
      if (!id) return std::nullopt;
      r.method = "GET";
      r.url = side.base_url + "/purchase/info?order_id=" + PercentEncode(*id);
      return r;
    }
    case CommandKind::kHistory: {
      auto id = order_id();
      if (!id) return std::nullopt;
      r.method = "GET";
      r.url = side.base_url + "/_control/orders/" + PercentEncode(*id) + "/history";
      control_auth();
      return r;
    }
    case CommandKind::kFetchUrl: {
      auto url = find(h.urls, c.url);
      if (!url) return std::nullopt;
      r.method = "GET";
      r.url = *url + (c.tamper ? "0" : "");
      return r;
    }
    case CommandKind::kAdvance:
      r.method = "POST";
      r.url = side.base_url + "/_control/clock/advance";
      control_auth();
      body(Object({{"seconds", Seconds(c.millis)}}));
      return r;
    case CommandKind::kSetClock:
      r.method = "POST";
      r.url = side.base_url + "/_control/clock/set";
      control_auth();
      body(Object({{"now", Quoted(purchase::FormatRfc3339(c.millis))}}));
      return r;
    case CommandKind::kReset:
      r.method = "POST";
      r.url = side.base_url + "/_control/reset";
      control_auth();
      return r;
    case CommandKind::kAddFault: {
      const FaultSpec& f = c.fault;
      std::vector<std::pair<std::string, std::string>> match, effect, rule;
      if (!f.match_path.empty()) match.emplace_back("path", Quoted(f.match_path));
      if (!f.match_asset.empty()) match.emplace_back("asset_id", Quoted(RoleValue(side, f.match_asset)));
      if (f.status) effect.emplace_back("status", std::to_string(f.status));
      if (f.retry_after >= 0) effect.emplace_back("retry_after", std::to_string(f.retry_after));
      if (!f.fulfillment.empty()) effect.emplace_back("fulfillment", Quoted(f.fulfillment));
      if (f.delay_seconds >= 0) effect.emplace_back("fulfillment_delay_seconds", Seconds(std::llround(f.delay_seconds * 1000)));
      if (f.cancel_after_seconds) effect.emplace_back("cancel_after_seconds", std::to_string(f.cancel_after_seconds));
      rule.emplace_back("match", Object(match));
      rule.emplace_back("effect", Object(effect));
      if (f.times) rule.emplace_back("times", std::to_string(f.times));
      r.method = "POST";
      r.url = side.base_url + "/_control/faults";
      control_auth();
      body(Object(rule));
      return r;
    }
    case CommandKind::kDeleteFault: {
      auto fault = find(h.faults, c.fault_handle);
      if (!fault) return std::nullopt;
      r.method = "DELETE";
      r.url = side.base_url + "/_control/faults/" + PercentEncode(*fault);
      control_auth();
      return r;
    }
    case CommandKind::kListFaults:
      r.method = "GET";
      r.url = side.base_url + "/_control/faults";
      control_auth();
      return r;
    case CommandKind::kWrongMethod:
      r.method = c.method;
      r.url = side.base_url + c.path;
      if (c.path.rfind("/_control", 0) == 0) control_auth();
      else vendor_auth();
      return r;
  }
  return std::nullopt;
}

void Absorb(const Command& c, const HttpResponse& response, Handles& h) {
  if (response.error != TransportError::kNone) return;
  Document doc;
  doc.Parse(response.body.c_str());
  auto add = [&](std::map<int, std::string>& handles, std::map<std::string, int>& index, const char* pointer) {
    const std::string value = StringAt(doc, pointer);
    index.emplace(value, c.id);
    handles[c.id] = value;
  };
  if (c.kind == CommandKind::kValidate && response.status == 200) add(h.tokens, h.token_of_value, "/token");
  if (c.kind == CommandKind::kRegister && response.status == 201) add(h.orders, h.order_of_id, "/order_id");
  if ((c.kind == CommandKind::kDownloadUrl || c.kind == CommandKind::kViewUrl) && response.status == 200)
    h.urls[c.id] = StringAt(doc, "/url");
  if (c.kind == CommandKind::kAddFault && response.status == 201) add(h.faults, h.fault_of_id, "/id");
  if (c.kind == CommandKind::kReset && response.status == 200) h.ForgetEpoch();
}

std::string Mismatch::Cause() const {
  // A status or a code names the cause; a differing instant or count does
  // not (it moves with the sequence), so those are one cause per member.
  // The answer the model expected names the rule the target broke, whatever
  // it answered instead (201, or another code): one cause.
  if (aspect == "status" || aspect == "error code" || aspect == "answer") {
    const size_t space = expected.find(' ');
    const std::string rule = aspect == "status" && space != std::string::npos ? expected.substr(space + 1) : expected;
    return std::string(KindName(kind)) + "|answer|" + rule;
  }
  return std::string(KindName(kind)) + "|" + aspect;
}

std::string Mismatch::Message() const {
  return std::string(KindName(kind)) + ": " + aspect + ": the model expected " + expected + ", the target answered " +
         actual;
}

bool TakesCancelAfter(const Side& side) {
  if (!ResetSide(side).empty()) return false;
  Command add;
  add.kind = CommandKind::kAddFault;
  add.fault.fulfillment = "complete";
  add.fault.cancel_after_seconds = 3;
  add.fault.times = 1;
  Handles none;
  const auto request = BuildRequest(add, side, none);
  const bool takes = request && side.client->Send(*request).status == 201;
  ResetSide(side);
  return takes;
}

std::string ResetSide(const Side& side) {
  Command reset;
  reset.kind = CommandKind::kReset;
  Handles none;
  const HttpResponse r = side.client->Send(*BuildRequest(reset, side, none));
  if (r.error != TransportError::kNone) return side.name + ": POST /_control/reset: " + r.error_message;
  if (r.status != 200) return side.name + ": POST /_control/reset answered " + std::to_string(r.status);
  return "";
}

Executor::Executor(Side target, Side reference, const OpenApiSpec& spec, const purchase::Lifecycle& lifecycle,
                   bool strict_reference)
    : target_(std::move(target)),
      reference_(std::move(reference)),
      spec_(spec),
      lifecycle_(lifecycle),
      strict_reference_(strict_reference) {}

std::optional<Mismatch> CompareAnswers(const Command& c, const HttpResponse& ref, const HttpResponse& tgt,
                                       const Handles& rh, const Handles& th, bool strict_reference) {
  Mismatch m;
  m.kind = c.kind;
  auto differ = [&](std::string aspect, std::string expected, std::string actual, std::string pointer = "",
                    std::string header = "") {
    m.aspect = std::move(aspect);
    m.expected = std::move(expected);
    m.actual = std::move(actual);
    m.pointer = std::move(pointer);
    m.header = std::move(header);
    return m;
  };
  if (ref.error == TransportError::kNoReply) {
    if (tgt.error == TransportError::kNoReply) return std::nullopt;
    return differ("answer", "no reply (the connection dropped)", std::to_string(tgt.status));
  }
  if (tgt.error != TransportError::kNone) return differ("answer", std::to_string(ref.status), "no answer: " + tgt.error_message);
  Document rd, td;
  rd.Parse(ref.body.c_str());
  td.Parse(tgt.body.c_str());
  if (ref.status != tgt.status) {
    std::string actual = std::to_string(tgt.status);
    const std::string code = StringAt(td, "/error/code");
    if (!code.empty()) actual += " " + code;
    std::string expected = std::to_string(ref.status);
    const std::string rcode = StringAt(rd, "/error/code");
    if (!rcode.empty()) expected += " " + rcode;
    return differ("status", expected, actual);
  }
  const std::string rcode = StringAt(rd, "/error/code");
  if (!rcode.empty() && StringAt(td, "/error/code") != rcode)
    return differ("error code", rcode, At(td, "/error/code"), "/error/code");
  // Headers the contract fixes: a fault rule's retry_after comes back as
  // Retry-After (issue 2); a 202's is only "with a Retry-After header" (its
  // value, ceil(due - now) clamped to 1..10, is our server's).
  if (const std::string* ra = Header(ref, "Retry-After")) {
    const std::string* ta = Header(tgt, "Retry-After");
    const bool value_fixed = strict_reference || ref.status != 202;
    if (!ta || (value_fixed && *ta != *ra)) return differ("Retry-After", *ra, ta ? *ta : "<absent>", "", "Retry-After");
  }
  if (ref.status == 405) {
    auto methods = [](const std::string* allow) {
      std::set<std::string> out;
      if (!allow) return out;
      std::stringstream s(*allow);
      std::string m;
      while (std::getline(s, m, ',')) {
        m.erase(0, m.find_first_not_of(' '));
        m.erase(m.find_last_not_of(' ') + 1);
        out.insert(m);
      }
      return out;
    };
    const std::string* ta = Header(tgt, "Allow");
    if (methods(Header(ref, "Allow")) != methods(ta))
      return differ("Allow", *Header(ref, "Allow"), ta ? *ta : "<absent>", "", "Allow");
  }
  if (ref.status >= 400 && c.kind != CommandKind::kRegister) return std::nullopt;
  auto same = [&](const char* pointer) -> std::optional<Mismatch> {
    const std::string want = At(rd, pointer), got = At(td, pointer);
    if (want != got) return differ(pointer, want, got, pointer);
    return std::nullopt;
  };
  // An instant: the same moment however it is spelled (`Z` or `+00:00`, any
  // fraction); text that is no instant compares as text. `optional`: a
  // member the contract does not require is compared only when both have it.
  auto same_instant = [&](const char* pointer, bool optional = false) -> std::optional<Mismatch> {
    const std::string want = At(rd, pointer), got = At(td, pointer);
    if (optional && !strict_reference && (want == "<absent>" || got == "<absent>")) return std::nullopt;
    const auto a = purchase::ParseRfc3339(StringAt(rd, pointer)), b = purchase::ParseRfc3339(StringAt(td, pointer));
    if (a && b ? *a != *b : want != got) return differ(pointer, want, got, pointer);
    return std::nullopt;
  };
  // A member the oracle has must be there (issue 2: COMPLETED "with the
  // items", FAILED "with the failure reason"); one it lacks may be there too,
  // since no rule forbids it, except on our server.
  auto presence = [&](const char* pointer) -> std::optional<Mismatch> {
    const bool want = At(rd, pointer) != "<absent>", got = At(td, pointer) != "<absent>";
    if (want != got && (want || strict_reference))
      return differ(pointer, want ? "present" : "absent", got ? "present" : "absent", pointer);
    return std::nullopt;
  };
  auto order_members = [&]() -> std::optional<Mismatch> {
    for (const char* p : {"/status", "/quantity"})
      if (auto d = same(p)) return d;
    for (const char* p : {"/created_at", "/updated_at"})
      if (auto d = same_instant(p)) return d;
    if (auto d = same_instant("/canceled_at", /*optional=*/true)) return d;
    for (const char* p : {"/items", "/failure_reason"})
      if (auto d = presence(p)) return d;
    if (strict_reference && At(td, "/items") != "<absent>") {
      const std::string id = StringAt(td, "/order_id");
      if (StringAt(td, "/items/0/item_id") != id + "-1")
        return differ("/items/0/item_id", "the order's id + \"-1\"", At(td, "/items/0/item_id"), "/items/0/item_id");
    }
    return std::nullopt;
  };
  switch (c.kind) {
    case CommandKind::kValidate:
      if (ref.status == 200) {
        if (auto d = same_instant("/exp_date")) return d;
        if (th.token_of_value.count(StringAt(td, "/token")))
          return differ("/token", "a token not handed out before", "the token of " +
                                      std::to_string(th.token_of_value.at(StringAt(td, "/token"))), "/token");
      }
      break;
    case CommandKind::kRegister:
      if (ref.status == 201) {
        if (auto d = order_members()) return d;
        const std::string id = StringAt(td, "/order_id");
        if (th.order_of_id.count(id))
          return differ("/order_id", "a new order id", "the id of the order of " + std::to_string(th.order_of_id.at(id)),
                        "/order_id");
        const std::string* location = Header(tgt, "Location");
        if (!location) return differ("Location", "a Location naming the new order", "<absent>", "", "Location");
        if (PercentDecode(*location).find("order_id=" + id) == std::string::npos)
          return differ("Location", "a Location naming the new order", *location, "", "Location");
      } else if (ref.status == 409) {
        const auto want = rh.order_of_id.find(StringAt(rd, "/error/order_id"));
        const auto got = th.order_of_id.find(StringAt(td, "/error/order_id"));
        const std::string want_text = want == rh.order_of_id.end() ? "?" : "order of " + std::to_string(want->second);
        const std::string got_text = got == th.order_of_id.end() ? At(td, "/error/order_id")
                                                                 : "order of " + std::to_string(got->second);
        if (want_text != got_text) return differ("/error/order_id", want_text, got_text, "/error/order_id");
      }
      break;
    case CommandKind::kInfo:
    case CommandKind::kCancel:
      return order_members();
    case CommandKind::kDownloadUrl:
    case CommandKind::kViewUrl: {
      // now + the URL TTL; that it is rounded down to a whole second is ours.
      if (strict_reference) return same_instant("/expires_at");
      const auto a = purchase::ParseRfc3339(StringAt(rd, "/expires_at"));
      const auto b = purchase::ParseRfc3339(StringAt(td, "/expires_at"));
      if (!a || !b || *b < *a || *b - *a >= 1000)
        return differ("/expires_at", At(rd, "/expires_at") + " (or less than a second later)", At(td, "/expires_at"),
                      "/expires_at");
      return std::nullopt;
    }
    case CommandKind::kHistory: {
      if (auto d = same("/status")) return d;
      const Value* rhist = rapidjson::Pointer("/history").Get(rd);
      const Value* thist = rapidjson::Pointer("/history").Get(td);
      const size_t rn = rhist && rhist->IsArray() ? rhist->Size() : 0, tn = thist && thist->IsArray() ? thist->Size() : 0;
      if (rn != tn) return differ("/history", std::to_string(rn) + " entries", std::to_string(tn) + " entries", "/history");
      // The cause names are spec/lifecycle.yaml's, ours: compared on our server only.
      for (size_t i = 0; i < rn; ++i)
        for (const char* member : {"from", "to", "cause", "at"}) {
          const std::string p = "/history/" + std::to_string(i) + "/" + member;
          if (std::string_view(member) == "cause" && !strict_reference) continue;
          if (auto d = std::string_view(member) == "at" ? same_instant(p.c_str()) : same(p.c_str())) return d;
        }
      break;
    }
    case CommandKind::kAdvance:
    case CommandKind::kSetClock:
      if (auto d = same_instant("/now")) return d;
      return same("/settled");
    case CommandKind::kReset:
      return same_instant("/now");
    case CommandKind::kAddFault:
    case CommandKind::kDeleteFault:
      return same("/remaining");
    case CommandKind::kListFaults: {
      const Value* rl = rapidjson::Pointer("/faults").Get(rd);
      const Value* tl = rapidjson::Pointer("/faults").Get(td);
      const size_t rn = rl && rl->IsArray() ? rl->Size() : 0, tn = tl && tl->IsArray() ? tl->Size() : 0;
      if (rn != tn) return differ("/faults", std::to_string(rn) + " rules", std::to_string(tn) + " rules", "/faults");
      for (size_t i = 0; i < rn; ++i) {
        const std::string p = "/faults/" + std::to_string(i) + "/remaining";
        if (auto d = same(p.c_str())) return d;
      }
      break;
    }
    default:
      break;
  }
  return std::nullopt;
}

SequenceRun Executor::Run(const std::vector<Command>& commands) {
  SequenceRun run;
  Handles th, rh;
  LifecycleTracker tracker(lifecycle_);
  for (const Side* side : {&target_, &reference_}) {
    if (const std::string why = ResetSide(*side); !why.empty()) {
      Mismatch m;
      m.aspect = "reset";
      m.expected = "200";
      m.actual = why;
      run.mismatch = m;
      return run;
    }
  }
  for (size_t i = 0; i < commands.size(); ++i) {
    const Command& c = commands[i];
    StepRecord step;
    step.command = c;
    auto ref_request = BuildRequest(c, reference_, rh);
    auto tgt_request = BuildRequest(c, target_, th);
    if (!ref_request || !tgt_request) {
      step.skipped = true;
      run.steps.push_back(std::move(step));
      continue;
    }
    step.reference_request = *ref_request;
    step.target_request = *tgt_request;
    step.reference = reference_.client->Send(*ref_request);
    step.target = target_.client->Send(*tgt_request);
    std::optional<Mismatch> mismatch = CompareAnswers(c, step.reference, step.target, rh, th, strict_reference_);
    if (!mismatch && step.target.error == TransportError::kNone) {
      // Judged as the scenarios judge: the spec, then the lifecycle.
      ResponseToJudge judge;
      judge.method = step.target_request.method;
      const std::string path = PathBelow(step.target_request.url, target_.base_url);
      judge.path = path;
      // The base URL's own path (a sandbox's /_sandbox/NAME): Locations below it are judged without it.
      const size_t scheme = target_.base_url.find("://");
      const size_t path_at = scheme == std::string::npos ? std::string::npos : target_.base_url.find('/', scheme + 3);
      judge.base_path = path_at == std::string::npos ? std::string_view() : std::string_view(target_.base_url).substr(path_at);
      judge.status = step.target.status;
      judge.headers = &step.target.headers;
      judge.body = step.target.body;
      const auto failures = spec_.Judge(judge);
      if (!failures.empty()) {
        Mismatch m;
        m.kind = c.kind;
        m.aspect = "spec";
        m.expected = "an answer spec/openapi.yaml allows";
        m.actual = failures.front();
        mismatch = m;
      } else {
        Document body;
        body.Parse(step.target.body.c_str());
        if (!body.HasParseError() && body.IsObject()) {
          const auto lifecycle = tracker.ObserveBody(body, c.kind == CommandKind::kRegister && step.target.status == 201,
                                                     "step " + std::to_string(i + 1));
          if (!lifecycle.empty()) {
            Mismatch m;
            m.kind = c.kind;
            m.aspect = "lifecycle";
            m.expected = "a change spec/lifecycle.yaml allows";
            m.actual = lifecycle.front();
            mismatch = m;
          }
        }
      }
    }
    if (mismatch) {
      mismatch->step = i;
      run.steps.push_back(std::move(step));
      run.mismatch = mismatch;
      return run;
    }
    Absorb(c, step.reference, rh);
    Absorb(c, step.target, th);
    if (c.kind == CommandKind::kReset) tracker.Forget();
    run.steps.push_back(std::move(step));
  }
  run.target_handles = std::move(th);
  run.reference_handles = std::move(rh);
  return run;
}

}  // namespace conformance::explore
