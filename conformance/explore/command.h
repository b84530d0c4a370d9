// The commands `conformance explore` generates: one request (or control
// step) of the Purchase API each, written in terms of the model, never of a
// target's values. Arguments name fixture roles (`asset_basic`), handles
// (the k-th token validate handed out, the k-th order register created, the
// k-th URL, the k-th fault rule) and instants relative to nothing but the
// manual clock's start, so that one command list means the same thing on any
// target and on the in-process reference.
//
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace conformance::explore {

enum class CommandKind {
  kValidate,
  kRegister,
  kInfo,
  kDownloadUrl,
  kViewUrl,
  kFetchUrl,
  kCancel,
  kHistory,
  kAdvance,
  kSetClock,
  kReset,
  kAddFault,
  kDeleteFault,
  kListFaults,
  kWrongMethod,
  kNoAuth,
};

// Returns the kind's name in reports ("register", "set-clock"...).
const char* KindName(CommandKind kind);

enum class ItemChoice { kNone, kOwn, kBogus };

struct FaultSpec {
  std::string match_path;   // "" or a path
  std::string match_asset;  // "" or an asset role
  int status = 0;           // request effect when non-zero
  int retry_after = -1;     // with status; -1: none
  std::string fulfillment;  // "fail" or "complete" (fulfillment effect), "" none
  double delay_seconds = -1;   // fulfillment_delay_seconds; -1: none
  int cancel_after_seconds = 0;  // 0: none
  int times = 0;                 // 0: unlimited
};

struct Command {
  // Unique in its sequence: handles name the command that produced them, so
  // that deleting other commands (shrinking) never changes what one names.
  int id = 0;
  CommandKind kind = CommandKind::kInfo;
  int vendor = 0;  // 0: ${token}, 1: ${token_b}
  // validate, register
  std::string asset_role;  // a fixture role, or "" for an asset no catalog has
  int64_t quantity = 1;
  std::string ip_role;     // validate: a fixture role
  bool drop_field = false;  // validate/register: leave out a required member (422)
  int token = -1;          // register: the id of the validate whose token it uses; -1 a token nobody issued
  int vendor_order = 0;    // register: vendor_order_id "vo-<n>"
  // info, urls, cancel, history
  int order = -1;  // the id of the register that created the order; -1 an id that names nothing
  ItemChoice item = ItemChoice::kNone;
  // fetch
  int url = -1;  // the id of the download-url/view-url that handed it out
  bool tamper = false;
  // clock
  int64_t millis = 0;  // advance: how far; set-clock: the instant (ms since the epoch)
  // faults
  FaultSpec fault;
  int fault_handle = -1;  // the id of the add-fault that created it
  // wrong-method
  std::string method, path;
};

// Returns a one-line description ("register the token of 2 asset_basic x1 vo-3 as vendor A").
std::string Describe(const Command& command);

// Renumbers the commands 1, 2, 3... in order (ids and the handles naming them).
void Renumber(std::vector<Command>& commands);

}  // namespace conformance::explore
