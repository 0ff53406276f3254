// IMAP4rev1 / IMAP4rev2 wire syntax (RFC 3501 section 9, RFC 9051 section 9):
// framing of server responses (lines with embedded literals), the response
// parser, and the command builder (atoms, quoted strings, literals with and
// without LITERAL+).
//
// No I/O here: the client (imap_client.h) feeds bytes into a Framer, takes
// whole responses out of it and parses them. Everything the server sends is
// untrusted: every malformed response is an ImapProtocolError, never a crash
// (tests/fuzz/fuzz_imap_protocol.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mg::imap {

// The server sent something that is not IMAP.
class ImapProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One data item of a response (RFC 3501 9: "nil", "number", "atom",
// "string" (quoted or literal), "(" list ")"). Flags (\Seen), sequence sets
// (1:3,5) and fetch attribute names with sections (BODY[HEADER.FIELDS (A)]<0>)
// are atoms here.
struct Value {
    enum Kind : uint8_t { Nil, Atom, String, List };
    Kind kind = Nil;
    std::string text;          // Atom, String (raw bytes; a literal may hold anything)
    std::vector<Value> items;  // List

    static Value nil() { return {}; }
    static Value atom(std::string s) { return {Atom, std::move(s), {}}; }
    static Value string(std::string s) { return {String, std::move(s), {}}; }
    static Value list(std::vector<Value> v) { return {List, {}, std::move(v)}; }

    bool is_nil() const { return kind == Nil; }
    bool is_list() const { return kind == List; }
    // Atom or String.
    bool is_text() const { return kind == Atom || kind == String; }
    // Case-insensitive comparison of an atom with `s`.
    bool is_atom(std::string_view s) const;
    // The text of an atom or string, "" for NIL; throws on a list.
    const std::string& str() const;
    // nstring: nullopt for NIL.
    std::optional<std::string> nstr() const;
    // An atom that is a number (RFC 3501 "number" / RFC 7162 "mod-sequence-value").
    uint64_t number() const;
    uint32_t number32() const;
    const std::vector<Value>& list_items() const;
    bool operator==(const Value&) const = default;
};

// One server response (RFC 3501 7).
struct Response {
    enum Type : uint8_t { Untagged, Tagged, Continuation };
    Type type = Untagged;
    std::string tag;                // Tagged
    std::optional<uint64_t> number; // "* 23 EXISTS" -> 23
    std::string name;               // upper-cased: OK NO BAD BYE PREAUTH CAPABILITY LIST FETCH EXISTS ...
    std::vector<Value> args;        // the data after the name (not for status responses)
    // Status responses (OK/NO/BAD/BYE/PREAUTH) and continuations: the
    // optional response code and the human-readable text.
    std::string code;               // upper-cased resp-text-code atom: UIDVALIDITY, APPENDUID, ...
    std::vector<Value> code_args;
    std::string text;

    bool is_status() const;
};

// Splits the server's byte stream into whole responses: a line ending in
// CRLF, where a line ending in "{n}" CRLF (or "{n+}", "~{n}") continues after
// n bytes of literal data. Bounded: a literal larger than max_literal or a
// line longer than max_line is an ImapProtocolError.
class Framer {
public:
    explicit Framer(size_t max_literal = size_t(512) << 20, size_t max_line = 1 << 20)
        : max_literal_(max_literal), max_line_(max_line) {}
    void feed(std::string_view bytes);
    // The next complete response (raw bytes incl. the final CRLF), or nullopt
    // when more input is needed.
    std::optional<std::string> next();
    size_t buffered() const { return buf_.size() - head_; }

private:
    // Responses are taken from head_ on; the consumed bytes before it are
    // dropped when more input arrives, not after every response (a 64 KiB
    // read of small FETCH responses would otherwise be moved once per response).
    std::string buf_;
    size_t head_ = 0;        // start of the current response
    size_t scan_ = 0;        // bytes of buf_ already known to belong to the current response
    size_t line_start_ = 0;  // start of the current line segment (for max_line)
    size_t max_literal_, max_line_;
};

// Parses one complete response as returned by Framer::next().
Response parse_response(std::string_view raw);

// Parses a sequence of values (the body of a list without its parentheses);
// used for data the tests and tools build by hand.
std::vector<Value> parse_values(std::string_view text);

// ---- sets (RFC 3501 9 "sequence-set", RFC 4315 "uid-set")

// "1:3,5,7:*" -> ranges; '*' becomes `star`. Bounded: at most max_items
// numbers are expanded by expand().
struct UidRange {
    uint32_t first = 0, last = 0;
    bool operator==(const UidRange&) const = default;
};
std::vector<UidRange> parse_set(std::string_view s, uint32_t star = UINT32_MAX);
// Expands ranges into single numbers; throws when more than max_items.
std::vector<uint32_t> expand_set(const std::vector<UidRange>& ranges, size_t max_items = 1000000);
// Compact text form of a sorted or unsorted list of numbers: "1:3,5".
std::string format_set(std::vector<uint32_t> uids);

// RFC 3501 date-time ("17-Jul-1996 02:44:25 -0700", day may be
// space-padded) -> Unix seconds; nullopt when malformed.
std::optional<int64_t> parse_internaldate(std::string_view s);

// ---- commands

// A command's bytes, split where the client must wait for a continuation
// request ("+") before sending on (synchronizing literals, RFC 3501 7.5).
// With LITERAL+ (RFC 7888) literals are "{n+}" and nothing waits.
class Command {
public:
    explicit Command(bool literal_plus = false) : literal_plus_(literal_plus) {}
    Command& raw(std::string_view s);    // as is (keywords, parentheses, numbers)
    Command& sp() { return raw(" "); }
    Command& number(uint64_t n);
    // astring: an atom when the text allows, a quoted string when it is
    // 7-bit without CR/LF, otherwise a literal.
    Command& astring(std::string_view s);
    // string: quoted or literal (never an atom).
    Command& string(std::string_view s);
    Command& literal(std::string_view data);
    // The segments to send; every segment but the last ends with a literal
    // announcement after which the client waits for "+". The last segment
    // has no CRLF: the client adds it.
    const std::vector<std::string>& segments() const { return segs_; }
    // For logs: the command with literal contents replaced by their length.
    const std::string& redacted() const { return log_; }
    Command& secret(std::string_view s);  // an astring that logs as "<secret>"
    // Ends the command line here, waits for a continuation request and sends
    // `s` as the next line (SASL responses); logs as "<secret>".
    Command& continuation_secret(std::string_view s);

private:
    void add(std::string_view s, bool log = true);
    std::vector<std::string> segs_{std::string()};
    std::string log_;
    bool literal_plus_;
};

// RFC 3501 9 ATOM-CHAR: any CHAR except atom-specials.
bool is_atom_char(unsigned char c);
// Upper-cases ASCII letters.
std::string upper(std::string_view s);

}  // namespace mg::imap
