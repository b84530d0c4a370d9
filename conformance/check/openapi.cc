// std::regex instead of RapidJSON's internal regex engine, which knows no
// \d and silently ignores patterns it cannot parse; set before schema.h.
#define RAPIDJSON_SCHEMA_USE_INTERNALREGEX 0

#include "check/openapi.h"

#include "scenario/source_comment.h"

#include <strings.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_set>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <yaml-cpp/yaml.h>

#include "core/yaml_document.h"  // purchase::SpecError, LoadYamlDocument
#include "http/valid_text.h"     // purchase::http::PercentDecode
#include "scenario/template.h"
#include "scenario/yaml_json.h"

namespace conformance {
namespace {

using rapidjson::Document;
using rapidjson::Value;
using Alloc = Document::AllocatorType;

struct CompiledSchema {
  Document root;  // the schema with "components" beside it, so #/components refs resolve
  std::unique_ptr<rapidjson::SchemaDocument> schema;
};

// Returns everything a judgement depends on as one text, each part prefixed
// with its length in binary, so that equal keys mean equal responses.
std::string JudgementKey(const ResponseToJudge& r) {
  size_t size = r.method.size() + r.path.size() + r.body.size() + 64;
  if (r.headers)
    for (const auto& [name, value] : *r.headers) size += name.size() + value.size() + 16;
  std::string key;
  key.reserve(size);
  auto raw = [&key](const auto& value) { key.append(reinterpret_cast<const char*>(&value), sizeof value); };
  auto part = [&](std::string_view s) {
    raw(static_cast<uint64_t>(s.size()));
    key.append(s);
  };
  part(r.method);
  part(r.path);
  part(r.base_path);
  raw(static_cast<int64_t>(r.status));
  raw(static_cast<uint64_t>(r.headers ? r.headers->size() + 1 : 0));  // 0: no list, 1: an empty one
  if (r.headers)
    for (const auto& [name, value] : *r.headers) {
      part(name);
      part(value);
    }
  part(r.body);
  return key;
}

// Hashes std::string and std::string_view alike, so that a set of strings
// can be searched with a view.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

// The judge's memory of conforming responses (their JudgementKey): checking
// a response against the spec costs far more than hashing it, and a suite
// gets the same answer many times. Thread-safe, and bounded by the bytes of
// its keys (4 MiB; forgotten all at once when full), so a long run against a
// target whose every answer differs costs no more memory than a short one.
class ConformingResponses {
 public:
  static constexpr size_t kMaxKeyBytes = 64 * 1024;
  static constexpr size_t kMaxTotalBytes = 4 * 1024 * 1024;

  bool Contains(std::string_view key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return keys_.find(key) != keys_.end();
  }
  void Add(std::string key) {
    if (key.size() > kMaxKeyBytes) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (total_bytes_ + key.size() > kMaxTotalBytes) {
      keys_.clear();
      total_bytes_ = 0;
    }
    const size_t size = key.size();
    if (keys_.insert(std::move(key)).second) total_bytes_ += size;
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_set<std::string, TextHash, std::equal_to<>> keys_;
  size_t total_bytes_ = 0;  // of keys_
};

struct MediaType {
  std::string name;  // "application/json", "text/*", "*/*"
  const CompiledSchema* schema = nullptr;
  bool json = false;
};

struct HeaderSpec {
  std::string name;
  bool required = false;
  const CompiledSchema* schema = nullptr;
  std::string type;  // the schema's type, to read the header's text as JSON
  std::string component;  // "headers/RetryAfterPolling" when written as a $ref
};

struct ResponseSpec {
  std::string key;  // "200", "4XX", "default"
  // The components it is written with ("responses/OrderNotFound",
  // "schemas/Error"): their `# rule:` comments name its rules.
  std::vector<std::string> components;
  std::vector<MediaType> content;
  std::vector<HeaderSpec> headers;
  bool has_error_codes = false;
  std::vector<std::string> error_codes;
};

// A parameter of an operation (its path item's and its own).
struct ParameterSpec {
  std::string name;
  std::string in;  // "path", "query", "header"
  bool required = false;
  std::string type;  // the schema's type, to read the text as JSON
  const CompiledSchema* schema = nullptr;
};

// One alternative of an operation's security: every scheme in it must find its credential.
struct CredentialSpec {
  std::string scheme;  // the securitySchemes name
  std::string in;      // "header" (an http bearer: Authorization), "query", "cookie"
  std::string name;    // the header or query parameter's name
  bool bearer = false;
};

struct OperationRequest {
  std::vector<ParameterSpec> parameters;
  bool body_required = false;
  std::vector<MediaType> content;  // empty: the operation takes no body
  // Alternatives; empty: none asked. An empty alternative ({}) needs nothing.
  std::vector<std::vector<CredentialSpec>> security;
};

struct PathSegment {
  std::string text;
  bool variable = false;  // "{name}": takes any non-empty segment
};

struct PathTemplate {
  std::string text;
  std::vector<PathSegment> segments;
  std::map<std::string, std::vector<ResponseSpec>> operations;  // lowercase method -> responses
  std::map<std::string, OperationRequest> requests;                   // lowercase method -> what a request must be
  // The first template of the document with the same text (itself, unless a
  // YAML map repeats the key): the judge reads that one's operations. Set
  // once every template is in place.
  const PathTemplate* first_with_text = nullptr;
};

bool IsJsonMedia(const std::string& media) {
  return media == "application/json" || (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
}

// Reads a header's or parameter's text as the JSON value its schema judges:
// a number or boolean when the schema's type says so, else a string. False
// when the text is no such number or boolean.
bool ReadTextAs(const std::string& text, const std::string& type, Document& out) {
  if (type == "integer" || type == "number" || type == "boolean") {
    out.Parse(text.c_str());
    return !out.HasParseError() && (out.IsNumber() || out.IsBool());
  }
  out.SetString(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), out.GetAllocator());
  return true;
}

// Splits a path at '/' into views of it.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= path.size()) {
    const size_t slash = path.find('/', i);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(i, end - i));
    if (slash == std::string_view::npos) break;
    i = slash + 1;
  }
  return out;
}

