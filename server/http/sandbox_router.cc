#include "http/sandbox_router.h"

#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/clock.h"
#include "http/credentials.h"
#include "http/error_replies.h"
#include "http/json_body.h"

namespace purchase::http {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr std::string_view kPrefix = "/_sandbox/";
constexpr std::string_view kControl = "/_control/sandboxes";
constexpr std::string_view kDefault = "default";

void WriteString(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

HttpReply Json(int status, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

// Whether a request may make a sandbox's stores grow: every POST, PUT and
// PATCH but the control requests that only empty them or move the clock.
// DELETE and reads never grow anything.
bool MayGrow(std::string_view method, std::string_view path) {
  if (method != "POST" && method != "PUT" && method != "PATCH") return false;
  return path != "/_control/reset" && path.compare(0, 15, "/_control/clock") != 0;
}

}  // namespace

ErrorRenderer CatalogErrorRenderer(const std::map<std::string, int>& statuses, std::string_view source) {
  for (const char* code : {"SANDBOX_NOT_FOUND", "SANDBOX_EXISTS", "SANDBOX_LIMIT_REACHED", "NOT_FOUND",
                           "METHOD_NOT_ALLOWED", "MALFORMED_JSON", "REQUEST_VALIDATION_FAILED", "PAYLOAD_TOO_LARGE",
                           "UNAUTHENTICATED"}) {
    const auto it = statuses.find(code);
    if (it == statuses.end() || it->second == 0)
      throw std::invalid_argument(std::string(source) + ": no error code " + code + " (the sandboxes answer with it)");
  }
  return [replies = ErrorReplies::Of(statuses)](std::string_view code, const std::string& message,
                                                std::string_view field) {
    // A validation error always names its member ("" for the body itself).
    HttpReply reply = replies.Reply(code, message, 0,
                                    code == "REQUEST_VALIDATION_FAILED" ? std::optional(field) : std::nullopt);
    if (code == "UNAUTHENTICATED") reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    return reply;
  };
}

struct SandboxRouter::Entry {
  std::string name;
  uint64_t seed;
  std::unique_ptr<Sandbox> sandbox;
  std::atomic<int64_t> last_used;
};

SandboxRouter::SandboxRouter(std::unique_ptr<Sandbox> default_sandbox, SandboxFactory make, ErrorRenderer error,
                             SandboxOptions options)
    : default_(std::move(default_sandbox)), make_(std::move(make)), error_(std::move(error)),
      options_(std::move(options)) {
  if (!options_.wall_ms) throw std::invalid_argument("SandboxOptions::wall_ms is required");
}

SandboxRouter::~SandboxRouter() = default;

size_t SandboxRouter::size() const {
  std::shared_lock lock(mu_);
  return named_.size();
}

uint64_t SandboxRouter::SeedFor(std::string_view name, uint64_t server_seed) {
  // FNV-1a over the name, then a splitmix64 round with the server's seed: the
  // same name on the same server always gets the same seed, and neighbouring
  // names get unrelated ones.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  uint64_t z = h ^ (server_seed * 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  // 53 bits: a JSON reader that holds numbers as doubles (JavaScript)
  // echoes it back exactly.
  return (z ^ (z >> 31)) & ((uint64_t{1} << 53) - 1);
}

bool SandboxRouter::ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front())) return false;
  for (char c : name)
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

std::shared_ptr<SandboxRouter::Entry> SandboxRouter::Find(std::string_view name) {
  const int64_t now = options_.wall_ms();
  std::shared_lock lock(mu_);
  const auto it = named_.find(name);
  if (it == named_.end()) return nullptr;
  // An idle sandbox is gone from the moment it expires, swept or not.
  if (now - it->second->last_used.load(std::memory_order_relaxed) > options_.idle_ms) return nullptr;
  it->second->last_used.store(now, std::memory_order_relaxed);
  return it->second;
}

void SandboxRouter::SweepIdleLocked(int64_t now) {
  for (auto it = named_.begin(); it != named_.end();)
    it = now - it->second->last_used.load(std::memory_order_relaxed) > options_.idle_ms ? named_.erase(it)
                                                                                        : std::next(it);
}

