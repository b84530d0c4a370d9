#include "explore/command.h"

#include <map>
#include <sstream>

namespace conformance::explore {

const char* KindName(CommandKind kind) {
  switch (kind) {
    case CommandKind::kValidate: return "validate";
    case CommandKind::kRegister: return "register";
    case CommandKind::kInfo: return "info";
    case CommandKind::kDownloadUrl: return "download-url";
    case CommandKind::kViewUrl: return "view-url";
    case CommandKind::kFetchUrl: return "fetch-url";
    case CommandKind::kCancel: return "cancel";
    case CommandKind::kHistory: return "history";
    case CommandKind::kAdvance: return "advance";
    case CommandKind::kSetClock: return "set-clock";
    case CommandKind::kReset: return "reset";
    case CommandKind::kAddFault: return "add-fault";
    case CommandKind::kDeleteFault: return "delete-fault";
    case CommandKind::kListFaults: return "list-faults";
    case CommandKind::kWrongMethod: return "wrong-method";
    case CommandKind::kNoAuth: return "no-auth";
  }
  return "?";
}

namespace {

std::string Handle(const char* what, int h) {
  return h < 0 ? std::string("an unknown ") + what : std::string("the ") + what + " of " + std::to_string(h);
}

std::string Seconds(int64_t millis) {
  std::ostringstream s;
  s << millis / 1000;
  if (millis % 1000) {
    s << '.';
    const int64_t ms = millis % 1000;
    s << (ms < 100 ? "0" : "") << (ms < 10 ? "0" : "") << ms;
  }
  return s.str();
}

}  // namespace

std::string Describe(const Command& c) {
  std::ostringstream s;
  const char* who = c.vendor == 0 ? "vendor A" : "vendor B";
  s << c.id << ". " << KindName(c.kind);
  switch (c.kind) {
    case CommandKind::kValidate:
      s << " " << (c.asset_role.empty() ? "an unknown asset" : c.asset_role) << " x" << c.quantity << " from "
        << c.ip_role << (c.drop_field ? " without customer_ip" : "") << " as " << who;
      break;
    case CommandKind::kRegister:
      s << " " << Handle("token", c.token) << " " << (c.asset_role.empty() ? "an unknown asset" : c.asset_role) << " x"
        << c.quantity << " vo-" << c.vendor_order << (c.drop_field ? " without token" : "") << " as " << who;
      break;
    case CommandKind::kInfo:
    case CommandKind::kDownloadUrl:
    case CommandKind::kViewUrl:
    case CommandKind::kHistory:
      s << " " << Handle("order", c.order) << (c.kind == CommandKind::kHistory ? "" : std::string(" as ") + who);
      break;
    case CommandKind::kCancel:
      s << " " << Handle("order", c.order)
        << (c.item == ItemChoice::kOwn ? " with its item" : c.item == ItemChoice::kBogus ? " with another item" : "")
        << " as " << who;
      break;
    case CommandKind::kFetchUrl: s << " " << Handle("url", c.url) << (c.tamper ? " tampered" : ""); break;
    case CommandKind::kAdvance: s << " " << Seconds(c.millis) << " s"; break;
    case CommandKind::kSetClock: s << " to +" << Seconds(c.millis - 1767225600000) << " s"; break;
    case CommandKind::kAddFault: {
      const FaultSpec& f = c.fault;
      s << " match " << (f.match_path.empty() && f.match_asset.empty() ? "{}" : f.match_path + f.match_asset);
      if (f.status) s << " status " << f.status << (f.retry_after >= 0 ? " retry_after " + std::to_string(f.retry_after) : "");
      if (!f.fulfillment.empty()) s << " fulfillment " << f.fulfillment;
      if (f.delay_seconds >= 0) s << " delay " << f.delay_seconds;
      if (f.cancel_after_seconds) s << " cancel_after " << f.cancel_after_seconds;
      if (f.times) s << " times " << f.times;
      break;
    }
    case CommandKind::kDeleteFault: s << " " << Handle("fault", c.fault_handle); break;
    case CommandKind::kWrongMethod: s << " " << c.method << " " << c.path; break;
    case CommandKind::kNoAuth: s << " on " << Handle("order", c.order); break;
    case CommandKind::kReset:
    case CommandKind::kListFaults: break;
  }
  return s.str();
}

void Renumber(std::vector<Command>& commands) {
  std::map<int, int> renamed;
  for (size_t i = 0; i < commands.size(); ++i) renamed[commands[i].id] = static_cast<int>(i + 1);
  auto rename = [&](int& handle) {
    if (handle < 0) return;
    auto it = renamed.find(handle);
    handle = it == renamed.end() ? 1 << 30 : it->second;  // a source that is gone stays gone
  };
  for (Command& c : commands) {
    c.id = renamed[c.id];
    rename(c.token);
    rename(c.order);
    rename(c.url);
    rename(c.fault_handle);
  }
}

}  // namespace conformance::explore