// Returns `s` without the spaces and tabs around it.
std::string_view TrimBlanks(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string PointerText(const rapidjson::Pointer& p) {
  rapidjson::StringBuffer sb;
  p.Stringify(sb);
  return sb.GetString();
}

std::string UriText(const rapidjson::Pointer& p) {
  rapidjson::StringBuffer sb;
  p.StringifyUriFragment(sb);
  return sb.GetString();
}

std::string Shorten(std::string s, size_t limit = 120) {
  if (s.size() > limit) s = s.substr(0, limit) + "...";
  return s;
}

std::string TypeName(const Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "boolean";
    case rapidjson::kObjectType: return "object";
    case rapidjson::kArrayType: return "array";
    case rapidjson::kStringType: return "string";
    case rapidjson::kNumberType: return v.IsInt64() || v.IsUint64() ? "integer" : "number";
  }
  return "?";
}

const std::vector<std::string> kDroppedKeys = {"nullable", "example", "examples", "discriminator", "xml",
                                               "externalDocs", "deprecated", "readOnly", "writeOnly"};

// Converts an OpenAPI 3.0 schema object to JSON Schema draft-04.
void ConvertSchema(const Value& in, Value& out, Alloc& a) {
  if (!in.IsObject()) {
    out.CopyFrom(in, a);
    return;
  }
  out.SetObject();
  for (auto m = in.MemberBegin(); m != in.MemberEnd(); ++m) {
    const std::string key(m->name.GetString(), m->name.GetStringLength());
    if (std::find(kDroppedKeys.begin(), kDroppedKeys.end(), key) != kDroppedKeys.end() || key.rfind("x-", 0) == 0)
      continue;
    Value name(m->name, a);
    Value value;
    if ((key == "items" || key == "not" || key == "additionalProperties") && m->value.IsObject()) {
      ConvertSchema(m->value, value, a);
    } else if ((key == "allOf" || key == "anyOf" || key == "oneOf" || key == "items") && m->value.IsArray()) {
      value.SetArray();
      for (const auto& item : m->value.GetArray()) {
        Value v;
        ConvertSchema(item, v, a);
        value.PushBack(v, a);
      }
    } else if ((key == "properties" || key == "patternProperties" || key == "definitions") && m->value.IsObject()) {
      value.SetObject();
      for (auto p = m->value.MemberBegin(); p != m->value.MemberEnd(); ++p) {
        Value v;
        ConvertSchema(p->value, v, a);
        value.AddMember(Value(p->name, a), v, a);
      }
    } else if ((key == "exclusiveMinimum" || key == "exclusiveMaximum") && m->value.IsNumber()) {
      // OpenAPI 3.1 style (a number) -> draft-04 (a bound plus a flag).
      out.AddMember(Value(key == "exclusiveMinimum" ? "minimum" : "maximum", a), Value(m->value, a), a);
      value.SetBool(true);
    } else {
      value.CopyFrom(m->value, a);
    }
    out.AddMember(name, value, a);
  }
  const auto nullable = in.FindMember("nullable");
  if (nullable == in.MemberEnd() || !nullable->value.IsBool() || !nullable->value.GetBool()) return;
  auto type = out.FindMember("type");
  if (type != out.MemberEnd()) {
    if (type->value.IsString()) {
      Value list(rapidjson::kArrayType);
      list.PushBack(Value(type->value, a), a);
      list.PushBack(Value("null", a), a);
      type->value = list;
    } else if (type->value.IsArray()) {
      type->value.PushBack(Value("null", a), a);
    }
    auto en = out.FindMember("enum");
    if (en != out.MemberEnd() && en->value.IsArray()) {
      bool has_null = false;
      for (const auto& v : en->value.GetArray()) has_null = has_null || v.IsNull();
      if (!has_null) en->value.PushBack(Value(), a);
    }
    return;
  }
  // No type (a $ref or a combinator): null or the schema.
  Value wrapped(rapidjson::kObjectType);
  Value any(rapidjson::kArrayType);
  Value null_schema(rapidjson::kObjectType);
  null_schema.AddMember("type", "null", a);
  any.PushBack(null_schema, a);
  any.PushBack(out, a);
  wrapped.AddMember("anyOf", any, a);
  out = wrapped;
}

}  // namespace

