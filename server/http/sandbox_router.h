// SandboxRouter: many independent copies of one API behind one port.
//
// Everything a request can change (clock, id and token generators, orders,
// fault rules, audit, history) lives in a sandbox; the router only picks which
// one answers. A request names its sandbox with the header `X-Sandbox: NAME`
// or the path prefix `/_sandbox/NAME/...` (for clients that cannot set
// headers: a browser following a signed URL); the prefix wins over the header.
// No name, or "default": the default sandbox, which is the server as it was
// before sandboxes. An unknown name is a 404 SANDBOX_NOT_FOUND, never a
// fallback to the default.
//
// The router serves /_control/sandboxes at the root (spec/control.yaml): list,
// create (name, seed, start instant), read, delete. It is the same for every
// API: an API gives a factory that builds one sandbox (its surface and all its
// state, behind a RequestHandler) and a renderer for its error bodies.
//
// Threads: the map of sandboxes is read under a shared lock and only written
// by create and delete; each sandbox locks only itself, so requests to
// different sandboxes run in parallel. A sandbox deleted while one of its
// requests runs lives until that request is answered.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "http/http_message.h"

namespace purchase::http {

// One sandbox: an API's whole mutable state behind a handler.
class Sandbox {
 public:
  virtual ~Sandbox() = default;
  // Answers a request routed to this sandbox (path without the prefix).
  virtual HttpReply Handle(const HttpRequest& request) = 0;
  // How many orders it holds (the listing).
  virtual size_t OrderCount() = 0;
  // Whether a request that may grow the sandbox (a POST, PUT or PATCH to
  // `path`, below any prefix) would add to a store already holding `cap`
  // records (orders, one-time tokens, fault rules...): the router then
  // refuses it, so no store of a sandbox grows without end.
  virtual bool Full(std::string_view path, size_t cap) = 0;
  // Its server time, milliseconds since the epoch.
  virtual int64_t Now() = 0;
};

struct SandboxSettings {
  std::string name;
  uint64_t seed = 0;
  std::optional<int64_t> start_ms;  // none: the server's start instant
};

// A new clock for a sandbox, starting at `start` (none: the server's start),
// of the server's kind (manual, or real at the server's rate).
using ClockMaker = std::function<std::unique_ptr<Clock>(std::optional<int64_t> start)>;

using SandboxFactory = std::function<std::unique_ptr<Sandbox>(const SandboxSettings&)>;
// The API's error reply for one of its codes (the codes every API shares:
// NOT_FOUND, METHOD_NOT_ALLOWED, MALFORMED_JSON, REQUEST_VALIDATION_FAILED,
// PAYLOAD_TOO_LARGE, UNAUTHENTICATED, and the SANDBOX_* codes).
// `field` names the request member a REQUEST_VALIDATION_FAILED is about ("" for none).
using ErrorRenderer =
    std::function<HttpReply(std::string_view code, const std::string& message, std::string_view field)>;

// The error reply every API shares ({"error": {"code", "message"}}), its
// status read from the API's errors.yaml (`statuses`, code -> status).
// Throws std::invalid_argument naming `source` and a code the router answers
// with that `statuses` lacks, so a server with an incomplete catalogue does
// not start.
ErrorRenderer CatalogErrorRenderer(const std::map<std::string, int>& statuses, std::string_view source);

struct SandboxOptions {
  size_t max_sandboxes = 100;  // named ones; 0 turns sandboxes off
  size_t max_orders = 10000;   // per named sandbox, and as many tokens or fault rules
  int64_t idle_ms = 3600 * 1000;
  uint64_t server_seed = 1;    // the default sandbox's (--seed), mixed into the seed derived from a name
  bool control_enabled = true;
  std::string control_token;   // empty: none
  size_t max_body_bytes = 64 * 1024;
  // Wall-clock milliseconds, for idle expiry (injected so tests need not wait).
  std::function<int64_t()> wall_ms;
};

class SandboxRouter final : public RequestHandler {
 public:
  SandboxRouter(std::unique_ptr<Sandbox> default_sandbox, SandboxFactory make, ErrorRenderer error,
                SandboxOptions options);
  ~SandboxRouter() override;

  HttpReply Handle(const HttpRequest& request) override;

  // Named sandboxes alive now (the expired included until the next sweep).
  size_t size() const;

  // The seed a sandbox called `name` gets when its creator names none.
  static uint64_t SeedFor(std::string_view name, uint64_t server_seed);
  // 1..64 of [A-Za-z0-9._-], the first a letter or digit.
  static bool ValidName(std::string_view name);

 private:
  struct Entry;

  HttpReply Refuse(std::string_view code, const std::string& message, std::string_view field = {}) const {
    return error_(code, message, field);
  }
  HttpReply Control(const HttpRequest& request, std::string_view rest);
  HttpReply List();
  HttpReply Create(const HttpRequest& request);
  HttpReply Show(const std::string& name);
  HttpReply Remove(const std::string& name);
  std::shared_ptr<Entry> Find(std::string_view name);
  void SweepIdleLocked(int64_t now);

  std::unique_ptr<Sandbox> default_;
  SandboxFactory make_;
  ErrorRenderer error_;
  const SandboxOptions options_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> named_;
  uint64_t generated_ = 0;  // the last generated name's number, under mu_
};

}  // namespace purchase::http
