#include "exec/runner.h"

#include "http/valid_text.h"  // SplitRawQuery
#include "scenario/source_comment.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <set>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <regex>
#include <string_view>
#include <thread>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include "check/expectation.h"
#include "check/lifecycle_tracker.h"
#include "scenario/template.h"

namespace conformance {
std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> RawQueryOf(std::string_view url) {
  url = url.substr(0, url.find('#'));
  const size_t question = url.find('?');
  if (question == std::string_view::npos) return {};
  return purchase::http::SplitRawQuery(url.substr(question + 1));
}

namespace {

constexpr size_t kKeptBodyBytes = 64 * 1024;  // per exchange, for reports

// Returns the path of `url` (a view of it), without the query; "/" if it has none.
std::string_view PathOf(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : url.find('/', scheme + 3);
  if (start == std::string_view::npos) return "/";
  const std::string_view path = url.substr(start, url.find_first_of("?#", start) - start);
  return path.empty() ? "/" : path;
}

// Returns the path of `url` below `base_path` (PathOf the base URL, "" for
// "/"), without the query. Views, not copies: it runs for every response.
std::string_view PathBelowBase(std::string_view url, std::string_view base_path) {
  std::string_view path = PathOf(url);
  if (!base_path.empty() && path.substr(0, base_path.size()) == base_path) path.remove_prefix(base_path.size());
  return path.empty() ? "/" : path;
}

// The sandbox a request names (spec/control.yaml): the path prefix
// /_sandbox/NAME, which wins, else the X-Sandbox header, else "default".
std::string SandboxNamed(std::string_view url, const HeaderList& headers) {
  if (const auto prefixed = SplitSandboxPath(PathOf(url))) return std::string(prefixed->name);
  if (const std::string* named = FindHeader(headers, "X-Sandbox")) return *named;
  return "default";
}

// True if `value` is "Bearer <secret>"; compares in place, since every
// header of every request is checked against each credential.
bool IsBearer(std::string_view value, std::string_view secret) {
  constexpr std::string_view kBearer = "Bearer ";
  return value.size() == kBearer.size() + secret.size() && value.substr(0, kBearer.size()) == kBearer &&
         value.substr(kBearer.size()) == secret;
}

// Returns the note Keep() writes after a body it cuts.
std::string CutNote(size_t size) { return "\n[... " + std::to_string(size - kKeptBodyBytes) + " more bytes]"; }

// Returns a copy of `body` for a report, cut at kKeptBodyBytes; copies the
// kept part once (a request body can be large).
std::string Keep(const std::string& body) {
  if (body.size() <= kKeptBodyBytes) return body;
  const std::string note = CutNote(body.size());
  std::string kept;
  kept.reserve(kKeptBodyBytes + note.size());
  kept.append(body, 0, kKeptBodyBytes).append(note);
  return kept;
}

// Keep() for a body no longer needed: cut in place instead of copied.
std::string Keep(std::string&& body) {
  if (body.size() <= kKeptBodyBytes) return std::move(body);
  const std::string note = CutNote(body.size());
  body.resize(kKeptBodyBytes);
  body += note;
  return std::move(body);
}

// A result naming the scenario, before anything is run: every outcome
// (passed, failed, skipped, an internal error) reports the same header.
ScenarioResult ResultFor(const Scenario& scenario) {
  ScenarioResult r;
  r.id = scenario.id;
  r.file = scenario.file;
  r.description = scenario.description;
  r.tags = scenario.tags;
  for (const auto& s : scenario.steps) r.step_count += s.kind == Step::Kind::kRequest;
  return r;
}

class ScenarioExecution {
 public:
  ScenarioExecution(const Scenario& scenario, HttpClient& client, const RunContext& ctx, size_t index)
      : scenario_(scenario), client_(client), ctx_(ctx), tracker_(*ctx.lifecycle) {
    const Target& t = *ctx.target;
    // The history's cause names are the reference server's (no source names them).
    tracker_.set_check_causes(t.capabilities.count(kReferenceCapability) > 0);
    base_path_ = PathOf(t.base_url);
    if (base_path_ == "/") base_path_ = {};
    home_sandbox_ = SandboxNamed(t.base_url, {});
    vars_.SetString("run_id", ctx.run_id + "-" + std::to_string(index));
    vars_.SetString("base_url", t.base_url);
    vars_.SetString("token", t.token);
    if (!t.token_b.empty()) vars_.SetString("token_b", t.token_b);
    vars_.SetString("scenario", scenario.id);
    for (const auto& role : scenario.fixture_roles)
      if (auto it = t.fixtures.find(role); it != t.fixtures.end() && it->second) vars_.SetString(role, *it->second);
  }

