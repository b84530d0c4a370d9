#include "diff/contract_diff.h"

#include "http/error_replies.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <sstream>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <yaml-cpp/yaml.h>

#include "core/lifecycle.h"
#include "core/spec_layers.h"
#include "core/yaml_document.h"
#include "scenario/rule_ledger.h"

namespace conformance {
namespace {

// Which side of the wire a schema constrains: what clients send, or what
// implementations answer.
enum class Side { kRequest, kReply };

struct Breaks {
  bool clients = false;
  bool implementations = false;
};
constexpr Breaks kSafe{false, false};
constexpr Breaks kClients{true, false};
constexpr Breaks kImplementations{false, true};
constexpr Breaks kBoth{true, true};

// The principle of contract_diff.h: a narrower request refuses what clients
// sent; a wider one asks implementations to accept more. A wider reply may
// surprise clients; a narrower one refuses what implementations answered.
Breaks Tightened(Side side) { return side == Side::kRequest ? kClients : kImplementations; }
Breaks Loosened(Side side) { return side == Side::kRequest ? kImplementations : kClients; }

std::string TightenedReason(Side side) {
  return side == Side::kRequest ? "a request the old contract allowed may now be refused, so clients that send it break"
                                : "an answer the old contract allowed is now wrong, so implementations that give it break";
}
std::string LoosenedReason(Side side) {
  return side == Side::kRequest
             ? "implementations must now accept a request the old contract let them refuse"
             : "clients may now receive an answer the old contract never allowed, which they do not handle";
}

// A const lookup: yaml-cpp's non-const operator[] would grow the tree.
YAML::Node Get(const YAML::Node& node, const std::string& key) {
  if (!node || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node& c = node;
  return c[key];
}

std::string ScalarOr(const YAML::Node& node, const std::string& fallback = "") {
  return node && node.IsScalar() ? node.Scalar() : fallback;
}

bool BoolOf(const YAML::Node& node) { return node && node.IsScalar() && node.as<bool>(false); }

// A value in a form two versions can be compared by: scalars as written,
// anything else as flow YAML.
std::string Canonical(const YAML::Node& node) {
  if (!node) return "";
  if (node.IsScalar()) return node.Scalar();
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << node;
  return e.c_str();
}

std::set<std::string> ScalarSet(const YAML::Node& seq) {
  std::set<std::string> out;
  if (seq && seq.IsSequence())
    for (const auto& v : seq) out.insert(Canonical(v));
  return out;
}

std::set<std::string> KeysOf(const YAML::Node& map) {
  std::set<std::string> out;
  if (map && map.IsMap())
    for (const auto& kv : map) out.insert(kv.first.Scalar());
  return out;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

struct Document {
  YAML::Node root;
  std::string source;
};

// Follows a local JSON pointer ("#/components/schemas/Error").
YAML::Node AtPointer(const Document& doc, const YAML::Node& ref_node) {
  const std::string ref = ref_node.Scalar();
  if (ref.rfind("#/", 0) != 0)
    throw purchase::SpecErrorAt(doc.source, ref_node, "only local $refs (#/...) are followed, not '" + ref + "'");
  YAML::Node cur;
  cur.reset(doc.root);
  std::stringstream parts(ref.substr(2));
  std::string part;
  while (std::getline(parts, part, '/')) {
    for (size_t i; (i = part.find("~1")) != std::string::npos;) part.replace(i, 2, "/");
    for (size_t i; (i = part.find("~0")) != std::string::npos;) part.replace(i, 2, "~");
    YAML::Node next = Get(cur, part);
    if (!next) throw purchase::SpecErrorAt(doc.source, ref_node, "$ref '" + ref + "' points nowhere");
    cur.reset(next);
  }
  return cur;
}

// The object a node stands for, its $refs followed.
YAML::Node Follow(const Document& doc, const YAML::Node& node) {
  YAML::Node cur;
  cur.reset(node);
  for (int hops = 0; Get(cur, "$ref"); ++hops) {
    if (hops == 16) throw purchase::SpecErrorAt(doc.source, node, "$ref chain longer than 16");
    YAML::Node next = AtPointer(doc, Get(cur, "$ref"));
    cur.reset(next);
  }
  return cur;
}

std::string RefOf(const YAML::Node& node) { return ScalarOr(Get(node, "$ref")); }

struct OperationRef;

// The changes of one comparison, with the shared components it met deferred
// so each is compared once (a change to the Error schema is one change, not
// one per error response).
class Differ {
 public:
  Differ(Document old_doc, Document new_doc, std::vector<ContractChange>* out)
      : old_(std::move(old_doc)), new_(std::move(new_doc)), out_(out) {}

  void Operations();
  void DeferredComponents();

 private:
  enum class ComponentKind { kSchema, kResponse };
  struct Deferred {
    ComponentKind kind;
    Side side;
    std::string ref;
    std::string base, pointer;  // where it was first met
    YAML::Node old_node, new_node;  // the $refs met there, for their positions in errors
  };

  void Emit(const std::string& kind, const std::string& where, const std::string& what, Breaks breaks,
            const std::string& reason);
  // True (and the comparison deferred) when both sides name the same component.
  bool Defer(ComponentKind kind, const YAML::Node& o, const YAML::Node& n, Side side, const std::string& base,
             const std::string& pointer);

  void Operation(const OperationRef& o, const OperationRef& n);
  void Parameters(const OperationRef& o, const OperationRef& n);
  void RequestBody(const std::string& where, const YAML::Node& o_op, const YAML::Node& n_op);
  void Responses(const std::string& where, const YAML::Node& o_op, const YAML::Node& n_op);
  void ResponseRef(const std::string& where, const YAML::Node& o, const YAML::Node& n);
  void Response(const std::string& where, const YAML::Node& o, const YAML::Node& n);
  void ErrorCodes(const std::string& where, const YAML::Node& o_list, const YAML::Node& n_list);
  void Headers(const std::string& where, const YAML::Node& o, const YAML::Node& n);
  void Content(const std::string& where, Side side, const YAML::Node& o, const YAML::Node& n);

  void SchemaRef(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& base,
                 const std::string& pointer);
  void Schema(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& base,
              const std::string& pointer);
  void Enum(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& where);
  void Bounds(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& where);
  void Properties(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& base,
                  const std::string& pointer);
  void Alternatives(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& base,
                    const std::string& pointer);

  Document old_, new_;
  std::vector<ContractChange>* out_;
  std::map<std::tuple<ComponentKind, Side, std::string>, int> uses_;  // places each deferred comparison was met
  std::deque<Deferred> queue_;
  std::string component_;  // the component being compared, for Emit
};

std::string Where(const std::string& base, const std::string& pointer) {
  return pointer.empty() ? base : base + " " + pointer;
}

ContractChange Change(const std::string& kind, const std::string& where, const std::string& what, Breaks breaks,
                      const std::string& reason) {
  ContractChange c;
  c.kind = kind;
  c.where = where;
  c.what = what;
  c.breaks_clients = breaks.clients;
  c.breaks_implementations = breaks.implementations;
  c.reason = reason;
  return c;
}

void Differ::Emit(const std::string& kind, const std::string& where, const std::string& what, Breaks breaks,
                  const std::string& reason) {
  ContractChange c = Change(kind, where, what, breaks, reason);
  c.component = component_;
  out_->push_back(std::move(c));
}

bool Differ::Defer(ComponentKind kind, const YAML::Node& o, const YAML::Node& n, Side side, const std::string& base,
                   const std::string& pointer) {
  const std::string ref = RefOf(o);
  if (ref.empty() || ref != RefOf(n)) return false;
  if (uses_[{kind, side, ref}]++ == 0) queue_.push_back({kind, side, ref, base, pointer, o, n});
  return true;
}

void Differ::DeferredComponents() {
  const size_t first = out_->size();
  while (!queue_.empty()) {
    const Deferred d = queue_.front();
    queue_.pop_front();
    component_ = d.ref;
    const YAML::Node o = Follow(old_, d.old_node), n = Follow(new_, d.new_node);
    if (d.kind == ComponentKind::kSchema)
      Schema(o, n, d.side, d.base, d.pointer);
    else
      Response(d.base, o, n);
  }
  component_.clear();
  // A component's uses are known only once every place has been met.
  for (size_t i = first; i < out_->size(); ++i) {
    ContractChange& c = (*out_)[i];
    int uses = 0;
    for (const auto& [key, count] : uses_)
      if (std::get<2>(key) == c.component) uses = std::max(uses, count);
    c.uses = uses;
  }
}

const char* const kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

struct OperationRef {
  std::string display;  // "GET /v1/purchases/{purchase_id}"
  std::vector<std::string> path_names;  // the template's parameters in order: {"purchase_id"}
  YAML::Node path_item, op;
};

// A path template without its parameters' names ("/v1/purchases/{}"), and
// those names in order: renaming a path parameter changes nothing a client
// sends, so it must not read as an operation removed and another added.
std::string PathShape(const std::string& path, std::vector<std::string>* names) {
  std::string shape;
  for (size_t i = 0; i < path.size(); ++i) {
    const size_t close = path[i] == '{' ? path.find('}', i) : std::string::npos;
    if (close == std::string::npos) {
      shape += path[i];
      continue;
    }
    names->push_back(path.substr(i + 1, close - i - 1));
    shape += "{}";
    i = close;
  }
  return shape;
}

// Operations by path shape then method, so the report reads like the document.
std::map<std::string, OperationRef> OperationsOf(const Document& doc) {
  std::map<std::string, OperationRef> out;
  for (const auto& path : Get(doc.root, "paths")) {
    const YAML::Node item = Follow(doc, path.second);
    std::vector<std::string> names;
    const std::string shape = PathShape(path.first.Scalar(), &names);
    for (const char* method : kMethods) {
      const YAML::Node op = Get(item, method);
      if (!op) continue;
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
      out[shape + " " + upper] = {upper + " " + path.first.Scalar(), names, item, op};
    }
  }
  return out;
}

void Differ::Operations() {
  const auto olds = OperationsOf(old_), news = OperationsOf(new_);
  for (const auto& [key, o] : olds) {
    const auto n = news.find(key);
    if (n == news.end()) {
      // Clients that call it get 404 or 405 from an implementation of the
      // new contract; an implementation that still serves it harms no one.
      Emit("operation-removed", o.display, "operation removed", kClients,
           "clients that call it get no answer the old contract promised");
      continue;
    }
    Operation(o, n->second);
  }
  for (const auto& [key, n] : news)
    if (!olds.count(key))
      // Decision: a new operation is safe for clients (none calls it yet)
      // but breaks implementations: one that lacks it does not keep the new
      // contract (its scenarios fail), the same as a widened request.
      Emit("operation-added", n.display, "operation added", kImplementations,
           "implementations of the old contract do not serve it; clients are unaffected");
}

void Differ::Operation(const OperationRef& o, const OperationRef& n) {
  Parameters(o, n);
  RequestBody(n.display, o.op, n.op);
  Responses(n.display, o.op, n.op);
}

struct Parameter {
  std::string display;  // "query order_id"
  YAML::Node node;
};

// The parameters of an operation: the path item's, replaced by the
// operation's own; by "in name", except path parameters, which are keyed by
// their place in the template (a renamed one is the same parameter).
std::map<std::string, Parameter> ParametersOf(const Document& doc, const OperationRef& op) {
  std::map<std::string, Parameter> out;
  for (const YAML::Node* list : {&op.path_item, &op.op})
    for (const auto& p : Get(*list, "parameters")) {
      const YAML::Node param = Follow(doc, p);
      const std::string in = ScalarOr(Get(param, "in")), name = ScalarOr(Get(param, "name"));
      std::string key = in + " " + name;
      const auto place = std::find(op.path_names.begin(), op.path_names.end(), name);
      if (in == "path" && place != op.path_names.end())
        key = "path #" + std::to_string(place - op.path_names.begin());
      out[key] = {in + " " + name, param};
    }
  return out;
}

void Differ::Parameters(const OperationRef& o_op, const OperationRef& n_op) {
  const std::string& where = n_op.display;
  const auto olds = ParametersOf(old_, o_op), news = ParametersOf(new_, n_op);
  for (const auto& [key, old_param] : olds) {
    const YAML::Node& o = old_param.node;
    const std::string at = where + " " + old_param.display;
    const auto n = news.find(key);
    if (n == news.end()) {
      Emit("parameter-removed", at, "parameter removed", kClients,
           "clients that send it may now be refused, or have it ignored");
      continue;
    }
    const YAML::Node& new_node = n->second.node;
    const bool was = BoolOf(Get(o, "required")), is = BoolOf(Get(new_node, "required"));
    if (!was && is)
      Emit("parameter-made-required", at, "parameter made required", kClients,
           "clients that leave it out are now refused");
    if (was && !is)
      Emit("parameter-made-optional", at, "parameter made optional", kImplementations,
           "implementations must now answer requests without it");
    SchemaRef(Get(o, "schema"), Get(new_node, "schema"), Side::kRequest, at, "");
  }
  for (const auto& [key, new_param] : news) {
    if (olds.count(key)) continue;
    if (BoolOf(Get(new_param.node, "required")))
      Emit("parameter-added", where + " " + new_param.display, "required parameter added", kBoth,
           "clients do not send it and are refused; implementations must read it");
    else
      // Decision: a new optional parameter breaks implementations: the old
      // contract let them ignore or refuse it, the new one gives it a meaning.
      Emit("parameter-added", where + " " + new_param.display, "optional parameter added", kImplementations,
           "implementations must honour a parameter the old contract let them ignore or refuse");
  }
}

void Differ::RequestBody(const std::string& where, const YAML::Node& o_op, const YAML::Node& n_op) {
  const std::string at = where + " request body";
  const YAML::Node o_ref = Get(o_op, "requestBody"), n_ref = Get(n_op, "requestBody");
  if (!o_ref && !n_ref) return;
  if (!n_ref) {
    Emit("request-body-removed", at, "request body removed", kClients,
         "clients that send a body may now be refused, or have it ignored");
    return;
  }
  const YAML::Node n = Follow(new_, n_ref);
  if (!o_ref) {
    Emit("request-body-added", at, BoolOf(Get(n, "required")) ? "required request body added" : "request body added",
         BoolOf(Get(n, "required")) ? kBoth : kImplementations,
         BoolOf(Get(n, "required")) ? "clients send no body and are refused; implementations must read it"
                                    : "implementations must honour a body the old contract did not describe");
    return;
  }
  const YAML::Node o = Follow(old_, o_ref);
  const bool was = BoolOf(Get(o, "required")), is = BoolOf(Get(n, "required"));
  if (!was && is)
    Emit("request-body-made-required", at, "request body made required", kClients,
         "clients that send no body are now refused");
  if (was && !is)
    Emit("request-body-made-optional", at, "request body made optional", kImplementations,
         "implementations must now answer requests without a body");
  Content(at, Side::kRequest, Get(o, "content"), Get(n, "content"));
}

void Differ::Content(const std::string& where, Side side, const YAML::Node& o, const YAML::Node& n) {
  const auto olds = KeysOf(o), news = KeysOf(n);
  for (const auto& type : olds) {
    const std::string at = type == "application/json" ? where : where + " (" + type + ")";
    if (!news.count(type)) {
      Emit("media-type-removed", at, "media type " + type + " removed", Tightened(side), TightenedReason(side));
      continue;
    }
    SchemaRef(Get(Get(o, type), "schema"), Get(Get(n, type), "schema"), side, at, "");
  }
  for (const auto& type : news)
    if (!olds.count(type))
      Emit("media-type-added", where, "media type " + type + " added", Loosened(side), LoosenedReason(side));
}

void Differ::Responses(const std::string& where, const YAML::Node& o_op, const YAML::Node& n_op) {
  const YAML::Node o = Get(o_op, "responses"), n = Get(n_op, "responses");
  const auto olds = KeysOf(o), news = KeysOf(n);
  for (const auto& status : olds) {
    if (!news.count(status)) {
      // The reply narrowed: an implementation that answers this status now
      // breaks the contract; a client that handles it loses nothing.
      Emit("response-removed", where + " " + status, "response " + status + " removed", kImplementations,
           "implementations that answer it break the new contract; clients that handle it lose nothing");
      continue;
    }
    ResponseRef(where + " " + status, Get(o, status), Get(n, status));
  }
  for (const auto& status : news) {
    if (olds.count(status)) continue;
    const std::string covered =
        olds.count("default") ? " (the old `default` covered it, so a client that handles `default` copes)" : "";
    Emit("response-added", where + " " + status, "response " + status + " added", kClients,
         "clients may receive a status they never handled" + covered);
  }
}

void Differ::ResponseRef(const std::string& where, const YAML::Node& o, const YAML::Node& n) {
  if (Defer(ComponentKind::kResponse, o, n, Side::kReply, where, "")) return;
  Response(where, Follow(old_, o), Follow(new_, n));
}

void Differ::Response(const std::string& where, const YAML::Node& o, const YAML::Node& n) {
  ErrorCodes(where, Get(o, "x-error-codes"), Get(n, "x-error-codes"));
  Headers(where, Get(o, "headers"), Get(n, "headers"));
  Content(where + " body", Side::kReply, Get(o, "content"), Get(n, "content"));
}

void Differ::ErrorCodes(const std::string& where, const YAML::Node& o_list, const YAML::Node& n_list) {
  // A response without x-error-codes may carry any code (the runner judges
  // codes only where a list is): a list that appears narrows the reply, one
  // that goes widens it.
  if (!o_list != !n_list) {
    Emit(n_list ? "error-codes-listed" : "error-codes-unlisted", where,
         n_list ? "error codes limited to " + Canonical(n_list) : "error codes no longer listed (any code may come)",
         n_list ? kImplementations : kClients, n_list ? TightenedReason(Side::kReply) : LoosenedReason(Side::kReply));
    return;
  }
  const auto old_codes = ScalarSet(o_list), new_codes = ScalarSet(n_list);
  for (const auto& code : old_codes)
    if (!new_codes.count(code))
      Emit("error-code-removed", where, "error code " + code + " removed", kImplementations,
           "implementations that answer it break the new contract; clients that handle it lose nothing");
  for (const auto& code : new_codes)
    if (!old_codes.count(code))
      Emit("error-code-added", where, "error code " + code + " added", kClients,
           "clients may receive a code they never handled (one that maps codes to actions has none for it)");
}

void Differ::Headers(const std::string& where, const YAML::Node& o_map, const YAML::Node& n_map) {
  const auto olds = KeysOf(o_map), news = KeysOf(n_map);
  for (const auto& name : olds) {
    const std::string at = where + " header " + name;
    const YAML::Node o = Follow(old_, Get(o_map, name));
    if (!news.count(name)) {
      Emit("header-removed", at, "header removed", kClients, "clients that read it can no longer count on it");
      continue;
    }
    const YAML::Node n = Follow(new_, Get(n_map, name));
    const bool was = BoolOf(Get(o, "required")), is = BoolOf(Get(n, "required"));
    if (!was && is)
      Emit("header-made-required", at, "header made required", kImplementations,
           "implementations that leave it out break the new contract");
    if (was && !is)
      Emit("header-made-optional", at, "header made optional", kClients,
           "clients that read it may now find it missing");
    SchemaRef(Get(o, "schema"), Get(n, "schema"), Side::kReply, at, "");
  }
  for (const auto& name : news) {
    if (olds.count(name)) continue;
    const bool required = BoolOf(Get(Follow(new_, Get(n_map, name)), "required"));
    Emit("header-added", where + " header " + name, required ? "required header added" : "optional header added",
         required ? kImplementations : kSafe,
         required ? "implementations must now send it; clients need not read it"
                  : "clients need not read it and implementations need not send it");
  }
}

void Differ::SchemaRef(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& base,
                       const std::string& pointer) {
  if (!o || !n) return;
  if (Defer(ComponentKind::kSchema, o, n, side, base, pointer)) return;
  Schema(Follow(old_, o), Follow(new_, n), side, base, pointer);
}

void Differ::Schema(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& base,
                    const std::string& pointer) {
  if (!o.IsMap() || !n.IsMap()) return;
  const std::string at = Where(base, pointer);
  const std::string o_type = Canonical(Get(o, "type")), n_type = Canonical(Get(n, "type"));
  if (o_type != n_type) {
    // Neither a narrowing nor a widening: what one side wrote, the other no
    // longer reads.
    Emit("type-changed", at, "type " + (o_type.empty() ? "(any)" : o_type) + " became " +
                                 (n_type.empty() ? "(any)" : n_type),
         kBoth, "a value of the old type is wrong under the new one, for whoever sends it and whoever reads it");
    return;
  }
  const bool was_null = BoolOf(Get(o, "nullable")), is_null = BoolOf(Get(n, "nullable"));
  if (was_null != is_null)
    Emit(is_null ? "nullable-added" : "nullable-removed", at, is_null ? "made nullable" : "no longer nullable",
         is_null ? Loosened(side) : Tightened(side), is_null ? LoosenedReason(side) : TightenedReason(side));
  Enum(o, n, side, at);
  Bounds(o, n, side, at);
  Properties(o, n, side, base, pointer);
  const YAML::Node o_items = Get(o, "items"), n_items = Get(n, "items");
  SchemaRef(o_items, n_items, side, base, pointer + "/*");
  Alternatives(o, n, side, base, pointer);
}

void Differ::Enum(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& where) {
  const YAML::Node o_enum = Get(o, "enum"), n_enum = Get(n, "enum");
  if (!o_enum && !n_enum) return;
  if (!o_enum || !n_enum) {
    Emit(n_enum ? "enum-added" : "enum-removed", where, n_enum ? "limited to an enum" : "enum dropped",
         n_enum ? Tightened(side) : Loosened(side), n_enum ? TightenedReason(side) : LoosenedReason(side));
    return;
  }
  const auto olds = ScalarSet(o_enum), news = ScalarSet(n_enum);
  // In a request a value removed narrows what clients may send (breaks
  // clients) and a value added widens what implementations must accept
  // (breaks implementations). In a reply a value added may reach a client
  // that never handled it (breaks clients); a value removed is one an
  // implementation may still answer (breaks implementations, safe for clients).
  for (const auto& v : olds)
    if (!news.count(v))
      Emit("enum-narrowed", where, "value " + Quote(v) + " removed from the enum", Tightened(side),
           TightenedReason(side));
  for (const auto& v : news)
    if (!olds.count(v))
      Emit("enum-widened", where, "value " + Quote(v) + " added to the enum", Loosened(side), LoosenedReason(side));
}

// Compares a keyword that bounds a value: `lower` true for minimum-like
// keywords (raising them narrows), false for maximum-like ones.
void Differ::Bounds(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& where) {
  struct Bound {
    const char* keyword;
    bool lower;
  };
  static const Bound kBounds[] = {{"minimum", true},   {"maximum", false},  {"minLength", true},
                                  {"maxLength", false}, {"minItems", true},  {"maxItems", false},
                                  {"minProperties", true}, {"maxProperties", false}};
  for (const Bound& b : kBounds) {
    const YAML::Node ov = Get(o, b.keyword), nv = Get(n, b.keyword);
    if (!ov && !nv) continue;
    bool narrowed;
    if (!ov || !nv) {
      narrowed = static_cast<bool>(nv);
    } else {
      const double a = ov.as<double>(0), z = nv.as<double>(0);
      if (a == z) continue;
      narrowed = b.lower ? z > a : z < a;
    }
    const std::string what = std::string(b.keyword) + " " + (ov ? ov.Scalar() : "(none)") + " became " +
                             (nv ? nv.Scalar() : "(none)");
    Emit(narrowed ? "constraint-narrowed" : "constraint-widened", where, what,
         narrowed ? Tightened(side) : Loosened(side), narrowed ? TightenedReason(side) : LoosenedReason(side));
  }
  // A pattern or format cannot be ordered: a changed one may refuse what the
  // old allowed and allow what it refused, so it breaks both sides.
  for (const char* keyword : {"pattern", "format"}) {
    const std::string ov = ScalarOr(Get(o, keyword)), nv = ScalarOr(Get(n, keyword));
    if (ov == nv) continue;
    const Breaks breaks = ov.empty() ? Tightened(side) : nv.empty() ? Loosened(side) : kBoth;
    Emit(ov.empty() ? "constraint-narrowed" : nv.empty() ? "constraint-widened" : "constraint-changed", where,
         std::string(keyword) + " " + (ov.empty() ? "(none)" : Quote(ov)) + " became " +
             (nv.empty() ? "(none)" : Quote(nv)),
         breaks,
         ov.empty()   ? TightenedReason(side)
         : nv.empty() ? LoosenedReason(side)
                      : "values one version allows the other refuses, for whoever sends them and whoever reads them");
  }
  const bool was_closed = ScalarOr(Get(o, "additionalProperties")) == "false",
             is_closed = ScalarOr(Get(n, "additionalProperties")) == "false";
  if (was_closed != is_closed)
    Emit(is_closed ? "object-closed" : "object-opened", where,
         is_closed ? "no longer allows members it does not list" : "now allows members it does not list",
         is_closed ? Tightened(side) : Loosened(side), is_closed ? TightenedReason(side) : LoosenedReason(side));
}

void Differ::Properties(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& base,
                        const std::string& pointer) {
  const YAML::Node o_props = Get(o, "properties"), n_props = Get(n, "properties");
  const auto olds = KeysOf(o_props), news = KeysOf(n_props);
  const auto o_req = ScalarSet(Get(o, "required")), n_req = ScalarSet(Get(n, "required"));
  const bool request = side == Side::kRequest;
  std::set<std::string> names = olds;
  names.insert(news.begin(), news.end());
  names.insert(o_req.begin(), o_req.end());
  names.insert(n_req.begin(), n_req.end());
  for (const auto& name : names) {
    const std::string at = Where(base, pointer + "/" + name);
    const bool in_old = olds.count(name) || o_req.count(name), in_new = news.count(name) || n_req.count(name);
    if (in_old && !in_new) {
      // A request member removed may be refused as unknown (the contract lets
      // implementations refuse or ignore them); a reply member removed is one
      // a client may read and no longer find. Implementations lose nothing.
      Emit("member-removed", at, "member removed", kClients,
           request ? "clients that send it may now be refused, or have it ignored"
                   : "clients that read it can no longer count on it");
      continue;
    }
    if (!in_old && in_new) {
      const bool required = n_req.count(name);
      if (request)
        // Decision: a new optional request member breaks implementations (the
        // old contract let them refuse or ignore it); a required one breaks
        // clients too.
        Emit("member-added", at, required ? "required member added" : "optional member added",
             required ? kBoth : kImplementations,
             required ? "clients do not send it and are refused; implementations must read it"
                      : "implementations must honour a member the old contract let them ignore or refuse");
      else
        // Replies are open objects: a client ignores a member it does not
        // know, so a new one is safe unless implementations must now send it.
        Emit("member-added", at, required ? "required member added" : "optional member added",
             required ? kImplementations : kSafe,
             required ? "implementations must now send it; clients ignore members they do not know"
                      : "replies are open: clients ignore members they do not know, implementations need not send it");
      continue;
    }
    const bool was = o_req.count(name), is = n_req.count(name);
    if (!was && is)
      Emit("member-made-required", at, "member made required", Tightened(side),
           request ? "clients that leave it out are now refused"
                   : "implementations that leave it out break the new contract");
    if (was && !is)
      Emit("member-made-optional", at, "member made optional", Loosened(side),
           request ? "implementations must now answer requests without it"
                   : "clients that read it may now find it missing");
    if (olds.count(name) && news.count(name))
      SchemaRef(Get(o_props, name), Get(n_props, name), side, base, pointer + "/" + name);
  }
}

// allOf members are compared by position (each constrains the same value);
// one added narrows, one removed widens. oneOf and anyOf the other way round.
void Differ::Alternatives(const YAML::Node& o, const YAML::Node& n, Side side, const std::string& base,
                          const std::string& pointer) {
  for (const char* keyword : {"allOf", "oneOf", "anyOf"}) {
    const YAML::Node o_list = Get(o, keyword), n_list = Get(n, keyword);
    const size_t o_size = o_list && o_list.IsSequence() ? o_list.size() : 0;
    const size_t n_size = n_list && n_list.IsSequence() ? n_list.size() : 0;
    for (size_t i = 0; i < std::min(o_size, n_size); ++i) SchemaRef(o_list[i], n_list[i], side, base, pointer);
    if (o_size == n_size) continue;
    const bool narrowed = (std::string(keyword) == "allOf") == (n_size > o_size);
    Emit(narrowed ? "constraint-narrowed" : "constraint-widened", Where(base, pointer),
         std::string(keyword) + " of " + std::to_string(o_size) + " became " + std::to_string(n_size),
         narrowed ? Tightened(side) : Loosened(side), narrowed ? TightenedReason(side) : LoosenedReason(side));
  }
}

// ---- the lifecycle ----

class LifecycleDiffer {
 public:
  LifecycleDiffer(const purchase::Lifecycle& o, const purchase::Lifecycle& n, bool strict,
                  std::vector<ContractChange>* out)
      : o_(o), n_(n), strict_(strict), out_(out) {}

  void Run() {
    States();
    Transitions();
    Entries();
    Idempotent();
  }

 private:
  void Emit(const std::string& kind, const std::string& what, Breaks breaks, const std::string& reason) {
    ContractChange c;
    c.kind = kind;
    c.where = "lifecycle";
    c.what = what;
    c.breaks_clients = breaks.clients;
    c.breaks_implementations = breaks.implementations;
    c.reason = reason;
    out_->push_back(std::move(c));
  }

  void States() {
    for (const auto& s : o_.states()) {
      if (!n_.IsKnown(s)) {
        Emit("state-removed", "state " + Quote(s) + " removed", kBoth,
             "clients that wait for it or handle it never see it again (a client polling until it never stops); "
             "implementations that put orders in it break the new contract");
        continue;
      }
      if (o_.IsTerminal(s) != n_.IsTerminal(s)) {
        if (n_.IsTerminal(s))
          Emit("state-made-terminal", "state " + Quote(s) + " made terminal", kBoth,
               "a client polling until a terminal state it knows polls an order that never changes again, and "
               "implementations that move orders out of it break the new contract");
        else
          Emit("state-made-non-terminal", "state " + Quote(s) + " no longer terminal", kClients,
               "a client that stops polling at it misses the changes that may now follow");
      }
      if (o_.CodeOf(s) != n_.CodeOf(s))
        Emit("state-code-changed", "state " + Quote(s) + " spelled " + Quote(o_.CodeOf(s)) + " became " +
                                       Quote(n_.CodeOf(s)),
             kBoth, "replies spell the state differently: clients no longer recognise it, implementations must change it");
    }
    for (const auto& s : n_.states()) {
      if (o_.IsKnown(s)) continue;
      Emit("state-added", "state " + Quote(s) + " added", kClients,
           n_.IsTerminal(s) ? "a client meets a state it never heard of; one that polls until a terminal state it "
                              "knows never stops"
                            : "a client meets a state it never heard of and cannot tell what it means");
    }
  }

  static std::string Arrow(const purchase::LifecycleTransition& t) { return Quote(t.from) + " -> " + Quote(t.to); }

  // Causes are named only in histories, which the contract judges only with
  // --strict-reference: a renamed cause is safe otherwise.
  void Cause(const std::string& what, const std::string& o_cause, const std::string& n_cause) {
    if (o_cause == n_cause) return;
    Emit("cause-changed", what + ": cause " + Quote(o_cause) + " became " + Quote(n_cause), strict_ ? kBoth : kSafe,
         strict_ ? "histories name the cause: clients reading them and implementations writing them must change"
                 : "causes are named only in histories, judged only with --strict-reference");
  }

  void Transitions() {
    for (const auto& t : o_.transitions()) {
      const auto cause = n_.CauseOf(t.from, t.to);
      if (!cause) {
        Emit("transition-removed", "transition " + Arrow(t) + " removed", kBoth,
             "a client waiting for an order in " + Quote(t.from) + " to reach " + Quote(t.to) +
                 " may wait forever; implementations that make it break the new contract");
        continue;
      }
      Cause("transition " + Arrow(t), t.cause, *cause);
    }
    for (const auto& t : n_.transitions())
      if (!o_.Allows(t.from, t.to))
        Emit("transition-added", "transition " + Arrow(t) + " added", kClients,
             "a client may see an order move in a way it never handled (leave a state it took as settled)");
  }

  static const purchase::LifecycleTransition* EntryInto(const purchase::Lifecycle& lc, const std::string& state) {
    for (const auto& e : lc.entries())
      if (e.to == state) return &e;
    return nullptr;
  }

  void Entries() {
    for (const auto& e : o_.entries()) {
      const auto* n = EntryInto(n_, e.to);
      if (!n) {
        // A client that handled a new order in this state has a case that no
        // longer happens; an implementation that still creates one breaks.
        Emit("entry-removed", "entry into " + Quote(e.to) + " removed", kImplementations,
             "implementations that create orders in it break the new contract; clients lose nothing");
        continue;
      }
      Cause("entry into " + Quote(e.to), e.cause, n->cause);
    }
    for (const auto& e : n_.entries())
      if (!EntryInto(o_, e.to))
        Emit("entry-added", "entry into " + Quote(e.to) + " added", kClients,
             "a client may get a new order already in " + Quote(e.to) + ", which it never expected at creation");
  }

  void Idempotent() {
    for (const auto& [state, cause] : o_.idempotent())
      if (!n_.IsIdempotent(state, cause))
        Emit("idempotent-removed", "repeated " + Quote(cause) + " in " + Quote(state) + " no longer accepted", kClients,
             "a client's retry that was accepted without a change may now be refused");
    for (const auto& [state, cause] : n_.idempotent())
      if (!o_.IsIdempotent(state, cause))
        Emit("idempotent-added", "repeated " + Quote(cause) + " in " + Quote(state) + " now accepted", kImplementations,
             "implementations must accept the repeated request without a change, which they may have refused");
  }

  const purchase::Lifecycle& o_;
  const purchase::Lifecycle& n_;
  bool strict_;
  std::vector<ContractChange>* out_;
};

// ---- the error catalogue and the rule ledger ----

// Code -> status, read by the parser the servers use (file:line on a
// malformed catalogue); none when the contract has no errors.yaml.
std::map<std::string, int> ErrorStatuses(const std::string& text, const std::string& source) {
  if (text.empty()) return {};
  return purchase::http::ErrorReplies::Parse(text, source).statuses();
}

void DiffErrors(const ContractTexts& o, const ContractTexts& n, std::vector<ContractChange>* out) {
  const auto olds = ErrorStatuses(o.errors, o.name + "/errors.yaml");
  const auto news = ErrorStatuses(n.errors, n.name + "/errors.yaml");
  // The catalogue alone promises nothing on the wire: the responses that list
  // a code (x-error-codes) are compared, and reported, apart.
  for (const auto& [code, status] : olds) {
    const auto it = news.find(code);
    if (it == news.end())
      out->push_back(Change("catalogue-code-removed", "errors.yaml " + code, "code removed from the catalogue", kSafe,
                            "the catalogue alone; each response that listed it is reported apart"));
    else if (it->second != status)
      out->push_back(Change("catalogue-status-changed", "errors.yaml " + code,
                            "status " + std::to_string(status) + " became " + std::to_string(it->second), kBoth,
                            "clients that expect the code under its old status miss it; implementations must "
                            "answer it with the new one"));
  }
  for (const auto& [code, status] : news)
    if (!olds.count(code))
      out->push_back(Change("catalogue-code-added", "errors.yaml " + code, "code added to the catalogue (" + std::to_string(status) + ")",
                            kSafe, "the catalogue alone; each response that lists it is reported apart"));
}

std::string Collapsed(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string Shortened(const std::string& text) {
  const std::string flat = Collapsed(text);
  return flat.size() <= 90 ? flat : flat.substr(0, 87) + "...";
}

void DiffRules(const ContractTexts& o, const ContractTexts& n, std::vector<ContractChange>* out) {
  if (o.rules.empty() && n.rules.empty()) return;
  const RuleLedger olds = o.rules.empty() ? RuleLedger() : RuleLedger::Parse(o.rules, o.name + "/rules.yaml");
  const RuleLedger news = n.rules.empty() ? RuleLedger() : RuleLedger::Parse(n.rules, n.name + "/rules.yaml");
  // A ledger that appears writes down sentences the contract already had
  // (or not: nothing tells), and one that disappears stops tracking them:
  // there is nothing to compare rule by rule, so it is one safe change.
  if (o.rules.empty() || n.rules.empty()) {
    const size_t count = (o.rules.empty() ? news : olds).rules().size();
    out->push_back(Change(o.rules.empty() ? "rule-ledger-added" : "rule-ledger-removed", "rules.yaml",
                          std::string(o.rules.empty() ? "rule ledger added (" : "rule ledger removed (") +
                              std::to_string(count) + " rules)",
                          kSafe, "one version has no ledger, so its rules are not compared one by one"));
    return;
  }
  for (const Rule& rule : olds.rules()) {
    const std::string where = "rule " + rule.id;
    const Rule* now = news.Find(rule.id);
    if (!now) {
      // A MUST rule removed relaxes implementations; a client that relied on
      // it can no longer. A SHOULD breach was a warning anyway.
      out->push_back(Change("rule-removed", where, std::string(rule.Level()) + " rule removed: " + Shortened(rule.text),
                            rule.should ? kSafe : kClients,
                            rule.should ? "a SHOULD rule only ever warned"
                                        : "implementations are relaxed; clients relying on it can no longer"));
      continue;
    }
    if (rule.should != now->should)
      out->push_back(Change("rule-level-changed", where, std::string(rule.Level()) + " became " + now->Level(),
                            now->should ? kClients : kImplementations,
                            now->should ? "implementations may now break it with a warning; clients relying on it "
                                          "can no longer"
                                        : "a breach that only warned now fails: implementations must keep it"));
    if (Collapsed(rule.text) != Collapsed(now->text))
      // Decision: the diff cannot tell a clarification from a new or dropped
      // obligation, so a reworded MUST rule breaks both sides until a person
      // has read it; a SHOULD rule only ever warns.
      out->push_back(Change("rule-reworded", where, "reworded: " + Shortened(now->text),
                            now->should ? kSafe : kBoth,
                            now->should ? "a SHOULD rule only warns"
                                        : "the sentence of a MUST rule changed: read it, since whether it adds or "
                                          "drops an obligation cannot be told from the text"));
  }
  for (const Rule& rule : news.rules())
    if (!olds.Find(rule.id))
      out->push_back(Change("rule-added", "rule " + rule.id,
                            std::string(rule.Level()) + " rule added: " + Shortened(rule.text),
                            rule.should ? kSafe : kImplementations,
                            rule.should ? "a SHOULD breach is a warning"
                                        : "a new obligation: implementations that do not keep it break"));
}

Document LoadOpenApi(const ContractTexts& c, bool strict) {
  Document doc{purchase::LoadYamlDocument(c.openapi, c.name + "/openapi.yaml"), c.name + "/openapi.yaml"};
  if (!doc.root.IsMap() || !Get(doc.root, "paths").IsMap())
    throw purchase::SpecErrorAt(doc.source, doc.root, "an OpenAPI document needs a map `paths`");
  purchase::ApplySpecLayer(doc.root, strict ? purchase::SpecLayer::kReference : purchase::SpecLayer::kContract,
                           doc.source);
  return doc;
}

}  // namespace

std::vector<ContractChange> DiffContracts(const ContractTexts& old_contract, const ContractTexts& new_contract,
                                          const DiffOptions& options) {
  std::vector<ContractChange> out;
  Differ differ(LoadOpenApi(old_contract, options.strict_reference),
                LoadOpenApi(new_contract, options.strict_reference), &out);
  differ.Operations();
  differ.DeferredComponents();
  const auto o_lc = purchase::Lifecycle::Parse(old_contract.lifecycle, old_contract.name + "/lifecycle.yaml");
  const auto n_lc = purchase::Lifecycle::Parse(new_contract.lifecycle, new_contract.name + "/lifecycle.yaml");
  LifecycleDiffer(o_lc, n_lc, options.strict_reference, &out).Run();
  DiffErrors(old_contract, new_contract, &out);
  DiffRules(old_contract, new_contract, &out);
  return out;
}

namespace {

// The groups of the text report, breaking first.
struct Group {
  const char* label;
  bool clients, implementations;
};
const Group kGroups[] = {{"BREAKS BOTH", true, true},
                         {"BREAKS CLIENTS", true, false},
                         {"BREAKS IMPLEMENTATIONS", false, true},
                         {"SAFE", false, false}};

std::string SharedNote(const ContractChange& c) {
  if (c.component.empty() || c.uses <= 1) return "";
  return " [" + c.component + ", used in " + std::to_string(c.uses) + " places]";
}

}  // namespace

std::string DiffText(const std::vector<ContractChange>& changes) {
  if (changes.empty()) return "no change\n";
  std::ostringstream out;
  int clients = 0, implementations = 0, safe = 0;
  for (const Group& g : kGroups)
    for (const auto& c : changes) {
      if (c.breaks_clients != g.clients || c.breaks_implementations != g.implementations) continue;
      std::string label = g.label;
      label.resize(24, ' ');
      out << label << c.where << ": " << c.what << " — " << c.reason << SharedNote(c) << "\n";
    }
  for (const auto& c : changes) {
    clients += c.breaks_clients;
    implementations += c.breaks_implementations;
    safe += !c.Breaking();
  }
  out << changes.size() << " change" << (changes.size() == 1 ? "" : "s") << ": " << clients << " break"
      << (clients == 1 ? "s" : "") << " clients, " << implementations << " break" << (implementations == 1 ? "s" : "")
      << " implementations, " << safe << " safe\n";
  return out.str();
}

std::string DiffJson(const std::vector<ContractChange>& changes) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  int clients = 0, implementations = 0, safe = 0;
  w.StartObject();
  w.Key("changes");
  w.StartArray();
  for (const auto& c : changes) {
    clients += c.breaks_clients;
    implementations += c.breaks_implementations;
    safe += !c.Breaking();
    w.StartObject();
    w.Key("kind");
    w.String(c.kind.c_str());
    w.Key("where");
    w.String(c.where.c_str());
    w.Key("what");
    w.String(c.what.c_str());
    w.Key("breaks_clients");
    w.Bool(c.breaks_clients);
    w.Key("breaks_implementations");
    w.Bool(c.breaks_implementations);
    w.Key("reason");
    w.String(c.reason.c_str());
    if (!c.component.empty()) {
      w.Key("component");
      w.String(c.component.c_str());
      w.Key("uses");
      w.Int(c.uses);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("breaks_clients");
  w.Int(clients);
  w.Key("breaks_implementations");
  w.Int(implementations);
  w.Key("safe");
  w.Int(safe);
  w.EndObject();
  return std::string(buffer.GetString()) + "\n";
}

}  // namespace conformance