HttpReply SandboxRouter::Handle(const HttpRequest& request) {
  // Which sandbox: the path prefix, else the header, else the default.
  std::string_view name;
  std::string_view rest;
  const bool prefixed = request.path.compare(0, kPrefix.size(), kPrefix) == 0;
  if (prefixed) {
    const std::string_view after = std::string_view(request.path).substr(kPrefix.size());
    const size_t slash = after.find('/');
    name = after.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view("/") : after.substr(slash);
  } else if (request.sandbox) {
    // Sent but empty (an unset variable in a CI job) names no sandbox: 404,
    // never the default.
    name = *request.sandbox;
  } else {
    name = kDefault;
  }

  if (name == kDefault) {
    if (!prefixed) {
      if (options_.max_sandboxes > 0 && options_.control_enabled &&
          request.path.compare(0, kControl.size(), kControl) == 0 &&
          (request.path.size() == kControl.size() || request.path[kControl.size()] == '/'))
        return Control(request, std::string_view(request.path).substr(kControl.size()));
      return default_->Handle(request);
    }
  }
  Sandbox* sandbox = name == kDefault ? default_.get() : nullptr;
  std::shared_ptr<Entry> entry;
  if (!sandbox && options_.max_sandboxes > 0 && ValidName(name)) {
    entry = Find(name);
    if (entry) sandbox = entry->sandbox.get();
  }
  if (!sandbox)
    return Refuse("SANDBOX_NOT_FOUND", "no sandbox is called '" + std::string(name.substr(0, 64)) +
                                           "' (POST /_control/sandboxes creates one; GET lists them)");
  const std::string_view api_path = prefixed ? rest : std::string_view(request.path);
  if (entry && MayGrow(request.method, api_path) && sandbox->Full(api_path, options_.max_orders))
    return Refuse("SANDBOX_LIMIT_REACHED", "this sandbox holds " + std::to_string(options_.max_orders) +
                                               " orders, tokens or fault rules, the most a sandbox may "
                                               "(--sandbox-max-orders): POST /_control/reset in it, or use another");
  if (!prefixed) return sandbox->Handle(request);
  HttpRequest routed = request;
  routed.path.assign(rest);
  routed.base_path.assign(kPrefix).append(name);
  return sandbox->Handle(routed);
}

HttpReply SandboxRouter::Control(const HttpRequest& request, std::string_view rest) {
  if (!options_.control_token.empty() &&
      !ConstantTimeEquals(BearerToken(request.authorization), options_.control_token))
    return Refuse("UNAUTHENTICATED", "the control API needs 'Authorization: Bearer <control token>'");
  if (request.body.size() > options_.max_body_bytes)
    return Refuse("PAYLOAD_TOO_LARGE", "the body is over " + std::to_string(options_.max_body_bytes) + " bytes");
  auto not_allowed = [&](const char* allow) {
    HttpReply reply = Refuse("METHOD_NOT_ALLOWED", request.method + " is not allowed here");
    reply.headers.emplace_back("Allow", allow);
    return reply;
  };
  if (rest.empty()) {
    if (request.method == "GET") return List();
    if (request.method == "POST") return Create(request);
    return not_allowed("GET, POST");
  }
  const std::string name(rest.substr(1));
  // No endpoint: the API answers it as it answers any path it does not route.
  if (name.empty() || name.find('/') != std::string::npos) return default_->Handle(request);
  if (request.method == "GET") return Show(name);
  if (request.method == "DELETE") return Remove(name);
  return not_allowed("GET, DELETE");
}

namespace {

void WriteSandbox(Writer& w, std::string_view name, uint64_t seed, Sandbox& sandbox) {
  w.StartObject();
  w.Key("name");
  WriteString(w, name);
  w.Key("seed");
  w.Uint64(seed);
  w.Key("orders");
  w.Uint64(sandbox.OrderCount());
  w.Key("now");
  const Rfc3339Text now = FormatRfc3339Text(sandbox.Now());
  w.String(now.data, static_cast<rapidjson::SizeType>(now.size));
  w.EndObject();
}

}  // namespace

HttpReply SandboxRouter::List() {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::unique_lock lock(mu_);
    SweepIdleLocked(options_.wall_ms());
    for (const auto& [name, entry] : named_) entries.push_back(entry);
  }
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("sandboxes");
  w.StartArray();
  WriteSandbox(w, kDefault, options_.server_seed, *default_);
  for (const auto& e : entries) WriteSandbox(w, e->name, e->seed, *e->sandbox);
  w.EndArray();
  w.Key("max_sandboxes");
  w.Uint64(options_.max_sandboxes);
  w.EndObject();
  return Json(200, b.GetString());
}

HttpReply SandboxRouter::Show(const std::string& name) {
  if (name == kDefault) {
    rapidjson::StringBuffer b;
    Writer w(b);
    WriteSandbox(w, kDefault, options_.server_seed, *default_);
    return Json(200, b.GetString());
  }
  const std::shared_ptr<Entry> entry = ValidName(name) ? Find(name) : nullptr;
  if (!entry) return Refuse("SANDBOX_NOT_FOUND", "no sandbox is called '" + name.substr(0, 64) + "'");
  rapidjson::StringBuffer b;
  Writer w(b);
  WriteSandbox(w, entry->name, entry->seed, *entry->sandbox);
  return Json(200, b.GetString());
}