  ScenarioResult Run() {
    ScenarioResult result = Begin();
    const auto start = ctx_.clock->Now();
    for (const auto& [name, value] : scenario_.vars) {
      if (!Assign(name, value, &result)) break;
    }
    if (result.outcome != Outcome::kFailed) {
      int number = 0;
      for (const Step& step : scenario_.steps) {
        if (step.kind == Step::Kind::kSet) {
          bool ok = true;
          for (const auto& [name, value] : step.assignments) ok = ok && Assign(name, value, &result);
          if (!ok) break;
          continue;
        }
        result.steps.push_back(RunStep(step, ++number));  // numbered like "step N of M"
        if (result.steps.back().outcome == Outcome::kFailed) {
          result.outcome = Outcome::kFailed;
          break;
        }
      }
    }
    result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.clock->Now() - start).count();
    result.orders = tracker_.Traces();
    return result;
  }

 private:
  ScenarioResult Begin() const { return ResultFor(scenario_); }

  bool Assign(const std::string& name, const TemplateValue& value, ScenarioResult* result) {
    rapidjson::Document d;
    std::string missing;
    if (!vars_.Render(value, d, d.GetAllocator(), &missing)) {
      StepResult failed;
      failed.name = "set " + name;
      failed.where = value.where;
      failed.outcome = Outcome::kFailed;
      failed.failures.push_back(Failure{value.where, {}, "variable '" + missing + "' is not set", "", {}});
      result->steps.push_back(std::move(failed));
      result->outcome = Outcome::kFailed;
      return false;
    }
    vars_.SetJson(name, d);
    return true;
  }

  // Builds the HTTP request of a step; returns false naming a missing variable.
  bool Build(const RequestSpec& spec, HttpRequest* out, std::string* error) const {
    std::string missing;
    auto fail = [&] {
      *error = "variable '" + missing + "' is not set";
      return false;
    };
    const Target& t = *ctx_.target;
    out->method = spec.method;
    auto target = vars_.Interpolate(spec.target, &missing);
    if (!target) return fail();
    const bool absolute = target->rfind("http://", 0) == 0 || target->rfind("https://", 0) == 0;
    // A path already below the base URL's own path (a Location the target
    // handed out, like /_sandbox/NAME/purchase/info?...) is resolved against
    // the origin, as RFC 3986 resolves an absolute path; any other is an API
    // path below the base URL.
    const bool below_base = !base_path_.empty() && target->size() > base_path_.size() &&
                            target->compare(0, base_path_.size(), base_path_) == 0 &&
                            ((*target)[base_path_.size()] == '/' || (*target)[base_path_.size()] == '?');
    if (absolute)
      out->url = std::move(*target);
    else if (below_base)
      out->url = t.base_url.substr(0, t.base_url.size() - base_path_.size()) + *target;
    else
      out->url = t.base_url + *target;
    char separator = out->url.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [k, v] : spec.query) {
      auto value = vars_.Interpolate(v, &missing);
      if (!value) return fail();
      out->url += separator + PercentEncode(k) + "=" + PercentEncode(*value);
      separator = '&';
    }
    out->headers.emplace_back("Accept", "application/json");
    std::string bearer;
    switch (spec.auth) {
      case AuthMode::kVendor: bearer = t.token; break;
      case AuthMode::kVendorB: bearer = t.token_b; break;
      case AuthMode::kControl: bearer = t.control_token; break;
      case AuthMode::kNone: break;
      case AuthMode::kBearer: {
        auto b = vars_.Interpolate(spec.bearer, &missing);
        if (!b) return fail();
        bearer = *b;
        break;
      }
    }
    if (!bearer.empty()) out->headers.emplace_back("Authorization", "Bearer " + bearer);
    if (spec.body) {
      rapidjson::Document d;
      if (!vars_.Render(*spec.body, d, d.GetAllocator(), &missing)) return fail();
      out->body = ToJsonText(d);
      out->has_body = true;
    } else if (spec.raw_body) {
      auto raw = vars_.Interpolate(*spec.raw_body, &missing);
      if (!raw) return fail();
      out->body = std::move(*raw);
      out->has_body = true;
    } else if (spec.sized_body) {
      auto times = vars_.Interpolate(spec.sized_body->times, &missing);
      if (!times) return fail();
      auto body = SizedBodyText(*spec.sized_body, *times, error);
      if (!body) return false;
      out->body = std::move(*body);
      out->has_body = true;
    }
    if (out->has_body) out->headers.emplace_back("Content-Type", "application/json");
    for (const auto& [name, value] : spec.headers) {
      auto v = vars_.Interpolate(value, &missing);
      if (!v) return fail();
      // A header written in the step replaces the runner's default.
      out->headers.erase(std::remove_if(out->headers.begin(), out->headers.end(),
                                        [&](const auto& h) { return EqualsIgnoringCase(h.first, name); }),
                         out->headers.end());
      out->headers.emplace_back(name, *v);
    }
    return true;
  }

