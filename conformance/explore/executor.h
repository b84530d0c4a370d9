// Runs command lists (command.h) on two sides at once, the target and the
// in-process reference (reference_target.h), and compares every answer:
// the differential oracle of `conformance explore`. Each target answer is
// also judged as the scenarios judge it: against spec/openapi.yaml and
// against spec/lifecycle.yaml.
//
// Opaque values are never compared as strings: what a command got on one
// side stands for what it got on the other (handles), and a
// target must keep that mapping one to one between two resets. What the
// contract leaves open is never compared (see kOpenChoices).
//
// Not thread-safe; one Executor per thread.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "check/openapi.h"
#include "exec/http_client.h"
#include "explore/command.h"

namespace purchase {
class Lifecycle;
}

namespace conformance::explore {

// The choices the contract leaves open, each accepted in every allowed form
// by the oracle, with why (printed by `conformance explore --help`).
extern const char* const kOpenChoices;

// One side of the comparison: where it is and what it calls the fixture roles.
struct Side {
  std::string name;  // "target", "reference"
  HttpClient* client = nullptr;
  std::string base_url;  // no trailing slash
  std::string token_a, token_b, control_token;
  std::map<std::string, std::string> roles;  // fixture role -> this side's value
};

// What a side has handed out so far, by the id of the command that got it.
struct Handles {
  std::map<int, std::string> tokens, orders, urls, faults;
  // Since the last reset: opaque value -> handle, to hold the mapping one to one.
  std::map<std::string, int> order_of_id, token_of_value, fault_of_id;
  void ForgetEpoch() {
    order_of_id.clear();
    token_of_value.clear();
    fault_of_id.clear();
  }
};

// Builds the request `command` means on `side`. Returns nullopt when the
// command names a handle this side never got (its source was cut away).
std::optional<HttpRequest> BuildRequest(const Command& command, const Side& side, const Handles& handles);

// Records what the answer handed out (a token, an order, a URL, a rule).
void Absorb(const Command& command, const HttpResponse& response, Handles& handles);

struct Mismatch {
  size_t step = 0;     // index in the command list
  CommandKind kind = CommandKind::kInfo;
  std::string aspect;  // "status", "error code", "/status", "Retry-After", "spec", "lifecycle"...
  std::string expected, actual;
  // For pointer aspects: the JSON pointer, so a scenario can expect it.
  std::string pointer;
  std::string header;
  // Same cause, same key: the command's kind and what differed, without ids.
  std::string Cause() const;
  std::string Message() const;
};

struct StepRecord {
  Command command;
  bool skipped = false;  // a handle it names has no source on the reference
  HttpRequest target_request, reference_request;
  HttpResponse target, reference;
};

struct SequenceRun {
  std::vector<StepRecord> steps;  // the last one failed when mismatch is set
  std::optional<Mismatch> mismatch;
  Handles target_handles, reference_handles;  // after the last step
};

// Compares one pair of answers to `command` (the oracle): status, error code,
// the members and headers the contract fixes, handles one to one. `rh`/`th`
// are each side's handles before the answers. Returns the first difference.
// Instants compare by value (RFC 3339 lets `+00:00` and any fraction spell
// one); what only our server promises (items and failure_reason absent where
// the contract does not ask for them, the item id `<order_id>-1`, the
// history's cause names) only when `strict_reference`.
std::optional<Mismatch> CompareAnswers(const Command& command, const HttpResponse& reference,
                                       const HttpResponse& target, const Handles& rh, const Handles& th,
                                       bool strict_reference = false);

class Executor {
 public:
  Executor(Side target, Side reference, const OpenApiSpec& spec, const purchase::Lifecycle& lifecycle,
           bool strict_reference = false);

  // Resets both sides, then runs the commands until the first mismatch.
  SequenceRun Run(const std::vector<Command>& commands);

  const Side& target() const { return target_; }
  const Side& reference() const { return reference_; }

 private:
  Side target_, reference_;
  const OpenApiSpec& spec_;
  const purchase::Lifecycle& lifecycle_;
  bool strict_reference_;
};

// Sends POST /_control/reset to `side`; returns why it failed, or "".
std::string ResetSide(const Side& side);

// Whether `side` takes a fulfillment fault rule with `cancel_after_seconds`
// (201 to adding one); resets it afterwards.
bool TakesCancelAfter(const Side& side);

}  // namespace conformance::explore
