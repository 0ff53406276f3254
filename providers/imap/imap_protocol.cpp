// IMAP wire syntax: framing, response parser, command builder.
// Grammar references are to RFC 3501 section 9 unless noted (RFC 9051 keeps
// the same response syntax for everything used here).
#include "providers/imap/imap_protocol.h"

#include <algorithm>
#include <charconv>

namespace mg::imap {

namespace {

constexpr int kMaxDepth = 100;  // nesting of lists (BODYSTRUCTURE of nested multiparts)

bool ieq(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = char(x - 32);
        if (y >= 'a' && y <= 'z') y = char(y - 32);
        if (x != y) return false;
    }
    return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads the digits of a literal announcement "{123}" / "{123+}" ending at
// `end` (the position of '}'); returns the length or nullopt when the text
// before `end` is not an announcement.
std::optional<uint64_t> literal_before(std::string_view line) {
    if (line.empty() || line.back() != '}') return std::nullopt;
    size_t i = line.size() - 1;
    if (i > 0 && line[i - 1] == '+') --i;
    size_t digits_end = i;
    while (i > 0 && is_digit(line[i - 1])) --i;
    if (i == digits_end || i == 0 || line[i - 1] != '{') return std::nullopt;
    if (digits_end - i > 19) throw ImapProtocolError("literal length too large");
    uint64_t n = 0;
    std::from_chars(line.data() + i, line.data() + digits_end, n);
    return n;
}

class Parser {
public:
    explicit Parser(std::string_view s) : s_(s) {}

    bool at_end() const { return pos_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[pos_]; }
    size_t pos() const { return pos_; }
    std::string_view rest() const { return s_.substr(std::min(pos_, s_.size())); }

    void expect(char c, const char* what) {
        if (peek() != c) throw ImapProtocolError(std::string("expected ") + what + near());
        ++pos_;
    }
    bool accept(char c) {
        if (peek() != c) return false;
        ++pos_;
        return true;
    }
    void skip_spaces() {
        while (peek() == ' ') ++pos_;
    }
    void advance(size_t n = 1) { pos_ = std::min(pos_ + n, s_.size()); }
    void seek(size_t pos) { pos_ = std::min(pos, s_.size()); }
    // Characters up to (not including) one of `stops` or the end.
    std::string_view until(std::string_view stops) {
        size_t start = pos_;
        while (!at_end() && stops.find(s_[pos_]) == std::string_view::npos) ++pos_;
        return s_.substr(start, pos_ - start);
    }

    // A token up to SP (tags, names).
    std::string token() {
        size_t start = pos_;
        while (!at_end() && s_[pos_] != ' ' && s_[pos_] != '\r' && s_[pos_] != '\n') ++pos_;
        if (start == pos_) throw ImapProtocolError("empty token" + near());
        return std::string(s_.substr(start, pos_ - start));
    }

    // Values until end of input or `close` (not consumed).
    std::vector<Value> values(char close, int depth) {
        std::vector<Value> out;
        for (;;) {
            skip_spaces();
            if (at_end()) {
                if (close) throw ImapProtocolError(std::string("missing '") + close + "'");
                return out;
            }
            if (close && peek() == close) return out;
            out.push_back(value(close, depth));
        }
    }

    Value value(char close, int depth) {
        char c = peek();
        if (c == '(') {
            if (depth >= kMaxDepth) throw ImapProtocolError("lists nested too deeply");
            ++pos_;
            Value v = Value::list(values(')', depth + 1));
            expect(')', "')'");
            return v;
        }
        if (c == '"') return Value::string(quoted());
        if (c == '{' || (c == '~' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '{'))
            return Value::string(literal());
        return atom(close);
    }

    std::string quoted() {
        expect('"', "'\"'");
        std::string out;
        for (;;) {
            if (at_end()) throw ImapProtocolError("unterminated quoted string");
            char c = s_[pos_++];
            if (c == '"') return out;
            if (c == '\r' || c == '\n') throw ImapProtocolError("CR/LF in quoted string");
            if (c == '\\') {
                if (at_end()) throw ImapProtocolError("unterminated quoted string");
                c = s_[pos_++];
            }
            out += c;
        }
    }

