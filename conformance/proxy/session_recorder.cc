#include "proxy/session_recorder.h"

#include "http/control_api.h"  // ControlApi::Owns

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/writer.h>

#include "check/openapi.h"
#include "check/scenario_paths.h"  // LiteralPath
#include "exec/target.h"           // SplitSandboxPath
#include "http/valid_text.h"       // IsValidUtf8
#include "scenario/yaml_json.h"    // ClassifyScalar

namespace conformance {
namespace {

// ---- YAML text -------------------------------------------------------------

// A double-quoted YAML scalar (JSON's escapes are YAML's).
std::string Quoted(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// `s` as a YAML string scalar: plain when nothing in it could be read as
// anything else (a number, a boolean, an indicator, a template), else quoted.
std::string Scalar(std::string_view s) {
  const bool plain = !s.empty() && (std::isalnum(static_cast<unsigned char>(s[0])) || s[0] == '_' || s[0] == '/') &&
                     s.back() != ' ' && s.find("  ") == std::string_view::npos &&
                     std::all_of(s.begin(), s.end(), [](unsigned char c) {
                       return std::isalnum(c) || c == '_' || c == '.' || c == '/' || c == '-' || c == ' ';
                     }) &&
                     ClassifyScalar(s, false) == ScalarKind::kString;
  return plain ? std::string(s) : Quoted(s);
}

// A literal as template text: `${` is written `$${`.
std::string EscapeTemplate(std::string_view literal) {
  std::string out;
  for (size_t i = 0; i < literal.size(); ++i) {
    if (literal[i] == '$' && i + 1 < literal.size() && literal[i + 1] == '{') out += '$';
    out += literal[i];
  }
  return out;
}

std::string JsonScalarText(const rapidjson::Value& v) {
  if (v.IsString()) return Scalar(std::string_view(v.GetString(), v.GetStringLength()));
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return buffer.GetString();
}

bool IsEmptyOrScalar(const rapidjson::Value& v) {
  return (!v.IsObject() && !v.IsArray()) || (v.IsObject() && v.MemberCount() == 0) || (v.IsArray() && v.Empty());
}

std::string InlineText(const rapidjson::Value& v) {
  if (v.IsObject()) return "{}";
  if (v.IsArray()) return "[]";
  return JsonScalarText(v);
}

// Writes a non-empty object or array in block style at `indent`.
void EmitBlock(const rapidjson::Value& v, int indent, std::string* out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  auto child = [&](const rapidjson::Value& c) {
    if (IsEmptyOrScalar(c)) {
      *out += " " + InlineText(c) + "\n";
    } else {
      *out += "\n";
      EmitBlock(c, indent + 2, out);
    }
  };
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      *out += pad + Scalar(std::string_view(m.name.GetString(), m.name.GetStringLength())) + ":";
      child(m.value);
    }
  } else {
    for (const auto& item : v.GetArray()) {
      *out += pad + "-";
      child(item);
    }
  }
}

// ---- JSON pointers and names -----------------------------------------------

std::string PointerToken(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// Calls `visit(pointer, value)` for every string leaf of `v`.
template <typename Visit>
void ForEachString(const rapidjson::Value& v, const std::string& pointer, const Visit& visit) {
  if (v.IsString()) {
    visit(pointer, std::string(v.GetString(), v.GetStringLength()));
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject())
      ForEachString(m.value, pointer + "/" + PointerToken({m.name.GetString(), m.name.GetStringLength()}), visit);
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) ForEachString(v[i], pointer + "/" + std::to_string(i), visit);
  }
}