  // Sends the request and records the exchange in `step`, without the
  // response's headers and body: the checks still read them, and Record()
  // moves them into the record once they are done, instead of a copy of
  // every response.
  HttpResponse Exchange_(const HttpRequest& request, StepResult* step) {
    HttpResponse response = client_.Send(request);
    Exchange e;
    e.method = request.method;
    e.url = request.url;
    // Reports go to CI artifacts: name the credentials instead of copying them.
    const Target& t = *ctx_.target;
    e.request_headers.reserve(request.headers.size());
    for (const auto& [name, value] : request.headers) {
      std::string_view shown = value;
      std::string named;
      for (const auto& [secret, label] : {std::pair<const std::string&, const char*>{t.token, "${token}"},
                                          {t.token_b, "${token_b}"},
                                          {t.control_token, "<control token>"}})
        if (!secret.empty() && IsBearer(shown, secret)) shown = named = std::string("Bearer ") + label;
      e.request_headers.emplace_back(name, shown);
    }
    e.request_body = Keep(request.body);
    e.status = response.status;
    e.transport_error = response.error_message;
    e.elapsed_ms = response.elapsed_ms;
    step->exchanges.push_back(std::move(e));
    return response;
  }

  // Completes the record `index` of `step` with the response it was made for.
  static void Record(StepResult* step, size_t index, HttpResponse&& response) {
    Exchange& e = step->exchanges.at(index);
    e.response_headers = std::move(response.headers);
    e.response_body = Keep(std::move(response.body));
  }

  // Records a failed check, with the rules it names: a breach of SHOULD
  // rules only is a warning, and at the seed layer a check with no seed rule
  // is not judged.
  // `also` are rules the check itself names beyond the step's (a schema
  // component's, for a failure of the spec's judgement).
  void Fail(StepResult* step, const SourceLocation& where, const std::string& label, const std::string& message,
            const std::vector<std::string>& also = {}) const {
    Failure failure{where, current_included_from_, label + ": " + message, SourceCommentFor(where.file, where.line), {}};
    bool all_should = true, any_seed = false;
    std::vector<std::string> ids = RuleIdsFor(where.file, where.line);
    for (const std::string& id : also)
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    failure.rules = RuleRefs(ctx_.rules, ids);
    for (const RuleRef& rule : failure.rules) {
      all_should = all_should && rule.level == "SHOULD";
      any_seed = any_seed || rule.source.rfind("seed ", 0) == 0;
    }
    if (ctx_.seed_layer_only && !any_seed) return;
    if (all_should && !failure.rules.empty()) {
      step->warnings.push_back(std::move(failure));
      return;
    }
    step->outcome = Outcome::kFailed;
    step->failures.push_back(std::move(failure));
  }

  // Judges a response (`body` is its body parsed) against the spec and the
  // lifecycle; records failures.
  void JudgeResponse(const Step& step, const HttpRequest& request, const HttpResponse& response,
                     const rapidjson::Document& body, const std::string& label, const std::string& observed_at,
                     StepResult* result) {
    if (step.check_openapi) {
      ResponseToJudge r;
      r.method = request.method;
      r.path = PathBelowBase(request.url, base_path_);
      r.base_path = base_path_;
      r.status = response.status;
      r.headers = &response.headers;
      r.body = response.body;
      r.parsed_body = &body;
      for (const auto& why : ctx_.spec->Judge(r))
        Fail(result, step.where, label, why, ctx_.spec->RulesOf(r.method, r.path, r.status, why));
    }
    if (!body.HasParseError()) {
      const bool created = request.method == "POST" && response.status == 201;
      for (const auto& why : tracker_.ObserveBody(body, created, observed_at, request.url, OtherSandbox(request)))
        Fail(result, step.where, label, why);
    }
  }