    std::string literal() {
        accept('~');  // literal8 (RFC 3516)
        expect('{', "'{'");
        size_t start = pos_;
        while (is_digit(peek())) ++pos_;
        if (start == pos_ || pos_ - start > 19) throw ImapProtocolError("bad literal length" + near());
        uint64_t n = 0;
        std::from_chars(s_.data() + start, s_.data() + pos_, n);
        accept('+');
        expect('}', "'}'");
        expect('\r', "CRLF after literal length");
        expect('\n', "CRLF after literal length");
        if (n > s_.size() - pos_) throw ImapProtocolError("literal longer than the response");
        std::string out(s_.substr(pos_, size_t(n)));
        pos_ += size_t(n);
        return out;
    }

    // An atom, leniently: anything up to a delimiter; "[...]" sections (with
    // spaces and parentheses inside) belong to the atom, as in
    // BODY[HEADER.FIELDS (FROM TO)]<0>. `close` also ends it (']' in codes).
    Value atom(char close) {
        size_t start = pos_;
        while (!at_end()) {
            char c = s_[pos_];
            if (c == ' ' || c == '(' || c == ')' || c == '"' || c == '{' || c == '\r' || c == '\n' ||
                (close && c == close))
                break;
            if (c == '[') {
                int nest = 0;
                do {
                    if (s_[pos_] == '[') ++nest;
                    else if (s_[pos_] == ']') --nest;
                    else if (s_[pos_] == '\r' || s_[pos_] == '\n') throw ImapProtocolError("unterminated '['");
                    ++pos_;
                } while (nest > 0 && !at_end());
                if (nest > 0) throw ImapProtocolError("unterminated '['");
                continue;
            }
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                throw ImapProtocolError("control character in atom" + near());
            ++pos_;
        }
        if (start == pos_) throw ImapProtocolError("unexpected character" + near());
        std::string_view a = s_.substr(start, pos_ - start);
        if (ieq(a, "NIL")) return Value::nil();
        return Value::atom(std::string(a));
    }