struct OpenApiSpec::Impl {
  // Tells this spec from any other, even one later built at the same
  // address (Find's memo).
  const uint64_t generation = [] {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1);
  }();
  std::string source;
  Document doc;
  Document components;  // {"components": {"schemas": <converted>}}
  std::map<std::string, std::unique_ptr<CompiledSchema>> compiled;  // by converted schema text
  std::vector<PathTemplate> paths;
  ConformingResponses conforming;
  // "schemas/Name" -> the ids of its `# rule:` comments (every text given).
  std::map<std::string, std::vector<std::string>> component_rules;

  // Returns the template that documents `lower_method` ("": any method) at
  // `path`: of those that fit, the one with the most literal segments, the
  // first of equals; null if none (or if it is the empty path "", which
  // FindTemplate cannot tell from none). Runs for every response, so the
  // path is split into views on the stack unless it is unusually long.
  const PathTemplate* Find(std::string_view lower_method, std::string_view path) const {
    // One exchange asks the same question several times (its request, its
    // answer, its credential, its rules), and a proxy's traffic asks it
    // again and again: the last few answers are kept per thread, per spec.
    struct Memo {
      uint64_t spec = 0;
      std::string method, path;
      const PathTemplate* found = nullptr;
    };
    // Several: an exchange asks for its method and for any method ("").
    constexpr size_t kMemos = 4;
    thread_local Memo memos[kMemos];
    thread_local size_t next = 0;
    for (const Memo& m : memos)
      if (m.spec == generation && m.method == lower_method && m.path == path) return m.found;
    const PathTemplate* found = FindUncached(lower_method, path);
    Memo& memo = memos[next++ % kMemos];
    memo.spec = generation;
    memo.method.assign(lower_method);
    memo.path.assign(path);
    memo.found = found;
    return found;
  }

  const PathTemplate* FindUncached(std::string_view lower_method, std::string_view path) const {
    constexpr size_t kOnStack = 16;
    std::string_view on_stack[kOnStack];
    std::vector<std::string_view> on_heap;
    const size_t count = static_cast<size_t>(std::count(path.begin(), path.end(), '/')) + 1;
    std::string_view* segments = on_stack;
    if (count > kOnStack) {
      on_heap.resize(count);
      segments = on_heap.data();
    }
    for (size_t i = 0, start = 0; i < count; ++i) {  // as SplitPath
      const size_t slash = path.find('/', start);
      const size_t end = slash == std::string_view::npos ? path.size() : slash;
      segments[i] = path.substr(start, end - start);
      start = end + 1;
    }
    const PathTemplate* best = nullptr;
    int best_literals = -1;
    for (const auto& tpl : paths) {
      if (tpl.segments.size() != count) continue;
      int literals = 0;
      bool match = true;
      for (size_t i = 0; i < count && match; ++i) {
        const PathSegment& t = tpl.segments[i];
        if (t.variable)
          match = !segments[i].empty();
        else if (t.text == segments[i])
          ++literals;
        else
          match = false;
      }
      if (match && (lower_method.empty() || tpl.operations.count(std::string(lower_method))) &&
          literals > best_literals) {
        best = &tpl;
        best_literals = literals;
      }
    }
    return best && !best->text.empty() ? best : nullptr;
  }

  [[noreturn]] void Fail(const std::string& where, const std::string& message) const {
    throw purchase::SpecError(source + ":1:1: error: " + where + ": " + message);
  }

  // Follows $ref chains inside the document.
  const Value& Resolve(const Value& v, const std::string& where) const {
    const Value* cur = &v;
    for (int i = 0; i < 16; ++i) {
      if (!cur->IsObject()) return *cur;
      auto ref = cur->FindMember("$ref");
      if (ref == cur->MemberEnd() || !ref->value.IsString()) return *cur;
      const std::string target = ref->value.GetString();
      const Value* next = target.size() > 1 && target[0] == '#' ? rapidjson::Pointer(target.c_str() + 1).Get(doc) : nullptr;
      if (!next) Fail(where, "$ref '" + target + "' points nowhere");
      cur = next;
    }
    Fail(where, "$ref chain longer than 16");
  }

  // Builds a schema document in which `schema` (converted) is the root and
  // the converted components sit beside it.
  std::unique_ptr<CompiledSchema> Build(const Value& converted) const {
    auto c = std::make_unique<CompiledSchema>();
    Alloc& a = c->root.GetAllocator();
    c->root.SetObject();
    if (converted.IsObject())
      for (auto m = converted.MemberBegin(); m != converted.MemberEnd(); ++m)
        c->root.AddMember(Value(m->name, a), Value(m->value, a), a);
    c->root.AddMember("components", Value(components["components"], a), a);
    c->schema = std::make_unique<rapidjson::SchemaDocument>(c->root);
    return c;
  }

  const CompiledSchema* Compile(const Value& schema) {
    Document converted;
    ConvertSchema(schema, converted, converted.GetAllocator());
    const std::string key = ToJsonText(converted);
    auto& slot = compiled[key];
    if (!slot) slot = Build(converted);
    return slot.get();
  }

  // What a request of operation `op` (of path item `item`) must be.
  OperationRequest ReadRequest(const Value& item, const Value& op, const std::string& where) {
    OperationRequest out;
    for (const Value* list : {&item, &op}) {
      auto params = list->FindMember("parameters");
      if (params == list->MemberEnd() || !params->value.IsArray()) continue;
      for (const auto& p : params->value.GetArray()) {
        const Value& param = Resolve(p, where + " parameter");
        if (!param.IsObject() || !param.HasMember("name") || !param["name"].IsString() || !param.HasMember("in") ||
            !param["in"].IsString())
          continue;
        ParameterSpec ps;
        ps.name = param["name"].GetString();
        ps.in = param["in"].GetString();
        ps.required = ps.in == "path" || (param.HasMember("required") && param["required"].IsBool() &&
                                          param["required"].GetBool());
        if (auto schema = param.FindMember("schema"); schema != param.MemberEnd()) {
          const Value& sv = Resolve(schema->value, where);
          if (sv.IsObject() && sv.HasMember("type") && sv["type"].IsString()) ps.type = sv["type"].GetString();
          ps.schema = Compile(schema->value);
        }
        // The operation's own replaces its path item's of the same name and place.
        auto same = std::find_if(out.parameters.begin(), out.parameters.end(), [&](const ParameterSpec& x) {
          return x.in == ps.in && (ps.in == "header" ? EqualsIgnoringCase(x.name, ps.name) : x.name == ps.name);
        });
        if (same != out.parameters.end()) *same = std::move(ps); else out.parameters.push_back(std::move(ps));
      }
    }
    if (auto body = op.FindMember("requestBody"); body != op.MemberEnd()) {
      const Value& rb = Resolve(body->value, where + " requestBody");
      if (rb.IsObject()) {
        out.body_required = rb.HasMember("required") && rb["required"].IsBool() && rb["required"].GetBool();
        if (auto content = rb.FindMember("content"); content != rb.MemberEnd() && content->value.IsObject())
          for (auto c = content->value.MemberBegin(); c != content->value.MemberEnd(); ++c) {
            MediaType mt;
            mt.name = Lower(c->name.GetString());
            mt.json = IsJsonMedia(mt.name);
            if (mt.json && c->value.IsObject())
              if (auto schema = c->value.FindMember("schema"); schema != c->value.MemberEnd())
                mt.schema = Compile(schema->value);
            out.content.push_back(std::move(mt));
          }
      }
    }
    auto security = op.FindMember("security");
    const Value* requirements = security != op.MemberEnd() ? &security->value
                                : doc.HasMember("security")   ? &doc["security"]
                                                              : nullptr;
    const Value* schemes = rapidjson::Pointer("/components/securitySchemes").Get(doc);
    if (requirements && requirements->IsArray())
      for (const auto& alternative : requirements->GetArray()) {
        if (!alternative.IsObject()) continue;
        std::vector<CredentialSpec> all;
        for (auto m = alternative.MemberBegin(); m != alternative.MemberEnd(); ++m) {
          CredentialSpec c;
          c.scheme = m->name.GetString();
          const Value* scheme = schemes && schemes->IsObject() && schemes->HasMember(m->name) ? &(*schemes)[m->name] : nullptr;
          if (!scheme || !scheme->IsObject() || !scheme->HasMember("type") || !(*scheme)["type"].IsString())
            Fail(where, "security names scheme '" + c.scheme + "', which components.securitySchemes lacks");
          const std::string type = (*scheme)["type"].GetString();
          if (type == "http") {
            c.in = "header";
            c.name = "Authorization";
            c.bearer = scheme->HasMember("scheme") && (*scheme)["scheme"].IsString() &&
                       EqualsIgnoringCase((*scheme)["scheme"].GetString(), "bearer");
          } else if (type == "apiKey" && scheme->HasMember("in") && (*scheme)["in"].IsString() &&
                     scheme->HasMember("name") && (*scheme)["name"].IsString()) {
            c.in = (*scheme)["in"].GetString();
            c.name = (*scheme)["name"].GetString();
          } else {
            continue;  // oauth2, openIdConnect, mutualTLS: not visible in one request
          }
          all.push_back(std::move(c));
        }
        out.security.push_back(std::move(all));
      }
    return out;
  }

  // Explains why `instance` fails `validator`'s schema, in words.
  std::string Explain(const CompiledSchema& schema, const rapidjson::SchemaValidator& v, const Value& instance,
                      int depth) const {
    const std::string keyword = v.GetInvalidSchemaKeyword();
    const std::string schema_at = UriText(v.GetInvalidSchemaPointer());
    const std::string at = PointerText(v.GetInvalidDocumentPointer());
    const Value* value = v.GetInvalidDocumentPointer().Get(instance);
    const Value* rule = v.GetInvalidSchemaPointer().Get(schema.root);
    const std::string where = at.empty() ? "body" : "body at " + at;
    const std::string schema_note = schema_at == "#" ? "" : " (schema " + schema_at + ")";
    const std::string got = value ? Shorten(ToJsonText(*value)) : "nothing";
    std::string detail;
    if (keyword == "required" && rule && value && value->IsObject()) {
      std::string missing;
      auto req = rule->FindMember("required");
      if (req != rule->MemberEnd() && req->value.IsArray())
        for (const auto& name : req->value.GetArray())
          if (name.IsString() && !value->HasMember(name)) missing += (missing.empty() ? "'" : ", '") + std::string(name.GetString()) + "'";
      detail = "lacks required member " + missing;
    } else if (keyword == "additionalProperties" && v.GetInvalidDocumentPointer().GetTokenCount() > 0) {
      // RapidJSON points at the extra member itself; name it on its object.
      const rapidjson::Pointer& p = v.GetInvalidDocumentPointer();
      const auto& last = p.GetTokens()[p.GetTokenCount() - 1];
      const std::string parent = PointerText(rapidjson::Pointer(p.GetTokens(), p.GetTokenCount() - 1));
      return (parent.empty() ? std::string("body") : "body at " + parent) + " has member '" +
             std::string(last.name, last.length) + "' that the schema does not allow" + schema_note;
    } else if (keyword == "type" && rule && rule->HasMember("type") && value) {
      detail = "expected " + ToJsonText((*rule)["type"]) + ", got " + TypeName(*value) + " " + got;
    } else if (keyword == "enum" && rule && rule->HasMember("enum")) {
      detail = got + " is not one of " + Shorten(ToJsonText((*rule)["enum"]));
    } else if (keyword == "pattern" && rule && rule->HasMember("pattern")) {
      detail = got + " does not match " + ToJsonText((*rule)["pattern"]);
    } else if ((keyword == "oneOf" || keyword == "anyOf") && rule && value && depth < 2) {
      auto alts = rule->FindMember(keyword.c_str());
      std::string reasons;
      int passing = 0, index = 0;
      if (alts != rule->MemberEnd() && alts->value.IsArray()) {
        for (const auto& alt : alts->value.GetArray()) {
          ++index;
          auto sub = Build(alt);
          rapidjson::SchemaValidator sv(*sub->schema);
          if (value->Accept(sv)) {
            ++passing;
            continue;
          }
          std::string name = "alternative " + std::to_string(index);
          if (alt.IsObject() && alt.HasMember("$ref") && alt["$ref"].IsString()) name = alt["$ref"].GetString();
          reasons += "; " + name + ": " + Explain(*sub, sv, *value, depth + 1);
        }
      }
      detail = passing > 1 ? "matches more than one " + keyword + " alternative"
                           : "matches none of the " + keyword + " alternatives" + reasons;
    } else if (rule && rule->HasMember(keyword.c_str())) {
      detail = got + " violates " + keyword + " " + Shorten(ToJsonText((*rule)[keyword.c_str()]));
    } else {
      detail = got + " violates '" + keyword + "'";
    }
    return where + " " + detail + schema_note;
  }
};