  // Moves the target's manual clock by `seconds` (a poll's wait).
  bool AdvanceClock(double seconds, const Step& step, const std::string& label, StepResult* result) {
    HttpRequest request;
    request.method = "POST";
    request.url = ctx_.target->base_url + "/_control/clock/advance";
    request.headers.emplace_back("Accept", "application/json");
    request.headers.emplace_back("Content-Type", "application/json");
    if (!ctx_.target->control_token.empty())
      request.headers.emplace_back("Authorization", "Bearer " + ctx_.target->control_token);
    char body[64];
    std::snprintf(body, sizeof body, "{\"seconds\":%g}", seconds);
    request.body = body;
    request.has_body = true;
    HttpResponse response = Exchange_(request, result);
    const size_t recorded = result->exchanges.size() - 1;
    bool ok = true;
    if (response.error != TransportError::kNone) {
      Fail(result, step.poll->where, label, "advancing the clock got no response: " + response.error_message);
      ok = false;
    } else if (response.status != 200) {
      Fail(result, step.poll->where, label,
           "advancing the clock by " + request.body + " answered " + std::to_string(response.status) + ": " +
               Abbreviate(response.body));
      ok = false;
    }
    Record(result, recorded, std::move(response));
    return ok;
  }

  StepResult RunStep(const Step& step, int number) {
    StepResult result;
    result.name = step.name;
    result.where = step.where;
    current_included_from_ = step.included_from;
    HttpResponse response;
    std::optional<size_t> recorded;  // the record of `response`
    RunRequest(step, number, &result, &response, &recorded);
    if (recorded) Record(&result, *recorded, std::move(response));
    return result;
  }