HttpReply SandboxRouter::Remove(const std::string& name) {
  if (name == kDefault)
    return Refuse("REQUEST_VALIDATION_FAILED",
                  "the default sandbox cannot be deleted (POST /_control/reset empties it)");
  std::shared_ptr<Entry> gone;
  {
    std::unique_lock lock(mu_);
    SweepIdleLocked(options_.wall_ms());
    const auto it = named_.find(name);
    if (it != named_.end()) {
      gone = it->second;
      named_.erase(it);
    }
  }
  if (!gone) return Refuse("SANDBOX_NOT_FOUND", "no sandbox is called '" + name.substr(0, 64) + "'");
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("deleted");
  WriteString(w, gone->name);
  w.EndObject();
  return Json(200, b.GetString());
  // `gone` is freed here, or by the last request still running in it.
}

HttpReply SandboxRouter::Create(const HttpRequest& request) {
  SandboxSettings settings;
  std::optional<uint64_t> seed;
  if (!request.body.empty()) {
    const ParsedJson parsed = ParseJson(request.body);
    if (parsed.refusal) {
      if (parsed.refusal->kind == JsonRefusal::Kind::kMalformed) return Refuse("MALFORMED_JSON", parsed.refusal->message);
      return Refuse("REQUEST_VALIDATION_FAILED", parsed.refusal->message, parsed.refusal->field);
    }
    const rapidjson::Value& body = *parsed.value;
    if (!body.IsObject()) return Refuse("REQUEST_VALIDATION_FAILED", "the body must be a JSON object");
    for (const auto& m : body.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (key == "name") {
        if (!m.value.IsString() || !ValidName({m.value.GetString(), m.value.GetStringLength()}))
          return Refuse("REQUEST_VALIDATION_FAILED",
                        "name must be 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit", "name");
        settings.name.assign(m.value.GetString(), m.value.GetStringLength());
        if (settings.name == kDefault)
          return Refuse("SANDBOX_EXISTS", "the default sandbox always exists");
      } else if (key == "seed") {
        if (!m.value.IsUint64()) return Refuse("REQUEST_VALIDATION_FAILED", "seed must be an integer 0..2^64-1", "seed");
        seed = m.value.GetUint64();
      } else if (key == "start_time") {
        // At most 64 characters and no later than year 9999, as the clock's own `now`.
        const std::optional<Millis> start = m.value.IsString() && m.value.GetStringLength() <= 64
                                                ? ParseRfc3339({m.value.GetString(), m.value.GetStringLength()})
                                                : std::nullopt;
        if (!start || *start > kLatestInstant)
          return Refuse("REQUEST_VALIDATION_FAILED",
                        "start_time must be an RFC 3339 instant like 2026-01-01T00:00:00Z, of at most 64 characters",
                        "start_time");
        settings.start_ms = *start;
      } else {
        return Refuse("REQUEST_VALIDATION_FAILED",
                      "unknown member '" + std::string(key.substr(0, 64)) + "' (name, seed and start_time are read)",
                      key);
      }
    }
  }
  std::unique_lock lock(mu_);
  SweepIdleLocked(options_.wall_ms());
  if (!settings.name.empty() && named_.count(settings.name))
    return Refuse("SANDBOX_EXISTS", "a sandbox is already called '" + settings.name + "'");
  if (named_.size() >= options_.max_sandboxes)
    return Refuse("SANDBOX_LIMIT_REACHED", "the server holds " + std::to_string(options_.max_sandboxes) +
                                               " sandboxes, the most it may (--max-sandboxes): delete one first");
  if (settings.name.empty())
    do settings.name = "sandbox-" + std::to_string(++generated_);
    while (named_.count(settings.name));
  settings.seed = seed.value_or(SeedFor(settings.name, options_.server_seed));
  // Built under the lock: two creates of one name must not both build. A
  // sandbox is small, so holding it here is short.
  std::unique_ptr<Sandbox> sandbox = make_(settings);
  auto entry = std::make_shared<Entry>();
  entry->name = settings.name;
  entry->seed = settings.seed;
  entry->sandbox = std::move(sandbox);
  entry->last_used.store(options_.wall_ms(), std::memory_order_relaxed);
  named_.emplace(settings.name, entry);
  lock.unlock();

  rapidjson::StringBuffer b;
  Writer w(b);
  WriteSandbox(w, entry->name, entry->seed, *entry->sandbox);
  HttpReply reply = Json(201, b.GetString());
  reply.headers.emplace_back("Location", std::string(kControl) + "/" + entry->name);
  return reply;
}

}  // namespace purchase::http