OpenApiSpec::OpenApiSpec(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OpenApiSpec::~OpenApiSpec() = default;
const std::string& OpenApiSpec::source() const { return impl_->source; }

std::vector<std::string> OpenApiSpec::PathTemplates() const {
  std::vector<std::string> out;
  for (const auto& p : impl_->paths) out.push_back(p.text);
  return out;
}

namespace {

// Reports a $ref that points nowhere with the line it is written on.
void CheckRefs(const YAML::Node& node, const Document& doc, const std::string& source) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      if (kv.first.IsScalar() && kv.first.Scalar() == "$ref" && kv.second.IsScalar()) {
        const std::string& target = kv.second.Scalar();
        const bool ok = target.size() > 1 && target[0] == '#' && rapidjson::Pointer(target.c_str() + 1).IsValid() &&
                        rapidjson::Pointer(target.c_str() + 1).Get(doc);
        if (!ok) {
          throw purchase::SpecErrorAt(source, kv.second,
                                      "$ref '" + target + "' points nowhere (only #/... refs are supported)");
        }
      }
      CheckRefs(kv.second, doc, source);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) CheckRefs(item, doc, source);
  }
}

}  // namespace

std::unique_ptr<OpenApiSpec> OpenApiSpec::Parse(std::string_view text, const std::string& source,
                                                purchase::SpecLayer layer) {
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  YAML::Node root = purchase::LoadYamlDocument(text, source);
  purchase::ApplySpecLayer(root, layer, source);
  YamlToJson(root, impl->doc, impl->doc.GetAllocator());
  if (!impl->doc.IsObject() || !impl->doc.HasMember("paths") || !impl->doc["paths"].IsObject())
    throw purchase::SpecError(source + ":1:1: error: not an OpenAPI document: no 'paths' map");
  CheckRefs(root, impl->doc, source);

  Alloc& ca = impl->components.GetAllocator();
  impl->components.SetObject();
  Value schemas(rapidjson::kObjectType);
  if (impl->doc.HasMember("components") && impl->doc["components"].IsObject() &&
      impl->doc["components"].HasMember("schemas")) {
    const Value& in = impl->doc["components"]["schemas"];
    for (auto m = in.MemberBegin(); m != in.MemberEnd(); ++m) {
      Value converted;
      ConvertSchema(m->value, converted, ca);
      schemas.AddMember(Value(m->name, ca), converted, ca);
    }
  }
  Value comps(rapidjson::kObjectType);
  comps.AddMember("schemas", schemas, ca);
  impl->components.AddMember("components", comps, ca);

  static const std::vector<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  const Value& paths = impl->doc["paths"];
  for (auto p = paths.MemberBegin(); p != paths.MemberEnd(); ++p) {
    PathTemplate tpl;
    tpl.text = p->name.GetString();
    for (std::string_view segment : SplitPath(tpl.text))
      tpl.segments.push_back(PathSegment{std::string(segment), segment.size() >= 2 && segment.front() == '{' &&
                                                                   segment.back() == '}'});
    const std::string path_where = "paths " + tpl.text;
    const Value& item = impl->Resolve(p->value, path_where);
    if (!item.IsObject()) continue;
    for (auto op = item.MemberBegin(); op != item.MemberEnd(); ++op) {
      const std::string method = op->name.GetString();
      if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end() || !op->value.IsObject()) continue;
      const std::string op_where = path_where + " " + method;
      auto responses = op->value.FindMember("responses");
      if (responses == op->value.MemberEnd() || !responses->value.IsObject())
        impl->Fail(op_where, "operation has no responses");
      tpl.requests[method] = impl->ReadRequest(item, op->value, op_where);
      std::vector<ResponseSpec>& out = tpl.operations[method];
      for (auto r = responses->value.MemberBegin(); r != responses->value.MemberEnd(); ++r) {
        ResponseSpec rs;
        rs.key = r->name.GetString();
        auto component_of = [](const Value& v) -> std::string {
          if (!v.IsObject() || !v.HasMember("$ref") || !v["$ref"].IsString()) return "";
          const std::string ref = v["$ref"].GetString();
          const std::string prefix = "#/components/";
          return ref.rfind(prefix, 0) == 0 ? ref.substr(prefix.size()) : "";
        };
        if (std::string c = component_of(r->value); !c.empty()) rs.components.push_back(std::move(c));
        const std::string where = op_where + " response " + rs.key;
        const Value& resp = impl->Resolve(r->value, where);
        if (!resp.IsObject()) impl->Fail(where, "a response must be an object");
        if (auto codes = resp.FindMember("x-error-codes"); codes != resp.MemberEnd() && codes->value.IsArray()) {
          rs.has_error_codes = true;
          for (const auto& c : codes->value.GetArray())
            if (c.IsString()) rs.error_codes.emplace_back(c.GetString());
        }
        if (auto headers = resp.FindMember("headers"); headers != resp.MemberEnd() && headers->value.IsObject()) {
          for (auto h = headers->value.MemberBegin(); h != headers->value.MemberEnd(); ++h) {
            const Value& header = impl->Resolve(h->value, where + " header " + h->name.GetString());
            HeaderSpec hs;
            hs.component = component_of(h->value);
            hs.name = h->name.GetString();
            if (header.IsObject()) {
              hs.required = header.HasMember("required") && header["required"].IsBool() && header["required"].GetBool();
              if (auto schema = header.FindMember("schema"); schema != header.MemberEnd()) {
                const Value& s = impl->Resolve(schema->value, where);
                if (s.IsObject() && s.HasMember("type") && s["type"].IsString()) hs.type = s["type"].GetString();
                hs.schema = impl->Compile(schema->value);
              }
            }
            rs.headers.push_back(std::move(hs));
          }
        }
        if (auto content = resp.FindMember("content"); content != resp.MemberEnd() && content->value.IsObject()) {
          for (auto c = content->value.MemberBegin(); c != content->value.MemberEnd(); ++c) {
            MediaType mt;
            mt.name = Lower(c->name.GetString());
            mt.json = IsJsonMedia(mt.name);
            if (mt.json && c->value.IsObject())
              if (auto schema = c->value.FindMember("schema"); schema != c->value.MemberEnd()) {
                mt.schema = impl->Compile(schema->value);
                if (std::string name = component_of(schema->value); !name.empty()) rs.components.push_back(std::move(name));
              }
            rs.content.push_back(std::move(mt));
          }
        }
        out.push_back(std::move(rs));
      }
    }
    impl->paths.push_back(std::move(tpl));
  }
  for (auto& tpl : impl->paths)
    tpl.first_with_text = &*std::find_if(impl->paths.begin(), impl->paths.end(),
                                         [&](const PathTemplate& t) { return t.text == tpl.text; });
  std::unique_ptr<OpenApiSpec> spec(new OpenApiSpec(std::move(impl)));
  spec->AddRuleComments(text);
  return spec;
}