  // Runs the step's request, polls and checks; `response` is the last answer
  // and `recorded` the index of its exchange record.
  void RunRequest(const Step& step, int number, StepResult* result_out, HttpResponse* response_out,
                  std::optional<size_t>* recorded) {
    StepResult& result = *result_out;
    HttpResponse& response = *response_out;
    const std::string label = "step " + std::to_string(number) + " \"" + step.name + "\"";
    const std::string observed_at = "step " + std::to_string(number) + ", " + step.where.ToString();

    HttpRequest request;
    std::string error;
    if (!Build(step.request, &request, &error)) {
      Fail(&result, step.where, label, error);
      return;
    }
    request.fresh_connection = step.expect.no_reply;
    const int attempts = step.poll ? step.poll->attempts : 1;
    // The body parsed once for every check of it: the spec, the lifecycle,
    // the expectations and the captures all read the same document.
    std::optional<rapidjson::Document> body;
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      if (*recorded) Record(&result, **recorded, std::move(response));  // the previous attempt's
      response = Exchange_(request, &result);
      *recorded = result.exchanges.size() - 1;
      if (response.error != TransportError::kNone) {
        if (step.expect.no_reply && response.error == TransportError::kNoReply) return;
        Fail(&result, step.where, label,
             "no response from " + request.method + " " + request.url + ": " + response.error_message);
        return;
      }
      if (step.expect.no_reply) {
        Fail(&result, step.expect.where, label,
             "expected the connection to close without a reply, got " + std::to_string(response.status));
        return;
      }
      ParseBody(response.body, &body);
      JudgeResponse(step, request, response, *body, label, observed_at, &result);
      if (result.outcome == Outcome::kFailed) return;
      if (!step.poll) break;
      const auto unmet =
          CheckExpectation(step.poll->until, response.status, response.headers, response.body, vars_, &*body);
      if (unmet.empty()) break;
      if (attempt == attempts) {
        Fail(&result, step.poll->where, label,
             "poll: condition not met after " + std::to_string(attempts) + " attempts; last: " + unmet.front().message);
        return;
      }
      double wait = step.poll->interval_seconds;
      if (step.poll->retry_after)
        if (const std::string* ra = FindHeader(response.headers, "Retry-After")) {
          char* end = nullptr;
          const double seconds = std::strtod(ra->c_str(), &end);
          if (end != ra->c_str() && *end == '\0' && seconds >= 0) wait = seconds;
        }
      if (ctx_.target->manual_clock) {
        if (wait > 0 && !AdvanceClock(wait, step, label, &result)) return;
      } else {
        const auto ms = std::min<int64_t>(static_cast<int64_t>(wait * 1000), ctx_.max_poll_sleep_ms);
        ctx_.clock->Sleep(std::chrono::milliseconds(ms));
      }
    }
    if (!body) ParseBody(response.body, &body);  // no attempt made
    for (const auto& f : CheckExpectation(step.expect, response.status, response.headers, response.body, vars_, &*body))
      Fail(&result, f.where, label, f.message);
    if (result.outcome == Outcome::kFailed) return;
    Capture_(step, response, *body, label, &result);
    // A reset forgets the orders of the sandbox it went to, and no other's.
    if (result.outcome != Outcome::kFailed && step.resets_target) tracker_.ForgetSandbox(OtherSandbox(request));
  }

  // The sandbox `request` went to when it is not the scenario's own (the
  // base URL's), else "": ids are unique only within a sandbox, so the
  // tracker keeps each sandbox's orders apart.
  std::string OtherSandbox(const HttpRequest& request) const {
    std::string named = SandboxNamed(request.url, request.headers);
    return named == home_sandbox_ ? std::string() : named;
  }

  // Parses a response body into `doc`, in body_memory_: whatever `doc` held
  // before is gone.
  void ParseBody(const std::string& text, std::optional<rapidjson::Document>* doc) {
    doc->reset();
    body_memory_.Clear();
    doc->emplace(&body_memory_, kParseStackBytes, &parse_stack_allocator_);
    (*doc)->Parse(text.c_str(), text.size());
  }

  void Capture_(const Step& step, const HttpResponse& response, const rapidjson::Document& body,
                const std::string& label, StepResult* result) {
    for (const Capture& c : step.captures) {
      std::string text;
      bool is_text = true;
      rapidjson::Document value;
      if (c.source == Capture::Source::kHeader) {
        const std::string* h = FindHeader(response.headers, c.key);
        if (!h) {
          Fail(result, c.where, label, "capture " + c.variable + ": no header " + c.key);
          return;
        }
        text = *h;
      } else {
        if (body.HasParseError()) {
          Fail(result, c.where, label, "capture " + c.variable + ": the body is not JSON");
          return;
        }
        const rapidjson::Value* v = rapidjson::Pointer(c.key.c_str()).Get(body);
        if (!v) {
          Fail(result, c.where, label, "capture " + c.variable + ": the body has nothing at " + c.key);
          return;
        }
        if (v->IsString()) {
          text.assign(v->GetString(), v->GetStringLength());
        } else {
          is_text = false;
          value.CopyFrom(*v, value.GetAllocator());
          text = ToJsonText(value);
        }
      }
      if (c.regex) {
        std::smatch m;
        const std::shared_ptr<const std::regex> re = c.compiled_regex ? c.compiled_regex : CompiledRegex(*c.regex);
        if (text.size() > kRegexTextLimit || !std::regex_search(text, m, *re)) {
          Fail(result, c.where, label, "capture " + c.variable + ": /" + *c.regex + "/ does not match " + Abbreviate(text));
          return;
        }
        text = m.size() > 1 ? m[1].str() : m[0].str();
        is_text = true;
      }
      if (is_text)
        vars_.SetString(c.variable, text);
      else
        vars_.SetJson(c.variable, value);
    }
  }

  const Scenario& scenario_;
  HttpClient& client_;
  const RunContext& ctx_;
  std::string_view base_path_;  // of the target's base URL, "" for "/"
  std::string home_sandbox_;    // the sandbox the base URL names ("default" for none)
  LifecycleTracker tracker_;
  Variables vars_;
  std::vector<SourceLocation> current_included_from_;
  // Memory for the document of the current response body, kept for the
  // whole scenario: a Document with an allocator of its own takes a 64 KiB
  // chunk from malloc, and gives it back, for every response.
  static constexpr size_t kParseStackBytes = 1024;  // rapidjson's default
  alignas(std::max_align_t) char body_buffer_[8192];
  rapidjson::MemoryPoolAllocator<> body_memory_{body_buffer_, sizeof body_buffer_};
  rapidjson::CrtAllocator parse_stack_allocator_;
};

}  // namespace

