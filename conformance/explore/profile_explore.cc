#include "explore/profile_explore.h"

#include <cstdlib>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include "check/header_list.h"  // EqualsIgnoringCase
#include "check/lifecycle_tracker.h"
#include "core/clock.h"
#include "explore/explore_report.h"
#include "explore/random.h"
#include "exec/target.h"  // ScopedSandbox, NewRunId
#include "explore/reference_target.h"  // SendInProcess
#include "profiles/error_replies.h"
#include "profiles/profile_host.h"
#include "profiles/profile_registry.h"
#include "scenario/loader.h"
#include "scenario/rule_ledger.h"
#include "scenario/source_comment.h"
#include "scenario/template.h"
#include "report/result.h"

namespace conformance::explore {
namespace {

// A fulfillment rule whose cause is due at the instant of the request that
// creates the order (`outcome` without a positive `outcome_after_seconds`).
// Whether that request's own reply already shows the cause is an open choice
// in tabs (spec/tabs/README.md, "Fault rules"), so explore never adds one:
// the oracle's choice is not the contract. The scenarios judge the APIs
// that decide it (imaging-catalog: "closed on the very next request").
bool DueAtItsOwnRequest(const Step& step) {
  if (step.request.method != "POST" || !step.request.body) return false;
  const TemplateValue* effect = nullptr;
  for (const auto& [key, value] : step.request.body->members)
    if (key == "effect") effect = &value;
  if (!effect) return false;
  bool outcome = false, later = false;
  for (const auto& [key, value] : effect->members) {
    if (key == "outcome") outcome = true;
    if (key == "outcome_after_seconds") later = value.kind == TemplateValue::Kind::kNumber && std::strtod(value.text.c_str(), nullptr) > 0;
  }
  return outcome && !later;
}


namespace pp = purchase::profiles;

void CollectRefs(const std::string& text, std::set<std::string>* out) {
  for (const auto& n : ParseTemplate(text).names) out->insert(n);
}
void CollectRefs(const TemplateValue& v, std::set<std::string>* out) {
  if (v.kind == TemplateValue::Kind::kString) CollectRefs(v.text, out);
  for (const auto& i : v.items) CollectRefs(i, out);
  for (const auto& [k, m] : v.members) CollectRefs(m, out);
}
std::set<std::string> RefsOf(const RequestSpec& r) {
  std::set<std::string> out;
  CollectRefs(r.target, &out);
  for (const auto& [k, v] : r.query) CollectRefs(v, &out);
  for (const auto& [k, v] : r.headers) CollectRefs(v, &out);
  if (r.auth == AuthMode::kBearer) CollectRefs(r.bearer, &out);
  if (r.body) CollectRefs(*r.body, &out);
  if (r.raw_body) CollectRefs(*r.raw_body, &out);
  if (r.sized_body) CollectRefs(r.sized_body->times, &out);
  return out;
}

std::string PathOfTarget(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  return path;
}

// The pool of a capture: "order:<id pointer>" when its pointer is where the
// lifecycle says replies carry an order id (one pool per observe point's id
// pointer: SheetMusicDirect's orders and items are different ids), else
// "var:<variable>".
std::string PoolOf(const Capture& cap, const purchase::Lifecycle& lifecycle) {
  const std::string& key = cap.key;
  if (cap.source != Capture::Source::kBody || cap.regex) return "var:" + cap.variable;
  for (const auto& p : lifecycle.observe()) {
    if (p.each.empty() && key == p.id) return "order:" + p.id;
    if (!p.each.empty() && key.rfind(p.each + "/", 0) == 0) {
      const std::string rest = key.substr(p.each.size() + 1);
      const size_t slash = rest.find('/');
      if (slash != std::string::npos && slash > 0 &&
          std::all_of(rest.begin(), rest.begin() + slash, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
          rest.substr(slash) == p.id)
        return "order:" + p.id;
    }
  }
  return "var:" + cap.variable;
}

std::optional<std::string> ScalarText(const rapidjson::Value* v) {
  if (!v) return std::nullopt;
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  if (v->IsInt64()) return std::to_string(v->GetInt64());
  return std::nullopt;
}

std::optional<std::string> JsonAt(const rapidjson::Value& body, const std::string& pointer) {
  const rapidjson::Value* v = rapidjson::Pointer(pointer.c_str()).Get(body);
  if (!v || !(v->IsString() || v->IsNumber())) return std::nullopt;
  return ToJsonText(*v);
}

std::string HeaderOf(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (EqualsIgnoringCase(k, name)) return v;
  return {};
}

struct Observed {
  std::string pool;     // "order:" + the point's id pointer
  std::string pointer;  // concrete: /orderitems/1/OrderItemId
  std::string state_pointer;
  std::optional<std::string> id_json;  // JSON text of the id
  std::optional<std::string> state;    // the state, through StateOfCode
};

// Every (id, state) the answer carries at the lifecycle's observe points.
std::vector<Observed> ObserveAll(const rapidjson::Value& body, const purchase::Lifecycle& lifecycle) {
  std::vector<Observed> out;
  if (!body.IsObject()) return out;
  for (const auto& p : lifecycle.observe()) {
    auto one = [&](const rapidjson::Value& holder, const std::string& prefix) {
      Observed o;
      o.pool = "order:" + p.id;
      o.pointer = prefix + p.id;
      o.state_pointer = prefix + p.state;
      o.id_json = JsonAt(holder, p.id);
      auto s = ScalarText(rapidjson::Pointer(p.state.c_str()).Get(holder));
      if (s) o.state = lifecycle.StateOfCode(*s);
      if (o.id_json || o.state) out.push_back(o);
    };
    if (p.each.empty()) {
      one(body, "");
      continue;
    }
    const rapidjson::Value* list = rapidjson::Pointer(p.each.c_str()).Get(body);
    if (!list || !list->IsArray()) continue;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) one((*list)[i], p.each + "/" + std::to_string(i));
  }
  return out;
}

// A pool of handed-out values and the one-to-one mapping between the sides.
struct Pool {
  std::vector<std::string> target, reference;  // JSON texts, by handle
  std::map<std::string, int> of_target, of_reference;
};

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

// ---------------------------------------------------------------- the host

struct ProfileHostClient::Impl {
  const pp::ProfileEntry* entry;
  purchase::Lifecycle lifecycle;
  pp::ErrorReplies errors;
  std::unique_ptr<pp::Profile> surface;
  std::unique_ptr<pp::ProfileHost> host;