// A variable name for what `key` (a JSON pointer or a header name) points
// at: its last member, in snake case ("/items/0/OrderItemId" -> order_item_id).
std::string NameFor(const std::string& key) {
  std::vector<std::string> tokens;
  for (size_t start = key[0] == '/' ? 1 : 0; start <= key.size();) {
    const size_t slash = std::min(key.find('/', start), key.size());
    tokens.push_back(key.substr(start, slash - start));
    start = slash + 1;
  }
  std::string token;
  for (auto it = tokens.rbegin(); it != tokens.rend() && token.empty(); ++it)
    if (!it->empty() && !std::all_of(it->begin(), it->end(), ::isdigit)) token = *it;
  std::string name;
  for (size_t i = 0; i < token.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(token[i]);
    if (std::isupper(c) && i > 0 && (std::islower(static_cast<unsigned char>(token[i - 1])) ||
                                     std::isdigit(static_cast<unsigned char>(token[i - 1]))))
      name += '_';
    if (std::isalnum(c)) name += static_cast<char>(std::tolower(c));
    else if (!name.empty() && name.back() != '_') name += '_';
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  if (name.empty()) return "value";
  if (std::isdigit(static_cast<unsigned char>(name[0]))) return "v_" + name;
  return name;
}

const std::vector<std::string> kBuiltinVariables = {"run_id", "base_url", "token", "token_b", "scenario"};

// ---- Requests and answers --------------------------------------------------

bool IsAbsoluteUrl(std::string_view s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

bool IsControlPath(const std::string& path) { return purchase::http::ControlApi::Owns(path); }

// "path?query" of an absolute URL, below any sandbox prefix: what its fetch
// looks like to the proxy.
std::string FetchKey(std::string_view url) {
  const size_t authority = url.find("//") + 2;
  const size_t path_start = std::min(url.find_first_of("/?#", authority), url.size());
  std::string_view rest = url.substr(path_start);
  rest = rest.substr(0, std::min(rest.find('#'), rest.size()));
  const size_t q = std::min(rest.find('?'), rest.size());
  std::string_view path = rest.substr(0, q);
  if (const auto prefixed = SplitSandboxPath(path)) path = prefixed->rest;
  return std::string(path.empty() ? "/" : path) + std::string(rest.substr(q));
}

std::string FetchKey(const ProxiedExchange& e) { return e.path + (e.raw_query.empty() ? "" : "?" + e.raw_query); }

// Response headers whose values are never an id the client sends back.
bool IsDescriptiveHeader(std::string_view name) {
  for (const char* h : {"Date", "Content-Type", "Content-Length", "Retry-After", "Connection", "Keep-Alive", "Server",
                        "Allow", "Vary", "Cache-Control", "WWW-Authenticate", "Transfer-Encoding"})
    if (EqualsIgnoringCase(name, h)) return true;
  return false;
}

// Request headers the runner writes itself (or the HTTP library does).
bool IsRunnerHeader(std::string_view name, std::string_view value) {
  for (const char* h : {"Host", "Content-Length", "Connection", "Keep-Alive", "TE", "Transfer-Encoding", "Expect",
                        "User-Agent", "Accept-Encoding", "Authorization", "Proxy-Connection", "Upgrade", "Trailer"})
    if (EqualsIgnoringCase(name, h)) return true;
  return EqualsIgnoringCase(name, "Accept") && (value == "application/json" || value == "*/*");
}

bool IsJsonMediaType(std::string_view type) {
  type = type.substr(0, std::min(type.find(';'), type.size()));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return EqualsIgnoringCase(type, "application/json") ||
         (type.size() > 5 && EqualsIgnoringCase(type.substr(type.size() - 5), "+json"));
}

// A value worth capturing when the client sends it back: one that looks
// handed out (an id with a digit, a long token, a URL), not a word.
bool LooksHandedOut(std::string_view v) {
  if (v.size() > 4096) return false;
  if (IsAbsoluteUrl(v) || v.size() >= 12) return true;
  return v.size() >= 4 && std::any_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Polling is reading until the answer changes: only reads are polls (a
// DELETE sent twice to see its 404 is two steps).
bool IsRead(const ProxiedExchange& e) { return e.exchange.method == "GET" || e.exchange.method == "HEAD"; }

bool SameRequest(const ProxiedExchange& a, const ProxiedExchange& b) {
  return a.exchange.method == b.exchange.method && a.exchange.url == b.exchange.url && a.sandbox == b.sandbox &&
         a.exchange.request_headers == b.exchange.request_headers && a.exchange.request_body == b.exchange.request_body;
}

// The sandbox an exchange was in, whether its path or X-Sandbox named it.
std::string SandboxOf(const ProxiedExchange& e) {
  std::string name = e.sandbox;
  if (const std::string* header = FindHeader(e.exchange.request_headers, "X-Sandbox"); name.empty() && header) name = *header;
  return name == "default" ? "" : name;
}

bool Answered(const ProxiedExchange& e) { return !e.dropped && e.exchange.status != 0; }

// The credential in an Authorization value: what follows its scheme
// ("Bearer abc" -> "abc"), or the whole value when it has no scheme (an API
// key). A scheme alone is no credential.
std::string CredentialOf(std::string_view client) {
  while (!client.empty() && client.front() == ' ') client.remove_prefix(1);
  const size_t space = client.find(' ');
  if (space == std::string_view::npos) {
    for (const char* scheme : {"Bearer", "Basic", "Token", "Digest"})
      if (EqualsIgnoringCase(client, scheme)) return "";
    return std::string(client);
  }
  client.remove_prefix(space);
  while (!client.empty() && client.front() == ' ') client.remove_prefix(1);
  while (!client.empty() && client.back() == ' ') client.remove_suffix(1);
  return std::string(client);
}

// Shorter than this, a "credential" is no secret (an empty or one-letter
// bearer sent to see it refused), and replacing it would mangle everything.
constexpr size_t kMinSecretLength = 4;
// Handed-out values shorter than this are captured only as whole values.
constexpr size_t kMinSplicedLength = 12;

struct StatePoint {
  std::string id, state;
};

std::vector<StatePoint> StatePoints(const purchase::Lifecycle* lifecycle) {
  std::vector<StatePoint> points;
  if (lifecycle)
    for (const auto& p : lifecycle->observe())
      if (p.each.empty()) points.push_back({p.id, p.state});
  if (points.empty()) points.push_back({"/order_id", "/status"});
  return points;
}

const rapidjson::Value* At(const rapidjson::Value& root, const std::string& pointer) {
  return rapidjson::Pointer(pointer.c_str()).Get(root);
}

// ---- One flow --------------------------------------------------------------

struct RecordedStep {
  std::string comment;  // written above the step (or alone, with no request)
  std::string request;  // the step's key lines (nested ones indented by 6); "" for a comment alone
  std::string expect;   // "{status: 200, ...}"
  int poll_attempts = 0;
  std::vector<std::pair<std::string, std::string>> captures;  // name, YAML value
};

struct Origin {
  size_t step = 0;
  std::string key;     // a JSON pointer, or a header name
  bool header = false;
  std::string sandbox;  // where it was handed out: a reset there forgets it
  std::string name;     // the variable, once a request uses it
};

class FlowRecorder {
 public:
  FlowRecorder(const ClientFlow& flow, const RecordOptions& options, const std::map<std::string, std::string>& secrets)
      : flow_(flow), options_(options), secrets_(secrets), points_(StatePoints(options.lifecycle)) {
    for (const auto& [role, value] : options_.roles)
      if (!value.empty()) role_of_value_.emplace(value, role);  // the first role by name keeps a shared value
    for (const auto& b : kBuiltinVariables) taken_.insert(b);
    for (const auto& [role, value] : options_.roles) taken_.insert(role);
    FindClientKeys();
  }

  std::vector<RecordedStep> Steps() {
    const auto& ex = flow_.exchanges;
    for (size_t i = 0; i < ex.size();) {
      if (!Answered(ex[i])) {
        RecordUnanswered(ex[i]);
        ++i;
        continue;
      }
      size_t j = i;
      while (IsRead(ex[i]) && j + 1 < ex.size() && Answered(ex[j + 1]) && SameRequest(ex[j + 1], ex[i])) ++j;
      const size_t end = PollEnd(i, j);
      RecordStep(ex[i], ex[end], end - i + 1);
      i = end + 1;
    }
    return std::move(steps_);
  }

  const std::set<std::string>& roles_used() const { return roles_used_; }

 private:
  // Client keys the service accepted: those get a ${run_id} suffix.
  void FindClientKeys() {
    std::set<std::string> signed_values;
    for (const auto& e : flow_.exchanges) {
      const auto query = QueryPairs(e.raw_query);
      // A request signed over its query (SheetMusicDirect's `signature`) cannot take a suffix.
      const bool signed_query = std::any_of(query.begin(), query.end(), [](const auto& kv) { return kv.first == "signature"; });
      if (signed_query)
        for (const auto& kv : query) signed_values.insert(kv.second);
      // A 409 names a key the service took before (a lost reply's).
      if (!Answered(e) || ((e.exchange.status < 200 || e.exchange.status >= 300) && e.exchange.status != 409)) continue;
      rapidjson::Document body;
      body.Parse(e.exchange.request_body.data(), e.exchange.request_body.size());
      if (!body.HasParseError() && body.IsObject())
        for (const auto& m : body.GetObject())
          if (m.value.IsString() && IsClientKey(m.name.GetString())) NoteClientKey(m.value.GetString());
      for (const auto& [k, v] : query)
        if (IsClientKey(k)) NoteClientKey(v);
    }
    for (const auto& v : signed_values) client_keys_.erase(v);
  }
  static bool IsClientKey(const std::string& member) {
    return std::find(kClientKeyMembers.begin(), kClientKeyMembers.end(), member) != kClientKeyMembers.end();
  }
  void NoteClientKey(const std::string& v) {
    // Too long a key would pass its limit with the suffix; a control character makes it a refusal to replay.
    if (!v.empty() && v.size() <= 100 && std::none_of(v.begin(), v.end(), [](unsigned char c) { return c < 0x20; }))
      client_keys_.insert(v);
  }

  static std::vector<std::pair<std::string, std::string>> QueryPairs(const std::string& raw) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (size_t start = 0; start < raw.size();) {
      const size_t amp = std::min(raw.find('&', start), raw.size());
      const std::string pair = raw.substr(start, amp - start);
      const size_t eq = pair.find('=');
      pairs.emplace_back(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
      start = amp + 1;
    }
    return pairs;
  }

  // The last exchange of the step that starts at `i` (identical requests
  // i..j): a poll ends where the run's final answer first follows another.
  size_t PollEnd(size_t i, size_t j) const {
    const std::string final_answer = Expectation(flow_.exchanges[j]);
    for (size_t k = i + 1; k <= j; ++k)
      if (Expectation(flow_.exchanges[k]) == final_answer && Expectation(flow_.exchanges[k - 1]) != final_answer) return k;
    return i;
  }

  // "{status: S}" or "{status: S, body: {/status: STATE}}".
  std::string Expectation(const ProxiedExchange& e) const {
    std::string body;
    rapidjson::Document doc;
    doc.Parse(e.exchange.response_body.data(), e.exchange.response_body.size());
    std::set<std::string> done;
    if (!doc.HasParseError() && doc.IsObject())
      for (const StatePoint& p : points_) {
        const rapidjson::Value* id = At(doc, p.id);
        const rapidjson::Value* state = At(doc, p.state);
        if (!id || !state || !(state->IsString() || state->IsNumber()) || !done.insert(p.state).second) continue;
        const std::string text = state->IsString() ? Scalar(EscapeTemplate(state->GetString())) : JsonScalarText(*state);
        body += (body.empty() ? "" : ", ") + Scalar(p.state) + ": " + text;
      }
    return "{status: " + std::to_string(e.exchange.status) + (body.empty() ? "" : ", body: {" + body + "}") + "}";
  }

  void RecordUnanswered(const ProxiedExchange& e) {
    RecordedStep step;
    const std::string line = e.exchange.method + " " + e.path;
    const bool changes = e.exchange.method != "GET" && e.exchange.method != "HEAD";
    if (!e.dropped) {
      step.comment = line + ": the upstream gave no answer (" + e.exchange.transport_error + "); not replayed";
    } else if (drop_rules_) {
      // The flow itself asked for the drop (a fault rule or drill before it): the replay asks again.
      step.comment = line + ": the upstream closed without answering, as a fault rule of this flow asked";
      step.request = RequestKeys(e);
      step.expect = "{no_reply: true}";
    } else if (!changes) {
      step.comment = line + ": the upstream closed without answering; not replayed (a read changes nothing)";
    } else {
      // A lost reply: the service may have acted on it (a register that made
      // the order the client's retry then meets as a duplicate), so it is
      // sent again, taking any 2xx.
      step.comment = line + ": the upstream closed without answering (a lost reply); sent again, any 2xx passes";
      step.request = RequestKeys(e);
    }
    steps_.push_back(std::move(step));
  }

  void RecordStep(const ProxiedExchange& first, const ProxiedExchange& last, size_t attempts) {
    RecordedStep step;
    step.request = RequestKeys(first);
    step.expect = Expectation(last);
    if (first.client != flow_.client && IsControlPath(first.path))
      step.comment = "another client's control request, made while this flow ran: replayed at its place";
    if (attempts > 1) {
      step.poll_attempts = static_cast<int>(std::min<size_t>(10000, std::max<size_t>(10, 2 * attempts)));
      step.comment = "polled " + std::to_string(attempts) + " times until the answer changed";
    }
    steps_.push_back(std::move(step));
    // After a reset nothing handed out before names anything (a
    // deterministic service hands the same ids out again, for new things).
    if (last.forgets_sandbox)
      ForgetSandbox(*last.forgets_sandbox);
    else if (last.exchange.method == "POST" && last.path == "/_control/reset" && last.exchange.status / 100 == 2)
      ForgetSandbox(SandboxOf(last));
    NoteDropRules(last);
    IndexAnswer(steps_.size() - 1, last);
  }

  // Whether the flow has fault rules that drop connections in force: then a
  // dropped exchange is the flow's own doing, and replays as one.
  void NoteDropRules(const ProxiedExchange& e) {
    const Exchange& x = e.exchange;
    if (x.status / 100 != 2) return;
    const bool adds = x.method == "POST" && (e.path == "/_control/faults" || e.path.rfind("/_control/drills/", 0) == 0);
    if (adds && (x.request_body.find("drop_connection") != std::string::npos ||
                 x.response_body.find("drop_connection") != std::string::npos))
      drop_rules_ = true;
    if ((x.method == "DELETE" && e.path == "/_control/faults") || (x.method == "POST" && e.path == "/_control/reset"))
      drop_rules_ = false;
  }

  // ---- values handed out, and sent back

  void ForgetSandbox(const std::string& sandbox) {
    for (auto it = handed_out_.begin(); it != handed_out_.end();) {
      if (it->second.sandbox != sandbox) {
        ++it;
        continue;
      }
      if (IsAbsoluteUrl(it->first)) urls_.erase(FetchKey(it->first));
      it = handed_out_.erase(it);
    }
  }

  void IndexAnswer(size_t step, const ProxiedExchange& e) {
    auto note = [&](const std::string& key, bool header, const std::string& value) {
      // A value the client sent before any answer gave it is the client's own, echoed.
      const bool clients = sent_.count(value) && !ever_handed_out_.count(value);
      if (!LooksHandedOut(value) || clients || role_of_value_.count(value) || HasSecret(value)) return;
      ever_handed_out_.insert(value);
      if (!handed_out_.count(value)) handed_out_.emplace(value, Origin{step, key, header, SandboxOf(e), ""});
      if (IsAbsoluteUrl(value) && !urls_.count(FetchKey(value))) urls_.emplace(FetchKey(value), value);
    };
    rapidjson::Document body;
    body.Parse(e.exchange.response_body.data(), e.exchange.response_body.size());
    if (!body.HasParseError())
      ForEachString(body, "", [&](const std::string& pointer, const std::string& v) { note(pointer, false, v); });
    for (const auto& [name, value] : e.exchange.response_headers)
      if (!IsDescriptiveHeader(name)) note(name, true, value);
  }

  bool HasSecret(std::string_view v) const {
    for (const auto& [secret, written] : secrets_)
      if (v.find(secret) != std::string_view::npos) return true;
    return false;
  }

  // The template for a whole value the client sent.
  std::string Template(const std::string& value) {
    sent_.insert(value);
    if (HasSecret(value)) return ReplaceSecrets(value);
    if (auto role = role_of_value_.find(value); role != role_of_value_.end()) {
      roles_used_.insert(role->second);
      return "${" + role->second + "}";
    }
    if (auto origin = handed_out_.find(value); origin != handed_out_.end()) return "${" + Capture(origin->second) + "}";
    if (client_keys_.count(value)) return EscapeTemplate(value) + "-${run_id}";
    return SpliceHandedOut(value);
  }

  // Long handed-out values inside a longer text (a fault rule's path naming
  // an order) are spliced in as variables: long enough not to occur there by
  // chance. The rest is literal.
  std::string SpliceHandedOut(const std::string& text) {
    std::vector<std::map<std::string, Origin>::iterator> inside;
    if (text.size() > kMinSplicedLength)
      for (auto it = handed_out_.begin(); it != handed_out_.end(); ++it)
        if (it->first.size() >= kMinSplicedLength && text.find(it->first) != std::string::npos) inside.push_back(it);
    if (inside.empty()) return EscapeTemplate(text);
    std::sort(inside.begin(), inside.end(), [](auto a, auto b) { return a->first.size() > b->first.size(); });
    std::string out;
    for (size_t i = 0; i < text.size();) {
      auto match = std::find_if(inside.begin(), inside.end(), [&](auto it) { return text.compare(i, it->first.size(), it->first) == 0; });
      if (match == inside.end()) {
        if (text.compare(i, 2, "${") == 0) out += '$';  // a literal ${ is written $${
        out += text[i++];
        continue;
      }
      out += "${" + Capture((*match)->second) + "}";
      i += (*match)->first.size();
    }
    return out;
  }

  std::string ReplaceSecrets(const std::string& value) const {
    std::string out = EscapeTemplate(value);
    for (const auto& [secret, written] : secrets_) {
      const std::string escaped = EscapeTemplate(secret);
      for (size_t at = out.find(escaped); at != std::string::npos; at = out.find(escaped, at + written.size()))
        out.replace(at, escaped.size(), written);
    }
    return out;
  }

  // Names the value at `origin` and captures it there; returns the name.
  std::string Capture(Origin& origin) {
    if (!origin.name.empty()) return origin.name;
    std::string base = NameFor(origin.key);
    if (std::find(kBuiltinVariables.begin(), kBuiltinVariables.end(), base) != kBuiltinVariables.end() ||
        options_.roles.count(base))
      base = "answer_" + base;
    std::string name = base;
    for (int n = 2; taken_.count(name); ++n) name = base + "_" + std::to_string(n);
    taken_.insert(name);
    origin.name = name;
    steps_[origin.step].captures.emplace_back(
        name, origin.header ? "{header: " + Scalar(origin.key) + "}" : Scalar(origin.key));
    return name;
  }

  // ---- the request

  std::string RequestKeys(const ProxiedExchange& e) {
    const Exchange& x = e.exchange;
    const bool control = IsControlPath(e.path);
    std::string target;
    if (auto url = urls_.find(FetchKey(e)); url != urls_.end() && !control) {
      target = Template(url->second);  // a URL handed out, fetched as it was given
    } else {
      target = TemplatePath(e.path);
      if (!e.raw_query.empty()) target += "?" + TemplateQuery(e.raw_query);
    }
    std::string keys = "request: " + Scalar(x.method + " " + target) + "\n";
    std::string headers;
    keys += AuthKeys(e, control, &headers);
    headers += SandboxHeader(e) + HeaderLines(x, !PrefixSandbox(e).empty());
    if (!headers.empty()) keys += "headers:\n" + headers;
    keys += BodyKeys(x);
    if (options_.spec && target[0] == '/' && NotInSpec(x.method, target, x.status)) keys += "openapi: false\n";
    return keys;
  }

  // The flow's own sandbox is the runner's to choose (its paths are written
  // below the prefix); another one an exchange named by the path prefix is
  // named by X-Sandbox instead, which the spec makes the same and whose paths
  // are the spec's own.
  // When both name one, the prefix wins (spec/README.md), so the header is
  // then not written.
  std::string SandboxHeader(const ProxiedExchange& e) {
    const std::string prefixed = PrefixSandbox(e);
    if (prefixed.empty() || prefixed == flow_.sandbox) return "";
    return "      X-Sandbox: " + Scalar(Template(prefixed)) + "\n";
  }

  static std::string PrefixSandbox(const ProxiedExchange& e) {
    const std::string& url = e.exchange.url;
    const size_t authority = url.find("//");
    const size_t path = authority == std::string::npos ? 0 : std::min(url.find('/', authority + 2), url.size());
    const std::string_view full = std::string_view(url).substr(path, url.find('?', path) - path);
    // The path below the prefix ends the URL's path: whatever comes before it is the upstream's base path.
    const size_t at = full.rfind("/_sandbox/", full.size() - std::min(full.size(), e.path.size()));
    if (at == std::string_view::npos) return "";
    const auto split = SplitSandboxPath(full.substr(at));
    return split && split->rest == e.path ? std::string(split->name) : "";
  }

  bool NotInSpec(const std::string& method, const std::string& target, int status) const {
    const std::string path = LiteralPath(target);
    if (!options_.spec->FindOperation(method, path).empty()) return false;
    return !(status == 405 && !options_.spec->FindPath(path).empty());
  }

  std::string TemplatePath(const std::string& path) {
    std::string out;
    for (size_t start = 1; start <= path.size();) {
      const size_t slash = std::min(path.find('/', start), path.size());
      const std::string segment = path.substr(start, slash - start);
      out += "/" + (segment.empty() ? "" : Template(segment));
      start = slash + 1;
    }
    return out.empty() ? "/" : out;
  }

  std::string TemplateQuery(const std::string& raw) {
    std::string out;
    for (size_t start = 0; start <= raw.size();) {
      const size_t amp = std::min(raw.find('&', start), raw.size());
      const std::string pair = raw.substr(start, amp - start);
      const size_t eq = pair.find('=');
      out += (start ? "&" : "") + EscapeTemplate(pair.substr(0, eq));
      if (eq != std::string::npos) out += "=" + (eq + 1 == pair.size() ? "" : Template(pair.substr(eq + 1)));
      start = amp + 1;
    }
    return out;
  }

  // The runner sends `Bearer ${token}` unless told otherwise; /_control
  // requests get the control token, which is never written. Returns the
  // `auth:` line, or adds an Authorization line to `headers`.
  std::string AuthKeys(const ProxiedExchange& e, bool control, std::string* headers) {
    if (control) return "";
    const std::string* auth = FindHeader(e.exchange.request_headers, "Authorization");
    if (!auth) return "auth: none\n";
    sent_.insert(*auth);
    const std::string written = ReplaceSecrets(*auth);
    if (written == "Bearer ${token}") return "";
    if (written == "Bearer ${token_b}") return "auth: vendor_b\n";
    *headers += "      Authorization: " + Scalar(written) + "\n";
    return "";
  }

  std::string HeaderLines(const Exchange& x, bool prefixed) {
    std::string lines;
    for (const auto& [name, value] : x.request_headers) {
      if (IsRunnerHeader(name, value) || (prefixed && EqualsIgnoringCase(name, "X-Sandbox"))) continue;
      if (EqualsIgnoringCase(name, "Content-Type") && IsJsonMediaType(value)) continue;
      lines += "      " + Scalar(name) + ": " + Scalar(Template(value)) + "\n";
    }
    return lines;
  }

  std::string BodyKeys(const Exchange& x) {
    if (x.request_body.empty()) return "";
    const std::string* type = FindHeader(x.request_headers, "Content-Type");
    rapidjson::Document body;
    if (!type || IsJsonMediaType(*type)) body.Parse(x.request_body.data(), x.request_body.size());
    if ((!type || IsJsonMediaType(*type)) && !body.HasParseError()) {
      TemplateStrings(body, body.GetAllocator());
      if (IsEmptyOrScalar(body)) return "body: " + InlineText(body) + "\n";
      std::string block;
      EmitBlock(body, 6, &block);
      return "body:\n" + block;
    }
    if (!purchase::http::IsValidUtf8(x.request_body))
      return "# its body (" + std::to_string(x.request_body.size()) + " bytes) is not UTF-8 text: not written\n";
    sent_.insert(x.request_body);
    return "raw_body: " + Quoted(ReplaceSecrets(x.request_body)) + "\n";
  }

  void TemplateStrings(rapidjson::Value& v, rapidjson::Document::AllocatorType& a) {
    if (v.IsString()) {
      const std::string t = Template(std::string(v.GetString(), v.GetStringLength()));
      v.SetString(t.data(), static_cast<rapidjson::SizeType>(t.size()), a);
    } else if (v.IsObject()) {
      for (auto& m : v.GetObject()) TemplateStrings(m.value, a);
    } else if (v.IsArray()) {
      for (auto& item : v.GetArray()) TemplateStrings(item, a);
    }
  }

  const ClientFlow& flow_;
  const RecordOptions& options_;
  const std::map<std::string, std::string>& secrets_;
  const std::vector<StatePoint> points_;
  std::map<std::string, std::string> role_of_value_;
  std::set<std::string> client_keys_;
  std::set<std::string> sent_;                  // every whole value the client sent so far
  std::map<std::string, Origin> handed_out_;    // value -> where an answer first gave it (since a reset there)
  std::set<std::string> ever_handed_out_;
  bool drop_rules_ = false;
  std::map<std::string, std::string> urls_;     // FetchKey -> a URL handed out
  std::set<std::string> taken_;                 // variable names in use
  std::set<std::string> roles_used_;
  std::vector<RecordedStep> steps_;
};

std::string Comment(const std::string& text, const std::string& indent) {
  std::string out;
  for (size_t start = 0; start <= text.size();) {
    const size_t nl = std::min(text.find('\n', start), text.size());
    out += indent + "# " + text.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  return out;
}

std::string StepText(const RecordedStep& step) {
  std::string out;
  if (!step.comment.empty()) out += Comment(step.comment, "  ");
  if (step.request.empty()) return out;
  std::string keys = step.request;
  if (step.poll_attempts) keys += "poll: {until: " + step.expect + ", attempts: " + std::to_string(step.poll_attempts) + "}\n";
  if (!step.expect.empty()) keys += "expect: " + step.expect + "\n";
  if (!step.captures.empty()) {
    keys += "capture:\n";
    for (const auto& [name, value] : step.captures) keys += "      " + name + ": " + value + "\n";
  }
  // Key lines go at the step's indentation (the first after "- "); nested
  // lines come indented already.
  for (size_t start = 0; start < keys.size();) {
    const size_t nl = keys.find('\n', start);
    const std::string line = keys.substr(start, nl - start);
    out += (line.rfind("      ", 0) == 0 ? "" : start == 0 ? "  - " : "    ") + line + "\n";
    start = nl + 1;
  }
  return out;
}

// The upstream without any userinfo ("https://user:secret@host" -> "https://host").
std::string WithoutUserinfo(const std::string& url) {
  const size_t authority = url.find("//");
  if (authority == std::string::npos) return url;
  const size_t end = std::min(url.find_first_of("/?#", authority + 2), url.size());
  const size_t at = url.rfind('@', end);
  if (at == std::string::npos || at < authority) return url;
  return url.substr(0, authority + 2) + url.substr(at + 1);
}

std::string FileNameFor(const ClientFlow& flow, size_t number) {
  std::string name;
  for (const unsigned char c : flow.name) {
    if (std::isalnum(c)) name += static_cast<char>(std::tolower(c));
    else if (!name.empty() && name.back() != '-') name += '-';
    if (name.size() >= 60) break;
  }
  while (!name.empty() && name.back() == '-') name.pop_back();
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%03zu-", number);
  return prefix + (name.empty() ? std::string("flow") : name) + ".yaml";
}

bool IsCredential(const std::vector<ClientFlow>& flows, const std::string& value) {
  for (const auto& flow : flows)
    for (const auto& e : flow.exchanges)
      if (!value.empty() && CredentialOf(e.client) == value) return true;
  return false;
}

void WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) throw std::runtime_error("cannot write " + path.string());
}

// A control request that changes what the flows around it see: a reset, a
// clock move, a fault rule or drill.
bool ChangesTheTarget(const ProxiedExchange& e) {
  if (IsRead(e) || !Answered(e) || e.exchange.status / 100 != 2) return false;
  for (const char* prefix : {"/_control/reset", "/_control/clock/", "/_control/faults", "/_control/drills/"})
    if (e.path.rfind(prefix, 0) == 0) return true;
  return false;
}

// `flow` with the control requests other clients made in its sandbox while
// it ran, and since its client's exchange before it (the runner's reset,
// clock moves and fault rules, say), in their place: what an order did
// depends on them, and a replay of the flow alone has them nowhere else.
ClientFlow WithTheControlItDependsOn(const ClientFlow& flow, const std::vector<ClientFlow>& flows) {
  const std::string sandbox = SandboxOf(flow.exchanges.front());
  uint64_t since = 0;
  const uint64_t first = flow.exchanges.front().seq, last = flow.exchanges.back().seq;
  for (const ClientFlow& other : flows)
    for (const ProxiedExchange& e : other.exchanges)
      if (&other != &flow && e.client == flow.client && SandboxOf(e) == sandbox && e.seq < first) since = std::max(since, e.seq);
  ClientFlow out = flow;
  for (const ClientFlow& other : flows) {
    if (&other == &flow) continue;
    for (const ProxiedExchange& e : other.exchanges)
      if (e.seq > since && e.seq < last && e.client != flow.client && ChangesTheTarget(e) && SandboxOf(e) == sandbox)
        out.exchanges.push_back(e);
  }
  std::stable_sort(out.exchanges.begin(), out.exchanges.end(),
                   [](const ProxiedExchange& a, const ProxiedExchange& b) { return a.seq < b.seq; });
  out.exchanges.erase(std::unique(out.exchanges.begin(), out.exchanges.end(),
                                  [](const ProxiedExchange& a, const ProxiedExchange& b) { return a.seq == b.seq; }),
                      out.exchanges.end());
  return out;
}

}  // namespace

std::map<std::string, std::string> RecordingSecrets(const std::vector<ClientFlow>& flows, const RecordOptions& options) {
  std::map<std::string, std::string> secrets;
  if (options.token.size() >= kMinSecretLength) secrets[options.token] = "${token}";
  if (options.token_b.size() >= kMinSecretLength) secrets[options.token_b] = "${token_b}";
  // Without a target file's tokens, the first two credentials the service
  // accepted are the replay's two vendors. With them, any other credential
  // is no vendor the replay has (the runner's `{bearer: anything}`, say).
  std::vector<std::string> free_slots;
  if (options.token.empty() && options.token_b.empty()) free_slots = {"${token}", "${token_b}"};
  // A credential the target names as a fixture role (SheetMusicDirect's key) is written as that role.
  std::set<std::string> role_values;
  for (const auto& [role, value] : options.roles) role_values.insert(value);
  int redacted = 0;
  for (const auto& flow : flows)
    for (const auto& e : flow.exchanges) {
      const std::string secret = CredentialOf(e.client);
      if (secret.size() < kMinSecretLength || secrets.count(secret) || role_values.count(secret)) continue;
      const bool control = IsControlPath(e.path);
      const bool accepted = Answered(e) && e.exchange.status != 401 && e.exchange.status != 403;
      if (!control && accepted && !free_slots.empty()) {
        secrets[secret] = free_slots.front();
        free_slots.erase(free_slots.begin());
      } else {
        secrets[secret] = options.keep_secrets ? secret : "redacted-" + std::to_string(++redacted);
      }
    }
  if (options.keep_secrets)
    for (auto it = secrets.begin(); it != secrets.end();)
      it = it->first == it->second ? secrets.erase(it) : std::next(it);
  return secrets;
}

RecordedScenario RecordFlow(const ClientFlow& flow, size_t number, const RecordOptions& options,
                            const std::map<std::string, std::string>& secrets) {
  FlowRecorder recorder(flow, options, secrets);
  const std::vector<RecordedStep> steps = recorder.Steps();
  RecordedScenario scenario;
  scenario.file_name = FileNameFor(flow, number);
  scenario.roles = recorder.roles_used();
  scenario.replayable = std::any_of(steps.begin(), steps.end(), [](const RecordedStep& s) { return !s.request.empty(); });
  std::string& out = scenario.text;
  out = Comment("Recorded by `conformance proxy --record` at " + options.recorded_at + " from " +
                    WithoutUserinfo(options.upstream) + ": flow " + std::to_string(number) + ", " + flow.name + " (" +
                    std::to_string(flow.exchanges.size()) + " exchanges" +
                    (flow.sandbox.empty() ? "" : ", in sandbox " + flow.sandbox + ", written below its prefix") +
                    ").\nEach step expects the recorded status and lifecycle state; the ids, tokens and URLs answers "
                    "handed out are captured.",
                "");
  out += "description: " +
         Quoted("What one client did" + (flow.order_id.empty() ? std::string(" without an order") : " for " + flow.name) +
                ", recorded through conformance proxy (" + std::to_string(flow.exchanges.size()) + " exchanges).") +
         "\n";
  out += "tags: [recorded]\n\nsteps:\n";
  for (const RecordedStep& step : steps) out += StepText(step);
  return scenario;
}

std::vector<std::string> WriteRecording(const std::vector<ClientFlow>& flows, const RecordOptions& options,
                                        const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir + ": " + ec.message());
  const std::map<std::string, std::string> secrets = RecordingSecrets(flows, options);
  std::vector<std::string> written;
  std::set<std::string> roles;
  for (size_t i = 0; i < flows.size(); ++i) {
    const RecordedScenario scenario = RecordFlow(WithTheControlItDependsOn(flows[i], flows), i + 1, options, secrets);
    if (!scenario.replayable) continue;  // nothing but reads the upstream never answered
    const fs::path path = fs::path(dir) / scenario.file_name;
    WriteText(path, scenario.text);
    written.push_back(path.string());
    roles.insert(scenario.roles.begin(), scenario.roles.end());
  }
  // The loader needs every role a file names declared beside it.
  if (!roles.empty()) {
    std::string text = Comment("The fixture roles the recording names, with the values of the recorded target as "
                               "defaults\n(a target of your own sets its own: --var or a target file's vars:).",
                               "");
    for (const std::string& role : roles) {
      // A role that is a credential (an API key) keeps its value out of the file like any credential.
      const bool credential = !options.keep_secrets && IsCredential(flows, options.roles.at(role));
      text += role + ":\n  default: " + Quoted(credential ? "redacted" : options.roles.at(role)) + "\n  role: " +
              Quoted(credential ? "a credential of the recorded target: set it with --var " + role + "=... or a target file"
                                : "the value of fixture role " + role + " when recorded") +
              "\n";
    }
    WriteText(fs::path(dir) / "_fixtures.yaml", text);
    written.push_back((fs::path(dir) / "_fixtures.yaml").string());
  }
  if (!options.api.empty() && options.api != "hl-connector") {
    WriteText(fs::path(dir) / "_api.yaml", Comment("A recording of the " + options.api + " profile's traffic: the "
                                                   "runner judges it by spec/" + options.api + "/.", "") +
                                               "api: " + options.api + "\n");
    written.push_back((fs::path(dir) / "_api.yaml").string());
  }
  return written;
}

}  // namespace conformance