void OpenApiSpec::AddRuleComments(std::string_view text) {
  std::vector<ComponentRules> all = RulesOfComponents(text);
  for (auto& op : RulesOfOperations(text)) all.push_back(std::move(op));
  for (const ComponentRules& c : all)
    for (const std::string& id : c.ids) {
      auto& ids = impl_->component_rules[c.section + "/" + c.name];
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
}

std::vector<std::string> OpenApiSpec::RulesOf(std::string_view method, std::string_view path, int status,
                                              std::string_view failure) const {
  std::vector<std::string> ids;
  const PathTemplate* found = impl_->Find(Lower(method), path);
  if (!found) return ids;
  const auto it = found->first_with_text->operations.find(Lower(method));
  if (it == found->first_with_text->operations.end()) return ids;
  const std::string code = std::to_string(status), range = code.substr(0, 1) + "XX";
  const ResponseSpec* rs = nullptr;
  for (const auto& candidate : {code, range, std::string("default")}) {
    for (const auto& x : it->second)
      if (x.key == candidate || (candidate == range && EqualsIgnoringCase(x.key, range))) rs = &x;
    if (rs) break;
  }
  auto add = [&](const std::string& component) {
    if (auto r = impl_->component_rules.find(component); r != impl_->component_rules.end())
      for (const std::string& id : r->second)
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  // The operation's own rules first: the sentences that say what it answers.
  add("operations/" + Lower(method) + " " + found->first_with_text->text);
  if (!rs) return ids;
  // A header's failure is its own component's ("header Retry-After: ...").
  for (const HeaderSpec& h : rs->headers)
    if (failure.find("header " + h.name) != std::string_view::npos) {
      if (!h.component.empty()) add(h.component);
      return ids;
    }
  for (const std::string& component : rs->components) add(component);
  return ids;
}

std::string OpenApiSpec::FindOperation(std::string_view method, std::string_view path) const {
  return FindTemplate(method, path);
}

std::string OpenApiSpec::FindPath(std::string_view path) const { return FindTemplate("", path); }

std::vector<OpenApiSpec::Operation> OpenApiSpec::Operations() const {
  std::vector<Operation> out;
  for (const auto& tpl : impl_->paths)
    for (const auto& [method, responses] : tpl.operations) {
      Operation op;
      op.method = method;
      for (auto& c : op.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      op.path = tpl.text;
      for (const auto& r : responses) op.responses.push_back(Response{r.key, r.error_codes});
      out.push_back(std::move(op));
    }
  return out;
}

std::string OpenApiSpec::FindTemplate(std::string_view method, std::string_view path) const {
  const PathTemplate* tpl = impl_->Find(Lower(method), path);
  return tpl ? tpl->text : "";
}

std::vector<std::string> OpenApiSpec::Judge(const ResponseToJudge& r) const {
  if (r.body.size() > ConformingResponses::kMaxKeyBytes) return JudgeAfresh(r);  // too large to keep
  std::string key = JudgementKey(r);
  if (impl_->conforming.Contains(key)) return {};
  std::vector<std::string> failures = JudgeAfresh(r);
  if (failures.empty()) impl_->conforming.Add(std::move(key));
  return failures;
}

std::vector<std::string> OpenApiSpec::JudgeAfresh(const ResponseToJudge& r) const {
  std::vector<std::string> failures;
  std::string method = Lower(r.method);
  const PathTemplate* found = impl_->Find(method, r.path);
  if (!found && r.status == 405) {
    // A method the path does not have: judged by the path's own 405 answer
    // (every operation of a path documents the same one).
    found = impl_->Find("", r.path);
    if (found) {
      const PathTemplate& tpl = *found->first_with_text;
      method = tpl.operations.begin()->first;
      for (const auto& [m, responses] : tpl.operations)
        if (std::any_of(responses.begin(), responses.end(), [](const ResponseSpec& x) { return x.key == "405"; })) {
          method = m;
          break;
        }
    }
  }
  if (!found) {
    failures.push_back(impl_->source + " documents no operation " + std::string(r.method) + " " + std::string(r.path) +
                       " (add `openapi: false` to the step if it is meant to be off the spec)");
    return failures;
  }
  const PathTemplate& tpl = *found->first_with_text;
  const std::string& tpl_text = tpl.text;
  const std::vector<ResponseSpec>& responses = tpl.operations.at(method);
  const std::string status = std::to_string(r.status);
  const std::string range = status.substr(0, 1) + "XX";
  const ResponseSpec* rs = nullptr;
  for (const auto& candidate : {status, range, std::string("default")}) {
    for (const auto& x : responses)
      if (x.key == candidate || (candidate == range && EqualsIgnoringCase(x.key, range))) rs = &x;
    if (rs) break;
  }
  // Messages name the operation; built only for a failure, since most
  // responses have none.
  auto op = [&] { return std::string(r.method) + " " + tpl_text; };
  if (!rs) {
    std::string documented;
    for (const auto& x : responses) documented += (documented.empty() ? "" : ", ") + x.key;
    failures.push_back("status " + status + " is not documented for " + op() + " (documented: " + documented + ")");
    return failures;
  }
  auto prefix = [&] { return status + " of " + op() + ": "; };
  auto find_header = [&](const std::string& name) -> const std::string* {
    return r.headers ? FindHeader(*r.headers, name) : nullptr;
  };
  for (const auto& h : rs->headers) {
    const std::string* value = find_header(h.name);
    if (!value) {
      if (h.required) failures.push_back(prefix() + "required header " + h.name + " is missing");
      continue;
    }
    if (!h.schema) continue;
    std::string below_base;
    if (!r.base_path.empty() && strcasecmp(h.name.c_str(), "Location") == 0 && value->size() > r.base_path.size() &&
        value->compare(0, r.base_path.size(), r.base_path) == 0 && (*value)[r.base_path.size()] == '/') {
      below_base = value->substr(r.base_path.size());
      value = &below_base;
    }
    Document instance;
    if (!ReadTextAs(*value, h.type, instance)) {
      failures.push_back(prefix() + "header " + h.name + ": '" + *value + "' is not " + (h.type == "integer" ? "an " : "a ") + h.type);
      continue;
    }
    rapidjson::SchemaValidator v(*h.schema->schema);
    if (!instance.Accept(v)) {
      std::string why = impl_->Explain(*h.schema, v, instance, 0);
      why.replace(0, 4, "header " + h.name + " value");  // "body" -> the header
      failures.push_back(prefix() + why);
    }
  }
  if (rs->content.empty() || r.status == 204 || r.status == 304) return failures;
  const std::string* content_type = find_header("Content-Type");
  // The media type, compared in place with the documented ones (lower case).
  const std::string_view media =
      content_type ? TrimBlanks(std::string_view(*content_type).substr(0, content_type->find(';'))) : std::string_view();
  const MediaType* mt = nullptr;
  for (const auto& c : rs->content)
    if (EqualsIgnoringCase(c.name, media)) mt = &c;
  for (const auto& c : rs->content)
    if (!mt && (c.name == "*/*" || (c.name.size() > 2 && c.name.compare(c.name.size() - 2, 2, "/*") == 0 &&
                                    media.size() >= c.name.size() - 1 &&
                                    EqualsIgnoringCase(media.substr(0, c.name.size() - 1),
                                                       std::string_view(c.name).substr(0, c.name.size() - 1)))))
      mt = &c;
  if (!mt) {
    std::string documented;
    for (const auto& c : rs->content) documented += (documented.empty() ? "" : ", ") + c.name;
    failures.push_back(prefix() + (content_type ? "Content-Type '" + *content_type + "' is not documented"
                                              : std::string("the response has no Content-Type")) +
                       " (documented: " + documented + ")");
    return failures;
  }
  if (!mt->json) return failures;
  Document parsed_here;
  if (!r.parsed_body) parsed_here.Parse(r.body.data(), r.body.size());
  const Document& body = r.parsed_body ? *r.parsed_body : parsed_here;
  if (body.HasParseError()) {
    failures.push_back(prefix() + "the body is not JSON (" +
                       std::string(rapidjson::GetParseError_En(body.GetParseError())) + " at offset " +
                       std::to_string(body.GetErrorOffset()) + ")");
    return failures;
  }
  if (mt->schema) {
    rapidjson::SchemaValidator v(*mt->schema->schema);
    if (!body.Accept(v)) failures.push_back(prefix() + impl_->Explain(*mt->schema, v, body, 0));
  }
  if (rs->has_error_codes && body.IsObject() && body.HasMember("error") && body["error"].IsObject() &&
      body["error"].HasMember("code") && body["error"]["code"].IsString()) {
    const std::string code = body["error"]["code"].GetString();
    if (std::find(rs->error_codes.begin(), rs->error_codes.end(), code) == rs->error_codes.end()) {
      std::string documented;
      for (const auto& c : rs->error_codes) documented += (documented.empty() ? "" : ", ") + c;
      failures.push_back(prefix() + "error code " + code + " is not documented for this response (x-error-codes: " +
                         documented + ")");
    }
  }
  return failures;
}

std::string OpenApiSpec::CredentialOf(const RequestToJudge& r) const {
  const PathTemplate* found = impl_->Find(Lower(r.method), r.path);
  if (!found) return {};
  const auto spec = found->first_with_text->requests.find(Lower(r.method));
  if (spec == found->first_with_text->requests.end()) return {};
  const auto query = purchase::http::DecodeQueryText(purchase::http::SplitRawQuery(r.query));
  auto value_of = [&](const CredentialSpec& c) -> std::string {
    if (c.in == "header" && r.headers) {
      const std::string* v = FindHeader(*r.headers, c.name);
      return v ? *v : "";
    }
    if (c.in == "query" && query.ok())
      for (const auto& [name, value] : query.value())
        if (name == c.name) return value;
    return "";
  };
  for (const auto& alternative : spec->second.security) {
    if (alternative.empty()) continue;
    bool all = true;
    for (const CredentialSpec& c : alternative) all = all && (c.in == "cookie" || !value_of(c).empty());
    if (all) return value_of(alternative.front());
  }
  return {};
}

std::vector<std::string> OpenApiSpec::JudgeRequest(const RequestToJudge& r) const {
  std::vector<std::string> failures;
  const std::string method = Lower(r.method);
  const PathTemplate* found = impl_->Find(method, r.path);
  if (!found) {
    failures.push_back(impl_->source + " documents no operation " + std::string(r.method) + " " + std::string(r.path));
    return failures;
  }
  const PathTemplate& tpl = *found->first_with_text;
  const auto spec = tpl.requests.find(method);
  if (spec == tpl.requests.end()) return failures;
  const OperationRequest& rq = spec->second;
  // Named only in a failure: built only then.
  const auto op = [&] { return std::string(r.method) + " " + tpl.text; };

  // The query, decoded; a parameter sent twice is judged by its first value.
  std::vector<std::pair<std::string, std::string>> query;
  for (size_t start = 0; start < r.query.size();) {
    size_t end = r.query.find('&', start);
    if (end == std::string_view::npos) end = r.query.size();
    const std::string_view pair = r.query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const auto name = purchase::http::PercentDecode(pair.substr(0, eq));
    const auto value = purchase::http::PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value) {
      failures.push_back(op() + ": query parameter '" + std::string(pair) + "' is not valid percent-encoded UTF-8");
      continue;
    }
    query.emplace_back(*name, *value);
  }
  auto query_value = [&](const std::string& name) -> const std::string* {
    for (const auto& [k, v] : query)
      if (k == name) return &v;
    return nullptr;
  };
  auto header_value = [&](const std::string& name) -> const std::string* {
    return r.headers ? FindHeader(*r.headers, name) : nullptr;
  };
  // Path parameters, by the template's segments.
  std::map<std::string, std::string> path_values;
  {
    const std::vector<std::string_view> segments = SplitPath(r.path);
    for (size_t i = 0; i < segments.size() && i < tpl.segments.size(); ++i)
      if (tpl.segments[i].variable) {
        const std::string& t = tpl.segments[i].text;
        path_values[t.substr(1, t.size() - 2)] = purchase::http::PercentDecode(segments[i]).value_or(std::string(segments[i]));
      }
  }
  for (const ParameterSpec& p : rq.parameters) {
    const std::string* value = p.in == "query"    ? query_value(p.name)
                               : p.in == "header" ? header_value(p.name)
                               : p.in == "path" && path_values.count(p.name) ? &path_values[p.name]
                                                                            : nullptr;
    const auto where = [&] { return p.in + " parameter " + p.name; };
    if (!value) {
      if (p.required) failures.push_back(op() + ": required " + where() + " is missing");
      continue;
    }
    if (!p.schema) continue;
    Document instance;
    if (!ReadTextAs(*value, p.type, instance)) {
      failures.push_back(op() + ": " + where() + ": '" + Shorten(*value) + "' is not " + (p.type == "integer" ? "an " : "a ") +
                         p.type);
      continue;
    }
    rapidjson::SchemaValidator v(*p.schema->schema);
    if (!instance.Accept(v)) {
      std::string why = impl_->Explain(*p.schema, v, instance, 0);
      why.replace(0, 4, where() + " value");  // "body" -> the parameter
      failures.push_back(op() + ": " + why);
    }
  }
  if (!rq.security.empty()) {
    std::string asked;
    bool satisfied = false;
    for (const auto& alternative : rq.security) {
      bool all = true;
      std::string names;
      for (const CredentialSpec& c : alternative) {
        names += (names.empty() ? "" : " and ") + c.scheme;
        const std::string* value = c.in == "header" ? header_value(c.name) : c.in == "query" ? query_value(c.name) : nullptr;
        bool ok = value && !value->empty();
        if (ok && c.bearer) ok = value->size() > 7 && EqualsIgnoringCase(std::string_view(*value).substr(0, 7), "bearer ");
        if (c.in == "cookie") ok = true;  // not judged
        all = all && ok;
      }
      satisfied = satisfied || all;
      asked += (asked.empty() ? "" : ", or ") + (names.empty() ? std::string("none") : names);
    }
    if (!satisfied) failures.push_back(op() + ": the request carries no credential its security asks for (" + asked + ")");
  }
  if (rq.content.empty()) return failures;
  if (r.body.empty()) {
    if (rq.body_required) failures.push_back(op() + ": the request body is required and missing");
    return failures;
  }
  const std::string* content_type = header_value("Content-Type");
  const std::string_view media =
      content_type ? TrimBlanks(std::string_view(*content_type).substr(0, content_type->find(';'))) : std::string_view();
  const MediaType* mt = nullptr;
  for (const auto& c : rq.content)
    if (EqualsIgnoringCase(c.name, media) || c.name == "*/*") mt = &c;
  if (!mt) {
    std::string documented;
    for (const auto& c : rq.content) documented += (documented.empty() ? "" : ", ") + c.name;
    failures.push_back(op() + ": " +
                       (content_type ? "request Content-Type '" + *content_type + "' is not documented"
                                     : std::string("the request body has no Content-Type")) +
                       " (documented: " + documented + ")");
    return failures;
  }
  if (!mt->json) return failures;
  Document body;
  body.Parse(r.body.data(), r.body.size());
  if (body.HasParseError()) {
    failures.push_back(op() + ": the request body is not JSON (" +
                       std::string(rapidjson::GetParseError_En(body.GetParseError())) + " at offset " +
                       std::to_string(body.GetErrorOffset()) + ")");
    return failures;
  }
  if (mt->schema) {
    rapidjson::SchemaValidator v(*mt->schema->schema);
    if (!body.Accept(v)) {
      std::string why = impl_->Explain(*mt->schema, v, body, 0);
      why.replace(0, 4, "request body");
      failures.push_back(op() + ": " + why);
    }
  }
  return failures;
}

}  // namespace conformance
