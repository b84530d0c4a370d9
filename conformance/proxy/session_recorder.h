// SessionRecorder: `conformance proxy --record DIR`. Turns what the proxy saw
// (proxy_session.h's client flows) into a scenario suite that `conformance
// run` replays against any target: one scenario file per flow, one step per
// exchange, each expecting the recorded status and, where the answer carries
// an order, its lifecycle state.
//
// What makes a recording replayable rather than a transcript:
//  - a value the service handed out (an id, a one-time token, a signed URL)
//    and the client sent back later is captured where it first appeared
//    (`capture:` with a JSON pointer or a header) and sent as ${name}: a whole
//    value, a signed URL fetched as `GET ${url}`, or a long one spliced into
//    a longer text (a fault rule's path naming an order);
//  - credentials are never written: the target file's become ${token} and
//    ${token_b} (without a target file's, the first two the service accepted
//    do), any other is written as `redacted-N` (as sent with keep_secrets), and
//    /_control requests take the runner's control token;
//  - a literal equal to a fixture role's value is written as ${role}, a whole
//    value at a time (a JSON string, a query value, a path segment, a header);
//  - a client-chosen unique key the service accepted (vendor_order_id and its
//    kin, kClientKeyMembers) gets a ${run_id} suffix, so a replay twice does
//    not collide with itself, unless a request signed its query over it;
//  - identical reads polled until the answer changed are one `poll:` step;
//  - a reset forgets what was handed out in its sandbox before (a
//    deterministic service hands the same ids out again, for new things);
//  - an exchange the upstream dropped is sent again when it may have changed
//    something (a lost reply), expecting no reply when a fault rule of the
//    flow asked for the drop, and is a comment when it was a read.
//  - the resets, clock moves and fault rules other clients made in the flow's
//    sandbox while it ran, or since its client's exchange before it (the
//    runner's own control requests, say), are replayed in it at their place:
//    the flow's answers depend on them, and its replay has them nowhere else.
// A flow's own sandbox is the runner's (paths are written below its prefix);
// another sandbox an exchange named by its prefix is named by X-Sandbox.
//
// Pure apart from writing the files; safe to call from any thread.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/lifecycle.h"
#include "proxy/proxy_session.h"

namespace conformance {

class OpenApiSpec;

struct RecordOptions {
  std::string api;  // "" for the HL Connector, else the profile name (imaging-catalog, sheetmusicdirect, tabs)
  std::map<std::string, std::string> roles;  // fixture role -> the target's value (target file `vars:` and defaults)
  std::string token, token_b;                // the credentials the target file names: written as ${token}, ${token_b}
  bool keep_secrets = false;                 // --record-secrets: unnamed credentials are written as sent
  // For the comment that opens each file: where and when it was recorded.
  std::string upstream;     // userinfo, if any, is never written
  std::string recorded_at;  // e.g. "2026-12-07T21:30:00Z"
  // Where answers carry an order's state (the lifecycle's observe points);
  // null: the HL Connector's /status beside /order_id.
  const purchase::Lifecycle* lifecycle = nullptr;
  // When given, a step the spec documents no operation for is written with
  // `openapi: false`, as the runner requires of such a step.
  const OpenApiSpec* spec = nullptr;
};

// Members whose value is the client's own unique key for a purchase.
inline const std::vector<std::string> kClientKeyMembers = {"vendor_order_id", "retailerOrderId", "retailerClientId",
                                                           "reference"};

// Writes one scenario file per flow into `dir` (created if missing), plus what
// a suite there needs: a `_fixtures.yaml` declaring the roles the files use
// (the target's values as defaults) and, for a profile, an `_api.yaml`.
// Returns the paths written. Throws std::runtime_error naming the file on an
// I/O error.
std::vector<std::string> WriteRecording(const std::vector<ClientFlow>& flows, const RecordOptions& options,
                                        const std::string& dir);

// One flow as a scenario: what WriteRecording writes for it.
struct RecordedScenario {
  std::string file_name;  // "NNN-<the flow's name>.yaml", NNN its place from 001
  std::string text;
  std::set<std::string> roles;  // the fixture roles it names
  bool replayable = false;      // false: every exchange was a read the upstream never answered (not written)
};
// `number` is the flow's place in the recording, from 1; `secrets` maps each
// credential seen to what is written instead (RecordingSecrets).
RecordedScenario RecordFlow(const ClientFlow& flow, size_t number, const RecordOptions& options,
                            const std::map<std::string, std::string>& secrets);

// What each credential the flows carry is written as: ${token}, ${token_b},
// `redacted-N`, or itself with keep_secrets.
std::map<std::string, std::string> RecordingSecrets(const std::vector<ClientFlow>& flows, const RecordOptions& options);

}  // namespace conformance
