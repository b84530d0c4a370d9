#include "explore/concurrent.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "explore/random.h"

namespace conformance::explore {

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kLinearizable: return "linearizable";
    case Verdict::kNotLinearizable: return "not linearizable";
    case Verdict::kUnknown: return "unknown";
  }
  return "?";
}

ConcurrentCase GenerateConcurrentCase(uint64_t seed, const GeneratorOptions& options) {
  Random random(seed);
  ConcurrentCase c;
  int next_id = 1;
  auto add = [&](std::vector<Command>& to, Command command) {
    command.id = next_id++;
    to.push_back(command);
    return to.back().id;
  };
  auto validate = [&](std::vector<Command>& to, const std::string& asset) {
    Command v;
    v.kind = CommandKind::kValidate;
    v.asset_role = asset;
    v.ip_role = options.ip_roles.empty() ? "ip_us" : options.ip_roles.front();
    return add(to, v);
  };
  auto register_with = [&](std::vector<Command>& to, int token, const std::string& asset, int vendor_order) {
    Command r;
    r.kind = CommandKind::kRegister;
    r.token = token;
    r.asset_role = asset;
    r.vendor_order = vendor_order;
    return add(to, r);
  };
  const std::string basic = "asset_basic";
  const int clients = 2 + static_cast<int>(random.Below(2));
  c.clients.resize(clients);
  switch (random.Below(4)) {
    case 0: {
      c.pattern = "one token, registered by every client";
      const int token = validate(c.prefix, basic);
      for (int k = 0; k < clients; ++k) register_with(c.clients[k], token, basic, 100 + k);
      break;
    }
    case 1: {
      c.pattern = "one vendor order, registered by every client with its own token";
      std::vector<int> tokens;
      for (int k = 0; k < clients; ++k) tokens.push_back(validate(c.prefix, basic));
      for (int k = 0; k < clients; ++k) register_with(c.clients[k], tokens[k], basic, 100);
      break;
    }
    case 2: {
      c.pattern = "a cancel against the advance that settles the order";
      const int order = register_with(c.prefix, validate(c.prefix, basic), basic, 1);
      Command cancel;
      cancel.kind = CommandKind::kCancel;
      cancel.order = order;
      add(c.clients[0], cancel);
      Command advance;
      advance.kind = CommandKind::kAdvance;
      advance.millis = 5000;
      add(c.clients[1], advance);
      if (clients > 2) {
        Command info;
        info.kind = CommandKind::kInfo;
        info.order = order;
        add(c.clients[2], info);
      }
      break;
    }
    default: {
      c.pattern = "a mix of registers, cancels, infos and clock moves";
      const int order = register_with(c.prefix, validate(c.prefix, basic), basic, 1);
      const std::vector<int> tokens = {validate(c.prefix, basic), validate(c.prefix, basic)};
      for (int k = 0; k < clients; ++k) {
        const int n = 1 + static_cast<int>(random.Below(5));
        for (int i = 0; i < n; ++i) {
          switch (random.Below(5)) {
            case 0: register_with(c.clients[k], random.Of(tokens), basic, 200 + static_cast<int>(random.Below(2))); break;
            case 1: {
              Command cancel;
              cancel.kind = CommandKind::kCancel;
              cancel.order = order;
              add(c.clients[k], cancel);
              break;
            }
            case 2: {
              Command info;
              info.kind = CommandKind::kInfo;
              info.order = order;
              add(c.clients[k], info);
              break;
            }
            case 3: {
              Command advance;
              advance.kind = CommandKind::kAdvance;
              advance.millis = random.Chance(50) ? 1000 : 5000;
              add(c.clients[k], advance);
              break;
            }
            default: {
              const int own = validate(c.clients[k], basic);
              register_with(c.clients[k], own, basic, 300 + k);
            }
          }
        }
      }
    }
  }
  return c;
}

namespace {

struct Search {
  const std::vector<Command>& prefix;
  const Handles& target_after_prefix;
  const std::vector<TimedAnswer>& answers;
  const Side& reference;
  const SearchLimits& limits;
  const std::function<double()>& clock;
  double started;
  std::vector<std::vector<bool>> before;  // before[a][b]: a must come before b
  long nodes = 0;
  bool out_of_budget = false;
  std::vector<int> deepest;
  std::string deepest_break;

  // Replays prefix + order on the reference; true if every answer agrees.
  bool Agrees(const std::vector<int>& order, std::string* why) {
    if (!ResetSide(reference).empty()) return false;
    Handles rh, th = target_after_prefix;
    for (const Command& c : prefix) {
      auto request = BuildRequest(c, reference, rh);
      if (!request) continue;
      Absorb(c, reference.client->Send(*request), rh);
    }
    for (int i : order) {
      const TimedAnswer& a = answers[i];
      auto request = BuildRequest(a.command, reference, rh);
      if (!request) {
        *why = Describe(a.command) + ": it names something the reference never handed out in this order";
        return false;
      }
      const HttpResponse ref = reference.client->Send(*request);
      if (auto m = CompareAnswers(a.command, ref, a.response, rh, th)) {
        *why = Describe(a.command) + ": " + m->Message();
        return false;
      }
      Absorb(a.command, ref, rh);
      Absorb(a.command, a.response, th);
    }
    return true;
  }