    std::string near() const {
        std::string_view r = rest().substr(0, 20);
        std::string out = " at offset " + std::to_string(pos_) + " near \"";
        for (char c : r) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '.' : c;
        return out + "\"";
    }

private:
    std::string_view s_;
    size_t pos_ = 0;
};

// resp-text = ["[" resp-text-code "]" SP] text
void parse_resp_text(Parser& p, Response& r) {
    p.skip_spaces();
    if (p.accept('[')) {
        std::string_view code = p.until(" ]");
        if (code.empty()) throw ImapProtocolError("empty response code");
        r.code = upper(code);
        if (p.accept(' ')) {
            size_t args = p.pos();
            try {
                r.code_args = p.values(']', 1);
            } catch (const ImapProtocolError&) {
                // Codes this client does not know may carry text that is not
                // IMAP data (resp-text-code =/ atom [SP 1*<any TEXT-CHAR except "]">]).
                p.seek(args);
                r.code_args = {Value::atom(std::string(p.until("]")))};
            }
        }
        p.expect(']', "']' after response code");
        p.skip_spaces();
    }
    r.text = std::string(p.rest());
}

}  // namespace

// ---- Value

bool Value::is_atom(std::string_view s) const { return kind == Atom && ieq(text, s); }

const std::string& Value::str() const {
    if (kind == List) throw ImapProtocolError("expected a string, got a list");
    return text;
}

std::optional<std::string> Value::nstr() const {
    if (kind == Nil) return std::nullopt;
    return str();
}

uint64_t Value::number() const {
    if (kind != Atom || text.empty() || text.size() > 19) throw ImapProtocolError("expected a number, got \"" + text + "\"");
    uint64_t n = 0;
    for (char c : text) {
        if (!is_digit(c)) throw ImapProtocolError("expected a number, got \"" + text + "\"");
        n = n * 10 + uint64_t(c - '0');
    }
    return n;
}

uint32_t Value::number32() const {
    uint64_t n = number();
    if (n > UINT32_MAX) throw ImapProtocolError("number out of range: " + text);
    return uint32_t(n);
}

const std::vector<Value>& Value::list_items() const {
    if (kind == Nil) {
        static const std::vector<Value> empty;
        return empty;
    }
    if (kind != List) throw ImapProtocolError("expected a list, got \"" + text + "\"");
    return items;
}

bool Response::is_status() const {
    return name == "OK" || name == "NO" || name == "BAD" || name == "BYE" || name == "PREAUTH";
}

// ---- Framer

void Framer::feed(std::string_view bytes) {
    if (head_ > 0) {
        buf_.erase(0, head_);
        scan_ -= head_;
        line_start_ -= head_;
        head_ = 0;
    }
    buf_.append(bytes);
}

std::optional<std::string> Framer::next() {
    for (;;) {
        if (scan_ > buf_.size()) return std::nullopt;  // inside a literal
        size_t crlf = buf_.find("\r\n", scan_);
        if (crlf == std::string::npos) {
            if (buf_.size() - line_start_ > max_line_) throw ImapProtocolError("response line too long");
            scan_ = buf_.size() == head_ ? head_ : std::max(scan_, buf_.size() - 1);  // a split CRLF is found next time
            return std::nullopt;
        }
        if (crlf - line_start_ > max_line_) throw ImapProtocolError("response line too long");
        std::optional<uint64_t> lit = literal_before(std::string_view(buf_).substr(line_start_, crlf - line_start_));
        if (lit) {
            if (*lit > max_literal_) throw ImapProtocolError("literal of " + std::to_string(*lit) + " bytes exceeds the limit");
            scan_ = crlf + 2 + size_t(*lit);
            line_start_ = scan_;
            continue;
        }
        std::string out = buf_.substr(head_, crlf + 2 - head_);
        head_ = scan_ = line_start_ = crlf + 2;
        return out;
    }
}

// ---- responses

Response parse_response(std::string_view raw) {
    if (raw.size() < 2 || raw.substr(raw.size() - 2) != "\r\n") throw ImapProtocolError("response without CRLF");
    raw.remove_suffix(2);
    Parser p(raw);
    Response r;
    if (p.accept('+')) {
        r.type = Response::Continuation;
        if (p.accept(' ') && p.peek() == '[') parse_resp_text(p, r);
        else r.text = std::string(p.rest());
        return r;
    }
    if (p.accept('*')) {
        r.type = Response::Untagged;
        p.expect(' ', "SP after '*'");
        if (is_digit(p.peek())) {
            Value n = p.atom(0);
            r.number = n.number();
            p.expect(' ', "SP after message number");
        }
    } else {
        r.type = Response::Tagged;
        r.tag = p.token();
        for (char c : r.tag)
            if (!is_atom_char(static_cast<unsigned char>(c)) && c != ']') throw ImapProtocolError("bad tag");
        p.expect(' ', "SP after tag");
    }
    r.name = upper(p.until(" "));
    if (r.name.empty()) throw ImapProtocolError("response without a name");
    if (r.type == Response::Tagged && r.name != "OK" && r.name != "NO" && r.name != "BAD")
        throw ImapProtocolError("tagged response must be OK, NO or BAD, not " + r.name);
    if (r.is_status() && !r.number) {
        parse_resp_text(p, r);
    } else {
        r.args = p.values(0, 0);
    }
    return r;
}

std::vector<Value> parse_values(std::string_view text) {
    Parser p(text);
    return p.values(0, 0);
}

// ---- sets

std::vector<UidRange> parse_set(std::string_view s, uint32_t star) {
    std::vector<UidRange> out;
    auto num = [&](std::string_view t) -> uint32_t {
        if (t == "*") return star;
        uint64_t n = 0;
        if (t.empty() || t.size() > 10) throw ImapProtocolError("bad number in set: \"" + std::string(t) + "\"");
        for (char c : t) {
            if (!is_digit(c)) throw ImapProtocolError("bad number in set: \"" + std::string(t) + "\"");
            n = n * 10 + uint64_t(c - '0');
        }
        if (n == 0 || n > UINT32_MAX) throw ImapProtocolError("number out of range in set");
        return uint32_t(n);
    };
    size_t i = 0;
    while (i <= s.size()) {
        size_t comma = s.find(',', i);
        if (comma == std::string_view::npos) comma = s.size();
        std::string_view item = s.substr(i, comma - i);
        size_t colon = item.find(':');
        UidRange r;
        if (colon == std::string_view::npos) {
            r.first = r.last = num(item);
        } else {
            r.first = num(item.substr(0, colon));
            r.last = num(item.substr(colon + 1));
            if (r.first > r.last) std::swap(r.first, r.last);
        }
        out.push_back(r);
        i = comma + 1;
    }
    return out;
}

std::vector<uint32_t> expand_set(const std::vector<UidRange>& ranges, size_t max_items) {
    std::vector<uint32_t> out;
    for (const UidRange& r : ranges) {
        if (uint64_t(r.last) - r.first + 1 > max_items - out.size()) throw ImapProtocolError("set too large");
        for (uint64_t u = r.first; u <= r.last; ++u) out.push_back(uint32_t(u));
    }
    return out;
}

std::string format_set(std::vector<uint32_t> uids) {
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    std::string out;
    for (size_t i = 0; i < uids.size();) {
        size_t j = i;
        while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(uids[i]);
        if (j > i) out += ':' + std::to_string(uids[j]);
        i = j + 1;
    }
    return out;
}

// ---- dates

std::optional<int64_t> parse_internaldate(std::string_view s) {
    static const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    // d[d]-Mon-yyyy hh:mm:ss +zzzz
    size_t dash1 = s.find('-');
    if (dash1 == std::string_view::npos || dash1 == 0 || dash1 > 2 || s.size() != dash1 + 24) return std::nullopt;
    auto num = [&](size_t at, size_t len) -> int {
        int v = 0;
        for (size_t i = at; i < at + len; ++i) {
            if (!is_digit(s[i])) return -1;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    int day = num(0, dash1);
    std::string mon = upper(s.substr(dash1 + 1, 3));
    int month = 0;
    for (int i = 0; i < 12; ++i)
        if (mon == kMonths[i]) month = i + 1;
    size_t p = dash1 + 4;
    if (s[p] != '-' || s[p + 5] != ' ' || s[p + 8] != ':' || s[p + 11] != ':' || s[p + 14] != ' ') return std::nullopt;
    int year = num(p + 1, 4), hh = num(p + 6, 2), mm = num(p + 9, 2), ss = num(p + 12, 2);
    char sign = s[p + 15];
    int zh = num(p + 16, 2), zm = num(p + 18, 2);
    if (day < 1 || day > 31 || !month || year < 1601 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 ||
        (sign != '+' && sign != '-') || zh < 0 || zm < 0 || zm > 59)
        return std::nullopt;
    // Days from 1970-01-01 of a proleptic Gregorian date (civil calendar).
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = int64_t(era) * 146097 + doe - 719468;
    int64_t offset = (zh * 3600 + zm * 60) * (sign == '+' ? 1 : -1);
    return days * 86400 + hh * 3600 + mm * 60 + ss - offset;
}

// ---- commands

bool is_atom_char(unsigned char c) {
    if (c <= 0x20 || c >= 0x7f) return false;
    switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
        return false;
    default:
        return true;
    }
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = char(c - 32);
    return out;
}

void Command::add(std::string_view s, bool log) {
    segs_.back().append(s);
    if (log) log_.append(s);
}

Command& Command::raw(std::string_view s) {
    add(s);
    return *this;
}

Command& Command::number(uint64_t n) { return raw(std::to_string(n)); }

Command& Command::astring(std::string_view s) {
    bool atom = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_atom_char(static_cast<unsigned char>(c)); });
    if (atom && !ieq(s, "NIL")) return raw(s);
    return string(s);
}

Command& Command::string(std::string_view s) {
    bool quotable = s.size() < 1024 && std::all_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x01 && u <= 0x7f && c != '\r' && c != '\n';
    });
    if (!quotable) return literal(s);
    std::string q = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
    }
    q += '"';
    return raw(q);
}

Command& Command::literal(std::string_view data) {
    std::string n = std::to_string(data.size());
    if (literal_plus_) {
        add("{" + n + "+}\r\n", false);
    } else {
        add("{" + n + "}\r\n", false);
        segs_.emplace_back();
    }
    log_ += "{" + n + "}<" + n + " bytes>";
    add(data, false);
    return *this;
}

Command& Command::secret(std::string_view s) {
    size_t before = log_.size();
    astring(s);
    log_.resize(before);
    log_ += "<secret>";
    return *this;
}

Command& Command::continuation_secret(std::string_view s) {
    add("\r\n", false);
    segs_.emplace_back();
    add(s, false);
    log_ += " <secret>";
    return *this;
}

}  // namespace mg::imap