  static const pp::ProfileEntry* Find(const std::string& api) {
    const pp::ProfileEntry* e = pp::FindProfile(api);
    if (!e) throw std::invalid_argument("no profile '" + api + "'");
    return e;
  }
  Impl(const std::string& api, const std::string& fixtures, uint64_t seed, const std::vector<std::string>& defects)
      : entry(Find(api)),
        lifecycle(purchase::Lifecycle::Parse(entry->lifecycle, entry->spec_dir + "/lifecycle.yaml")),
        errors(pp::ErrorReplies::Parse(entry->errors, entry->spec_dir + "/errors.yaml")) {
    purchase::engine::EngineDefects engine_defects;
    std::set<std::string> own;
    for (const auto& name : defects) {
      if (pp::SetEngineDefect(name, &engine_defects)) continue;
      bool known = false;
      for (const auto& d : entry->defects) known = known || d.name == name;
      if (!known) throw std::invalid_argument("unknown defect '" + name + "' of " + api);
      own.insert(name);
    }
    surface = entry->make(fixtures, own);
    purchase::engine::EngineOptions engine_options = entry->engine;
    engine_options.seed = seed;
    pp::HostOptions host_options;
    host_options.defects = defects;
    host = std::make_unique<pp::ProfileHost>(
        *surface, lifecycle, errors,
        std::make_unique<purchase::ManualClock>(*purchase::ParseRfc3339("2026-01-01T00:00:00Z")), engine_options,
        host_options, engine_defects);
  }
};

ProfileHostClient::ProfileHostClient(const std::string& api, const std::string& fixtures_dir, uint64_t seed,
                                     const std::vector<std::string>& defects)
    : impl_(std::make_unique<Impl>(api, fixtures_dir, seed, defects)) {}
ProfileHostClient::~ProfileHostClient() = default;

HttpResponse ProfileHostClient::Send(const HttpRequest& request) {
  return SendInProcess(*impl_->host, request, "profile.invalid");
}

// ---------------------------------------------------------------- corpus

namespace {

// The scenario's variables on one side: roles, tokens, its vars and sets (as
// JSON text); names whose value depends on a capture are aliases (pool) or
// left out.
std::map<std::string, std::string> BaseVars(const ProfileSide& side, const Scenario& s) {
  std::map<std::string, std::string> v;
  auto str = [](const std::string& t) {
    rapidjson::Value x(t.c_str(), static_cast<rapidjson::SizeType>(t.size()));
    return ToJsonText(x);
  };
  for (const auto& [k, val] : side.roles) v[k] = str(val);
  v["token"] = str(side.token);
  if (!side.token_b.empty()) v["token_b"] = str(side.token_b);
  v["base_url"] = str(side.base_url);
  v["scenario"] = str(s.id);
  return v;
}

Variables ToVariables(const std::map<std::string, std::string>& vars) {
  Variables out;
  for (const auto& [k, json] : vars) {
    rapidjson::Document d;
    d.Parse(json.c_str(), json.size());
    if (!d.HasParseError()) out.SetJson(k, d);
  }
  return out;
}

bool TryAssign(std::map<std::string, std::string>& vars, const std::string& name, const TemplateValue& value) {
  Variables v = ToVariables(vars);
  rapidjson::Document d;
  std::string missing;
  if (!v.Render(value, d, d.GetAllocator(), &missing)) return false;
  vars[name] = ToJsonText(d);
  return true;
}

}  // namespace

ProfileCorpus BuildProfileCorpus(const std::vector<Scenario>& scenarios, const purchase::Lifecycle& lifecycle,
                                 const ProfileSide& target, const ProfileSide& reference) {
  ProfileCorpus corpus;
  bool has_reset = false;
  for (const Scenario& s : scenarios) {
    auto tv = BaseVars(target, s), rv = BaseVars(reference, s);
    // ${run_id} is "explore" everywhere, in the `set:` and `with:` values
    // rendered here and in each request: the clients and orders scenarios
    // name by it meet. (Two clients' orders of one retailerOrderId would
    // share an "order id", which the LifecycleTracker takes for one order.)
    tv["run_id"] = rv["run_id"] = "\"explore\"";
    std::map<std::string, std::string> captured;  // variable -> pool
    auto assign = [&](const std::string& name, const TemplateValue& value) {
      if (auto whole = value.kind == TemplateValue::Kind::kString ? WholeReference(value.text) : std::nullopt;
          whole && captured.count(*whole)) {
        captured[name] = captured[*whole];
        tv.erase(name);
        rv.erase(name);
        return;
      }
      const bool ok = TryAssign(tv, name, value) && TryAssign(rv, name, value);
      if (ok) captured.erase(name);
      else {
        tv.erase(name);
        rv.erase(name);
        captured.erase(name);
      }
    };
    for (const auto& [name, value] : s.vars) assign(name, value);
    for (const Step& step : s.steps) {
      if (step.kind == Step::Kind::kSet) {
        for (const auto& [name, value] : step.assignments) assign(name, value);
        continue;
      }
      const std::string path = PathOfTarget(step.request.target);
      const bool control = path.rfind("/_control", 0) == 0;
      const bool advance = path == "/_control/clock/advance" && step.request.method == "POST";
      // Fault rules and reset join the pool (as in the HL Connector's
      // explore): adding a rule, deleting one or all, and a reset in the
      // middle of a sequence (what it restores, and that ids handed out
      // before it name nothing after). clock/set stays the runner's.
      const bool fault_rule = (path.rfind("/_control/faults", 0) == 0 &&
                               (step.request.method == "POST" || step.request.method == "DELETE")) ||
                              (path == "/_control/reset" && step.request.method == "POST");
      // What the HTTP server answers before the host sees the request (431,
      // a dropped connection) has no in-process oracle.
      const auto& statuses = step.expect.statuses;
      const bool transport = step.expect.no_reply || std::find(statuses.begin(), statuses.end(), 431) != statuses.end();
      // One reset in the pool: every scenario starts with one, and as many
      // copies would wipe most sequences before they build any state.
      const bool extra_reset = step.resets_target && has_reset;
      has_reset = has_reset || step.resets_target;
      bool usable = (!control || advance || fault_rule) && !transport && !(fault_rule && DueAtItsOwnRequest(step)) &&
                    !extra_reset;
      CorpusRequest c;
      if (usable) {
        for (const auto& name : RefsOf(step.request)) {
          if (name == "run_id") continue;
          if (auto it = captured.find(name); it != captured.end()) {
            c.captured.emplace_back(name, it->second);
          } else if (!tv.count(name) || !rv.count(name)) {
            usable = false;
          }
        }
      }
      if (usable) {
        c.label = step.request.method + " " + step.request.target + " (" + step.where.ToString() + ")";
        c.step = step;
        c.target_vars = tv;
        c.reference_vars = rv;
        c.scenario_id = s.id;
        corpus.requests.push_back(std::move(c));
      }
      for (const auto& cap : step.captures) {
        captured[cap.variable] = PoolOf(cap, lifecycle);
        tv.erase(cap.variable);
        rv.erase(cap.variable);
      }
    }
  }
  return corpus;
}

// ---------------------------------------------------------------- explorer

std::string ProfileMismatch::Message() const {
  return aspect + ": the oracle answered " + expected + ", the target " + actual;
}

ProfileExplorer::ProfileExplorer(const ProfileCorpus& corpus, const purchase::Lifecycle& lifecycle, ProfileSide target,
                                 ProfileSide reference)
    : corpus_(corpus), lifecycle_(lifecycle), target_(std::move(target)), reference_(std::move(reference)) {}

std::vector<ProfileCommand> ProfileExplorer::Generate(uint64_t seed, int steps) const {
  Random random(seed);
  static const std::vector<int64_t> kSeconds = {0, 1, 2, 5, 60, 3600};
  std::vector<ProfileCommand> out;
  int last = -1;  // the last corpus request taken
  for (int i = 0; i < steps; ++i) {
    ProfileCommand c;
    if (corpus_.requests.empty() || random.Chance(20)) {
      c.seconds = random.Of(kSeconds);
    } else {
      // Half the time the next request (or the one after) of the same
      // scenario, so that a sequence follows a scenario's flow (an order its
      // client named, created, then updated) with other commands between.
      const size_t next = static_cast<size_t>(last + 1) + random.Below(2);
      if (last >= 0 && next < corpus_.requests.size() &&
          corpus_.requests[next].scenario_id == corpus_.requests[last].scenario_id && random.Chance(50))
        c.corpus = static_cast<int>(next);
      else
        c.corpus = static_cast<int>(random.Below(corpus_.requests.size()));
      last = c.corpus;
      for (size_t k = 0; k < corpus_.requests[c.corpus].captured.size(); ++k)
        c.picks.push_back(random.Chance(10) ? 0 : 1 + random.Below(1u << 20));
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string ProfileExplorer::Describe(const ProfileCommand& c) const {
  if (c.corpus < 0) return "advance the clock " + std::to_string(c.seconds) + " s";
  return corpus_.requests.at(c.corpus).label;
}

namespace {

std::optional<HttpRequest> BuildFor(const RequestSpec& spec, const Variables& vars, const ProfileSide& side) {
  std::string missing;
  HttpRequest out;
  out.method = spec.method;
  auto target = vars.Interpolate(spec.target, &missing);
  if (!target) return std::nullopt;
  const bool absolute = target->rfind("http://", 0) == 0 || target->rfind("https://", 0) == 0;
  out.url = absolute ? *target : side.base_url + *target;
  char separator = out.url.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : spec.query) {
    auto value = vars.Interpolate(v, &missing);
    if (!value) return std::nullopt;
    out.url += separator + PercentEncode(k) + "=" + PercentEncode(*value);
    separator = '&';
  }
  out.headers.emplace_back("Accept", "application/json");
  std::string bearer;
  switch (spec.auth) {
    case AuthMode::kVendor: bearer = side.token; break;
    case AuthMode::kVendorB: bearer = side.token_b; break;
    case AuthMode::kControl: bearer = side.control_token; break;
    case AuthMode::kNone: break;
    case AuthMode::kBearer: {
      auto b = vars.Interpolate(spec.bearer, &missing);
      if (!b) return std::nullopt;
      bearer = *b;
      break;
    }
  }
  if (!bearer.empty()) out.headers.emplace_back("Authorization", "Bearer " + bearer);
  if (spec.body) {
    rapidjson::Document d;
    if (!vars.Render(*spec.body, d, d.GetAllocator(), &missing)) return std::nullopt;
    out.body = ToJsonText(d);
    out.has_body = true;
  } else if (spec.raw_body) {
    auto raw = vars.Interpolate(*spec.raw_body, &missing);
    if (!raw) return std::nullopt;
    out.body = *raw;
    out.has_body = true;
  } else if (spec.sized_body) {
    auto times = vars.Interpolate(spec.sized_body->times, &missing);
    std::string error;
    auto body = times ? SizedBodyText(*spec.sized_body, *times, &error) : std::nullopt;
    if (!body) return std::nullopt;
    out.body = std::move(*body);
    out.has_body = true;
  }
  if (out.has_body) out.headers.emplace_back("Content-Type", "application/json");
  for (const auto& [name, value] : spec.headers) {
    auto v = vars.Interpolate(value, &missing);
    if (!v) return std::nullopt;
    out.headers.erase(std::remove_if(out.headers.begin(), out.headers.end(),
                                     [&](const auto& h) { return EqualsIgnoringCase(h.first, name); }),
                      out.headers.end());
    out.headers.emplace_back(name, *v);
  }
  return out;
}

HttpRequest AdvanceRequest(const ProfileSide& side, int64_t seconds) {
  HttpRequest r;
  r.method = "POST";
  r.url = side.base_url + "/_control/clock/advance";
  r.headers.emplace_back("Accept", "application/json");
  r.headers.emplace_back("Content-Type", "application/json");
  if (!side.control_token.empty()) r.headers.emplace_back("Authorization", "Bearer " + side.control_token);
  r.body = "{\"seconds\": " + std::to_string(seconds) + "}";
  r.has_body = true;
  return r;
}

std::string ResetOne(const ProfileSide& side) {
  HttpRequest r;
  r.method = "POST";
  r.url = side.base_url + "/_control/reset";
  if (!side.control_token.empty()) r.headers.emplace_back("Authorization", "Bearer " + side.control_token);
  const HttpResponse a = side.client->Send(r);
  if (a.error != TransportError::kNone) return "POST /_control/reset: " + a.error_message;
  if (a.status != 200) return "POST /_control/reset answered " + std::to_string(a.status);
  return {};
}

std::string ErrorCode(const rapidjson::Document& d) {
  if (d.HasParseError() || !d.IsObject()) return {};
  auto v = ScalarText(rapidjson::Pointer("/error/code").Get(d));
  return v ? *v : std::string();
}

// Records the pair (t, r) in `pool`; returns the handle, or a mismatch text.
std::optional<int> Map(Pool& pool, const std::string& t, const std::string& r, std::string* why) {
  auto ti = pool.of_target.find(t);
  auto ri = pool.of_reference.find(r);
  if (ti != pool.of_target.end() || ri != pool.of_reference.end()) {
    if (ti != pool.of_target.end() && ri != pool.of_reference.end() && ti->second == ri->second) return ti->second;
    *why = ti != pool.of_target.end() ? "the target repeats an id for one the oracle never gave before"
                                      : "the target gives a new id where the oracle repeats one";
    return std::nullopt;
  }
  const int h = static_cast<int>(pool.target.size());
  pool.target.push_back(t);
  pool.reference.push_back(r);
  pool.of_target[t] = pool.of_reference[r] = h;
  return h;
}

}  // namespace

ProfileRun ProfileExplorer::Run(const std::vector<ProfileCommand>& commands) {
  ProfileRun run;
  for (const ProfileSide* side : {&reference_, &target_}) {
    const std::string why = ResetOne(*side);
    if (!why.empty()) {
      run.reset_error = (side == &target_ ? "target: " : "oracle: ") + why;
      return run;
    }
  }
  LifecycleTracker tracker(lifecycle_);
  std::map<std::string, Pool> pools;
  for (size_t i = 0; i < commands.size(); ++i) {
    const ProfileCommand& c = commands[i];
    ProfileStepRecord rec;
    rec.command = c;
    HttpRequest tr, rr;
    if (c.corpus < 0) {
      tr = AdvanceRequest(target_, c.seconds);
      rr = AdvanceRequest(reference_, c.seconds);
    } else {
      const CorpusRequest& cr = corpus_.requests.at(c.corpus);
      Variables tv = ToVariables(cr.target_vars), rv = ToVariables(cr.reference_vars);
      tv.SetString("run_id", "explore");
      rv.SetString("run_id", "explore");
      for (size_t k = 0; k < cr.captured.size(); ++k) {
        const auto& [name, pool_name] = cr.captured[k];
        const Pool& pool = pools[pool_name];
        const uint64_t pick = k < c.picks.size() ? c.picks[k] : 0;
        int handle = -1;
        if (pick != 0 && !pool.target.empty()) handle = static_cast<int>((pick - 1) % pool.target.size());
        rec.used.emplace_back(pool_name, handle);
        if (handle < 0) {
          tv.SetString(name, "explore-unknown");
          rv.SetString(name, "explore-unknown");
          continue;
        }
        for (auto [vars, json] : {std::pair<Variables*, const std::string*>{&tv, &pool.target[handle]},
                                  {&rv, &pool.reference[handle]}}) {
          rapidjson::Document d;
          d.Parse(json->c_str(), json->size());
          vars->SetJson(name, d);
        }
      }
      auto t = BuildFor(cr.step.request, tv, target_);
      auto r = BuildFor(cr.step.request, rv, reference_);
      if (!t || !r) continue;  // cannot happen: the corpus checked every variable
      tr = std::move(*t);
      rr = std::move(*r);
    }
    rec.target_request = tr;
    rec.reference = reference_.client->Send(rr);
    rec.target = target_.client->Send(tr);
    const std::string label = Describe(c);
    auto fail = [&](std::string aspect, std::string expected, std::string actual, std::string pointer = {}) {
      ProfileMismatch m;
      m.step = i;
      m.aspect = std::move(aspect);
      m.expected = std::move(expected);
      m.actual = std::move(actual);
      m.pointer = std::move(pointer);
      m.label = label;
      // A status or code is what the step's own rules fix; a state reached
      // in another sequence is the lifecycle's, which no one sentence says.
      if (c.corpus >= 0 && (m.aspect == "status" || m.aspect == "error code")) {
        const SourceLocation& where = corpus_.requests.at(c.corpus).step.where;
        m.rules = RuleIdsFor(where.file, where.line);
      }
      run.mismatch = m;
    };
    const HttpResponse& ta = rec.target;
    const HttpResponse& ra = rec.reference;
    if (ta.error != TransportError::kNone || ra.error != TransportError::kNone) {
      if ((ta.error == TransportError::kNone) != (ra.error == TransportError::kNone))
        fail("transport", ra.error == TransportError::kNone ? std::to_string(ra.status) : ra.error_message,
             ta.error == TransportError::kNone ? std::to_string(ta.status) : ta.error_message);
    } else if (ta.status != ra.status) {
      fail("status", std::to_string(ra.status), std::to_string(ta.status));
    }
    if (!run.mismatch && ta.error == TransportError::kNone) {
      rapidjson::Document td, rd;
      td.Parse(ta.body.c_str(), ta.body.size());
      rd.Parse(ra.body.c_str(), ra.body.size());
      const std::string te = ErrorCode(td), re = ErrorCode(rd);
      if (te != re) fail("error code", re.empty() ? "none" : re, te.empty() ? "none" : te, "/error/code");
      // The states and ids at the observe points.
      if (!run.mismatch) {
        const auto to = td.HasParseError() ? std::vector<Observed>{} : ObserveAll(td, lifecycle_);
        const auto ro = rd.HasParseError() ? std::vector<Observed>{} : ObserveAll(rd, lifecycle_);
        std::map<std::string, const Observed*> by_pointer;
        for (const auto& o : to) by_pointer[o.pointer] = &o;
        for (const auto& o : ro) {
          auto it = by_pointer.find(o.pointer);
          const Observed* t = it == by_pointer.end() ? nullptr : it->second;
          const std::string ts = t && t->state ? *t->state : "nothing", rs = o.state ? *o.state : "nothing";
          if (ts != rs) {
            fail("state at " + o.state_pointer, rs, ts, o.state_pointer);
            break;
          }
          const bool tid = t && t->id_json, rid = o.id_json.has_value();
          if (tid != rid) {
            fail("id at " + o.pointer, rid ? "an id" : "none", tid ? "an id" : "none", o.pointer);
            break;
          }
          if (rid) {
            std::string why;
            Pool& pool = pools[o.pool];
            const size_t before = pool.target.size();
            auto h = Map(pool, *t->id_json, *o.id_json, &why);
            if (!h) {
              fail("id at " + o.pointer, "a one-to-one id", why + " (" + *t->id_json + ")", o.pointer);
              break;
            }
            if (pool.target.size() > before) rec.handed_out.emplace_back(o.pool, o.pointer, *h);
          }
        }
        if (!run.mismatch)
          for (const auto& o : to)
            if (std::none_of(ro.begin(), ro.end(), [&](const Observed& r) { return r.pointer == o.pointer; })) {
              fail("state at " + o.state_pointer, "nothing", o.state ? *o.state : "an id", o.state_pointer);
              break;
            }
      }
      // Captured values of other pools (tab ids...).
      if (!run.mismatch && c.corpus >= 0) {
        for (const Capture& cap : corpus_.requests[c.corpus].step.captures) {
          if (PoolOf(cap, lifecycle_).rfind("order:", 0) == 0) continue;
          auto value = [&](const HttpResponse& a, const rapidjson::Document& d) -> std::optional<std::string> {
            std::optional<std::string> text;
            if (cap.source == Capture::Source::kHeader) {
              const std::string h = HeaderOf(a, cap.key);
              if (!h.empty()) text = h;
            } else if (!d.HasParseError()) {
              if (auto j = JsonAt(d, cap.key)) {
                if (cap.regex) text = ScalarText(rapidjson::Pointer(cap.key.c_str()).Get(d));
                else return j;
              }
            }
            if (!text) return std::nullopt;
            if (cap.regex) {
              std::smatch m;
              if (!std::regex_search(*text, m, std::regex(*cap.regex))) return std::nullopt;
              text = m.size() > 1 ? m[1].str() : m[0].str();
            }
            rapidjson::Value x(text->c_str(), static_cast<rapidjson::SizeType>(text->size()));
            return ToJsonText(x);
          };
          auto tvv = value(ta, td), rvv = value(ra, rd);
          if (tvv.has_value() != rvv.has_value()) {
            fail("captured " + cap.variable, rvv ? "a value" : "none", tvv ? "a value" : "none", cap.key);
            break;
          }
          if (!tvv) continue;
          Pool& pool = pools["var:" + cap.variable];
          const size_t before = pool.target.size();
          std::string why;
          auto h = Map(pool, *tvv, *rvv, &why);
          if (!h) {
            fail("captured " + cap.variable, "a one-to-one value", why, cap.key);
            break;
          }
          if (pool.target.size() > before)
            rec.handed_out.emplace_back("var:" + cap.variable,
                                        (cap.source == Capture::Source::kHeader ? "header:" : "") + cap.key, *h);
        }
      }
      // A reset forgets every order, as the runner's tracker does after one.
      if (!run.mismatch && c.corpus >= 0 && corpus_.requests.at(c.corpus).step.resets_target && ta.status == 200)
        tracker.Forget();
      // The lifecycle, as the runner judges it.
      else if (!run.mismatch && !td.HasParseError()) {
        const bool created = tr.method == "POST" && ta.status == 201;
        const auto failures = tracker.ObserveBody(td, created, "command " + std::to_string(i + 1), tr.url);
        if (!failures.empty()) fail("lifecycle", "a move spec/<api>/lifecycle.yaml allows", failures.front());
      }
    }
    run.steps.push_back(std::move(rec));
    if (run.mismatch) break;
  }
  return run;
}

ProfileExploreResult ProfileExplorer::Explore(const ProfileExploreOptions& options, std::ostream& progress) {
  ProfileExploreResult result;
  const auto start = std::chrono::steady_clock::now();
  const int sequences = options.sequences == 0 && !(options.budget_seconds > 0) ? 40 : options.sequences;
  for (int s = 0; sequences == 0 || s < sequences; ++s) {
    if (options.budget_seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= options.budget_seconds)
      break;
    const uint64_t seed = options.SeedOf(s);
    std::vector<ProfileCommand> commands = Generate(seed, options.steps);
    ProfileRun run = Run(commands);
    ++result.sequences;
    result.commands += static_cast<long>(run.steps.size());
    if (!run.reset_error.empty()) {
      progress << "explore: cannot reset: " << run.reset_error << "\n";
      ProfileFinding f;
      f.sequence_seed = seed;
      f.mismatch.aspect = "reset";
      f.mismatch.actual = run.reset_error;
      result.finding = f;
      return result;
    }
    if (!run.mismatch) continue;
    ProfileFinding f;
    f.sequence_seed = seed;
    f.generated_length = commands.size();
    f.sequences_before = s;
    f.seconds_to_find = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    f.mismatch = *run.mismatch;
    const std::string cause = run.mismatch->Cause();
    commands.resize(run.mismatch->step + 1);
    // Delete chunks, halves down to single commands, while it fails the same way.
    for (size_t chunk = std::max<size_t>(1, commands.size() / 2); chunk >= 1; chunk /= 2) {
      for (size_t at = 0; at < commands.size() && f.shrink_runs < options.max_shrink_runs;) {
        if (commands.size() <= 1) break;
        std::vector<ProfileCommand> candidate = commands;
        candidate.erase(candidate.begin() + static_cast<long>(at),
                        candidate.begin() + static_cast<long>(std::min(commands.size(), at + chunk)));
        if (candidate.empty()) {
          at += chunk;
          continue;
        }
        ++f.shrink_runs;
        ProfileRun r = Run(candidate);
        if (r.mismatch && r.mismatch->Cause() == cause) {
          candidate.resize(r.mismatch->step + 1);
          commands = std::move(candidate);
        } else {
          at += chunk;
        }
      }
      if (chunk == 1) break;
    }
    f.shrunk = commands;
    f.run = Run(commands);
    ++f.shrink_runs;
    if (f.run.mismatch) f.mismatch = *f.run.mismatch;
    result.finding = f;
    return result;
  }
  return result;
}

std::string ProfileExplorer::EmitScenario(const ProfileFinding& f, const std::string& api) const {
  std::ostringstream y;
  y << "description: " << Quote("Found by conformance explore --api " + api + " (sequence seed " +
                                std::to_string(f.sequence_seed) + "): " + f.mismatch.label + ": " +
                                f.mismatch.Message())
    << "\ntags: [explore]\nrequires: [clock]\n\nsteps:\n  - control: reset\n";
  // Where each handle was handed out, as a variable: h<pool index>_<k>.
  std::map<std::pair<std::string, int>, std::string> names;
  int next = 0;
  for (size_t i = 0; i < f.run.steps.size(); ++i) {
    const ProfileStepRecord& s = f.run.steps[i];
    const ProfileCommand& c = s.command;
    const bool failing = f.run.mismatch && i == f.run.mismatch->step;
    y << "  - name: " << Quote("command " + std::to_string(i + 1) + ": " + Describe(c)) << "\n";
    if (c.corpus < 0) {
      y << "    control: {advance: " << c.seconds << "}\n";
    } else {
      const CorpusRequest& cr = corpus_.requests[c.corpus];
      Variables tv = ToVariables(cr.target_vars);
      tv.SetString("run_id", "explore");
      for (size_t k = 0; k < cr.captured.size(); ++k) {
        const auto& [pool, handle] = s.used[k];
        auto it = names.find({pool, handle});
        if (handle < 0 || it == names.end()) {
          tv.SetString(cr.captured[k].first, "explore-unknown");
        } else {
          tv.SetString(cr.captured[k].first, "\x01" + it->second + "\x02");
        }
      }
      ProfileSide bare = target_;
      bare.base_url = "";
      bare.token = bare.token_b = bare.control_token = "";
      RequestSpec spec = cr.step.request;
      const AuthMode auth = spec.auth;
      spec.auth = AuthMode::kNone;
      spec.query.clear();  // written as `query:`, which the runner encodes
      auto built = BuildFor(spec, tv, bare);
      auto fix = [](std::string text) {
        std::string out;
        for (size_t p = 0; p < text.size(); ++p) {
          if (text[p] == '$' && p + 1 < text.size() && text[p + 1] == '{') out += "$$";
          else if (text[p] == '\x01') out += "${";
          else if (text[p] == '\x02') out += "}";
          else out += text[p];
        }
        return out;
      };
      y << "    request: " << Quote(built->method + " " + fix(built->url)) << "\n";
      if (!cr.step.request.query.empty()) {
        y << "    query:\n";
        for (const auto& [k, v] : cr.step.request.query) {
          std::string missing;
          y << "      " << Quote(k) << ": " << Quote(fix(tv.Interpolate(v, &missing).value_or(""))) << "\n";
        }
      }
      switch (auth) {
        case AuthMode::kVendor: break;
        case AuthMode::kVendorB: y << "    auth: vendor_b\n"; break;
        case AuthMode::kControl: y << "    auth: control\n"; break;
        case AuthMode::kNone: y << "    auth: none\n"; break;
        case AuthMode::kBearer: {
          std::string missing;
          y << "    auth: {bearer: " << Quote(fix(tv.Interpolate(spec.bearer, &missing).value_or(""))) << "}\n";
          break;
        }
      }
      std::vector<std::pair<std::string, std::string>> headers;
      for (const auto& [k, v] : built->headers)
        if (!EqualsIgnoringCase(k, "Accept") && !EqualsIgnoringCase(k, "Content-Type")) headers.emplace_back(k, v);
      for (const auto& [k, v] : cr.step.request.headers)
        if (EqualsIgnoringCase(k, "Content-Type") || EqualsIgnoringCase(k, "Accept"))
          for (const auto& [bk, bv] : built->headers)
            if (EqualsIgnoringCase(bk, k)) headers.emplace_back(bk, bv);
      if (!headers.empty()) {
        y << "    headers:\n";
        for (const auto& [k, v] : headers) y << "      " << Quote(k) << ": " << Quote(fix(v)) << "\n";
      }
      if (built->has_body) {
        if (spec.body) y << "    body: " << fix(built->body) << "\n";
        else y << "    raw_body: " << Quote(fix(built->body)) << "\n";
      }
    }
    // Expect the oracle's answer.
    const HttpResponse& ra = s.reference;
    y << "    expect:\n      status: " << ra.status << "\n";
    rapidjson::Document rd;
    rd.Parse(ra.body.c_str(), ra.body.size());
    const std::string code = ErrorCode(rd);
    if (!code.empty()) y << "      error: " << Quote(code) << "\n";
    if (failing && f.run.mismatch->aspect.rfind("state at ", 0) == 0 && !rd.HasParseError()) {
      const rapidjson::Value* v = rapidjson::Pointer(f.run.mismatch->pointer.c_str()).Get(rd);
      if (v) y << "      body: {" << Quote(f.run.mismatch->pointer) << ": " << ToJsonText(*v) << "}\n";
      else y << "      body: {" << Quote(f.run.mismatch->pointer) << ": {absent: true}}\n";
    }
    // Capture what this answer handed out that later commands use.
    std::vector<std::string> captures;
    for (const auto& [pool, where, handle] : s.handed_out) {
      const std::string name = "h" + std::to_string(next++);
      names[{pool, handle}] = name;
      if (where.rfind("header:", 0) == 0) captures.push_back(name + ": {header: " + Quote(where.substr(7)) + "}");
      else captures.push_back(name + ": " + Quote(where));
    }
    if (!captures.empty()) {
      y << "    capture:\n";
      for (const auto& c2 : captures) y << "      " << c2 << "\n";
    }
  }
  return y.str();
}

namespace {

// Runs sequences on a.jobs sandboxes of the target at once, seeds taken in
// increasing order, until one fails (every lower seed has then run, so the
// lowest failing seed is the one a single explorer would find first), the
// count or the budget runs out; then shrinks that seed in the first sandbox
// (never on the target's default sandbox, which others may be using). Null
// after printing why a sandbox could not be made.
std::optional<ProfileExploreResult> ExploreInSandboxes(const ProfileExploreArgs& a, const ProfileCorpus& corpus,
                                                       const purchase::Lifecycle& lifecycle,
                                                       const ProfileSide& target, const ProfileSide& reference,
                                                       std::ostream& out, std::ostream& err) {
  HttpClientOptions http;
  http.timeout_ms = a.timeout_ms;
  http.connect_timeout_ms = std::min<long>(a.timeout_ms, 5000);
  std::unique_ptr<HttpClient> control = NewCurlHttpClient(http);
  struct Worker {
    std::unique_ptr<ScopedSandbox> sandbox;
    std::unique_ptr<HttpClient> client;
    std::unique_ptr<ProfileHostClient> oracle;
    std::unique_ptr<ProfileExplorer> explorer;
  };
  // Declared after `control`, which deletes the sandboxes when they go.
  std::vector<Worker> workers;
  const std::string run_id = NewRunId();
  for (int w = 0; w < a.jobs; ++w) {
    Worker worker;
    worker.sandbox = std::make_unique<ScopedSandbox>(*control, a.base_url, a.control_token,
                                                     "explore-" + run_id + "-" + std::to_string(w + 1));
    if (!worker.sandbox->error().empty()) {
      err << "conformance: error: cannot create a sandbox on " << a.base_url << ": " << worker.sandbox->error()
          << " (the target must offer the capability 'sandboxes'; run with --jobs 1 and no --sandbox)\n";
      return std::nullopt;
    }
    workers.push_back(std::move(worker));
    Worker& added = workers.back();
    added.client = NewCurlHttpClient(http);
    ProfileSide in_sandbox = target;
    in_sandbox.client = added.client.get();
    in_sandbox.base_url = added.sandbox->url();
    added.oracle = std::make_unique<ProfileHostClient>(a.api, a.fixtures_dir, a.options.seed);
    ProfileSide oracle = reference;
    oracle.client = added.oracle.get();
    added.explorer = std::make_unique<ProfileExplorer>(corpus, lifecycle, in_sandbox, oracle);
  }
  const int sequences = a.options.sequences == 0 && !(a.options.budget_seconds > 0) ? 40 : a.options.sequences;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::mutex mu;
  ProfileExploreResult result;
  std::optional<uint64_t> first_failing_seed;  // a reset failure counts as one
  std::atomic<int> next{0};
  std::atomic<bool> found{false};
  std::vector<std::thread> threads;
  for (auto& w : workers)
    threads.emplace_back([&, explorer = w.explorer.get()] {
      for (;;) {
        if (found.load() || (a.options.budget_seconds > 0 && elapsed() >= a.options.budget_seconds)) return;
        const int s = next++;
        if (sequences != 0 && s >= sequences) return;
        const uint64_t seed = a.options.SeedOf(s);
        const ProfileRun run = explorer->Run(explorer->Generate(seed, a.options.steps));
        std::lock_guard<std::mutex> lock(mu);
        ++result.sequences;
        result.commands += static_cast<long>(run.steps.size());
        if (run.mismatch || !run.reset_error.empty()) {
          found = true;
          if (!first_failing_seed || seed < *first_failing_seed) first_failing_seed = seed;
        }
      }
    });
  for (auto& t : threads) t.join();
  if (first_failing_seed) {
    const double found_after = elapsed();
    ProfileExploreOptions one = a.options;
    one.seed = *first_failing_seed;
    one.sequences = 1;
    one.budget_seconds = 0;
    result.finding = workers.front().explorer->Explore(one, out).finding;
    if (result.finding) {
      result.finding->sequences_before = static_cast<int>((*first_failing_seed - a.options.seed) / a.options.seed_stride);
      result.finding->seconds_to_find = found_after;
    }
  }
  return result;
}

}  // namespace

int RunProfileExplore(const ProfileExploreArgs& a, std::ostream& out, std::ostream& err) {
  const pp::ProfileEntry* entry = pp::FindProfile(a.api);
  if (!entry) {
    err << "conformance: error: --api " << a.api << " is no profile\n";
    return 2;
  }
  const purchase::Lifecycle lifecycle =
      purchase::Lifecycle::Parse(entry->lifecycle, entry->spec_dir + "/lifecycle.yaml");
  LoadResult loaded = LoadScenarios({a.scenarios_dir});
  for (const auto& d : loaded.errors) err << d.ToString() << "\n";
  if (!loaded.errors.empty()) return 2;
  {
    // What only our server promises is no command for another target; and
    // the oracle is one sandbox, so requests that manage or name sandboxes
    // are no commands either (each explore sequence runs in one).
    auto& all = loaded.scenarios;
    auto needs = [](const Scenario& s, const char* capability) {
      return std::find(s.requires_caps.begin(), s.requires_caps.end(), capability) != s.requires_caps.end();
    };
    all.erase(std::remove_if(all.begin(), all.end(),
                             [&](const Scenario& s) {
                               return needs(s, kSandboxesCapability) ||
                                      (!a.strict_reference && needs(s, kReferenceCapability));
                             }),
              all.end());
  }
  std::unique_ptr<ProfileHostClient> oracle;
  try {
    oracle = std::make_unique<ProfileHostClient>(a.api, a.fixtures_dir, a.options.seed);
  } catch (const std::exception& e) {
    err << e.what() << "\n";
    return 2;
  }
  HttpClientOptions http;
  http.timeout_ms = a.timeout_ms;
  http.connect_timeout_ms = std::min<long>(a.timeout_ms, 5000);
  std::unique_ptr<HttpClient> client = NewCurlHttpClient(http);
  ProfileSide target{client.get(), a.base_url, a.token, a.token_b, a.control_token, {}};
  for (const auto& [k, v] : a.roles)
    if (v) target.roles[k] = *v;
  // The oracle runs on our fixtures, so it is sent our fixtures' tokens (their
  // target file's), as it is sent our values of every fixture role: the
  // target's own tokens would be unknown to it.
  ProfileSide reference{oracle.get(), "http://oracle.invalid", a.token, a.token_b, "", {}};
  if (const std::string file = a.fixtures_dir + "/target.yaml"; std::filesystem::exists(file)) {
    try {
      const YAML::Node ours = YAML::LoadFile(file);
      if (ours["token"] && ours["token"].IsScalar()) reference.token = ours["token"].Scalar();
      if (ours["token_b"] && ours["token_b"].IsScalar()) reference.token_b = ours["token_b"].Scalar();
    } catch (const YAML::Exception& e) {
      err << file << ": error: " << e.what() << "\n";
      return 2;
    }
  }
  if (a.token_b.empty()) reference.token_b.clear();
  for (const auto& [k, role] : loaded.fixture_roles) reference.roles[k] = role.default_value;
  const ProfileCorpus corpus = BuildProfileCorpus(loaded.scenarios, lifecycle, target, reference);
  ProfileExplorer explorer(corpus, lifecycle, target, reference);
  out << "conformance explore --api " << a.api << ": " << a.base_url << ", seed " << a.options.seed << ", "
      << (a.options.sequences > 0 ? std::to_string(a.options.sequences) : std::string("as many")) << " sequences of "
      << a.options.steps << " commands"
      << (a.options.budget_seconds > 0 ? " within " + std::to_string(static_cast<int>(a.options.budget_seconds)) + " s"
                                       : std::string())
      << " from " << corpus.requests.size() << " corpus requests (" << a.scenarios_dir << ")\n";
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> rule_notes;
  std::string emitted;
  ProfileExploreResult result;
  if (!a.in_sandboxes) {
    result = explorer.Explore(a.options, out);
  } else {
    std::optional<ProfileExploreResult> in_sandboxes =
        ExploreInSandboxes(a, corpus, lifecycle, target, reference, out, err);
    if (!in_sandboxes) return 2;
    result = std::move(*in_sandboxes);
  }
  if (result.finding && result.finding->mismatch.aspect == "reset") return 3;
  if (const auto& f = result.finding) {
    out << "FAIL " << f->mismatch.label << ": " << f->mismatch.Message() << "\n  sequence seed "
        << f->sequence_seed << " (replay: --seed " << f->sequence_seed << " --sequences 1 --steps " << a.options.steps
        << "), found after " << f->sequences_before + 1 << " sequences, " << static_cast<long>(f->seconds_to_find * 1000)
        << " ms; " << f->generated_length << " commands shrunk to " << f->shrunk.size() << " in " << f->shrink_runs
        << " runs" << (f->run.mismatch ? "" : " (FLAKY: the shrunk sequence passed its last run)") << "\n";
    rule_notes = RuleNotes(LedgerForApi(a.api), f->mismatch.rules);
    for (const std::string& note : rule_notes) out << "  " << note << "\n";
    for (size_t i = 0; i < f->shrunk.size(); ++i)
      out << "    " << i + 1 << ". " << explorer.Describe(f->shrunk[i]) << "\n";
    if (!a.emit_dir.empty()) {
      namespace fs = std::filesystem;
      std::error_code ec;
      fs::create_directories(a.emit_dir, ec);
      for (const char* name : {"_fixtures.yaml", "_api.yaml"}) {
        const fs::path from = fs::path(a.scenarios_dir) / name;
        if (fs::exists(from)) fs::copy_file(from, fs::path(a.emit_dir) / name, fs::copy_options::overwrite_existing, ec);
      }
      if (!fs::exists(fs::path(a.emit_dir) / "_api.yaml")) std::ofstream(fs::path(a.emit_dir) / "_api.yaml") << "api: " << a.api << "\n";
      std::string aspect = f->mismatch.aspect;
      for (char& ch : aspect)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '-';
      const fs::path file = fs::path(a.emit_dir) / ("explore-" + aspect + "-" + std::to_string(f->sequence_seed) + ".yaml");
      std::ofstream(file, std::ios::binary) << explorer.EmitScenario(*f, a.api);
      out << "  scenario: " << file.string() << "\n";
      emitted = file.string();
    }
  }
  out << "explore: " << result.sequences << " sequences, " << result.commands << " commands, "
      << (result.finding ? "1 failure" : "no failure") << "\n";
  ExploreReport report;
  report.api = a.api;
  report.target = a.base_url;
  report.seed = a.options.seed;
  report.sequences = result.sequences;
  report.commands = result.commands;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (const auto& f = result.finding) {
    ExploreReportFinding e;
    e.cause = f->mismatch.Cause();
    e.message = f->mismatch.label + ": " + f->mismatch.Message();
    e.command = f->mismatch.label;
    e.aspect = f->mismatch.aspect;
    e.expected = f->mismatch.expected;
    e.actual = f->mismatch.actual;
    e.rules = f->mismatch.rules;
    e.rule_notes = rule_notes;
    e.sequence_seed = f->sequence_seed;
    e.generated_length = f->generated_length;
    e.shrunk_length = f->shrunk.size();
    e.seconds_to_find = f->seconds_to_find;
    e.shrink_runs = f->shrink_runs;
    e.flaky = !f->run.mismatch;
    e.scenario = emitted;
    for (const auto& c : f->shrunk) e.commands.push_back(explorer.Describe(c));
    report.findings.push_back(std::move(e));
  }
  for (const auto& [kind, stream] : a.reports) {
    if (kind == "json")
      WriteExploreJson(report, *stream);
    else
      WriteExploreJunit(report, *stream);
  }
  return result.finding ? 1 : 0;
}

}  // namespace conformance::explore
