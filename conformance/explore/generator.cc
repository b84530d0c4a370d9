#include "explore/generator.h"

#include <algorithm>
#include <set>

#include <rapidjson/document.h>

#include "core/clock.h"
#include "explore/random.h"

namespace conformance::explore {

const std::vector<std::string>& AssetRoles() {
  static const std::vector<std::string> roles = {"asset_basic",      "asset_instant",   "asset_fails",
                                                 "asset_slow",       "asset_us_only",   "asset_blocked_de",
                                                 "asset_min_qty_5",  "asset_unavailable"};
  return roles;
}

const std::vector<std::string>& IpRoles() {
  static const std::vector<std::string> roles = {"ip_us", "ip_de", "ip_unknown"};
  return roles;
}

namespace {

constexpr int64_t kStart = 1767225600000;  // 2026-01-01T00:00:00Z

struct TokenModel {
  int producer;  // the id of the validate that got it
  int vendor;
  std::string asset;
  int64_t quantity;
  bool used = false;
};

struct OrderModel {
  int producer;
  int vendor;
  std::string asset;
  int64_t quantity;
  int vendor_order;
};

struct Model {
  int64_t now = kStart;
  std::vector<TokenModel> tokens;
  std::vector<OrderModel> orders;
  std::vector<int> urls, faults;  // producers
  int next_vendor_order = 1;
  std::set<int64_t> instants;         // due, expiry and cancel instants worth landing on
  std::set<int64_t> fulfillment_delays = {0, 5000, 3600000};
};

int64_t Instant(const rapidjson::Document& d, const char* member) {
  if (d.HasParseError() || !d.IsObject() || !d.HasMember(member) || !d[member].IsString()) return 0;
  return purchase::ParseRfc3339(d[member].GetString()).value_or(0);
}

}  // namespace

std::vector<Command> Generate(uint64_t seed, const GeneratorOptions& options, const Side& reference) {
  Random random(seed);
  Model model;
  Handles handles;
  std::vector<Command> out;
  ResetSide(reference);
  const std::vector<std::string>& assets = options.asset_roles;
  const std::vector<std::string>& ips = options.ip_roles;
  auto pick_asset = [&]() -> std::string {
    if (assets.empty() || random.Chance(3)) return "";  // an asset no catalog has
    // The first two (basic, instant) are the workhorses.
    if (random.Chance(50)) return assets[random.Below(std::min<size_t>(2, assets.size()))];
    return random.Of(assets);
  };
  auto pick_vendor = [&](int owner) { return options.second_vendor && random.Chance(10) ? 1 - owner : owner; };
  auto pick_order = [&]() -> int {
    if (model.orders.empty() || random.Chance(5)) return -1;
    // Recent orders are the interesting ones.
    const size_t n = model.orders.size();
    return static_cast<int>(random.Chance(60) ? n - 1 - random.Below(std::min<size_t>(3, n)) : random.Below(n));
  };
  auto later_instants = [&]() {
    std::vector<int64_t> later;
    for (int64_t t : model.instants)
      if (t > model.now) later.push_back(t);
    return later;
  };
  struct Weighted {
    CommandKind kind;
    int weight;
  };
  for (int step = 0; step < options.steps; ++step) {
    int token_index = -1;  // register: which model token it uses
    std::vector<Weighted> table = {
        {CommandKind::kValidate, 14}, {CommandKind::kAdvance, 10}, {CommandKind::kSetClock, 5},
        {CommandKind::kListFaults, options.faults ? 1 : 0}, {CommandKind::kWrongMethod, 1},
        {CommandKind::kReset, 1}, {CommandKind::kRegister, model.tokens.empty() ? 2 : 16},
    };
    if (!model.orders.empty()) {
      table.insert(table.end(), {{CommandKind::kInfo, 12}, {CommandKind::kDownloadUrl, 5}, {CommandKind::kViewUrl, 4},
                                 {CommandKind::kCancel, 6}, {CommandKind::kNoAuth, 1},
                                 {CommandKind::kHistory, options.history ? 3 : 0}});
    }
    if (!model.urls.empty()) table.push_back({CommandKind::kFetchUrl, 6});
    if (options.faults) table.push_back({CommandKind::kAddFault, 4});
    if (!model.faults.empty()) table.push_back({CommandKind::kDeleteFault, 1});
    int total = 0;
    for (const auto& w : table) total += w.weight;
    int roll = static_cast<int>(random.Below(total));
    CommandKind kind = table.front().kind;
    for (const auto& w : table) {
      if (roll < w.weight) {
        kind = w.kind;
        break;
      }
      roll -= w.weight;
    }
    Command c;
    c.id = static_cast<int>(out.size()) + 1;
    c.kind = kind;
    switch (kind) {
      case CommandKind::kValidate:
        c.vendor = options.second_vendor && random.Chance(20) ? 1 : 0;
        c.asset_role = pick_asset();
        c.quantity = c.asset_role == "asset_min_qty_5" ? 4 + static_cast<int64_t>(random.Below(3))
                                                       : 1 + static_cast<int64_t>(random.Below(random.Chance(70) ? 1 : 3));
        if (random.Chance(2)) c.quantity = 0;
        c.ip_role = ips.empty() ? "ip_us" : random.Of(ips);
        c.drop_field = random.Chance(2);
        break;
      case CommandKind::kRegister: {
        std::vector<int> unused;
        for (size_t i = 0; i < model.tokens.size(); ++i)
          if (!model.tokens[i].used) unused.push_back(static_cast<int>(i));
        int index = -1;
        if (!unused.empty() && random.Chance(75)) index = random.Of(unused);
        else if (!model.tokens.empty() && random.Chance(80)) index = static_cast<int>(random.Below(model.tokens.size()));
        TokenModel* t = index >= 0 ? &model.tokens[index] : nullptr;
        c.token = t ? t->producer : -1;
        token_index = index;
        c.vendor = t ? pick_vendor(t->vendor) : 0;
        c.asset_role = t && random.Chance(88) ? t->asset : pick_asset();
        c.quantity = t && random.Chance(90) ? t->quantity : 1 + static_cast<int64_t>(random.Below(5));
        if (!model.orders.empty() && random.Chance(15)) c.vendor_order = random.Of(model.orders).vendor_order;
        else c.vendor_order = model.next_vendor_order++;
        c.drop_field = random.Chance(2);
        break;
      }
      case CommandKind::kInfo:
      case CommandKind::kDownloadUrl:
      case CommandKind::kViewUrl:
      case CommandKind::kCancel:
      case CommandKind::kHistory:
      case CommandKind::kNoAuth: {
        const int index = pick_order();
        c.order = index >= 0 ? model.orders[index].producer : -1;
        c.vendor = index >= 0 ? pick_vendor(model.orders[index].vendor) : 0;
        if (kind == CommandKind::kCancel) {
          c.item = random.Chance(65) ? ItemChoice::kNone : random.Chance(65) ? ItemChoice::kOwn : ItemChoice::kBogus;
          if (!options.item_ids) c.item = ItemChoice::kNone;  // drawn anyway: the same sequence either way
        }
        break;
      }
      case CommandKind::kFetchUrl:
        c.url = random.Chance(60) ? model.urls.back() : random.Of(model.urls);
        c.tamper = random.Chance(15);
        break;
      case CommandKind::kAdvance: {
        const auto later = later_instants();
        if (!later.empty() && random.Chance(65)) {
          const int64_t target = random.Chance(60) ? later.front() : random.Of(later);
          const int64_t nudge = random.Chance(60) ? 0 : random.Chance(50) ? -1 : 1;
          c.millis = std::max<int64_t>(0, target + nudge - model.now);
        } else {
          static const std::vector<int64_t> steps = {500, 1000, 2000, 5000, 0};
          c.millis = random.Of(steps);
        }
        break;
      }
      case CommandKind::kSetClock: {
        const auto later = later_instants();
        if (random.Chance(10)) c.millis = model.now - 1000;  // backwards: 422 CLOCK_BACKWARDS
        else if (random.Chance(15) || later.empty()) c.millis = model.now;
        else c.millis = random.Of(later) + (random.Chance(70) ? 0 : 1);
        break;
      }
      case CommandKind::kAddFault: {
        FaultSpec& f = c.fault;
        if (random.Chance(50)) {
          static const std::vector<std::string> paths = {"/purchase/info", "/purchase/register",
                                                         "/purchase/validate-purchase-before-payment",
                                                         "/purchase/download-url"};
          static const std::vector<int> statuses = {503, 429, 500};
          f.match_path = random.Of(paths);
          f.status = random.Of(statuses);
          if (random.Chance(50)) f.retry_after = 1 + static_cast<int>(random.Below(2));
          f.times = 1 + static_cast<int>(random.Below(2));
        } else {
          f.fulfillment = random.Chance(50) ? "fail" : "complete";
          if (random.Chance(60)) {
            static const std::vector<double> delays = {0, 2, 7};
            f.delay_seconds = random.Of(delays);
            if (f.delay_seconds == 0 && !options.zero_delays) f.delay_seconds = 2;
          }
          // The draw is made either way, so a seed gives the same sequence
          // with and without the effect.
          if (f.fulfillment == "complete" && random.Chance(35) && options.cancel_after) f.cancel_after_seconds = 3;
          if (!assets.empty() && random.Chance(50)) f.match_asset = assets[random.Below(std::min<size_t>(2, assets.size()))];
          f.times = random.Chance(60) ? 1 : 0;
        }
        break;
      }
      case CommandKind::kDeleteFault:
        c.fault_handle = random.Of(model.faults);
        break;
      case CommandKind::kWrongMethod: {
        static const std::vector<std::pair<std::string, std::string>> wrong = {
            {"PUT", "/purchase/info"}, {"GET", "/purchase/register"}, {"POST", "/purchase/cancel"},
            {"DELETE", "/purchase/validate-purchase-before-payment"}, {"PUT", "/_control/faults"}};
        const auto& [method, path] = random.Of(wrong);
        c.method = method;
        c.path = path;
        break;
      }
      case CommandKind::kReset:
      case CommandKind::kListFaults:
        break;
    }
    // Run it on the model to learn what it handed out.
    auto request = BuildRequest(c, reference, handles);
    if (!request) continue;
    const HttpResponse reply = reference.client->Send(*request);
    out.push_back(c);
    Absorb(c, reply, handles);
    rapidjson::Document d;
    d.Parse(reply.body.c_str());
    switch (c.kind) {
      case CommandKind::kValidate:
        if (reply.status == 200) {
          model.tokens.push_back({c.id, c.vendor, c.asset_role, c.quantity});
          model.instants.insert(Instant(d, "exp_date"));
        }
        break;
      case CommandKind::kRegister:
        if (reply.status == 201) {
          if (token_index >= 0) model.tokens[token_index].used = true;
          model.orders.push_back({c.id, c.vendor, c.asset_role, c.quantity, c.vendor_order});
          const int64_t created = Instant(d, "created_at");
          for (int64_t delay : model.fulfillment_delays) {
            model.instants.insert(created + delay);
            model.instants.insert(created + delay + 3000);  // a cancel_after_seconds of 3
          }
        }
        break;
      case CommandKind::kDownloadUrl:
      case CommandKind::kViewUrl:
        if (reply.status == 200) {
          model.urls.push_back(c.id);
          rapidjson::Document u;
          u.Parse(reply.body.c_str());
          model.instants.insert(Instant(u, "expires_at"));
        }
        break;
      case CommandKind::kAdvance:
      case CommandKind::kSetClock:
      case CommandKind::kReset:
        if (reply.status == 200) {
          const int64_t now = Instant(d, "now");
          if (now) model.now = now;
        }
        break;
      case CommandKind::kAddFault:
        if (reply.status == 201) {
          model.faults.push_back(c.id);
          if (c.fault.delay_seconds >= 0) model.fulfillment_delays.insert(std::llround(c.fault.delay_seconds * 1000));
        }
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace conformance::explore