std::vector<std::string> MissingCapabilities(const Scenario& scenario, const Target& target) {
  std::vector<std::string> missing;
  for (const auto& c : scenario.requires_caps)
    if (!target.capabilities.count(c)) missing.push_back(c);
  return missing;
}

std::vector<std::string> UnfilledFixtureRoles(const Scenario& scenario, const Target& target) {
  std::vector<std::string> unfilled;
  for (const auto& role : scenario.fixture_roles)
    if (auto it = target.fixtures.find(role); it == target.fixtures.end() || !it->second) unfilled.push_back(role);
  return unfilled;
}

std::string WhyNotRun(const Scenario& scenario, const Target& target) {
  auto join = [](const std::vector<std::string>& items, const char* before, const char* after) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + (before + item + after);
    return out;
  };
  std::vector<std::string> missing = MissingCapabilities(scenario, target);
  std::string reason;
  // The reference layer is not something a target lacks: it is our server's
  // own promise, judged only when asked for.
  if (auto ref = std::find(missing.begin(), missing.end(), kReferenceCapability); ref != missing.end()) {
    missing.erase(ref);
    reason = "needs --strict-reference (a promise of the reference server beyond the contract)";
  }
  if (!missing.empty()) reason += (reason.empty() ? "" : "; ") + ("target lacks " + join(missing, "", ""));
  if (const auto unfilled = UnfilledFixtureRoles(scenario, target); !unfilled.empty())
    reason += (reason.empty() ? "" : "; ") +
              ("the target has no fixture for " + join(unfilled, "${", "}") +
               " (null in the target file, or a limit its target file does not name)");
  return reason;
}

std::string WhyNotRunAtSeedLayer(const Scenario& scenario, const RuleLedger& rules) {
  // Its own file and the sequences it includes, which name their own rules.
  std::set<std::string> files = {scenario.file};
  for (const Step& step : scenario.steps) files.insert(step.where.file);
  for (const std::string& file : files)
    for (const std::string& id : RuleIdsIn(file))
      if (const Rule* rule = rules.Find(id); rule && rule->FromSeed()) return "";
  return "names no rule of the seed documents (--layer seed)";
}

std::string ScenarioSandboxName(const std::string& run_id, size_t index) {
  return run_id + "-" + std::to_string(index);
}

namespace {

bool ManagesSandboxes(const Scenario& scenario) {
  return std::find(scenario.requires_caps.begin(), scenario.requires_caps.end(), kSandboxesCapability) !=
         scenario.requires_caps.end();
}

// A failed scenario whose sandbox could not be made.
ScenarioResult NoSandbox(const Scenario& scenario, const std::string& why) {
  ScenarioResult r = ResultFor(scenario);
  r.outcome = Outcome::kFailed;
  StepResult step;
  step.name = "(runner: --sandbox new)";
  step.outcome = Outcome::kFailed;
  step.failures.push_back(Failure{SourceLocation{scenario.file, 1, 1}, {}, why, "", {}});
  r.steps.push_back(std::move(step));
  return r;
}

}  // namespace

bool NeedsTargetAlone(const Scenario& scenario, const Target& target) {
  return scenario.exclusive || (scenario.polls && target.manual_clock);
}

ScenarioResult RunScenario(const Scenario& scenario, HttpClient& client, const RunContext& context, size_t index) {
  try {
    return ScenarioExecution(scenario, client, context, index).Run();
  } catch (const std::exception& e) {
    ScenarioResult r = ResultFor(scenario);
    r.outcome = Outcome::kFailed;
    StepResult step;
    step.name = "(runner)";
    step.outcome = Outcome::kFailed;
    step.failures.push_back(
        Failure{SourceLocation{scenario.file, 1, 1}, {}, std::string("internal error: ") + e.what(), "", {}});
    r.steps.push_back(std::move(step));
    return r;
  }
}

