// Judges responses against an OpenAPI 3.0 document: the operation is found by
// method and path template, the response by status (exact, then "4XX", then
// default); an undocumented status fails. The judge checks the content type,
// the required headers and their schemas, the error code against the
// response's x-error-codes, and JSON bodies against the schema converted to
// JSON Schema draft-04 (components refs kept, `nullable` folded into type)
// with rapidjson::SchemaValidator.
//
// Every schema is compiled in Parse(); afterwards the object only changes its
// memory of conforming responses (see Judge), under a lock, and is safe to
// share between runner threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "check/header_list.h"
#include "core/spec_layers.h"

namespace conformance {

struct ResponseToJudge {
  std::string_view method;  // "GET"
  std::string_view path;    // below the base URL, without the query: "/purchase/info"
  int status = 0;
  const HeaderList* headers = nullptr;
  // The base URL's own path ("" for none, "/_sandbox/NAME" in a sandbox): a
  // Location that is a path below it is judged without it, since the spec's
  // paths are written below the base URL.
  std::string_view base_path;
  std::string_view body;
  // `body` already parsed with rapidjson's default flags (a parse error
  // included), so that the caller and the judge parse it once; null: the
  // judge parses it.
  const rapidjson::Document* parsed_body = nullptr;
};

// A request as a client sent it, for JudgeRequest.
struct RequestToJudge {
  std::string_view method;  // "GET"
  std::string_view path;    // below the base URL, without the query: "/purchase/info"
  std::string_view query;   // as sent, without '?': "order_id=o%2D1&item_id=i-1"
  const HeaderList* headers = nullptr;
  std::string_view body;
};

class OpenApiSpec {
 public:
  // Parses an OpenAPI document (YAML or JSON text) at `layer`: the contract
  // alone, or with the reference server's x-reference promises merged in
  // (core/spec_layers.h). Throws purchase::SpecError ("source:line:column:
  // error: ...") if it has no paths, a $ref points nowhere, an x-reference is
  // not a map, or a schema cannot be compiled.
  static std::unique_ptr<OpenApiSpec> Parse(std::string_view text, const std::string& source,
                                            purchase::SpecLayer layer = purchase::SpecLayer::kContract);
  ~OpenApiSpec();

  // Returns every way the response breaks the spec; empty if it conforms.
  // A judgement depends on nothing but the response, so the judge remembers
  // the responses it found conforming (method, path, status, headers and
  // body, byte for byte) and answers the same response again (a poll's
  // unchanged answer) from memory; a response that breaks the spec is judged
  // afresh every time.
  std::vector<std::string> Judge(const ResponseToJudge& response) const;
  // Returns every way a client's request breaks the spec: an operation the
  // spec does not document, a required parameter (path, query or header)
  // missing or one whose value its schema refuses, a credential none of the
  // operation's security alternatives finds (a Bearer Authorization, an API
  // key), a body that is missing when required, of an undocumented
  // Content-Type, not JSON, or refused by its schema. Parameters the
  // operation does not list are not judged: the contract does not forbid
  // them. Empty if the request conforms.
  std::vector<std::string> JudgeRequest(const RequestToJudge& request) const;

  // The credential that says who the client is: the first credential of the
  // first security alternative of the operation the request carries in full
  // (a bearer Authorization, an API key in the query or a header), as sent;
  // "" when the operation asks none or the request has none.
  std::string CredentialOf(const RequestToJudge& request) const;

  // Judge without the memory: always judges. (Judge's own tests compare the
  // two, so that the memory cannot hide a wrong judgement.)
  std::vector<std::string> JudgeAfresh(const ResponseToJudge& response) const;

  // The rules of the ledger that `failure` (a Judge message of the answer to
  // `method path` with `status`; "" for any difference in that answer)
  // breaks: the operation's `# rule:` comments, then those of the header
  // component it names, else of the response's own component and its body
  // schema's (in the text parsed, and in AddRuleComments' texts); empty when
  // they name none.
  std::vector<std::string> RulesOf(std::string_view method, std::string_view path, int status,
                                   std::string_view failure) const;
  // Reads the components' `# rule:` comments of another text of this spec
  // (a profile's openapi.yaml and spec/control.yaml, merged into the text
  // parsed without their comments).
  void AddRuleComments(std::string_view text);

  // Returns the path template that documents `method path`, or "" if none.
  std::string FindOperation(std::string_view method, std::string_view path) const;

  // Returns the path template that matches `path` with any method, or "".
  std::string FindPath(std::string_view path) const;

  // One documented response: its key ("200", "4XX", "default") and the
  // error codes of its x-error-codes (empty when it lists none).
  struct Response {
    std::string key;
    std::vector<std::string> error_codes;
  };
  struct Operation {
    std::string method;  // upper case
    std::string path;    // template
    std::vector<Response> responses;  // in document order
  };
  // Returns every operation, paths in document order, methods sorted.
  std::vector<Operation> Operations() const;

  // Returns every path template of the document, in document order.
  std::vector<std::string> PathTemplates() const;

  const std::string& source() const;

 private:
  struct Impl;
  std::string FindTemplate(std::string_view method, std::string_view path) const;  // "" method: any
  explicit OpenApiSpec(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace conformance
