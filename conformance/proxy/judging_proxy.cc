#include "proxy/judging_proxy.h"

#include <strings.h>

#include <chrono>
#include <cstdlib>

#include <rapidjson/document.h>

#include "core/lifecycle.h"
#include "exec/target.h"  // SplitSandboxPath
#include "http/control_api.h"    // ControlApi::Owns
#include "http/error_replies.h"  // JsonString
#include "http/valid_text.h"      // DecodeQueryText

namespace conformance {
namespace {

std::string JoinRules(const std::vector<std::string>& rules) {
  std::string out;
  for (const auto& r : rules) out += (out.empty() ? "[" : ", ") + r;
  return out.empty() ? "" : out + "] ";
}

std::string UpstreamFailureBody(const std::string& message) {
  return R"({"error":{"code":"UPSTREAM_FAILED","message":)" + purchase::http::JsonString(message) + "}}";
}

const char* TransportErrorName(TransportError e) {
  switch (e) {
    case TransportError::kCannotConnect: return "cannot connect";
    case TransportError::kTimeout: return "timed out";
    case TransportError::kNoReply: return "closed without answering";
    case TransportError::kTooLarge: return "answer too large";
    default: return "failed";
  }
}

}  // namespace

bool IsHopByHopHeader(std::string_view name) {
  // Asked for every header of every exchange: views, so that most names are
  // told apart by their length alone.
  static constexpr std::string_view kNotPassed[] = {
      "Connection", "Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Proxy-Connection",
      "Proxy-Authenticate", "Proxy-Authorization", "Host", "Content-Length", "Expect"};
  for (const std::string_view h : kNotPassed)
    if (h.size() == name.size() && EqualsIgnoringCase(name, h)) return true;
  return false;
}

namespace {

// Wall-clock milliseconds: what a client waits (Retry-After, back-off).
class WallClock final : public purchase::Clock {
 public:
  purchase::Millis Now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

const rapidjson::Value* Member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  auto m = v.FindMember(name);
  return m == v.MemberEnd() ? nullptr : &m->value;
}

std::string StringAt(const rapidjson::Value* v) { return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : ""; }

}  // namespace

JudgingProxy::JudgingProxy(ProxyOptions options)
    : options_(std::move(options)),
      tracker_(*options_.lifecycle),
      wall_(std::make_unique<WallClock>()) {
  tracker_.set_max_repeats(3);
  if (options_.obligations) audit_ = std::make_unique<purchase::ClientAudit>(*options_.obligations, *wall_);
}

HttpRequest JudgingProxy::Prepare(const purchase::http::HttpRequest& request) const {
  HttpRequest forward;
  forward.method = request.method;
  forward.url = options_.upstream + request.path;
  if (!request.raw_query.empty()) forward.url.append("?").append(request.raw_query);
  if (request.fields)
    for (const auto& [name, value] : *request.fields)
      if (!IsHopByHopHeader(name) || (options_.preserve_host && EqualsIgnoringCase(name, "Host")))
        forward.headers.emplace_back(name, value);
  forward.body = request.body;
  forward.has_body = !request.body.empty() || request.method == "POST" || request.method == "PUT" ||
                     request.method == "PATCH";
  // A request that changes something goes on a connection of its own: on a
  // kept-alive one, the client would send it again, unseen, when the upstream
  // closes without answering, and a lost reply would become two requests.
  forward.fresh_connection = request.method != "GET" && request.method != "HEAD";
  return forward;
}

purchase::http::HttpReply JudgingProxy::Handle(const purchase::http::HttpRequest& request) {
  const HttpRequest forward = Prepare(request);
  // Forwarded outside the lock, on a client of its own (each keeps its
  // connection): threads wait on the upstream in parallel, and only the
  // judging, which follows orders across exchanges, takes turns.
  std::unique_ptr<HttpClient> client;
  {
    std::lock_guard lock(clients_mu_);
    if (!idle_clients_.empty()) {
      client = std::move(idle_clients_.back());
      idle_clients_.pop_back();
    }
  }
  if (!client) client = options_.new_client();
  const HttpResponse response = client->Send(forward);
  {
    std::lock_guard lock(clients_mu_);
    idle_clients_.push_back(std::move(client));
  }
  return Conclude(request, forward, response);
}

purchase::http::HttpReply JudgingProxy::Conclude(const purchase::http::HttpRequest& request, const HttpRequest& forward,
                                                 const HttpResponse& response) {
  ProxiedExchange judged;
  const Where where = WhereOf(request);
  judged.sandbox = where.sandbox;
  judged.path = std::string(where.path);
  judged.raw_query = request.raw_query;
  // Who the client is, for the audit and the session.
  judged.client = CredentialOf(request, where, forward.headers);
  // What only the spec decides is judged before the lock, in parallel; what
  // follows orders and clients across exchanges takes turns. The answer's
  // JSON is parsed into a pool on this thread's stack of buffers.
  thread_local char pool_buffer[16 * 1024];
  rapidjson::MemoryPoolAllocator<> pool(pool_buffer, sizeof pool_buffer);
  rapidjson::Document body(&pool);
  const bool answered = response.error == TransportError::kNone;
  const bool documented = answered && JudgeAgainstSpec(request, where, forward.headers, response, body, judged);

  std::lock_guard lock(mu_);
  const uint64_t count = ++totals_.exchanges;
  judged.seq = count;
  judged.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count();
  purchase::http::HttpReply reply;
  std::ostream* log = options_.log;
  // Named only in a log line: built only then.
  const auto target = [&] { return request.path + (request.raw_query.empty() ? "" : "?" + std::string(request.raw_query)); };
  if (response.error == TransportError::kNoReply) {
    // Closed without an answer (a lost reply, on purpose or not): the client
    // sees the same, as it would without the proxy.
    reply.drop_connection = true;
    judged.dropped = true;
    ++totals_.dropped;
    if (log) *log << request.method << " " << target() << " - (the upstream closed without answering; so does the proxy)\n"
                  << std::flush;
  } else if (response.error != TransportError::kNone) {
    ++totals_.upstream_failures;
    const std::string why = std::string("the upstream ") + TransportErrorName(response.error) + ": " +
                            response.error_message;
    reply.status = 502;
    reply.body = UpstreamFailureBody(why);
    judged.exchange.transport_error = why;
    if (log) *log << request.method << " " << target() << " 502 (upstream: " << why << ")\n" << std::flush;
  } else {
    reply.status = response.status;
    reply.content_type = {};  // the upstream's own, if any, is among the headers
    for (const auto& [name, value] : response.headers)
      if (!IsHopByHopHeader(name)) reply.headers.emplace_back(name, value);
    reply.body = response.body;
    if (documented) JudgeAgainstState(request, where, response, body, judged);
    totals_.client_violations += judged.client_violations.size();
    totals_.service_violations += judged.service_violations.size();
    if (log && (options_.log_clean || !judged.client_violations.empty() || !judged.service_violations.empty())) {
      *log << request.method << " " << target() << " " << response.status << " " << response.elapsed_ms << " ms\n";
      for (const auto& v : judged.client_violations) *log << "  client: " << v << "\n";
      for (const auto& v : judged.service_violations) *log << "  service: " << v << "\n";
      *log << std::flush;
    }
  }
  if (options_.keep_session) {
    Exchange& x = judged.exchange;
    x.method = request.method;
    x.url = forward.url;
    x.request_headers = forward.headers;
    x.request_body = request.body;
    x.status = response.error == TransportError::kNone ? response.status : 0;
    x.response_headers = response.headers;
    x.response_body = response.body;
    x.elapsed_ms = response.elapsed_ms;
    session_.push_back(std::move(judged));
  }
  if (options_.on_exchange) options_.on_exchange(count);
  return reply;
}

JudgingProxy::Where JudgingProxy::WhereOf(const purchase::http::HttpRequest& request) const {
  // A sandbox (spec/README.md, "Sandboxes") named by the path prefix: the
  // spec's paths are below it. Orders are one sandbox's: ids repeat across them.
  // The default sandbox is "" for the tracker (its orders print without a name).
  Where w;
  w.path = request.path;
  w.sandbox = request.sandbox.value_or("");
  if (const auto prefixed = SplitSandboxPath(w.path)) {
    w.sandbox = std::string(prefixed->name);
    w.base_path = prefixed->prefix;
    w.path = prefixed->rest;
  }
  if (w.sandbox == "default") w.sandbox.clear();
  return w;
}

std::string JudgingProxy::CredentialOf(const purchase::http::HttpRequest& request, const Where& where,
                                       const HeaderList& headers) const {
  RequestToJudge asked;
  asked.method = request.method;
  asked.path = where.path;
  asked.query = request.raw_query;
  asked.headers = &headers;
  std::string credential = options_.spec->CredentialOf(asked);
  if (credential.empty() && request.authorization) credential = *request.authorization;
  return credential;
}

bool JudgingProxy::JudgeAgainstSpec(const purchase::http::HttpRequest& request, const Where& where,
                                    const HeaderList& request_headers, const HttpResponse& response,
                                    rapidjson::Document& body, ProxiedExchange& judged) const {
  const std::string_view path = where.path;
  RequestToJudge asked;
  asked.method = request.method;
  asked.path = path;
  asked.query = request.raw_query;
  asked.headers = &request_headers;
  asked.body = request.body;
  judged.client_violations = options_.spec->JudgeRequest(asked);
  // A path the spec does not have is the client's mistake alone: the
  // contract says nothing of what the service answers there.
  if (options_.spec->FindPath(path).empty()) return false;

  ResponseToJudge answered;
  answered.method = request.method;
  answered.path = path;
  answered.base_path = where.base_path;
  answered.status = response.status;
  answered.headers = &response.headers;
  answered.body = response.body;
  // A string without a NUL parses in place of its end (rapidjson's faster
  // stream); one with a NUL is not JSON, and the length-bounded parse says so.
  if (response.body.find('\0') == std::string::npos)
    body.Parse(response.body.c_str());
  else
    body.Parse(response.body.data(), response.body.size());
  answered.parsed_body = &body;
  for (const std::string& why : options_.spec->Judge(answered))
    judged.service_violations.push_back(JoinRules(options_.spec->RulesOf(request.method, path, response.status, why)) +
                                        why);
  return true;
}

void JudgingProxy::JudgeAgainstState(const purchase::http::HttpRequest& request, const Where& where,
                                     const HttpResponse& response,
                                     const rapidjson::Document& body, ProxiedExchange& judged) {
  const std::string_view path = where.path;
  const std::string& sandbox = where.sandbox;
  const bool ok = response.status >= 200 && response.status < 300;
  // A reset forgets the sandbox's orders (ids may come again); so does deleting it.
  // (Control requests are the test harness's, not the client's: no audit.)
  if (ok && request.method == "POST" && path == "/_control/reset") {
    tracker_.ForgetSandbox(sandbox);
    judged.forgets_sandbox = sandbox;
    return;
  }
  constexpr std::string_view kSandboxes = "/_control/sandboxes/";
  if (ok && request.method == "DELETE" && path.substr(0, kSandboxes.size()) == kSandboxes) {
    judged.forgets_sandbox = std::string(path.substr(kSandboxes.size()));
    tracker_.ForgetSandbox(*judged.forgets_sandbox);
    return;
  }
  std::vector<SeenOrder> shown;
  if (!body.HasParseError()) {
    const std::string where_text = request.method + " " + std::string(path);
    const std::string url = options_.upstream + std::string(path) +
                            (request.raw_query.empty() ? "" : "?" + std::string(request.raw_query));
    for (std::string& why : tracker_.ObserveBody(body, response.status == 201, where_text, url, sandbox, &shown))
      judged.service_violations.push_back("lifecycle: " + why);
  }
  // The client's obligations, after the lifecycle: the audit learns the
  // order's state from what the answer showed.
  if (audit_ && !purchase::http::ControlApi::Owns(path))
    for (std::string& broken : Audit(request, where, judged.client, response, body, shown))
      judged.client_violations.push_back(std::move(broken));
  if (options_.keep_session) judged.orders_shown = std::move(shown);
}

std::vector<std::string> JudgingProxy::Audit(const purchase::http::HttpRequest& request, const Where& where,
                                             const std::string& credential, const HttpResponse& response,
                                             const rapidjson::Document& body, const std::vector<SeenOrder>& shown) {
  const std::string& sandbox = where.sandbox;
  const bool json = !body.HasParseError() && body.IsObject();
  const rapidjson::Value* error = json ? Member(body, "error") : nullptr;
  purchase::AuditedRequest a;
  a.method = request.method;
  a.path = std::string(where.path);
  const std::string tpl = options_.spec->FindOperation(request.method, where.path);
  a.operation = request.method + " " + (tpl.empty() ? a.path : tpl);
  a.status = response.status;
  a.body = request.body;
  a.raw_query = request.raw_query;
  // The order the answer shows (the lifecycle's observe points), else the
  // order the request names: one of its values that is an order this
  // sandbox has shown.
  if (!shown.empty()) {
    a.order_id = shown.front().id;
    a.order_status = shown.front().state;
  } else {
    for (const std::string& value : ValuesNamed(where.path, request.raw_query))
      if (owners_.count(sandbox + "\n" + value)) {
        a.order_id = value;
        break;
      }
  }
  // An error reply is {"error": {...}} alone; a FAILED order carries one beside its members.
  if (error && shown.empty()) a.error_code = StringAt(Member(*error, "code"));
  if (const std::string* retry = FindHeader(response.headers, "Retry-After")) a.retry_after = std::strtoll(retry->c_str(), nullptr, 10);

  // The client: the credential the operation's security asks for; a request
  // without one that names an order (a signed URL's fetch) is its owner's.
  std::optional<uint16_t> vendor;
  if (credential.empty()) {
    if (auto owner = owners_.find(sandbox + "\n" + a.order_id); !a.order_id.empty() && owner != owners_.end())
      vendor = owner->second;
  } else if (response.status != 401) {
    const std::string key = sandbox + "\n" + credential;
    auto [it, added] = vendors_.emplace(key, static_cast<uint16_t>(vendors_.size()));
    if (added)
      vendor_names_.push_back("client " + std::to_string(it->second + 1) + " (" +
                              credential.substr(0, std::min<size_t>(credential.size(), 14)) + "..." +
                              (sandbox.empty() ? "" : ", sandbox " + sandbox) + ")");
    vendor = it->second;
    for (const SeenOrder& o : shown) owners_[sandbox + "\n" + o.id] = it->second;
  }
  if (!vendor) return {};  // unauthenticated requests belong to no client
  a.vendor = *vendor;
  audit_->Record(a);
  std::vector<std::string> broken;
  for (const purchase::AuditFinding& f : audit_->FindingsSince(findings_reported_)) {
    ++findings_reported_;
    const purchase::ClientObligation* o = audit_->obligations().Find(f.obligation);
    broken.push_back("[" + f.obligation + "] " + vendor_names_[f.vendor] + " " + f.observed +
                     (o ? " (a correct client: " + o->rule + ")" : ""));
  }
  return broken;
}

std::vector<ProxiedExchange> JudgingProxy::Session() {
  std::lock_guard lock(mu_);
  return session_;
}

std::vector<OrderTrace> JudgingProxy::Traces() {
  std::lock_guard lock(mu_);
  return tracker_.Traces();
}

JudgingProxy::Totals JudgingProxy::totals() {
  std::lock_guard lock(mu_);
  Totals t = totals_;
  t.orders = tracker_.Traces().size();
  return t;
}

void JudgingProxy::WriteSummary(std::ostream& out) {
  std::lock_guard lock(mu_);
  const std::vector<OrderTrace> traces = tracker_.Traces();
  out << "conformance proxy: " << totals_.exchanges << " exchanges, " << totals_.client_violations
      << " client violations, " << totals_.service_violations << " service violations, "
      << totals_.upstream_failures << " upstream failures, " << totals_.dropped << " dropped by the upstream, "
      << traces.size() << " orders followed\n";
  for (const OrderTrace& t : traces) {
    out << "  order " << t.order_id << ":";
    std::string last;
    for (const auto& s : t.states)
      if (s != last) out << " " << (last = s);
    if (t.illegal) out << "  (forbidden: " << t.illegal->first << " -> " << t.illegal->second << ")";
    out << "\n";
  }
}

}  // namespace conformance