RunResult RunSuite(const std::vector<Scenario>& scenarios, const RunContext& context,
                   const HttpClientFactory& new_client, const SuiteOptions& options, RunListener& listener) {
  RunResult run;
  run.target = context.target->base_url;
  run.started_at = context.clock->Now();
  run.scenarios.resize(scenarios.size());
  std::mutex mutex;  // guards the listener and fail_fast bookkeeping
  {
    RunInfo info;
    info.target = run.target;
    info.scenario_count = scenarios.size();
    info.jobs = options.jobs;
    info.started_at = run.started_at;
    listener.OnRunStarted(info);
  }
  std::vector<size_t> shared, alone;
  auto skip = [&](size_t i, const std::string& reason) {
    ScenarioResult r = ResultFor(scenarios[i]);
    r.outcome = Outcome::kSkipped;
    r.skip_reason = reason;
    std::lock_guard<std::mutex> lock(mutex);
    listener.OnScenarioFinished(r);
    run.scenarios[i] = std::move(r);
  };
  for (size_t i = 0; i < scenarios.size(); ++i) {
    std::string reason = WhyNotRun(scenarios[i], *context.target);
    if (reason.empty() && context.seed_layer_only && context.rules) reason = WhyNotRunAtSeedLayer(scenarios[i], *context.rules);
    if (!reason.empty()) {
      skip(i, reason);
      continue;
    }
    const bool in_own_sandbox = options.sandbox_per_scenario && !ManagesSandboxes(scenarios[i]);
    (!in_own_sandbox && NeedsTargetAlone(scenarios[i], *context.target) ? alone : shared).push_back(i);
  }
  std::atomic<bool> failed{false};
  // Each worker keeps one client for all its scenarios, one after another: a
  // client per scenario cost a new TCP connection (connect and accept) for
  // every scenario. libcurl does not reuse a connection that a transfer left
  // broken, so a scenario still starts on a sound connection.
  auto run_one = [&](size_t i, std::unique_ptr<HttpClient>& client) {
    if (options.fail_fast && failed.load()) {
      skip(i, "not run: --fail-fast stopped the run after a failure");
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      listener.OnScenarioStarted(scenarios[i].id);
    }
    if (!client) client = new_client();
    ScenarioResult r;
    const bool own_sandbox = options.sandbox_per_scenario && !ManagesSandboxes(scenarios[i]);
    if (own_sandbox) {
      // Its own sandbox, named by the path prefix: every request of the
      // scenario, the URLs the target hands out and the runner's own control
      // requests stay in it; it goes when the scenario ends, pass or fail.
      const Target& root = *context.target;
      const ScopedSandbox sandbox(*client, root.base_url, root.control_token,
                                  ScenarioSandboxName(context.run_id, i + 1));
      if (!sandbox.error().empty()) {
        r = NoSandbox(scenarios[i], "cannot create the sandbox " + sandbox.name() + ": " + sandbox.error());
      } else {
        Target inside = root;
        inside.base_url = sandbox.url();
        RunContext in_sandbox = context;
        in_sandbox.target = &inside;
        r = RunScenario(scenarios[i], *client, in_sandbox, i + 1);
      }
    } else {
      r = RunScenario(scenarios[i], *client, context, i + 1);
    }
    // A sandbox took its fault rules with it.
    if (scenarios[i].adds_faults && !own_sandbox) {
      // Leave no fault behind for the next scenario, even after a failure.
      HttpRequest clear;
      clear.method = "DELETE";
      clear.url = context.target->base_url + "/_control/faults";
      if (!context.target->control_token.empty())
        clear.headers.emplace_back("Authorization", "Bearer " + context.target->control_token);
      client->Send(clear);
    }
    if (r.outcome == Outcome::kFailed) failed = true;
    std::lock_guard<std::mutex> lock(mutex);
    listener.OnScenarioFinished(r);
    run.scenarios[i] = std::move(r);
  };
  std::atomic<size_t> next{0};
  const size_t workers = std::max<size_t>(1, std::min<size_t>(options.jobs, shared.size()));
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      std::unique_ptr<HttpClient> client;
      for (size_t k = next++; k < shared.size(); k = next++) run_one(shared[k], client);
    });
  for (auto& t : threads) t.join();
  std::unique_ptr<HttpClient> client;
  for (size_t i : alone) run_one(i, client);
  run.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(context.clock->Now() - run.started_at).count();
  listener.OnRunFinished(run);
  return run;
}

}  // namespace conformance