  bool Extend(std::vector<int>& order, std::vector<bool>& placed) {
    if (order.size() == answers.size()) return true;
    for (size_t next = 0; next < answers.size(); ++next) {
      if (placed[next]) continue;
      bool ready = true;
      for (size_t other = 0; other < answers.size() && ready; ++other)
        if (!placed[other] && other != next && before[other][next]) ready = false;
      if (!ready) continue;
      if (++nodes > limits.max_nodes || clock() - started > limits.max_seconds) {
        out_of_budget = true;
        return false;
      }
      order.push_back(static_cast<int>(next));
      std::string why;
      if (Agrees(order, &why)) {
        placed[next] = true;
        if (Extend(order, placed)) return true;
        placed[next] = false;
        if (out_of_budget) return false;
      } else if (order.size() > deepest.size() || deepest.empty()) {
        deepest.assign(order.begin(), order.end() - 1);
        deepest_break = why;
      }
      order.pop_back();
    }
    return false;
  }
};

}  // namespace

ConcurrentResult Linearize(const std::vector<Command>& prefix, const Handles& target_handles_after_prefix,
                           std::vector<TimedAnswer> answers, const Side& reference, const SearchLimits& limits,
                           const std::function<double()>& clock) {
  ConcurrentResult result;
  Search search{prefix, target_handles_after_prefix, answers, reference, limits, clock, clock(), {}, 0, false, {}, {}};
  const size_t n = answers.size();
  search.before.assign(n, std::vector<bool>(n, false));
  for (size_t a = 0; a < n; ++a)
    for (size_t b = 0; b < n; ++b)
      if (a != b && (answers[a].answered < answers[b].sent ||
                     (answers[a].client == answers[b].client && answers[a].command.id < answers[b].command.id)))
        search.before[a][b] = true;
  std::vector<int> order;
  std::vector<bool> placed(n, false);
  const bool found = search.Extend(order, placed);
  result.nodes = search.nodes;
  if (found) {
    result.verdict = Verdict::kLinearizable;
  } else if (search.out_of_budget) {
    result.verdict = Verdict::kUnknown;
    result.explanation = "the search stopped after " + std::to_string(search.nodes) + " candidate orders";
  } else {
    result.verdict = Verdict::kNotLinearizable;
    std::string text = "no order of the " + std::to_string(n) + " requests explains the answers; the longest order the "
                       "reference agrees with is [";
    for (size_t i = 0; i < search.deepest.size(); ++i)
      text += (i ? ", " : "") + std::to_string(answers[search.deepest[i]].command.id);
    text += "], and then " + search.deepest_break;
    result.explanation = text;
  }
  result.answers = std::move(answers);
  return result;
}

ConcurrentResult RunConcurrentCase(const ConcurrentCase& c, Executor& executor,
                                   const std::function<std::unique_ptr<HttpClient>()>& new_client,
                                   const SearchLimits& limits, const std::function<double()>& clock) {
  ConcurrentResult result;
  const SequenceRun prefix = executor.Run(c.prefix);
  if (prefix.mismatch) {
    result.prefix_mismatch = prefix.mismatch;
    result.verdict = Verdict::kNotLinearizable;
    result.explanation = "the sequential prefix already failed: " + prefix.mismatch->Message();
    return result;
  }
  std::vector<std::vector<TimedAnswer>> per_client(c.clients.size());
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (size_t k = 0; k < c.clients.size(); ++k) clients.push_back(new_client());
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (size_t k = 0; k < c.clients.size(); ++k) {
    threads.emplace_back([&, k] {
      Handles handles = prefix.target_handles;
      ready.fetch_add(1);
      while (ready.load() < static_cast<int>(c.clients.size())) std::this_thread::yield();
      for (const Command& command : c.clients[k]) {
        auto request = BuildRequest(command, executor.target(), handles);
        if (!request) continue;
        TimedAnswer a;
        a.client = static_cast<int>(k);
        a.command = command;
        a.sent = clock();
        a.response = clients[k]->Send(*request);
        a.answered = clock();
        Absorb(command, a.response, handles);
        per_client[k].push_back(std::move(a));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<TimedAnswer> answers;
  for (auto& list : per_client)
    for (auto& a : list) answers.push_back(std::move(a));
  return Linearize(c.prefix, prefix.target_handles, std::move(answers), executor.reference(), limits, clock);
}

}  // namespace conformance::explore
